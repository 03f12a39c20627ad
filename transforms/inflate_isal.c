/* inflate_isal.c - Intel ISA-L's inflate in the terms of the decompressor stages. */
#include "inflate_isal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#ifdef HAVE_ISAL
#include <dlfcn.h>
#include <isa-l.h>
#include <pthread.h>
#endif

/*
 * See inflate_isal.h for why input comes in fixed pieces and output goes
 * to a buffer of fixed size: both make ISA-L's calls, and so where it
 * finds damage, depend on the data alone.
 *
 * The gzip or zlib header is read here, byte by byte as zlib reads it,
 * with zlib's checks and words, and ISA-L gets the deflate data and
 * checks the trailer (ISAL_GZIP_NO_HDR_VER, ISAL_ZLIB_NO_HDR_VER). ISA-L
 * 2.30 reads headers itself only when one comes whole: resumed inside a
 * gzip header's extra field, name or comment it takes the header's flags
 * from an uninitialized field, and resumed after a zlib header it forgets
 * the preset dictionary. Reading the header here also tells data that is
 * not gzip at all ("incorrect header check" on the magic, which gzip.c
 * reports as such) from a damaged member, at the same byte as zlib.
 */

#define ENV_NAME "STREAMX_INFLATE"

const char *sx_isal_inflate_choice(int *use_isal)
{
	const char *v = getenv(ENV_NAME);
	static _Thread_local char msg[160]; /* the caller's until its next call */

	*use_isal = 0;
	if (v && strcmp(v, "zlib") == 0)
		return NULL;
	if (v && *v && strcmp(v, "isa-l") != 0) {
		snprintf(msg, sizeof(msg), ENV_NAME " is '%.60s': zlib or isa-l expected", v);
		return msg;
	}
	if (sx_isal_inflate_size() == 0) {
		if (v && *v)
			return ENV_NAME "=isa-l, but streamx was built without ISA-L or cannot load it";
		return NULL;
	}
	*use_isal = 1;
	return NULL;
}

const char *sx_isal_inflate_engine(void)
{
	static _Thread_local char name[64];
	int use_isal;

	if (!sx_isal_inflate_choice(&use_isal) && use_isal) {
#ifdef HAVE_ISAL
		snprintf(name, sizeof(name), "ISA-L %d.%d.%d", ISAL_MAJOR_VERSION,
			 ISAL_MINOR_VERSION, ISAL_PATCH_VERSION);
#endif
		return name;
	}
	snprintf(name, sizeof(name), "zlib %s", zlibVersion());
	return name;
}

#ifndef HAVE_ISAL

/* Without ISA-L nothing calls these: sx_isal_inflate_choice never picks it. */
size_t sx_isal_inflate_size(void)
{
	return 0;
}

void sx_isal_inflate_init(struct sx_isal_inflate *z, enum sx_isal_wrap wrap)
{
	(void)z;
	(void)wrap;
}

void sx_isal_inflate_reset(struct sx_isal_inflate *z)
{
	(void)z;
}

int sx_isal_inflate_step(struct sx_isal_inflate *z, const unsigned char *in,
			 size_t len, struct sx_isal_step *r)
{
	(void)z;
	(void)in;
	(void)len;
	memset(r, 0, sizeof(*r));
	r->why = "streamx was built without ISA-L";
	return SX_ISAL_BAD;
}

#else

/* gzip header flags (RFC 1952) and zlib's preset dictionary flag */
#define FHCRC 0x02
#define FEXTRA 0x04
#define FNAME 0x08
#define FCOMMENT 0x10
#define FDICT 0x20

/* The parts of a header, in order. */
enum head_part {
	HEAD_FIXED,    /* gzip's first 10 bytes, zlib's 2 */
	HEAD_XLEN,     /* gzip FEXTRA: the length of the extra field */
	HEAD_EXTRA,
	HEAD_NAME,     /* up to a NUL */
	HEAD_COMMENT,  /* up to a NUL */
	HEAD_HCRC,     /* gzip FHCRC: the header's CRC-16 */
	HEAD_DICTID,   /* zlib FDICT: the dictionary's id, then an error */
	HEAD_DONE
};

