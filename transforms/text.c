/* text.c - text stages: rot13, replace (literal, like sed s/x/y/g), crlf (unix2dos), lf (dos2unix). */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <string.h>

#include "builtin.h"
#include "swar.h"
#include "opts.h"

/*
 * rot13 maps every byte on its own, straight into the output space, as
 * upper and lower in bytes.c do, eight bytes at a time.
 *
 * replace finds FROM with memmem within each chunk. A match may straddle
 * a chunk boundary, so a chunk's end that begins FROM is held back: the
 * longest such end, at most len(FROM)-1 bytes. Being a prefix of FROM it
 * needs no buffer; a count says how much of FROM it is. The next chunk
 * continues that partial match with the KMP automaton, byte by byte, only
 * until the match completes or moves wholly into the new chunk, where
 * memmem takes over again. So every byte is looked at a bounded number of
 * times whatever the chunk sizes (no rescanning of a window), and memory
 * is the pattern, the replacement and the KMP table (FROM is at most
 * SX_REPLACE_MAX bytes), whatever the input.
 *
 * crlf and lf keep one bit of state across chunks: crlf the parity of the
 * run of CRs just written (see crlf_process for why parity), lf whether
 * the chunk ended on a CR whose fate the next byte decides. Both may drop
 * or keep a UTF-8 byte order mark at the start, holding back at most two
 * bytes of it until it is known to be one.
 */

#define SX_REPLACE_MAX 4096

/* Writes n bytes: straight into the space when they fit, else through
 * sx_out_write (which also hands big pieces on without a copy). */
static inline int put(struct sx_out *out, const void *p, size_t n)
{
	unsigned char *dst;
	size_t avail;
	int rc;

	if (n == 0)
		return SX_OK;
	rc = sx_out_space(out, &dst, &avail);
	if (rc)
		return rc;
	if (avail < n)
		return sx_out_write(out, p, n);
	memcpy(dst, p, n);
	sx_out_commit(out, n);
	return SX_OK;
}

/* ---- rot13 ---- */

static unsigned char rot13_byte(unsigned char c)
{
	unsigned char folded = c | 0x20;

	if (folded >= 'a' && folded <= 'm')
		return (unsigned char)(c + 13);
	if (folded >= 'n' && folded <= 'z')
		return (unsigned char)(c - 13);
	return c;
}

/* Folding case with | 0x20 sends letters, and only letters, into a-z, so
 * two range tests per word find the halves of the alphabet. Adding 13 to
 * a-m (A-M) and taking it from n-z (N-Z) never carries out of a byte. */
static void rot13_map(unsigned char *restrict dst,
		      const unsigned char *restrict src, size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x, folded, letter, first;

		memcpy(&x, src + i, 8);
		folded = x | (0x20 * SX_ONES);
		letter = sx_swar_in_range(folded, 'a', 'z');
		first = sx_swar_in_range(folded, 'a', 'm');
		x += (first >> 7) * 13;
		x -= ((letter & ~first) >> 7) * 13;
		memcpy(dst + i, &x, 8);
	}
	for (; i < n; i++)
		dst[i] = rot13_byte(src[i]);
}

static int rot13_process(struct sx_stage *st, const unsigned char *in,
			 size_t len, struct sx_out *out)
{
	(void)st;
	return sx_out_map(out, in, len, rot13_map);
}

/* ---- replace ---- */

struct replace_state {
	unsigned char *from, *to;
	size_t flen, tlen;
	uint16_t *border;  /* border[i]: longest proper border of from[0..i] */
	size_t held;       /* input not yet written: from[0..held) */
};

static int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes \n \t \r \\ and \xHH in arg into dst (at least strlen(arg)
 * bytes); sets *n. Any other backslash is refused, so that a pattern
 * never means something else than it seems to. */
static int unescape(struct sx_stage *st, const char *what, const char *arg,
		    unsigned char *dst, size_t *n)
{
	size_t j = 0;

	for (const char *p = arg; *p; p++) {
		int hi, lo;

		if (*p != '\\') {
			dst[j++] = (unsigned char)*p;
			continue;
		}
		switch (*++p) {
		case 'n': dst[j++] = '\n'; break;
		case 't': dst[j++] = '\t'; break;
		case 'r': dst[j++] = '\r'; break;
		case '\\': dst[j++] = '\\'; break;
		case 'x':
			hi = p[1] ? hex_digit((unsigned char)p[1]) : -1;
			lo = hi >= 0 ? hex_digit((unsigned char)p[2]) : -1;
			if (lo < 0)
				return sx_stage_fail(st, SX_EUSAGE,
						     "%s: \\x needs two hex digits in '%s'",
						     what, arg);
			dst[j++] = (unsigned char)(hi * 16 + lo);
			p += 2;
			break;
		case '\0':
			return sx_stage_fail(st, SX_EUSAGE,
					     "%s: backslash at the end of '%s' (write \\\\ for one)",
					     what, arg);
		default:
			return sx_stage_fail(st, SX_EUSAGE,
					     "%s: unknown escape '\\%c' in '%s' (known: \\n \\t \\r \\\\ \\xHH)",
					     what, *p, arg);
		}
	}
	*n = j;
	return SX_OK;
}

