/* encode.c - text encodings of binary data: base64 (like base64) and hex (like xxd -p). */
#include <stdint.h>
#include <string.h>

#include "builtin.h"
#include "opts.h"

/*
 * Both stages are table-driven and work on whole chunks, writing straight
 * into the output space. Their tables are built by init in the stage's
 * private area (no global state, and a few microseconds per run).
 *
 * base64 encodes 3-byte groups into 4 characters through a table of all
 * 4096 character pairs (12 bits each), so a group costs two lookups. A
 * group cut by a chunk boundary waits in held[]; the column of the output
 * line carries over between chunks. When the wrap width is a multiple of
 * 4 (the default 76, or 0 for none) lines hold whole groups and are
 * written in place, line by line; other widths encode into a small buffer
 * first and copy it out in line-sized pieces.
 *
 * base64 -d follows GNU base64 without -i: newlines are skipped anywhere,
 * the rest must form 4-character groups "xxxx", "xxx=" or "xx=="; a padded
 * group may be followed by more groups (concatenated encodings), and bits
 * below the last whole byte are ignored. Four pre-shifted tables of 256
 * entries decode a group with four lookups and one test for anything else
 * (a newline, padding, garbage), which goes to the one-character path.
 *
 * hex writes two lower-case digits per byte, 30 bytes to a line, as xxd -p
 * does; hex -d skips white space anywhere and takes both cases, but unlike
 * the lenient xxd -r -p it rejects any other character and an odd number
 * of digits.
 *
 * Nothing is held but a partial group or digit, so memory is constant.
 */
#define B64_WRAP 76
#define HEX_COLS 30
#define MAX_WIDTH ((uint64_t)1 << 30)
#define B64_BAD ((uint32_t)1 << 24) /* above every decoded 24-bit group */
#define STAGE_BUF 3072              /* input bytes per staged encode: 4 KiB out */

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char hex_digits[] = "0123456789abcdef";

/* Writes '\n' after every wrap characters; col counts the characters on
 * the current line and reaches wrap when a newline is owed. */
struct wrapper {
	size_t wrap;  /* 0: no newlines at all */
	size_t col;
};

/* Copies n characters to out, breaking lines. */
static int put_wrapped(struct wrapper *w, struct sx_out *out,
		       const unsigned char *s, size_t n)
{
	while (n > 0) {
		unsigned char *dst;
		size_t avail;
		int rc = sx_out_space(out, &dst, &avail);

		if (rc)
			return rc;
		if (w->wrap && w->col == w->wrap) {
			*dst = '\n';
			sx_out_commit(out, 1);
			w->col = 0;
			continue;
		}
		if (avail > n)
			avail = n;
		if (w->wrap && avail > w->wrap - w->col)
			avail = w->wrap - w->col;
		memcpy(dst, s, avail);
		sx_out_commit(out, avail);
		w->col += avail;
		s += avail;
		n -= avail;
	}
	return SX_OK;
}

/* Ends a line left open, as base64 and xxd end their output. */
static int end_line(struct wrapper *w, struct sx_out *out)
{
	if (w->col == 0)
		return SX_OK;
	w->col = 0;
	return sx_out_write(out, "\n", 1);
}

/* ---- base64 ---- */

struct b64_state {
	int decode;
	struct wrapper w;
	unsigned char held[3];  /* encode: bytes of an unfinished group */
	size_t nheld;
	uint32_t acc;           /* decode: the group so far, 6 bits a character */
	unsigned nq;            /* its characters */
	unsigned npad;          /* of which '=' */
	unsigned char pairs[4096][2];
	uint32_t dec[4][256];   /* value << 18, << 12, << 6, << 0; or B64_BAD */
};

static void b64_tables(struct b64_state *s)
{
	for (unsigned i = 0; i < 4096; i++) {
		s->pairs[i][0] = (unsigned char)b64_alphabet[i >> 6];
		s->pairs[i][1] = (unsigned char)b64_alphabet[i & 63];
	}
	for (unsigned k = 0; k < 4; k++)
		for (unsigned c = 0; c < 256; c++)
			s->dec[k][c] = B64_BAD;
	for (unsigned v = 0; v < 64; v++) {
		unsigned char c = (unsigned char)b64_alphabet[v];

		for (unsigned k = 0; k < 4; k++)
			s->dec[k][c] = (uint32_t)v << (18 - 6 * k);
	}
}

/* Parses "[-d] [-X WIDTH]" for base64 and hex: shortopts is "d" and the
 * width letter, longs the long names; *width keeps its default unless
 * given. Returns a status. */
