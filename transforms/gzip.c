/* gzip.c - gzip and gunzip stages on zlib. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "builtin.h"

/*
 * Both stages let zlib write straight into the output handle's space, one
 * piece at a time, so memory stays at zlib's own state (about 256 KiB for
 * deflate, 40 KiB for inflate) whatever the expansion ratio. zlib counts
 * in 32-bit units; naive mode can hand over more than that, so input and
 * output are fed to it in pieces of at most ZPIECE bytes.
 *
 * gunzip reads concatenated members (as gzip -d does) and, like gzip,
 * ignores zero bytes padding the end of the data; any other byte after a
 * member is an error.
 */
#define ZPIECE ((size_t)1 << 30)

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

/* ---- gzip ---- */

struct gzip_state {
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

static int gzip_init(struct sx_stage *st, int argc, char **argv)
{
	struct gzip_state *s = st->priv;

	s->level = 6;
	for (int i = 1; i < argc; i++) {
		int rc = parse_level(st, argv[i], &s->level);
		if (rc)
			return rc;
	}
	use_owner(&s->zs, st);
	if (deflateInit2(&s->zs, s->level, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return sx_mem_fail(st->mem, 0, &st->err);
	s->ready = 1;
	return SX_OK;
}

/* Runs deflate over zs's input until it is consumed (or, with Z_FINISH,
 * until the stream ends). */
static int deflate_out(struct sx_stage *st, struct sx_out *out, int flush)
{
	struct gzip_state *s = st->priv;

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

static int gzip_process(struct sx_stage *st, const unsigned char *in,
			size_t len, struct sx_out *out)
{
	struct gzip_state *s = st->priv;

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

static int gzip_finish(struct sx_stage *st, struct sx_out *out)
{
	struct gzip_state *s = st->priv;

	s->zs.next_in = Z_NULL;
	s->zs.avail_in = 0;
	return deflate_out(st, out, Z_FINISH);
}

static void gzip_destroy(struct sx_stage *st)
{
	struct gzip_state *s = st->priv;

	if (s->ready)
		deflateEnd(&s->zs);
}

const struct sx_stage_ops sx_stage_gzip = {
	.abi = SX_STAGE_ABI,
	.name = "gzip",
	.summary = "compress to gzip format (zlib), levels -1 .. -9",
	.usage = "gzip [-1 .. -9 | --fast | --best]\n"
		 "  Compresses to one gzip member; default level 6.\n"
		 "  The output decompresses with gzip -d.\n"
		 "  Example: streamx -i big.log -o big.log.gz 'gzip -9'",
	.priv_size = sizeof(struct gzip_state),
	.init = gzip_init,
	.process = gzip_process,
	.finish = gzip_finish,
	.destroy = gzip_destroy,
};

/* ---- gunzip ---- */

enum member_state {
	NO_MEMBER_YET,  /* nothing read */
	IN_MEMBER,      /* inside a gzip member */
	AFTER_MEMBER,   /* a member ended; another or padding may follow */
	PADDING         /* zero bytes after the last member */
};

struct gunzip_state {
	z_stream zs;
	enum member_state state;
	uint64_t offset;        /* bytes of input consumed */
	uint64_t member_start;  /* offset where the current member began */
	uint64_t members;       /* members completed */
	int ready;
};

static int gunzip_init(struct sx_stage *st, int argc, char **argv)
{
	struct gunzip_state *s = st->priv;

	if (argc > 1)
		return sx_stage_fail(st, SX_EUSAGE, "unknown argument '%s'", argv[1]);
	/* 15 + 16: a gzip wrapper only, the largest window. */
	use_owner(&s->zs, st);
	if (inflateInit2(&s->zs, 15 + 16) != Z_OK)
		return sx_mem_fail(st->mem, 0, &st->err);
	s->ready = 1;
	return SX_OK;
}

static int corrupt(struct sx_stage *st, uint64_t at)
{
	struct gunzip_state *s = st->priv;
	const char *why = s->zs.msg ? s->zs.msg : "invalid data";

	int bad_magic = at - s->member_start <= 2 ||
			strcmp(why, "incorrect header check") == 0;

	if (bad_magic && s->members > 0)
		return sx_stage_fail(st, SX_EDATA,
				     "trailing garbage after gzip data at byte %llu",
				     (unsigned long long)s->member_start);
	if (bad_magic)
		return sx_stage_fail(st, SX_EDATA,
				     "not in gzip format at byte %llu",
				     (unsigned long long)s->member_start);
	return sx_stage_fail(st, SX_EDATA, "corrupt gzip data at byte %llu: %s",
			     (unsigned long long)at, why);
}

/* Inflates from zs's input until it is used up, the output space is left
 * unfilled, or the member ends. */
static int inflate_out(struct sx_stage *st, struct sx_out *out)
{
	struct gunzip_state *s = st->priv;

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
			s->state = AFTER_MEMBER;
			s->members++;
			return SX_OK;
		}
		if (zrc == Z_BUF_ERROR)
			return SX_OK; /* no progress possible: needs input */
		if (zrc != Z_OK)
			return corrupt(st, s->offset);
		if (s->zs.avail_in == 0 && s->zs.avail_out > 0)
			return SX_OK;
	}
}

/* Decides what the byte at the current position starts. */
static int between_members(struct sx_stage *st, unsigned char c)
{
	struct gunzip_state *s = st->priv;

	if ((s->state == AFTER_MEMBER || s->state == PADDING) && c == 0) {
		s->state = PADDING;
		return SX_OK;
	}
	if (s->state == PADDING)
		return sx_stage_fail(st, SX_EDATA,
				     "trailing garbage after gzip data at byte %llu",
				     (unsigned long long)s->offset);
	if (s->state == AFTER_MEMBER && inflateReset(&s->zs) != Z_OK)
		return sx_stage_fail(st, SX_EDATA, "cannot reset zlib inflate");
	s->state = IN_MEMBER;
	s->member_start = s->offset;
	return SX_OK;
}

static int gunzip_process(struct sx_stage *st, const unsigned char *in,
			  size_t len, struct sx_out *out)
{
	struct gunzip_state *s = st->priv;

	while (len > 0) {
		uInt n;
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
		n = piece(len);
		s->zs.next_in = (Bytef *)in;
		s->zs.avail_in = n;
		rc = inflate_out(st, out);
		if (rc)
			return rc;
		n -= s->zs.avail_in;
		if (n == 0 && s->state == IN_MEMBER)
			return sx_stage_fail(st, SX_EDATA,
					     "zlib inflate stalled at byte %llu",
					     (unsigned long long)s->offset);
		in += n;
		len -= n;
	}
	return SX_OK;
}

static int gunzip_finish(struct sx_stage *st, struct sx_out *out)
{
	struct gunzip_state *s = st->priv;
	int rc;

	if (s->state == NO_MEMBER_YET)
		return sx_stage_fail(st, SX_EDATA,
				     "unexpected end of input at byte 0: no gzip data");
	if (s->state != IN_MEMBER)
		return SX_OK;
	s->zs.next_in = Z_NULL;
	s->zs.avail_in = 0;
	rc = inflate_out(st, out);
	if (rc || s->state != IN_MEMBER)
		return rc;
	if (s->members > 0 && s->offset - s->member_start < 2)
		return sx_stage_fail(st, SX_EDATA,
				     "trailing garbage after gzip data at byte %llu",
				     (unsigned long long)s->member_start);
	return sx_stage_fail(st, SX_EDATA,
			     "unexpected end of input at byte %llu: truncated gzip data",
			     (unsigned long long)s->offset);
}

static void gunzip_destroy(struct sx_stage *st)
{
	struct gunzip_state *s = st->priv;

	if (s->ready)
		inflateEnd(&s->zs);
}

const struct sx_stage_ops sx_stage_gunzip = {
	.abi = SX_STAGE_ABI,
	.name = "gunzip",
	.summary = "decompress gzip data, including concatenated members",
	.usage = "gunzip\n"
		 "  Decompresses everything gzip writes, member after member;\n"
		 "  zero padding at the end is ignored, anything else is an error.\n"
		 "  Example: streamx -i access.log.gz 'gunzip | upper'",
	.priv_size = sizeof(struct gunzip_state),
	.init = gunzip_init,
	.process = gunzip_process,
	.finish = gunzip_finish,
	.destroy = gunzip_destroy,
};