/* The KMP border table of FROM. */
static void make_borders(struct replace_state *s)
{
	size_t k = 0;

	s->border[0] = 0;
	for (size_t i = 1; i < s->flen; i++) {
		while (k > 0 && s->from[i] != s->from[k])
			k = s->border[k - 1];
		if (s->from[i] == s->from[k])
			k++;
		s->border[i] = (uint16_t)k;
	}
}

static int replace_init(struct sx_stage *st, int argc, char **argv)
{
	struct replace_state *s = st->priv;
	struct sx_opts o;
	int rc;

	sx_opts_init(&o, st, argc, argv);
	if (sx_opts_next(&o, "", NULL) < 0)
		return SX_EUSAGE;
	rc = sx_opts_want(&o, 2, 2, "FROM and TO");
	if (rc)
		return rc;
	s->from = sx_malloc(st->mem, strlen(argv[o.ind]) + 1);
	s->to = sx_malloc(st->mem, strlen(argv[o.ind + 1]) + 1);
	if (!s->from || !s->to)
		return sx_mem_fail(st->mem, 0, &st->err);
	rc = unescape(st, "FROM", argv[o.ind], s->from, &s->flen);
	if (rc == SX_OK)
		rc = unescape(st, "TO", argv[o.ind + 1], s->to, &s->tlen);
	if (rc)
		return rc;
	if (s->flen == 0)
		return sx_stage_fail(st, SX_EUSAGE, "FROM is empty");
	if (s->flen > SX_REPLACE_MAX)
		return sx_stage_fail(st, SX_EUSAGE,
				     "FROM is %zu bytes long (at most %d)",
				     s->flen, SX_REPLACE_MAX);
	s->border = sx_malloc(st->mem, s->flen * sizeof(*s->border));
	if (!s->border)
		return sx_mem_fail(st->mem, s->flen * sizeof(*s->border), &st->err);
	make_borders(s);
	return SX_OK;
}

/* The KMP automaton: q bytes of FROM matched, then c. */
static inline size_t kmp_step(const struct replace_state *s, size_t q,
			      unsigned char c)
{
	while (q > 0 && s->from[q] != c)
		q = s->border[q - 1];
	return s->from[q] == c ? q + 1 : q;
}

/* Writes bytes [a, b) of from[0..held) followed by in. */
static int put_joined(struct sx_out *out, const unsigned char *from,
		      size_t held, const unsigned char *in, size_t a, size_t b)
{
	int rc;

	if (a < held && (rc = put(out, from + a, (b < held ? b : held) - a)))
		return rc;
	if (b > held) {
		size_t lo = a > held ? a : held;

		return put(out, in + lo - held, b - lo);
	}
	return SX_OK;
}

/* Goes on with the partial match held from before, byte by byte, until
 * it completes (then *p is just past it), or what may still match lies
 * wholly in this chunk (then *p is 0: memmem searches the chunk), or the
 * chunk ends (then s->held > 0 and the chunk is all held). */
static int replace_boundary(struct replace_state *s, const unsigned char *in,
			    size_t len, struct sx_out *out, size_t *p)
{
	size_t held = s->held, q = held, start;
	int rc;

	for (size_t i = 0; i < len; i++) {
		q = kmp_step(s, q, in[i]);
		start = held + i + 1 - q;  /* where the candidate begins */
		if (q == s->flen) {
			s->held = 0;
			*p = i + 1;
			if ((rc = put_joined(out, s->from, held, in, 0, start)))
				return rc;
			return put(out, s->to, s->tlen);
		}
		if (start >= held) {
			/* in[0..start - held) holds no match start: memmem
			 * will pass over it again, at no risk. */
			s->held = 0;
			*p = 0;
			return put(out, s->from, held);
		}
	}
	/* Still a prefix of FROM that began before this chunk: only the
	 * part of the old one before it goes out. */
	s->held = q;
	*p = len;
	return put(out, s->from, held + len - q);
}

