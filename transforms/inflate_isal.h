/* inflate_isal.h - Intel ISA-L's inflate, for the gunzip, unzlib and inflate stages. */
#ifndef SX_INFLATE_ISAL_H
#define SX_INFLATE_ISAL_H

#include <stddef.h>

/*
 * The decompressor stages (gzip.c) inflate with zlib or, when streamx is
 * built with ISA-L (HAVE_ISAL), with ISA-L's inflate, which is two to
 * three times faster. STREAMX_INFLATE=zlib picks zlib at run time.
 *
 * An inflater decodes one gzip member or one zlib or raw deflate stream,
 * step by step, into an output buffer of its own (SX_ISAL_OUT bytes),
 * which the caller empties after every step. The caller allocates it
 * (sx_isal_inflate_size() bytes, from its memory owner) and frees it;
 * it holds nothing else.
 *
 * Input must come in pieces that end where the offset in the stage's
 * input is a multiple of SX_ISAL_PIECE, or at its end: ISA-L decodes
 * with a fast loop far from the ends of its buffers and a careful one
 * near them, and on damaged data the two stop at different places. Fed
 * the same pieces, with output space of the same size every time, it
 * makes the same calls and finds an error at the same byte whatever the
 * reads and buffer sizes of the run.
 *
 * Built without ISA-L, sx_isal_inflate_size() is 0, the choice below
 * never picks ISA-L, and the inflater functions are never to be called.
 */

#define SX_ISAL_PIECE ((size_t)32 << 10)
#define SX_ISAL_OUT ((size_t)64 << 10)

enum sx_isal_wrap { SX_ISAL_GZIP, SX_ISAL_ZLIB, SX_ISAL_RAW };

/* What a step came to. */
enum sx_isal_status {
	SX_ISAL_MORE,  /* wants more input, or to be called again for output */
	SX_ISAL_END,   /* the member or stream ended */
	SX_ISAL_BAD    /* the data is corrupt */
};

struct sx_isal_step {
	size_t used;               /* input taken by this step */
	const unsigned char *out;  /* output made: valid until the next step */
	size_t made;               /* SX_ISAL_OUT: call again, more may be held */
	/* Of the input taken by this step and the earlier ones of the same
	 * piece, the bytes that lie past the end (SX_ISAL_END: they are not
	 * the stream's, and are the caller's again) or past the damage found
	 * (SX_ISAL_BAD: the error is at the bytes taken less these). */
	size_t ahead;
	const char *why;           /* SX_ISAL_BAD: what is wrong, zlib's words */
};

struct sx_isal_inflate;

/* Bytes an inflater needs; 0 when streamx was built without ISA-L. */
size_t sx_isal_inflate_size(void);

/* Sets up z (sx_isal_inflate_size() bytes) for a stream of the wrapper. */
void sx_isal_inflate_init(struct sx_isal_inflate *z, enum sx_isal_wrap wrap);

/* Makes z ready for the next member, the wrapper unchanged. */
void sx_isal_inflate_reset(struct sx_isal_inflate *z);

/* Decodes from in[0..len), len <= SX_ISAL_PIECE (0 at the end of the
 * input, to collect what is held), into z's buffer. Returns an
 * sx_isal_status and fills *r. */
int sx_isal_inflate_step(struct sx_isal_inflate *z, const unsigned char *in,
			 size_t len, struct sx_isal_step *r);

/* Reads STREAMX_INFLATE: sets *use_isal to whether the stages inflate
 * with ISA-L. Returns NULL, or a one-line message for a value that is
 * neither empty, "zlib" nor "isa-l" (or "isa-l" without ISA-L built in),
 * leaving *use_isal 0. A message stays valid in the calling thread until
 * its next call. */
const char *sx_isal_inflate_choice(int *use_isal);

/* "ISA-L 2.30.0" or "zlib 1.2.13": what the stages inflate with under the
 * current environment (valid as the message above). */
const char *sx_isal_inflate_engine(void);

#endif