/*
 * libisal is loaded the first time a decompressor asks for it, not linked:
 * mapped into every run it cost about 0.4 MiB of RSS, most of it in runs
 * that never inflate. The two functions used are looked up once per
 * process and never change after that. Without the library (removed
 * after the build) the decompressors use zlib.
 */
#define ISAL_STR(x) ISAL_STR_(x)
#define ISAL_STR_(x) #x
#define ISAL_SONAME "libisal.so." ISAL_STR(ISAL_MAJOR_VERSION)

static struct {
	void (*init)(struct inflate_state *state);
	int (*inflate)(struct inflate_state *state);
} isal;
static pthread_once_t isal_once = PTHREAD_ONCE_INIT;

static void load_isal(void)
{
	void *handle = dlopen(ISAL_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!handle)
		return;
	/* dlsym returns an object pointer; POSIX guarantees it converts */
	*(void **)&isal.init = dlsym(handle, "isal_inflate_init");
	*(void **)&isal.inflate = dlsym(handle, "isal_inflate");
	if (!isal.init || !isal.inflate) {
		isal.init = NULL;
		isal.inflate = NULL;
		dlclose(handle);
	}
}

static int isal_loaded(void)
{
	pthread_once(&isal_once, load_isal);
	return isal.inflate != NULL;
}

struct sx_isal_inflate {
	struct inflate_state state;
	enum sx_isal_wrap wrap;
	enum head_part part;
	unsigned char buf[10];  /* the fixed part, or a length or CRC */
	unsigned flags;         /* the header's flags byte */
	size_t got;             /* bytes of the current part so far */
	size_t extra;           /* the length of gzip's extra field */
	uLong hcrc;             /* CRC-32 of the header so far */
	unsigned char out[SX_ISAL_OUT];
};

size_t sx_isal_inflate_size(void)
{
	return isal_loaded() ? sizeof(struct sx_isal_inflate) : 0;
}

void sx_isal_inflate_reset(struct sx_isal_inflate *z)
{
	static const int flags[] = {
		[SX_ISAL_GZIP] = ISAL_GZIP_NO_HDR_VER, [SX_ISAL_ZLIB] = ISAL_ZLIB_NO_HDR_VER,
		[SX_ISAL_RAW] = ISAL_DEFLATE,
	};

	isal.init(&z->state);
	z->state.crc_flag = (uint32_t)flags[z->wrap];
	z->part = z->wrap == SX_ISAL_RAW ? HEAD_DONE : HEAD_FIXED;
	z->got = 0;
	z->hcrc = crc32(0, Z_NULL, 0);
}

void sx_isal_inflate_init(struct sx_isal_inflate *z, enum sx_isal_wrap wrap)
{
	z->wrap = wrap;
	sx_isal_inflate_reset(z);
}

/* Moves on to the first part after from that the header has. */
static void next_part(struct sx_isal_inflate *z, enum head_part from)
{
	unsigned flags = z->flags;
	enum head_part p = from + 1;

	if (z->wrap == SX_ISAL_ZLIB)
		p = flags & FDICT && p <= HEAD_DICTID ? HEAD_DICTID : HEAD_DONE;
	if (p == HEAD_XLEN && !(flags & FEXTRA))
		p = HEAD_NAME;
	if (p == HEAD_EXTRA && z->extra == 0)
		p = HEAD_NAME;
	if (p == HEAD_NAME && !(flags & FNAME))
		p = HEAD_COMMENT;
	if (p == HEAD_COMMENT && !(flags & FCOMMENT))
		p = HEAD_HCRC;
	if (p == HEAD_HCRC && !(flags & FHCRC))
		p = HEAD_DONE;
	if (p == HEAD_DICTID && z->wrap == SX_ISAL_GZIP)
		p = HEAD_DONE;
	z->part = p;
	z->got = 0;
}