static int replace_process(struct sx_stage *st, const unsigned char *in,
			   size_t len, struct sx_out *out)
{
	struct replace_state *s = st->priv;
	size_t m = s->flen, p = 0, q = 0, from;
	int rc;

	if (s->held > 0) {
		rc = replace_boundary(s, in, len, out, &p);
		if (rc || s->held > 0)
			return rc;
	}
	for (;;) {
		const unsigned char *hit = len - p >= m ?
			memmem(in + p, len - p, s->from, m) : NULL;
		size_t at;

		if (!hit)
			break;
		at = (size_t)(hit - in);
		if ((rc = put(out, in + p, at - p)) ||
		    (rc = put(out, s->to, s->tlen)))
			return rc;
		p = at + m;
	}
	/* Hold back the longest end of the chunk that begins FROM (shorter
	 * than FROM, as no whole match is left): it is from[0..q). */
	from = len - p > m - 1 ? len - (m - 1) : p;
	for (size_t i = from; i < len; i++)
		q = kmp_step(s, q, in[i]);
	s->held = q;
	return put(out, in + p, len - p - q);
}

static int replace_finish(struct sx_stage *st, struct sx_out *out)
{
	struct replace_state *s = st->priv;
	size_t held = s->held;

	s->held = 0;
	return put(out, s->from, held);
}

static void replace_destroy(struct sx_stage *st)
{
	struct replace_state *s = st->priv;

	sx_free(s->from);
	sx_free(s->to);
	sx_free(s->border);
}

/* ---- byte order marks, for crlf and lf ---- */

static const unsigned char utf8_bom[3] = { 0xef, 0xbb, 0xbf };

struct bom {
	int remove;     /* drop a leading UTF-8 BOM */
	int decided;    /* the start of the input is behind us */
	size_t have;    /* bytes of a BOM seen and held back so far */
};

/* Options -k (keep a BOM) and -r (remove it), as dos2unix and unix2dos
 * take them; the last one given wins. */
static int bom_init(struct sx_stage *st, int argc, char **argv,
		    struct bom *b, int remove)
{
	struct sx_opts o;
	int c;

	b->remove = remove;
	sx_opts_init(&o, st, argc, argv);
	while ((c = sx_opts_next(&o, "kr", NULL)) > 0)
		b->remove = c == 'r';
	if (c < 0)
		return c;
	return sx_opts_want(&o, 0, 0, "");
}

/* Consumes what the BOM check needs from the front of *in. Held bytes
 * that turn out not to be a BOM are written out (they are neither CR nor
 * LF, so the line-end state does not see them). */
static int bom_step(struct bom *b, const unsigned char **in, size_t *len,
		    struct sx_out *out)
{
	if (!b->remove) {
		b->decided = 1;
		return SX_OK;
	}
	while (*len > 0 && b->have < 3 && **in == utf8_bom[b->have]) {
		b->have++;
		(*in)++;
		(*len)--;
	}
	if (b->have == 3) {
		b->decided = 1;
		return SX_OK;
	}
	if (*len == 0)
		return SX_OK;
	b->decided = 1;
	return put(out, utf8_bom, b->have);
}

static int bom_finish(struct bom *b, struct sx_out *out)
{
	if (b->decided)
		return SX_OK;
	b->decided = 1;
	return put(out, utf8_bom, b->have);
}

/* ---- crlf ---- */

struct crlf_state {
	struct bom bom;
	int cr_odd;  /* the input so far ends in an odd run of CRs */
};

static int crlf_init(struct sx_stage *st, int argc, char **argv)
{
	struct crlf_state *s = st->priv;

	return bom_init(st, argc, argv, &s->bom, 0);
}

/*
 * unix2dos reads a CR and the byte after it as a pair and writes both
 * unchanged; only an LF outside such a pair gets a CR. In a run of CRs
 * the pairs are taken from its start, so the LF after the run is paired
 * (and left alone) exactly when the run is odd: "\r\n" stays, "\r\r\n"
 * becomes "\r\r\r\n". That parity is all that crosses a chunk boundary.
 */
static int crlf_process(struct sx_stage *st, const unsigned char *in,
			size_t len, struct sx_out *out)
{
	struct crlf_state *s = st->priv;
	size_t pos = 0, r;
	int rc;

	if (!s->bom.decided) {
		rc = bom_step(&s->bom, &in, &len, out);
		if (rc || len == 0)
			return rc;
	}
	while (pos < len) {
		const unsigned char *lf = memchr(in + pos, '\n', len - pos);
		size_t end, j;
		int odd;

		if (!lf)
			break;
		end = (size_t)(lf - in);
		for (j = end; j > pos && in[j - 1] == '\r'; j--)
			;
		odd = (int)((end - j) & 1) ^ (j == 0 ? s->cr_odd : 0);
		if ((rc = put(out, in + pos, end - pos)) ||
		    (rc = put(out, odd ? "\n" : "\r\n", odd ? 1 : 2)))
			return rc;
		pos = end + 1;
		s->cr_odd = 0;
	}
	if (pos == len)
		return SX_OK;
	for (r = len; r > pos && in[r - 1] == '\r'; r--)
		;
	s->cr_odd = (int)((len - r) & 1) ^ (r == 0 ? s->cr_odd : 0);
	return put(out, in + pos, len - pos);
}