static int parse_codec_args(struct sx_stage *st, int argc, char **argv,
			    const char *shortopts, const struct sx_opt_long *longs,
			    int *decode, size_t *width)
{
	struct sx_opts o;
	uint64_t n;
	int c;

	sx_opts_init(&o, st, argc, argv);
	while ((c = sx_opts_next(&o, shortopts, longs)) > 0) {
		if (c == 'd') {
			*decode = 1;
		} else {
			if (sx_opts_count(&o, MAX_WIDTH, 0, &n))
				return SX_EUSAGE;
			*width = (size_t)n;
		}
	}
	if (c < 0)
		return c;
	return sx_opts_want(&o, 0, 0, "") ? SX_EUSAGE : SX_OK;
}

static int b64_init(struct sx_stage *st, int argc, char **argv)
{
	static const struct sx_opt_long longs[] = {
		{ "decode", 0, 'd' }, { "wrap", 1, 'w' }, { NULL, 0, 0 }
	};
	struct b64_state *s = st->priv;
	int rc;

	s->w.wrap = B64_WRAP;
	rc = parse_codec_args(st, argc, argv, "dw:", longs, &s->decode, &s->w.wrap);
	if (rc == SX_OK)
		b64_tables(s);
	return rc;
}

static void b64_groups(const struct b64_state *s, unsigned char *restrict dst,
		       const unsigned char *restrict src, size_t groups)
{
	for (size_t i = 0; i < groups; i++, src += 3, dst += 4) {
		uint32_t v = (uint32_t)src[0] << 16 | (uint32_t)src[1] << 8 | src[2];

		memcpy(dst, s->pairs[v >> 12], 2);
		memcpy(dst + 2, s->pairs[v & 0xfff], 2);
	}
}

/* Lines hold whole groups (wrap is 0 or a multiple of 4, so col is a
 * multiple of 4 between groups): groups go straight into the output,
 * each line ended in place when there is room. */
static int b64_encode_direct(struct b64_state *s, const unsigned char **in,
			     size_t *len, struct sx_out *out)
{
	struct wrapper *w = &s->w;
	size_t wrap = w->wrap;

	while (*len >= 3) {
		unsigned char *dst, *d;
		size_t avail, g;
		int rc = sx_out_space(out, &dst, &avail);

		if (rc)
			return rc;
		if (avail < 4 || (wrap && w->col == wrap)) {
			unsigned char quad[4];

			/* too little room for a group, or a newline owed */
			b64_groups(s, quad, *in, 1);
			rc = put_wrapped(w, out, quad, 4);
			if (rc)
				return rc;
			*in += 3;
			*len -= 3;
			continue;
		}
		d = dst;
		if (wrap && w->col == 0) {
			size_t lg = wrap / 4; /* groups a line */

			/* whole lines, each with its newline */
			while (*len >= 3 * lg && avail - (size_t)(d - dst) > wrap) {
				b64_groups(s, d, *in, lg);
				d[wrap] = '\n';
				d += wrap + 1;
				*in += 3 * lg;
				*len -= 3 * lg;
			}
			if (d > dst) {
				sx_out_commit(out, (size_t)(d - dst));
				continue;
			}
		}
		g = *len / 3;
		if (g > avail / 4)
			g = avail / 4;
		if (wrap && g > (wrap - w->col) / 4)
			g = (wrap - w->col) / 4;
		b64_groups(s, d, *in, g);
		d += 4 * g;
		*in += 3 * g;
		*len -= 3 * g;
		if (wrap) {
			w->col += 4 * g;
			if (w->col == wrap && (size_t)(d - dst) < avail) {
				*d++ = '\n';
				w->col = 0;
			}
		}
		sx_out_commit(out, (size_t)(d - dst));
	}
	return SX_OK;
}

/* Any other width: groups are encoded into a buffer and copied out line
 * piece by line piece. */
static int b64_encode_staged(struct b64_state *s, const unsigned char **in,
			     size_t *len, struct sx_out *out)
{
	unsigned char buf[STAGE_BUF / 3 * 4];

	while (*len >= 3) {
		size_t n = *len < STAGE_BUF ? *len / 3 * 3 : STAGE_BUF;
		int rc;

		b64_groups(s, buf, *in, n / 3);
		rc = put_wrapped(&s->w, out, buf, n / 3 * 4);
		if (rc)
			return rc;
		*in += n;
		*len -= n;
	}
	return SX_OK;
}

static int b64_encode(struct sx_stage *st, const unsigned char *in, size_t len,
		      struct sx_out *out)
{
	struct b64_state *s = st->priv;
	int rc;

