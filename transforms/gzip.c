/* gzip.c - zlib stages: gzip/gunzip, zlib/unzlib and raw deflate/inflate. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "builtin.h"
#include "pgzip.h"
#include "inflate_isal.h"

/*
 * The three formats differ only in the wrapper zlib writes around the
 * deflate data (gzip header and CRC-32, zlib header and Adler-32, or
 * none), which zlib picks from windowBits. So one compressor and one
 * decompressor serve all six stages; a struct zformat names the wrapper,
 * and each stage's init merely says which one it wants. (Except gzip's
 * compressor, which is pgzip.c: pigz's format, in parallel.)
 *
 * Both directions let zlib write straight into the output handle's
 * space, one piece at a time, so memory stays at zlib's own state (about
 * 256 KiB for deflate, 40 KiB for inflate) whatever the expansion ratio.
 * zlib counts in 32-bit units; naive mode can hand over more than that,
 * so input and output are fed to it in pieces of at most ZPIECE bytes.
 *
 * gunzip reads concatenated members (as gzip -d does) and, like gzip,
 * ignores zero bytes padding the end of the data; any other byte after a
 * member is an error. unzlib and inflate read exactly one stream, as
 * zlib-flate and Python's zlib.decompress do: a byte after its end is an
 * error, since neither format has a way to mark a second stream.
 */
#define ZPIECE ((size_t)1 << 30)

struct zformat {
	const char *name;  /* in messages: "... gzip data ..." */
	int window_bits;   /* deflateInit2/inflateInit2: picks the wrapper */
	int members;       /* streams may follow one another, zero padded */
};

static const struct zformat fmt_gzip = { "gzip", 15 + 16, 1 };
static const struct zformat fmt_zlib = { "zlib", 15, 0 };
static const struct zformat fmt_raw = { "deflate", -15, 0 };

static uInt piece(size_t n)
{
	return (uInt)(n < ZPIECE ? n : ZPIECE);
}

/* zlib's state is charged to the stage. */
static void use_owner(z_stream *zs, struct sx_stage *st)
{
	zs->zalloc = sx_mem_zalloc;
	zs->zfree = sx_mem_zfree;
	zs->opaque = st->mem;
}

/* ---- compressors: gzip, zlib, deflate ---- */

struct zip_state {
	z_stream zs;
	int level;
	int ready;
};

static int parse_level(struct sx_stage *st, const char *arg, int *level)
{
	if (strcmp(arg, "--fast") == 0)
		*level = 1;
	else if (strcmp(arg, "--best") == 0)
		*level = 9;
	else if (arg[0] == '-' && arg[1] >= '1' && arg[1] <= '9' && !arg[2])
		*level = arg[1] - '0';
	else
		return sx_stage_fail(st, SX_EUSAGE,
				     "unknown argument '%s' (levels are -1 .. -9, --fast, --best)",
				     arg);
	return SX_OK;
}