/* zlib's verdict on the fixed part so far, or NULL. */
static const char *judge_fixed(const struct sx_isal_inflate *z)
{
	const unsigned char *h = z->buf;

	if (z->wrap == SX_ISAL_GZIP && z->got == 2)
		return h[0] == 0x1f && h[1] == 0x8b ? NULL : "incorrect header check";
	if (z->wrap == SX_ISAL_GZIP && z->got == 4)
		return h[2] != 8 ? "unknown compression method" :
		       h[3] & 0xe0 ? "unknown header flags set" : NULL;
	if (z->wrap == SX_ISAL_GZIP || z->got != 2)
		return NULL;
	if (((unsigned)h[0] << 8 | h[1]) % 31)
		return "incorrect header check";
	if ((h[0] & 0x0f) != 8)
		return "unknown compression method";
	return (h[0] >> 4) + 8 > 15 ? "invalid window size" : NULL;
}

/* Reads one header byte. Returns zlib's words for what is wrong, or NULL. */
static const char *head_byte(struct sx_isal_inflate *z, unsigned char c)
{
	const char *why = NULL;

	if (z->part != HEAD_HCRC)
		z->hcrc = crc32(z->hcrc, &c, 1);
	switch (z->part) {
	case HEAD_FIXED:
		z->buf[z->got++] = c;
		why = judge_fixed(z);
		if (!why && z->got == (z->wrap == SX_ISAL_GZIP ? 10u : 2u)) {
			z->flags = z->buf[z->wrap == SX_ISAL_GZIP ? 3 : 1];
			next_part(z, HEAD_FIXED);
		}
		break;
	case HEAD_XLEN:
		z->buf[z->got++] = c;
		z->extra = (size_t)z->buf[0] | (size_t)z->buf[1] << 8;
		if (z->got == 2)
			next_part(z, HEAD_XLEN);
		break;
	case HEAD_EXTRA:
		if (++z->got == z->extra)
			next_part(z, HEAD_EXTRA);
		break;
	case HEAD_NAME:
	case HEAD_COMMENT:
		if (c == 0)
			next_part(z, z->part);
		break;
	case HEAD_HCRC:
		z->buf[z->got++] = c;
		if (z->got == 2 && (z->hcrc & 0xffff) != ((unsigned)z->buf[0] | (unsigned)z->buf[1] << 8))
			why = "header crc mismatch";
		else if (z->got == 2)
			next_part(z, HEAD_HCRC);
		break;
	case HEAD_DICTID:
		if (++z->got == 4)
			why = "needs a preset dictionary";
		break;
	case HEAD_DONE:
		break;
	}
	return why;
}

/* zlib's words for an ISA-L error. */
static const char *why_of(int ret)
{
	switch (ret) {
	case ISAL_INVALID_BLOCK: return "invalid block";
	case ISAL_INVALID_SYMBOL: return "invalid code";
	case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
	case ISAL_INCORRECT_CHECKSUM: return "incorrect data check";
	default: return "invalid deflate data";
	}
}

int sx_isal_inflate_step(struct sx_isal_inflate *z, const unsigned char *in,
			 size_t len, struct sx_isal_step *r)
{
	struct inflate_state *s = &z->state;
	int ret;

	memset(r, 0, sizeof(*r));
	r->out = z->out;
	while (z->part != HEAD_DONE && r->used < len) {
		r->why = head_byte(z, in[r->used++]);
		if (r->why)
			return SX_ISAL_BAD;
	}
	if (z->part != HEAD_DONE)
		return SX_ISAL_MORE;
	s->next_in = (uint8_t *)in + r->used;
	s->avail_in = (uint32_t)(len - r->used);
	s->next_out = z->out;
	s->avail_out = (uint32_t)SX_ISAL_OUT;
	ret = isal.inflate(s);
	r->used = len - s->avail_in;
	r->made = SX_ISAL_OUT - s->avail_out;
	/* whole bytes in ISA-L's bit buffer are taken but not yet read */
	r->ahead = (size_t)(s->read_in_length > 0 ? s->read_in_length / 8 : 0);
	if (ret != ISAL_DECOMP_OK) {
		r->why = why_of(ret);
		return SX_ISAL_BAD;
	}
	if (s->block_state == ISAL_BLOCK_FINISH)
		return SX_ISAL_END;
	r->ahead = 0;
	return SX_ISAL_MORE;
}

#endif