	if (s->nheld > 0) {
		unsigned char quad[4];

		while (s->nheld < 3 && len > 0) {
			s->held[s->nheld++] = *in++;
			len--;
		}
		if (s->nheld < 3)
			return SX_OK;
		s->nheld = 0;
		b64_groups(s, quad, s->held, 1);
		rc = put_wrapped(&s->w, out, quad, 4);
		if (rc)
			return rc;
	}
	if (s->w.wrap % 4 == 0)
		rc = b64_encode_direct(s, &in, &len, out);
	else
		rc = b64_encode_staged(s, &in, &len, out);
	if (rc)
		return rc;
	memcpy(s->held, in, len);
	s->nheld = len;
	return SX_OK;
}

static int b64_encode_finish(struct sx_stage *st, struct sx_out *out)
{
	struct b64_state *s = st->priv;
	int rc;

	if (s->nheld > 0) {
		unsigned char quad[4];

		if (s->nheld == 1)
			s->held[1] = 0;
		s->held[2] = 0;
		b64_groups(s, quad, s->held, 1);
		quad[3] = '=';
		if (s->nheld == 1)
			quad[2] = '=';
		s->nheld = 0;
		rc = put_wrapped(&s->w, out, quad, 4);
		if (rc)
			return rc;
	}
	return s->w.wrap ? end_line(&s->w, out) : SX_OK;
}

/* Names a byte in a message: 'c' when printable, 0xNN otherwise. */
static const char *shown(unsigned char c, char buf[8])
{
	if (c > ' ' && c < 0x7f) {
		buf[0] = '\'';
		buf[1] = (char)c;
		buf[2] = '\'';
		buf[3] = '\0';
	} else {
		buf[0] = '0';
		buf[1] = 'x';
		buf[2] = hex_digits[c >> 4];
		buf[3] = hex_digits[c & 15];
		buf[4] = '\0';
	}
	return buf;
}

static int b64_bad(struct sx_stage *st, uint64_t at, unsigned char c,
		   const char *why)
{
	char buf[8];

	return sx_stage_fail(st, SX_EDATA, "invalid base64 input at byte %llu: %s %s",
			     (unsigned long long)at, shown(c, buf), why);
}

/* One character outside the fast path, at input offset at. */
static int b64_decode_char(struct sx_stage *st, unsigned char c, uint64_t at,
			   struct sx_out *out)
{
	struct b64_state *s = st->priv;
	unsigned char bytes[3];
	size_t n;

	if (c == '\n')
		return SX_OK;
	if (c == '=') {
		if (s->nq < 2)
			return b64_bad(st, at, c, "where a base64 digit must be");
		s->npad++;
	} else if (s->npad > 0) {
		return b64_bad(st, at, c, "after '=' inside a group of four");
	} else if (s->dec[3][c] == B64_BAD) {
		return b64_bad(st, at, c, "is not base64");
	}
	s->acc = s->acc << 6 | (c == '=' ? 0 : s->dec[3][c]);
	if (++s->nq < 4)
		return SX_OK;
	bytes[0] = (unsigned char)(s->acc >> 16);
	bytes[1] = (unsigned char)(s->acc >> 8);
	bytes[2] = (unsigned char)s->acc;
	n = 3 - s->npad;
	s->acc = 0;
	s->nq = s->npad = 0;
	return sx_out_write(out, bytes, n);
}

/* Decodes whole groups straight into the output while they are plain
 * base64 and the input is at a group boundary; skips newlines between
 * groups. Stops at anything else, leaving it to b64_decode_char. */
static int b64_decode_fast(struct b64_state *s, const unsigned char **pp,
			   const unsigned char *end, struct sx_out *out)
{
	const uint32_t *d0 = s->dec[0], *d1 = s->dec[1], *d2 = s->dec[2],
		       *d3 = s->dec[3];
	const unsigned char *p = *pp;
	int stuck = 0;

	while (!stuck && end - p >= 4) {
		unsigned char *dst, *d, *dend;
		size_t avail;
		int rc = sx_out_space(out, &dst, &avail);

		if (rc) {
			*pp = p;
			return rc;
		}
		if (avail < 3)
			break;
		d = dst;
		dend = dst + avail;
		while (end - p >= 4 && dend - d >= 3) {
			uint32_t v = d0[p[0]] | d1[p[1]] | d2[p[2]] | d3[p[3]];

			if (v & B64_BAD) {
				if (p[0] == '\n') {
					p++;
					continue;
				}
				stuck = 1;
				break;
			}
			d[0] = (unsigned char)(v >> 16);
			d[1] = (unsigned char)(v >> 8);
			d[2] = (unsigned char)v;
			d += 3;
			p += 4;
		}
		sx_out_commit(out, (size_t)(d - dst));
	}
	*pp = p;
	return SX_OK;
}