static int zip_init(struct sx_stage *st, int argc, char **argv,
		    const struct zformat *fmt)
{
	struct zip_state *s = st->priv;

	s->level = 6;
	for (int i = 1; i < argc; i++) {
		int rc = parse_level(st, argv[i], &s->level);
		if (rc)
			return rc;
	}
	use_owner(&s->zs, st);
	if (deflateInit2(&s->zs, s->level, Z_DEFLATED, fmt->window_bits, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return sx_mem_fail(st->mem, 0, &st->err);
	s->ready = 1;
	return SX_OK;
}

/* gzip writes pigz's format, in parallel: see pgzip.c. */
static int gzip_init(struct sx_stage *st, int argc, char **argv)
{
	int level = 6;

	for (int i = 1; i < argc; i++) {
		int rc = parse_level(st, argv[i], &level);
		if (rc)
			return rc;
	}
	return sx_pgzip_init(st, level);
}

static int zlib_init(struct sx_stage *st, int argc, char **argv)
{
	return zip_init(st, argc, argv, &fmt_zlib);
}

static int raw_init(struct sx_stage *st, int argc, char **argv)
{
	return zip_init(st, argc, argv, &fmt_raw);
}

/* Runs deflate over zs's input until it is consumed (or, with Z_FINISH,
 * until the stream ends). */
static int deflate_out(struct sx_stage *st, struct sx_out *out, int flush)
{
	struct zip_state *s = st->priv;

	for (;;) {
		unsigned char *dst;
		size_t avail;
		int rc = sx_out_space(out, &dst, &avail), zrc;

		if (rc)
			return rc;
		s->zs.next_out = dst;
		s->zs.avail_out = piece(avail);
		zrc = deflate(&s->zs, flush);
		sx_out_commit(out, piece(avail) - s->zs.avail_out);
		if (zrc == Z_STREAM_END)
			return SX_OK;
		if (zrc != Z_OK && zrc != Z_BUF_ERROR)
			return sx_stage_fail(st, SX_EDATA, "zlib deflate failed (%d)", zrc);
		if (flush == Z_NO_FLUSH && s->zs.avail_in == 0 && s->zs.avail_out > 0)
			return SX_OK;
	}
}

static int zip_process(struct sx_stage *st, const unsigned char *in,
		       size_t len, struct sx_out *out)
{
	struct zip_state *s = st->priv;

	while (len > 0) {
		uInt n = piece(len);
		int rc;

		s->zs.next_in = (Bytef *)in;
		s->zs.avail_in = n;
		rc = deflate_out(st, out, Z_NO_FLUSH);
		if (rc)
			return rc;
		in += n;
		len -= n;
	}
	return SX_OK;
}

static int zip_finish(struct sx_stage *st, struct sx_out *out)
{
	struct zip_state *s = st->priv;

	s->zs.next_in = Z_NULL;
	s->zs.avail_in = 0;
	return deflate_out(st, out, Z_FINISH);
}

static void zip_destroy(struct sx_stage *st)
{
	struct zip_state *s = st->priv;

	if (s->ready)
		deflateEnd(&s->zs);
}

const struct sx_stage_ops sx_stage_gzip = {
	.abi = SX_STAGE_ABI,
	.name = "gzip",
	.summary = "compress to gzip format in parallel (like pigz -n), levels -1 .. -9",
	.usage = "gzip [-1 .. -9 | --fast | --best]\n"
		 "  Compresses to one gzip member, default level 6, in pigz's format:\n"
		 "  the bytes of pigz -n, the same for every thread count. The input\n"
		 "  is cut into 128 KiB blocks compressed by up to --threads threads\n"
		 "  (each block primed with the 32 KiB before it). Memory: about\n"
		 "  0.55 MiB with -T 1, 0.83 MiB more per thread. The output\n"
		 "  decompresses with gzip -d.\n"
		 "  Example: streamx -T 4 -i big.log -o big.log.gz 'gzip -9'",
	.priv_size = sizeof(struct sx_pgzip),
	.init = gzip_init,
	.process = sx_pgzip_process,
	.finish = sx_pgzip_finish,
	.destroy = sx_pgzip_destroy,
};

const struct sx_stage_ops sx_stage_zlib = {
	.abi = SX_STAGE_ABI,
	.name = "zlib",
	.summary = "compress to zlib format (like zlib-flate -compress), levels -1 .. -9",
	.usage = "zlib [-1 .. -9 | --fast | --best]\n"
		 "  Compresses to one zlib stream (RFC 1950); default level 6.\n"
		 "  The output decompresses with zlib-flate -uncompress or pigz -dz.\n"
		 "  Example: streamx -i page.html -o page.zz 'zlib -9'",
	.priv_size = sizeof(struct zip_state),
	.init = zlib_init,
	.process = zip_process,
	.finish = zip_finish,
	.destroy = zip_destroy,
};

const struct sx_stage_ops sx_stage_deflate = {
	.abi = SX_STAGE_ABI,
	.name = "deflate",
	.summary = "compress to raw deflate, no header (zlib wbits -15), levels -1 .. -9",
	.usage = "deflate [-1 .. -9 | --fast | --best]\n"
		 "  Compresses to raw deflate data (RFC 1951) with no header or\n"
		 "  checksum; default level 6. The output decompresses with inflate.\n"
		 "  Example: streamx -i body.json -o body.deflate 'deflate --best'",
	.priv_size = sizeof(struct zip_state),
	.init = raw_init,
	.process = zip_process,
	.finish = zip_finish,
	.destroy = zip_destroy,
};

/* ---- decompressors: gunzip, unzlib, inflate ---- */

/*
 * They inflate with zlib or with ISA-L (inflate_isal.h), as
 * sx_isal_inflate_choice says; the rest is shared: members, padding,
 * garbage and the messages. ISA-L is fed input in fixed pieces: a piece
 * cut short by the end of a read is gathered in a buffer of its own
 * until it is whole or the input ends.
 */

enum member_state {
	NO_MEMBER_YET,  /* nothing read */
	IN_MEMBER,      /* inside a gzip member or the stream */
	AFTER_MEMBER,   /* a member ended; another or padding may follow */
	PADDING         /* zero bytes after the last member */
};

struct unzip_state {
	z_stream zs;
	struct sx_isal_inflate *isal; /* set: ISA-L inflates, not zlib */
	unsigned char *gather;        /* ISA-L: the piece being gathered */
	size_t gathered;              /* its bytes, from offset on */
	const struct zformat *fmt;
	enum member_state state;
	uint64_t offset;        /* bytes of input consumed */
	uint64_t member_start;  /* offset where the current member began */
	uint64_t members;       /* members completed */
	int ready;
};

static enum sx_isal_wrap isal_wrap(const struct zformat *fmt)
{
	return fmt->window_bits > 15 ? SX_ISAL_GZIP :
	       fmt->window_bits > 0 ? SX_ISAL_ZLIB : SX_ISAL_RAW;
}

static int isal_init(struct sx_stage *st)
{
	struct unzip_state *s = st->priv;
	size_t size = sx_isal_inflate_size();

	s->isal = sx_malloc(st->mem, size);
	if (!s->isal)
		return sx_mem_fail(st->mem, size, &st->err);
	s->gather = sx_malloc(st->mem, SX_ISAL_PIECE);
	if (!s->gather)
		return sx_mem_fail(st->mem, SX_ISAL_PIECE, &st->err);
	sx_isal_inflate_init(s->isal, isal_wrap(s->fmt));
	return SX_OK;
}

static int unzip_init(struct sx_stage *st, int argc, char **argv,
		      const struct zformat *fmt)
{
	struct unzip_state *s = st->priv;
	int use_isal;
	const char *bad_choice = sx_isal_inflate_choice(&use_isal);

	if (argc > 1)
		return sx_stage_fail(st, SX_EUSAGE, "unknown argument '%s'", argv[1]);
	if (bad_choice)
		return sx_stage_fail(st, SX_EUSAGE, "%s", bad_choice);
	s->fmt = fmt;
	if (use_isal)
		return isal_init(st);
	use_owner(&s->zs, st);
	if (inflateInit2(&s->zs, fmt->window_bits) != Z_OK)
		return sx_mem_fail(st->mem, 0, &st->err);
	s->ready = 1;
	return SX_OK;
}

static int gunzip_init(struct sx_stage *st, int argc, char **argv)
{
	return unzip_init(st, argc, argv, &fmt_gzip);
}

static int unzlib_init(struct sx_stage *st, int argc, char **argv)
{
	return unzip_init(st, argc, argv, &fmt_zlib);
}

static int inflate_init(struct sx_stage *st, int argc, char **argv)
{
	return unzip_init(st, argc, argv, &fmt_raw);
}

static int garbage(struct sx_stage *st, uint64_t at)
{
	struct unzip_state *s = st->priv;

	return sx_stage_fail(st, SX_EDATA, "trailing garbage after %s data at byte %llu",
			     s->fmt->name, (unsigned long long)at);
}

static int corrupt(struct sx_stage *st, uint64_t at, const char *why)
{
	struct unzip_state *s = st->priv;

	if (s->fmt->members) {
		/* A member that does not start with gzip's magic is not
		 * damaged gzip data but something else. */
		int bad_magic = at - s->member_start <= 2 ||
				strcmp(why, "incorrect header check") == 0;

		if (bad_magic && s->members > 0)
			return garbage(st, s->member_start);
		if (bad_magic)
			return sx_stage_fail(st, SX_EDATA,
					     "not in gzip format at byte %llu",
					     (unsigned long long)s->member_start);
	}
	return sx_stage_fail(st, SX_EDATA, "corrupt %s data at byte %llu: %s",
			     s->fmt->name, (unsigned long long)at, why);
}

static void member_ended(struct unzip_state *s)
{
	s->state = AFTER_MEMBER;
	s->members++;
}

/* zlib: inflates from zs's input until it is used up, the output space
 * is left unfilled, or the member ends. */
static int zlib_out(struct sx_stage *st, struct sx_out *out)
{
	struct unzip_state *s = st->priv;

	for (;;) {
		unsigned char *dst;
		size_t avail;
		uInt before = s->zs.avail_in;
		int rc = sx_out_space(out, &dst, &avail), zrc;

		if (rc)
			return rc;
		s->zs.next_out = dst;
		s->zs.avail_out = piece(avail);
		zrc = inflate(&s->zs, Z_NO_FLUSH);
		sx_out_commit(out, piece(avail) - s->zs.avail_out);
		s->offset += before - s->zs.avail_in;
		if (zrc == Z_STREAM_END) {
			member_ended(s);
			return SX_OK;
		}
		if (zrc == Z_BUF_ERROR)
			return SX_OK; /* no progress possible: needs input */
		if (zrc == Z_NEED_DICT)
			return corrupt(st, s->offset, "needs a preset dictionary");
		if (zrc != Z_OK)
			return corrupt(st, s->offset, s->zs.msg ? s->zs.msg : "invalid data");
		if (s->zs.avail_in == 0 && s->zs.avail_out > 0)
			return SX_OK;
	}
}

/* ISA-L: the same over in[0..len); *used says how much of it was taken. */
static int isal_out(struct sx_stage *st, const unsigned char *in, size_t len,
		    struct sx_out *out, size_t *used)
{
	struct unzip_state *s = st->priv;

	*used = 0;
	for (;;) {
		struct sx_isal_step r;
		int how = sx_isal_inflate_step(s->isal, in + *used, len - *used, &r), rc;

		*used += r.used;
		s->offset += r.used;
		if (how == SX_ISAL_BAD)
			return corrupt(st, s->offset - r.ahead, r.why);
		rc = sx_out_write(out, r.out, r.made);
		if (rc)
			return rc;
		if (how == SX_ISAL_END && r.ahead > *used) /* never: ends are read in their piece */
			return sx_stage_fail(st, SX_EDATA, "ISA-L inflate lost its place "
					     "at byte %llu", (unsigned long long)s->offset);
		if (how == SX_ISAL_END) {
			*used -= r.ahead;
			s->offset -= r.ahead;
			member_ended(s);
			return SX_OK;
		}
		if (r.made < SX_ISAL_OUT && (*used == len || r.used == 0))
			return SX_OK; /* needs input */
	}
}

/* Inflates from in[0..len) until it is used up or the member ends;
 * *used says how much was taken. */
static int inflate_some(struct sx_stage *st, const unsigned char *in, size_t len,
			struct sx_out *out, size_t *used)
{
	struct unzip_state *s = st->priv;
	int rc;

	if (s->isal)
		return isal_out(st, in, len, out, used);
	s->zs.next_in = (Bytef *)in;
	s->zs.avail_in = piece(len);
	rc = zlib_out(st, out);
	*used = piece(len) - s->zs.avail_in;
	return rc;
}

/* Decides what the byte at the current position starts. */
static int between_members(struct sx_stage *st, unsigned char c)
{
	struct unzip_state *s = st->priv;

	if (s->state == AFTER_MEMBER && !s->fmt->members)
		return garbage(st, s->offset);
	if ((s->state == AFTER_MEMBER || s->state == PADDING) && c == 0) {
		s->state = PADDING;
		return SX_OK;
	}
	if (s->state == PADDING)
		return garbage(st, s->offset);
	if (s->state == AFTER_MEMBER && s->isal)
		sx_isal_inflate_reset(s->isal);
	else if (s->state == AFTER_MEMBER && inflateReset(&s->zs) != Z_OK)
		return sx_stage_fail(st, SX_EDATA, "cannot reset zlib inflate");
	s->state = IN_MEMBER;
	s->member_start = s->offset;
	return SX_OK;
}

/* Takes in[0..len) whole: members, padding, or an error. */
static int take(struct sx_stage *st, const unsigned char *in, size_t len,
		struct sx_out *out)
{
	struct unzip_state *s = st->priv;

	while (len > 0) {
		size_t n;
		int rc;

		if (s->state != IN_MEMBER) {
			rc = between_members(st, in[0]);
			if (rc)
				return rc;
			if (s->state == PADDING) {
				in++, len--, s->offset++;
				continue;
			}
		}
		rc = inflate_some(st, in, len, out, &n);
		if (rc)
			return rc;
		if (n == 0) /* never: each call takes a byte or more */
			return sx_stage_fail(st, SX_EDATA, "inflate stalled at byte %llu",
					     (unsigned long long)s->offset);
		in += n;
		len -= n;
	}
	return SX_OK;
}

/* ISA-L: hands on whole pieces, straight from in where it holds one,
 * else gathered. */
static int take_pieces(struct sx_stage *st, const unsigned char *in, size_t len,
		       struct sx_out *out)
{
	struct unzip_state *s = st->priv;

	while (len > 0) {
		size_t whole = SX_ISAL_PIECE - (size_t)(s->offset % SX_ISAL_PIECE);
		size_t n = whole - s->gathered;
		int rc;

		if (s->gathered == 0 && len >= whole) {
			rc = take(st, in, whole, out);
		} else {
			if (n > len)
				n = len;
			memcpy(s->gather + s->gathered, in, n);
			s->gathered += n;
			rc = SX_OK;
			if (s->gathered == whole) {
				s->gathered = 0;
				rc = take(st, s->gather, whole, out);
			}
		}
		if (rc)
			return rc;
		in += n;
		len -= n;
	}
	return SX_OK;
}

static int unzip_process(struct sx_stage *st, const unsigned char *in,
			 size_t len, struct sx_out *out)
{
	struct unzip_state *s = st->priv;

	return s->isal ? take_pieces(st, in, len, out) : take(st, in, len, out);
}

static int unzip_finish(struct sx_stage *st, struct sx_out *out)
{
	static const unsigned char none[1];
	struct unzip_state *s = st->priv;
	size_t used;
	int rc;

	if (s->gathered > 0) {
		size_t n = s->gathered;

		s->gathered = 0;
		rc = take(st, s->gather, n, out);
		if (rc)
			return rc;
	}
	if (s->state == NO_MEMBER_YET)
		return sx_stage_fail(st, SX_EDATA,
				     "unexpected end of input at byte 0: no %s data",
				     s->fmt->name);
	if (s->state != IN_MEMBER)
		return SX_OK;
	rc = inflate_some(st, none, 0, out, &used);
	if (rc || s->state != IN_MEMBER)
		return rc;
	/* gzip: one or two bytes after a member cannot be told from a
	 * truncated magic number; like gzip, call them garbage. */
	if (s->members > 0 && s->offset - s->member_start < 2)
		return garbage(st, s->member_start);
	return sx_stage_fail(st, SX_EDATA,
			     "unexpected end of input at byte %llu: truncated %s data",
			     (unsigned long long)s->offset, s->fmt->name);
}

static void unzip_destroy(struct sx_stage *st)
{
	struct unzip_state *s = st->priv;

	if (s->ready)
		inflateEnd(&s->zs);
	sx_free(s->isal);
	sx_free(s->gather);
}

const struct sx_stage_ops sx_stage_gunzip = {
	.abi = SX_STAGE_ABI,
	.name = "gunzip",
	.summary = "decompress gzip data, including concatenated members",
	.usage = "gunzip\n"
		 "  Decompresses everything gzip writes, member after member;\n"
		 "  zero padding at the end is ignored, anything else is an error.\n"
		 "  Example: streamx -i access.log.gz 'gunzip | upper'",
	.priv_size = sizeof(struct unzip_state),
	.init = gunzip_init,
	.process = unzip_process,
	.finish = unzip_finish,
	.destroy = unzip_destroy,
};

const struct sx_stage_ops sx_stage_unzlib = {
	.abi = SX_STAGE_ABI,
	.name = "unzlib",
	.summary = "decompress one zlib stream (like zlib-flate -uncompress)",
	.usage = "unzlib\n"
		 "  Decompresses one zlib stream (RFC 1950) and checks its Adler-32;\n"
		 "  any byte after the stream's end is an error.\n"
		 "  Example: streamx -i page.zz -o page.html 'unzlib'",
	.priv_size = sizeof(struct unzip_state),
	.init = unzlib_init,
	.process = unzip_process,
	.finish = unzip_finish,
	.destroy = unzip_destroy,
};

const struct sx_stage_ops sx_stage_inflate = {
	.abi = SX_STAGE_ABI,
	.name = "inflate",
	.summary = "decompress one raw deflate stream (zlib wbits -15)",
	.usage = "inflate\n"
		 "  Decompresses one stream of raw deflate data (RFC 1951, no header\n"
		 "  or checksum); any byte after the stream's end is an error.\n"
		 "  Example: streamx -i body.deflate 'inflate | upper'",
	.priv_size = sizeof(struct unzip_state),
	.init = inflate_init,
	.process = unzip_process,
	.finish = unzip_finish,
	.destroy = unzip_destroy,
};