static int crlf_finish(struct sx_stage *st, struct sx_out *out)
{
	struct crlf_state *s = st->priv;

	return bom_finish(&s->bom, out);
}

/* ---- lf ---- */

struct lf_state {
	struct bom bom;
	int held_cr;  /* the last chunk ended on a CR, not yet written */
};

static int lf_init(struct sx_stage *st, int argc, char **argv)
{
	struct lf_state *s = st->priv;

	return bom_init(st, argc, argv, &s->bom, 1);
}

/* A CR goes away when an LF follows it and stays otherwise, as in
 * dos2unix; a CR ending the chunk waits for the next byte. */
static int lf_process(struct sx_stage *st, const unsigned char *in,
		      size_t len, struct sx_out *out)
{
	struct lf_state *s = st->priv;
	size_t pos = 0, scan = 0;
	const unsigned char *cr;
	int rc;

	if (!s->bom.decided) {
		rc = bom_step(&s->bom, &in, &len, out);
		if (rc || len == 0)
			return rc;
	}
	if (s->held_cr) {
		s->held_cr = 0;
		if (in[0] != '\n' && (rc = put(out, "\r", 1)))
			return rc;
	}
	while ((cr = memchr(in + scan, '\r', len - scan)) != NULL) {
		size_t i = (size_t)(cr - in);

		if (i + 1 == len) {
			s->held_cr = 1;
			return put(out, in + pos, i - pos);
		}
		if (in[i + 1] == '\n') {
			if ((rc = put(out, in + pos, i - pos)))
				return rc;
			pos = i + 1;
		}
		scan = i + 1;
	}
	return put(out, in + pos, len - pos);
}

static int lf_finish(struct sx_stage *st, struct sx_out *out)
{
	struct lf_state *s = st->priv;
	int rc = bom_finish(&s->bom, out);

	if (rc == SX_OK && s->held_cr) {
		s->held_cr = 0;
		rc = put(out, "\r", 1);
	}
	return rc;
}

const struct sx_stage_ops sx_stage_rot13 = {
	.abi = SX_STAGE_ABI,
	.name = "rot13",
	.summary = "rotate ASCII letters by 13 places (like tr 'A-Za-z' 'N-ZA-Mn-za-m')",
	.usage = "rot13\n  Maps A-M to N-Z and N-Z to A-M, in both cases; other bytes pass unchanged.\n"
		 "  Example: streamx -i in.txt 'rot13'",
	.process = rot13_process,
};

const struct sx_stage_ops sx_stage_replace = {
	.abi = SX_STAGE_ABI,
	.name = "replace",
	.summary = "replace every occurrence of a literal string (like sed 's/FROM/TO/g' without regex)",
	.usage = "replace FROM TO\n"
		 "  Replaces each FROM with TO, leftmost first, matches not overlapping;\n"
		 "  FROM may span lines. Escapes in both: \\n \\t \\r \\\\ \\xHH.\n"
		 "  FROM is 1 to 4096 bytes; TO may be empty ('').\n"
		 "  Example: streamx -i in.txt 'replace \"\\r\\n\" \"\\n\" | replace ERROR error'",
	.priv_size = sizeof(struct replace_state),
	.init = replace_init,
	.process = replace_process,
	.finish = replace_finish,
	.destroy = replace_destroy,
};

const struct sx_stage_ops sx_stage_crlf = {
	.abi = SX_STAGE_ABI,
	.name = "crlf",
	.summary = "LF line ends to CR LF (like unix2dos -f)",
	.usage = "crlf [-k|-r]\n"
		 "  Writes CR LF for each LF not already preceded by a CR. As unix2dos\n"
		 "  reads a CR and the byte after it as a pair, CR CR LF gets one more CR.\n"
		 "  -k  keep a UTF-8 byte order mark at the start (the default)\n"
		 "  -r  remove it\n"
		 "  Example: streamx -i notes.txt -o notes.dos 'crlf'",
	.priv_size = sizeof(struct crlf_state),
	.init = crlf_init,
	.process = crlf_process,
	.finish = crlf_finish,
};

const struct sx_stage_ops sx_stage_lf = {
	.abi = SX_STAGE_ABI,
	.name = "lf",
	.summary = "CR LF line ends to LF (like dos2unix -f)",
	.usage = "lf [-k|-r]\n"
		 "  Turns each CR LF into LF; a lone CR stays.\n"
		 "  -r  remove a UTF-8 byte order mark at the start (the default, as dos2unix)\n"
		 "  -k  keep it\n"
		 "  Example: streamx -i notes.dos -o notes.txt 'lf'",
	.priv_size = sizeof(struct lf_state),
	.init = lf_init,
	.process = lf_process,
	.finish = lf_finish,
};