static int b64_decode(struct sx_stage *st, const unsigned char *in, size_t len,
		      struct sx_out *out)
{
	struct b64_state *s = st->priv;
	const unsigned char *p = in, *end = in + len;

	while (p < end) {
		int rc;

		if (s->nq == 0) {
			rc = b64_decode_fast(s, &p, end, out);
			if (rc)
				return rc;
			if (p == end)
				break;
		}
		rc = b64_decode_char(st, *p, st->bytes_in + (uint64_t)(p - in), out);
		if (rc)
			return rc;
		p++;
	}
	return SX_OK;
}

static int b64_decode_finish(struct sx_stage *st, struct sx_out *out)
{
	struct b64_state *s = st->priv;

	(void)out;
	if (s->nq == 0)
		return SX_OK;
	return sx_stage_fail(st, SX_EDATA,
			     "invalid base64 input at byte %llu: it ends inside a group of four",
			     (unsigned long long)st->bytes_in);
}

static int b64_process(struct sx_stage *st, const unsigned char *in,
		       size_t len, struct sx_out *out)
{
	struct b64_state *s = st->priv;

	return s->decode ? b64_decode(st, in, len, out) : b64_encode(st, in, len, out);
}

static int b64_finish(struct sx_stage *st, struct sx_out *out)
{
	struct b64_state *s = st->priv;

	return s->decode ? b64_decode_finish(st, out) : b64_encode_finish(st, out);
}

const struct sx_stage_ops sx_stage_base64 = {
	.abi = SX_STAGE_ABI,
	.name = "base64",
	.summary = "base64 encode or decode (like base64)",
	.usage = "base64 [-w COLS] [-d]\n"
		 "  -w, --wrap=COLS  break encoded lines after COLS characters\n"
		 "                   (default 76; 0: no line breaks)\n"
		 "  -d, --decode     decode; newlines are skipped, any other\n"
		 "                   character outside base64 is an error\n"
		 "  Example: streamx -i photo.jpg -o photo.b64 'base64 -w 0'",
	.priv_size = sizeof(struct b64_state),
	.init = b64_init,
	.process = b64_process,
	.finish = b64_finish,
};

/* ---- hex ---- */

enum { HEX_SPACE = 0x10, HEX_BAD = 0x20 };

struct hex_state {
	int decode;
	struct wrapper w;        /* counts bytes, not digits */
	unsigned char nibble;    /* decode: a first digit waiting for its pair */
	int half;
	uint64_t half_at;        /* its offset */
	unsigned char pairs[256][2];
	unsigned char val[256];  /* 0..15, HEX_SPACE or HEX_BAD */
};

static void hex_tables(struct hex_state *s)
{
	for (unsigned i = 0; i < 256; i++) {
		s->pairs[i][0] = (unsigned char)hex_digits[i >> 4];
		s->pairs[i][1] = (unsigned char)hex_digits[i & 15];
		s->val[i] = HEX_BAD;
	}
	for (unsigned v = 0; v < 16; v++) {
		s->val[(unsigned char)hex_digits[v]] = (unsigned char)v;
		s->val[(unsigned char)"0123456789ABCDEF"[v]] = (unsigned char)v;
	}
	s->val[' '] = s->val['\t'] = s->val['\r'] = s->val['\n'] = HEX_SPACE;
}

static int hex_init(struct sx_stage *st, int argc, char **argv)
{
	static const struct sx_opt_long longs[] = {
		{ "decode", 0, 'd' }, { "cols", 1, 'c' }, { NULL, 0, 0 }
	};
	struct hex_state *s = st->priv;
	int rc;

	s->w.wrap = HEX_COLS;
	rc = parse_codec_args(st, argc, argv, "dc:", longs, &s->decode, &s->w.wrap);
	if (rc == SX_OK)
		hex_tables(s);
	return rc;
}

/* Lines of wrap bytes (2 * wrap digits), written in place; a digit pair
 * that does not fit goes through sx_out_write. */
static int hex_encode(struct sx_stage *st, const unsigned char *in, size_t len,
		      struct sx_out *out)
{
	struct hex_state *s = st->priv;
	struct wrapper *w = &s->w;

	while (len > 0) {
		unsigned char *dst;
		size_t avail, n;
		int rc = sx_out_space(out, &dst, &avail);

		if (rc)
			return rc;
		if (w->wrap && w->col == w->wrap) {
			*dst = '\n';
			sx_out_commit(out, 1);
			w->col = 0;
			continue;
		}
		if (avail < 2) {
			rc = sx_out_write(out, s->pairs[*in], 2);
			if (rc)
				return rc;
			w->col++;
			in++;
			len--;
			continue;
		}
		n = len < avail / 2 ? len : avail / 2;
		if (w->wrap && n > w->wrap - w->col)
			n = w->wrap - w->col;
		for (size_t i = 0; i < n; i++)
			memcpy(dst + 2 * i, s->pairs[in[i]], 2);
		in += n;
		len -= n;
		w->col += n;
		n *= 2;
		if (w->wrap && w->col == w->wrap && n < avail) {
			dst[n++] = '\n';
			w->col = 0;
		}
		sx_out_commit(out, n);
	}
	return SX_OK;
}

/* One character outside the fast path, at input offset at. */
static int hex_decode_char(struct sx_stage *st, unsigned char c, uint64_t at,
			   struct sx_out *out)
{
	struct hex_state *s = st->priv;
	unsigned char v = s->val[c], byte;
	char buf[8];

	if (v == HEX_SPACE)
		return SX_OK;
	if (v == HEX_BAD)
		return sx_stage_fail(st, SX_EDATA,
				     "invalid hex input at byte %llu: %s is not a hex digit",
				     (unsigned long long)at, shown(c, buf));
	if (!s->half) {
		s->half = 1;
		s->nibble = v;
		s->half_at = at;
		return SX_OK;
	}
	s->half = 0;
	byte = (unsigned char)(s->nibble << 4 | v);
	return sx_out_write(out, &byte, 1);
}

/* Digit pairs straight into the output; white space between pairs is
 * skipped here, anything else is left to hex_decode_char. */
static int hex_decode_fast(struct hex_state *s, const unsigned char **pp,
			   const unsigned char *end, struct sx_out *out)
{
	const unsigned char *val = s->val, *p = *pp;
	int stuck = 0;

	while (!stuck && end - p >= 2) {
		unsigned char *dst, *d, *dend;
		size_t avail;
		int rc = sx_out_space(out, &dst, &avail);

		if (rc) {
			*pp = p;
			return rc;
		}
		d = dst;
		dend = dst + avail;
		while (end - p >= 2 && d < dend) {
			unsigned char a = val[p[0]], b = val[p[1]];

			if ((a | b) & (HEX_SPACE | HEX_BAD)) {
				if (a == HEX_SPACE) {
					p++;
					continue;
				}
				stuck = 1;
				break;
			}
			*d++ = (unsigned char)(a << 4 | b);
			p += 2;
		}
		sx_out_commit(out, (size_t)(d - dst));
	}
	*pp = p;
	return SX_OK;
}

static int hex_decode(struct sx_stage *st, const unsigned char *in, size_t len,
		      struct sx_out *out)
{
	struct hex_state *s = st->priv;
	const unsigned char *p = in, *end = in + len;

	while (p < end) {
		int rc;

		if (!s->half) {
			rc = hex_decode_fast(s, &p, end, out);
			if (rc)
				return rc;
			if (p == end)
				break;
		}
		rc = hex_decode_char(st, *p, st->bytes_in + (uint64_t)(p - in), out);
		if (rc)
			return rc;
		p++;
	}
	return SX_OK;
}

static int hex_process(struct sx_stage *st, const unsigned char *in,
		       size_t len, struct sx_out *out)
{
	struct hex_state *s = st->priv;

	if (s->decode)
		return hex_decode(st, in, len, out);
	return hex_encode(st, in, len, out);
}

static int hex_finish(struct sx_stage *st, struct sx_out *out)
{
	struct hex_state *s = st->priv;

	if (!s->decode)
		return end_line(&s->w, out);
	if (s->half)
		return sx_stage_fail(st, SX_EDATA,
				     "invalid hex input at byte %llu: odd number of hex digits",
				     (unsigned long long)s->half_at);
	return SX_OK;
}

const struct sx_stage_ops sx_stage_hex = {
	.abi = SX_STAGE_ABI,
	.name = "hex",
	.summary = "plain hex dump and its reverse (like xxd -p, xxd -r -p)",
	.usage = "hex [-c COLS] [-d]\n"
		 "  -c, --cols=COLS  COLS bytes (2 * COLS digits) a line; default 30,\n"
		 "                   0: one line\n"
		 "  -d, --decode     hex digits back to bytes; white space is skipped,\n"
		 "                   any other character or an odd number of digits\n"
		 "                   is an error\n"
		 "  Example: streamx -i key.bin 'hex -c 16'",
	.priv_size = sizeof(struct hex_state),
	.init = hex_init,
	.process = hex_process,
	.finish = hex_finish,
};
