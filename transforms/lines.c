/* lines.c - line stages: head, nl, uniq and dedup. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "lines.h"
#include "opts.h"

/*
 * All four take lines of any length in memory bounded by their own
 * parameters. head and nl hold nothing: they count newlines and write
 * bytes as they pass. uniq and dedup use lines.h: lines lying in a chunk
 * are compared or hashed in place; a line crossing chunks is compared
 * with the previous line (uniq) or hashed (dedup) part by part as its
 * bytes arrive, while being stored (memory up to STREAMX_LINE_MEM, then
 * a temporary file) in case it must be written out.
 *
 * Like GNU uniq, uniq and dedup end every line they write with a newline,
 * the last line of the input included, and a last line without one
 * compares equal to the same line with one.
 */

/* Queued output: whole lines lying in the current chunk, written in one
 * piece when the next ones follow them. */
struct run {
	const unsigned char *p;
	size_t n;
};

static int run_flush(struct run *r, struct sx_out *out)
{
	int rc = r->p ? sx_out_write(out, r->p, r->n) : SX_OK;

	r->p = NULL;
	r->n = 0;
	return rc;
}

static int run_add(struct run *r, const unsigned char *p, size_t n,
		   struct sx_out *out)
{
	int rc;

	if (r->p && r->p + r->n == p) {
		r->n += n;
		return SX_OK;
	}
	if ((rc = run_flush(r, out)))
		return rc;
	r->p = p;
	r->n = n;
	return SX_OK;
}

/* ==== head ==== */

/*
 * Counts newlines (or bytes) down to zero, writes the input up to that
 * point and returns SX_DONE, so that the driver stops reading: `head -n 1`
 * over an endless pipe returns after the first read.
 */
struct head_state {
	uint64_t left;
	int bytes;
};

static int head_init(struct sx_stage *st, int argc, char **argv)
{
	struct head_state *h = st->priv;
	struct sx_opts o;
	int c, rc;

	h->left = 10;
	/* "head -5": the old form of -n 5, only as the first word */
	if (argc > 1 && argv[1][0] == '-' && isdigit((unsigned char)argv[1][1])) {
		sx_opts_init(&o, st, argc, argv);
		o.arg = argv[1] + 1;
		if ((rc = sx_opts_count(&o, UINT64_MAX, 1, &h->left)))
			return rc;
		argc--;
		argv++;
	}
	sx_opts_init(&o, st, argc, argv);
	while ((c = sx_opts_next(&o, "n:c:", NULL)) > 0) {
		if (o.arg[0] == '-')
			return sx_stage_fail(st, SX_EUSAGE,
					     "'-%c %s': counts from the end are not supported",
					     c, o.arg);
		if ((rc = sx_opts_count(&o, UINT64_MAX, 1, &h->left)))
			return rc;
		h->bytes = c == 'c';
	}
	if (c < 0)
		return c;
	return sx_opts_want(&o, 0, 0, "");
}

static int head_process(struct sx_stage *st, const unsigned char *in,
			size_t len, struct sx_out *out)
{
	struct head_state *h = st->priv;
	const unsigned char *p = in, *end = in + len;
	int rc;

	if (h->left == 0)
		return SX_DONE;
	if (h->bytes) {
		p = in + (len < h->left ? len : h->left);
	} else {
		while (h->left > 0 && (p = memchr(p, '\n', (size_t)(end - p)))) {
			p++;
			h->left--;
		}
		if (!p)
			p = end;
	}
	if (h->bytes)
		h->left -= (uint64_t)(p - in);
	if ((rc = sx_out_write(out, in, (size_t)(p - in))))
		return rc;
	return h->left == 0 ? SX_DONE : SX_OK;
}

const struct sx_stage_ops sx_stage_head = {
	.abi = SX_STAGE_ABI,
	.name = "head",
	.summary = "the first lines or bytes, then stop reading (like head)",
	.usage = "head [-n N | -c N | -N]\n"
		 "  -n N   the first N lines (default 10); K, M, G, T multiply by 1024\n"
		 "  -c N   the first N bytes\n"
		 "  The input is not read further once they are out.\n"
		 "  Example: streamx -i big.log 'head -n 5'",
	.priv_size = sizeof(struct head_state),
	.init = head_init,
	.process = head_process,
};

/* ==== nl ==== */

/*
 * Like `nl -ba`: every body line numbered "%6d\t" (wider past 999999).
 * GNU nl's logical-page delimiters are honoured too: a line that is
 * exactly "\:\:\:", "\:\:" or "\:" starts a header, body or footer,
 * comes out as an empty line and restarts the numbering at 1; header and
 * footer lines are not numbered (seven spaces instead). A line that may
 * still become a delimiter (at most six bytes, a prefix of "\:\:\:")
 * is held back until its end shows; all else streams.
 */
#define NL_DELIM "\\:\\:\\:"
#define NL_WIDTH 6

enum nl_section { NL_HEADER, NL_BODY, NL_FOOTER };

struct nl_state {
	struct sx_lines ln;
	enum nl_section section;
	char digits[24];  /* the next number in decimal, ndigits long */
	size_t ndigits;
	unsigned char held[6]; /* the open line while it may be a delimiter */
	size_t held_len;
	int holding;
};

static void nl_reset(struct nl_state *s)
{
	s->ndigits = 1;
	s->digits[0] = '1';
}

/* The section a delimiter line starts, or -1 for a text line. */
static int nl_delimiter(const unsigned char *p, size_t n)
{
	if (n > 6 || n % 2 || n == 0 || memcmp(p, NL_DELIM, n) != 0)
		return -1;
	return n == 6 ? NL_HEADER : n == 4 ? NL_BODY : NL_FOOTER;
}

static int nl_switch(struct nl_state *s, int section, struct sx_out *out)
{
	s->section = (enum nl_section)section;
	nl_reset(s);
	return sx_out_write(out, "\n", 1);
}

/* Counts the number in digits on by one: 9 -> 10, 99 -> 100. */
static void nl_count(struct nl_state *s)
{
	size_t i = s->ndigits;

	for (; i > 0 && s->digits[i - 1] == '9'; i--)
		s->digits[i - 1] = '0';
	if (i > 0) {
		s->digits[i - 1]++;
		return;
	}
	memmove(s->digits + 1, s->digits, s->ndigits++);
	s->digits[0] = '1';
}

/* Writes the start of a line: its number (then counts on), or spaces
 * outside the body. */
static int nl_prefix(struct nl_state *s, struct sx_out *out)
{
	char text[40];
	size_t pad, n;

	if (s->section != NL_BODY)
		return sx_out_write(out, "       ", NL_WIDTH + 1);
	pad = s->ndigits < NL_WIDTH ? NL_WIDTH - s->ndigits : 0;
	memset(text, ' ', pad);
	memcpy(text + pad, s->digits, s->ndigits);
	n = pad + s->ndigits;
	text[n++] = '\t';
	nl_count(s);
	return sx_out_write(out, text, n);
}

static int nl_init(struct sx_stage *st, int argc, char **argv)
{
	struct nl_state *s = st->priv;
	struct sx_opts o;
	int c;

	sx_opts_init(&o, st, argc, argv);
	while ((c = sx_opts_next(&o, "b:", NULL)) > 0)
		if (strcmp(o.arg, "a") != 0)
			return sx_stage_fail(st, SX_EUSAGE,
					     "'-b %s': only -b a (number every line) is supported",
					     o.arg);
	if (c < 0)
		return c;
	sx_lines_init(&s->ln, st->mem, 0, 0);
	s->section = NL_BODY;
	nl_reset(s);
	return sx_opts_want(&o, 0, 0, "");
}

/* Whole lines in the chunk. */
static int nl_block(struct nl_state *s, const unsigned char *p, size_t n,
		    struct sx_out *out)
{
	const unsigned char *end = p + n;
	int rc;

	while (p < end) {
		const unsigned char *le = (const unsigned char *)memchr(p, '\n',
									(size_t)(end - p)) + 1;
		int section = nl_delimiter(p, (size_t)(le - p - 1));

		if (section >= 0)
			rc = nl_switch(s, section, out);
		else if (!(rc = nl_prefix(s, out)))
			rc = sx_out_write(out, p, (size_t)(le - p));
		if (rc)
			return rc;
		p = le;
	}
	return SX_OK;
}

/* The next bytes of a line crossing chunks. */
static int nl_part(struct nl_state *s, const struct sx_line *ev,
		   struct sx_out *out)
{
	int rc;

	if (ev->off == 0) {
		s->holding = 1;
		s->held_len = 0;
	}
	if (s->holding) {
		if (s->held_len + ev->n <= sizeof(s->held) &&
		    memcmp(&NL_DELIM[s->held_len], ev->p, ev->n) == 0) {
			memcpy(s->held + s->held_len, ev->p, ev->n);
			s->held_len += ev->n;
			return SX_OK;
		}
		s->holding = 0;
		if ((rc = nl_prefix(s, out)) ||
		    (rc = sx_out_write(out, s->held, s->held_len)))
			return rc;
	}
	return sx_out_write(out, ev->p, ev->n);
}

static int nl_end(struct nl_state *s, struct sx_out *out)
{
	int rc;

	if (s->holding) {
		int section = nl_delimiter(s->held, s->held_len);

		s->holding = 0;
		if (section >= 0)
			return nl_switch(s, section, out);
		if ((rc = nl_prefix(s, out)) ||
		    (rc = sx_out_write(out, s->held, s->held_len)))
			return rc;
	}
	return sx_out_write(out, "\n", 1);
}

static int nl_process(struct sx_stage *st, const unsigned char *in,
		      size_t len, struct sx_out *out)
{
	struct nl_state *s = st->priv;
	struct sx_line ev;
	int kind = 0, rc = SX_OK;

	sx_lines_feed(&s->ln, in, len);
	while (rc == SX_OK && (kind = sx_lines_next(&s->ln, &ev, &st->err)) > 0) {
		if (kind == SX_LINES_BLOCK)
			rc = nl_block(s, ev.p, ev.n, out);
		else if (kind == SX_LINES_PART)
			rc = nl_part(s, &ev, out);
		else
			rc = nl_end(s, out);
	}
	return rc ? rc : kind;
}

static int nl_finish(struct sx_stage *st, struct sx_out *out)
{
	struct nl_state *s = st->priv;
	struct sx_line ev;

	if (sx_lines_finish(&s->ln, &ev) == SX_LINES_END)
		return nl_end(s, out);
	return SX_OK;
}

static void nl_destroy(struct sx_stage *st)
{
	struct nl_state *s = st->priv;

	sx_lines_release(&s->ln);
}

const struct sx_stage_ops sx_stage_nl = {
	.abi = SX_STAGE_ABI,
	.name = "nl",
	.summary = "number every line (like nl -ba)",
	.usage = "nl [-b a]\n"
		 "  Writes each line after its number, right-aligned in six columns and a tab.\n"
		 "  Lines \\:\\:\\:, \\:\\: and \\: start a header, body or footer as in GNU nl.\n"
		 "  Example: streamx -i notes.txt 'nl'",
	.priv_size = sizeof(struct nl_state),
	.init = nl_init,
	.process = nl_process,
	.finish = nl_finish,
	.destroy = nl_destroy,
};

/* ==== uniq ==== */

/*
 * The previous line is either a line of the current chunk (a pointer:
 * no copy) or, from the chunk's end on, a store of its own. A line of the
 * chunk is compared with memcmp; a line crossing chunks is compared part
 * by part as it arrives, and only while it still equals the previous one.
 * A run is written when it ends (its count comes first with -c).
 */
#define UNIQ_SCRATCH ((size_t)64 * 1024)

struct uniq_state {
	struct sx_lines ln;
	struct sx_spill prev;     /* the previous line, when not in the chunk */
	const unsigned char *prev_p; /* the previous line in the chunk, or NULL */
	size_t prev_n;
	int have_prev;
	int same;                 /* the open line equals the previous so far */
	uint64_t count;           /* lines in the previous line's run */
	int counts;               /* -c */
	unsigned char *scratch;   /* pieces of a previous line read back */
	struct run run;
};

static uint64_t uniq_prev_len(const struct uniq_state *u)
{
	return u->prev_p ? u->prev_n : u->prev.len;
}

/* Whether p[0..n) equals the previous line's bytes [off, off + n). */
static int uniq_equal(struct sx_stage *st, uint64_t off, const unsigned char *p,
		      size_t n, int *equal)
{
	struct uniq_state *u = st->priv;
	const unsigned char *mem = u->prev_p ? u->prev_p : sx_spill_mem(&u->prev);

	if (mem) {
		*equal = n == 0 || memcmp(mem + off, p, n) == 0;
		return SX_OK;
	}
	*equal = 1;
	while (n > 0 && *equal) {
		size_t piece = n < UNIQ_SCRATCH ? n : UNIQ_SCRATCH;
		int rc;

		if (!u->scratch && !(u->scratch = sx_malloc(st->mem, UNIQ_SCRATCH)))
			return sx_mem_fail(st->mem, UNIQ_SCRATCH, &st->err);
		if ((rc = sx_spill_read(&u->prev, off, u->scratch, piece, &st->err)))
			return rc;
		*equal = memcmp(u->scratch, p, piece) == 0;
		off += piece;
		p += piece;
		n -= piece;
	}
	return SX_OK;
}

/* Writes the previous line's run. */
static int uniq_emit(struct sx_stage *st, struct sx_out *out)
{
	struct uniq_state *u = st->priv;
	int rc;

	if (!u->have_prev)
		return SX_OK;
	if (u->counts) {
		char text[32];
		int n = snprintf(text, sizeof(text), "%7llu ", (unsigned long long)u->count);

		if ((rc = run_flush(&u->run, out)) ||
		    (rc = sx_out_write(out, text, (size_t)n)))
			return rc;
	}
	if (u->prev_p) /* its newline follows it in the chunk */
		return run_add(&u->run, u->prev_p, u->prev_n + 1, out);
	if ((rc = run_flush(&u->run, out)) ||
	    (rc = sx_spill_emit(&u->prev, 0, u->prev.len, out, &st->err)))
		return rc;
	return sx_out_write(out, "\n", 1);
}

static int uniq_block(struct sx_stage *st, const unsigned char *p, size_t n,
		      struct sx_out *out)
{
	struct uniq_state *u = st->priv;
	const unsigned char *end = p + n;
	int rc, equal;

	while (p < end) {
		const unsigned char *le = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)(le - p);

		equal = 0;
		if (u->have_prev && len == uniq_prev_len(u) &&
		    (rc = uniq_equal(st, 0, p, len, &equal)))
			return rc;
		if (equal) {
			u->count++;
		} else {
			if ((rc = uniq_emit(st, out)))
				return rc;
			u->prev_p = p;
			u->prev_n = len;
			u->have_prev = 1;
			u->count = 1;
		}
		p = le + 1;
	}
	return SX_OK;
}

static int uniq_part(struct sx_stage *st, const struct sx_line *ev)
{
	struct uniq_state *u = st->priv;

	if (ev->off == 0)
		u->same = u->have_prev;
	if (u->same && ev->off + ev->n > uniq_prev_len(u))
		u->same = 0;
	if (!u->same)
		return SX_OK;
	return uniq_equal(st, ev->off, ev->p, ev->n, &u->same);
}

/* The open line is complete: the run goes on, or it starts the next. */
static int uniq_end(struct sx_stage *st, struct sx_out *out)
{
	struct uniq_state *u = st->priv;
	int rc;

	if (u->same && u->ln.len == uniq_prev_len(u)) {
		u->count++;
		return SX_OK;
	}
	if ((rc = uniq_emit(st, out)))
		return rc;
	sx_spill_swap(&u->ln.line, &u->prev); /* the old one is emptied by ln */
	u->prev_p = NULL;
	u->have_prev = 1;
	u->count = 1;
	return SX_OK;
}

static int uniq_process(struct sx_stage *st, const unsigned char *in,
			size_t len, struct sx_out *out)
{
	struct uniq_state *u = st->priv;
	struct sx_line ev;
	int kind = 0, rc = SX_OK;

	sx_lines_feed(&u->ln, in, len);
	while (rc == SX_OK && (kind = sx_lines_next(&u->ln, &ev, &st->err)) > 0) {
		if (kind == SX_LINES_BLOCK)
			rc = uniq_block(st, ev.p, ev.n, out);
		else if (kind == SX_LINES_PART)
			rc = uniq_part(st, &ev);
		else
			rc = uniq_end(st, out);
	}
	if (rc == SX_OK && kind < 0)
		rc = kind;
	if (rc == SX_OK)
		rc = run_flush(&u->run, out);
	if (rc == SX_OK && u->prev_p) { /* the chunk goes: keep a copy */
		sx_spill_clear(&u->prev);
		rc = sx_spill_append(&u->prev, u->prev_p, u->prev_n, &st->err);
		u->prev_p = NULL;
	}
	return rc;
}

static int uniq_finish(struct sx_stage *st, struct sx_out *out)
{
	struct uniq_state *u = st->priv;
	struct sx_line ev;
	int rc;

	if (sx_lines_finish(&u->ln, &ev) == SX_LINES_END && (rc = uniq_end(st, out)))
		return rc;
	return uniq_emit(st, out);
}

static int uniq_init(struct sx_stage *st, int argc, char **argv)
{
	static const struct sx_opt_long longs[] = {
		{ "count", 0, 'c' }, { NULL, 0, 0 }
	};
	struct uniq_state *u = st->priv;
	struct sx_opts o;
	int c;

	sx_lines_init(&u->ln, st->mem, 0, 1);
	sx_spill_init(&u->prev, st->mem, u->ln.line.limit);
	sx_opts_init(&o, st, argc, argv);
	while ((c = sx_opts_next(&o, "c", longs)) > 0)
		u->counts = 1;
	if (c < 0)
		return c;
	return sx_opts_want(&o, 0, 0, "");
}

static void uniq_destroy(struct sx_stage *st)
{
	struct uniq_state *u = st->priv;

	sx_lines_release(&u->ln);
	sx_spill_release(&u->prev);
	sx_free(u->scratch);
}

const struct sx_stage_ops sx_stage_uniq = {
	.abi = SX_STAGE_ABI,
	.name = "uniq",
	.summary = "collapse adjacent duplicate lines (like uniq)",
	.usage = "uniq [-c]\n"
		 "  -c, --count   prefix each line with its number of repeats (\"%7d \")\n"
		 "  Lines of any length; every line written ends with a newline.\n"
		 "  Example: streamx -i sorted.txt 'uniq -c'",
	.priv_size = sizeof(struct uniq_state),
	.init = uniq_init,
	.process = uniq_process,
	.finish = uniq_finish,
	.destroy = uniq_destroy,
};

/* ==== dedup ==== */

/*
 * Drops a line when the same line is among the last N distinct lines
 * seen (a repeat counts as seen again). Memory is bounded by N alone: the
 * cache holds no lines, only a 128-bit fingerprint of each, made of two
 * independent 64-bit hashes computed as the line's bytes arrive, in a
 * hash table threaded on an LRU list of exactly N entries allocated up
 * front. Two different lines share a fingerprint with odds of about
 * 2^-128 per pair: treated as impossible. -w 0 remembers nothing: every
 * line is kept.
 */
#define DEDUP_DEFAULT 10000
#define DEDUP_MAX ((uint64_t)1 << 31)
#define NONE UINT32_MAX

/* ---- the fingerprint: 8 bytes at a time, any split of the input ---- */

struct fp {
	uint64_t h1, h2, len;
	unsigned char pend[8];  /* bytes short of a whole word */
	size_t npend;
};

static uint64_t rotl(uint64_t x, int r)
{
	return x << r | x >> (64 - r);
}

static uint64_t fmix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ x >> 33;
}

/* Two lanes with their own constants, murmur3 style. */
static inline void fp_word(struct fp *f, uint64_t w)
{
	f->h1 ^= rotl(w * 0x87c37b91114253d5ULL, 31) * 0x4cf5ad432745937fULL;
	f->h1 = rotl(f->h1, 27) * 5 + 0x52dce729;
	f->h2 ^= rotl(w * 0x9e3779b97f4a7c15ULL, 33) * 0xc2b2ae3d27d4eb4fULL;
	f->h2 = rotl(f->h2, 31) * 5 + 0x38495ab5;
}

static void fp_init(struct fp *f)
{
	f->h1 = 0x243f6a8885a308d3ULL;
	f->h2 = 0x13198a2e03707344ULL;
	f->len = 0;
	f->npend = 0;
}

static void fp_update(struct fp *f, const unsigned char *p, size_t n)
{
	uint64_t w;

	f->len += n;
	if (f->npend > 0) {
		size_t take = 8 - f->npend < n ? 8 - f->npend : n;

		memcpy(f->pend + f->npend, p, take);
		f->npend += take;
		p += take;
		n -= take;
		if (f->npend < 8)
			return;
		memcpy(&w, f->pend, 8);
		fp_word(f, w);
		f->npend = 0;
	}
	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		fp_word(f, w);
	}
	memcpy(f->pend, p, n);
	f->npend = n;
}

static void fp_final(struct fp *f, uint64_t *h1, uint64_t *h2)
{
	uint64_t w = 0;

	if (f->npend > 0) {
		memcpy(&w, f->pend, f->npend);
		fp_word(f, w);
	}
	*h1 = fmix(f->h1 ^ f->len);
	*h2 = fmix(f->h2 ^ rotl(f->len, 17));
}

/* ---- the cache ---- */

struct dd_entry {
	uint64_t h1, h2;
	uint32_t chain;      /* next entry in the bucket */
	uint32_t newer, older; /* the LRU list */
};

struct dedup_state {
	struct sx_lines ln;
	uint64_t window;
	struct dd_entry *e;   /* window entries */
	uint32_t *bucket;     /* mask + 1 heads */
	uint32_t mask;
	uint32_t used;
	uint32_t newest, oldest;
	struct fp fp;         /* of the open line */
	struct run run;
};

static void dd_unlink(struct dedup_state *d, uint32_t i)
{
	struct dd_entry *x = &d->e[i];

	if (x->newer != NONE)
		d->e[x->newer].older = x->older;
	else
		d->newest = x->older;
	if (x->older != NONE)
		d->e[x->older].newer = x->newer;
	else
		d->oldest = x->newer;
}

static void dd_push(struct dedup_state *d, uint32_t i)
{
	d->e[i].newer = NONE;
	d->e[i].older = d->newest;
	if (d->newest != NONE)
		d->e[d->newest].newer = i;
	else
		d->oldest = i;
	d->newest = i;
}

/* Takes the oldest entry out of its bucket and the list, for reuse. */
static uint32_t dd_evict(struct dedup_state *d)
{
	uint32_t i = d->oldest, *link = &d->bucket[d->e[i].h2 & d->mask];

	while (*link != i)
		link = &d->e[*link].chain;
	*link = d->e[i].chain;
	dd_unlink(d, i);
	return i;
}

/* Whether the line with this fingerprint is in the window; it becomes
 * the newest entry either way. */
static int dd_seen(struct dedup_state *d, uint64_t h1, uint64_t h2)
{
	uint32_t *head = &d->bucket[h2 & d->mask], i;

	for (i = *head; i != NONE; i = d->e[i].chain)
		if (d->e[i].h1 == h1 && d->e[i].h2 == h2) {
			if (d->newest != i) {
				dd_unlink(d, i);
				dd_push(d, i);
			}
			return 1;
		}
	i = d->used < d->window ? d->used++ : dd_evict(d);
	head = &d->bucket[h2 & d->mask]; /* eviction may have changed it */
	d->e[i].h1 = h1;
	d->e[i].h2 = h2;
	d->e[i].chain = *head;
	*head = i;
	dd_push(d, i);
	return 0;
}

/* Whether a complete line is kept. */
static int dd_keep(struct dedup_state *d, struct fp *f)
{
	uint64_t h1, h2;

	if (d->window == 0)
		return 1;
	fp_final(f, &h1, &h2);
	return !dd_seen(d, h1, h2);
}

static int dedup_block(struct dedup_state *d, const unsigned char *p, size_t n,
		       struct sx_out *out)
{
	const unsigned char *end = p + n;
	int rc;

	while (p < end) {
		const unsigned char *le = (const unsigned char *)memchr(p, '\n',
									(size_t)(end - p)) + 1;
		struct fp f;

		fp_init(&f);
		fp_update(&f, p, (size_t)(le - p - 1));
		if (dd_keep(d, &f) && (rc = run_add(&d->run, p, (size_t)(le - p), out)))
			return rc;
		p = le;
	}
	return SX_OK;
}

static int dedup_end(struct sx_stage *st, struct sx_out *out)
{
	struct dedup_state *d = st->priv;
	int rc;

	if (!dd_keep(d, &d->fp))
		return SX_OK;
	if ((rc = run_flush(&d->run, out)) ||
	    (rc = sx_spill_emit(&d->ln.line, 0, d->ln.len, out, &st->err)))
		return rc;
	return sx_out_write(out, "\n", 1);
}

static int dedup_process(struct sx_stage *st, const unsigned char *in,
			 size_t len, struct sx_out *out)
{
	struct dedup_state *d = st->priv;
	struct sx_line ev;
	int kind = 0, rc = SX_OK;

	sx_lines_feed(&d->ln, in, len);
	while (rc == SX_OK && (kind = sx_lines_next(&d->ln, &ev, &st->err)) > 0) {
		if (kind == SX_LINES_BLOCK) {
			rc = dedup_block(d, ev.p, ev.n, out);
		} else if (kind == SX_LINES_PART) {
			if (ev.off == 0)
				fp_init(&d->fp);
			fp_update(&d->fp, ev.p, ev.n);
		} else {
			rc = dedup_end(st, out);
		}
	}
	if (rc == SX_OK && kind < 0)
		rc = kind;
	return rc ? rc : run_flush(&d->run, out);
}

static int dedup_finish(struct sx_stage *st, struct sx_out *out)
{
	struct dedup_state *d = st->priv;
	struct sx_line ev;

	if (sx_lines_finish(&d->ln, &ev) == SX_LINES_END)
		return dedup_end(st, out);
	return SX_OK;
}

static int dedup_alloc(struct sx_stage *st)
{
	struct dedup_state *d = st->priv;
	uint64_t nb = 1;

	while (nb < d->window)
		nb <<= 1;
	d->mask = (uint32_t)(nb - 1);
	d->newest = d->oldest = NONE;
	d->e = sx_malloc(st->mem, (size_t)d->window * sizeof(*d->e));
	if (!d->e)
		return sx_mem_fail(st->mem, (size_t)d->window * sizeof(*d->e), &st->err);
	d->bucket = sx_malloc(st->mem, (size_t)nb * sizeof(*d->bucket));
	if (!d->bucket)
		return sx_mem_fail(st->mem, (size_t)nb * sizeof(*d->bucket), &st->err);
	memset(d->bucket, 0xff, (size_t)nb * sizeof(*d->bucket)); /* NONE */
	return SX_OK;
}

static int dedup_init(struct sx_stage *st, int argc, char **argv)
{
	static const struct sx_opt_long longs[] = {
		{ "window", 1, 'w' }, { NULL, 0, 0 }
	};
	struct dedup_state *d = st->priv;
	struct sx_opts o;
	int c, rc;

	d->window = DEDUP_DEFAULT;
	sx_lines_init(&d->ln, st->mem, 0, 1);
	sx_opts_init(&o, st, argc, argv);
	while ((c = sx_opts_next(&o, "w:", longs)) > 0)
		if ((rc = sx_opts_count(&o, DEDUP_MAX, 1, &d->window)))
			return rc;
	if (c < 0)
		return c;
	if ((rc = sx_opts_want(&o, 0, 0, "")))
		return rc;
	return d->window ? dedup_alloc(st) : SX_OK;
}

static void dedup_destroy(struct sx_stage *st)
{
	struct dedup_state *d = st->priv;

	sx_lines_release(&d->ln);
	sx_free(d->e);
	sx_free(d->bucket);
}

const struct sx_stage_ops sx_stage_dedup = {
	.abi = SX_STAGE_ABI,
	.name = "dedup",
	.summary = "drop lines seen among the last N distinct ones (like awk '!seen[$0]++')",
	.usage = "dedup [-w N]\n"
		 "  -w, --window=N  how many distinct lines to remember (default 10000;\n"
		 "                  0: none, every line is kept); memory is about 36 bytes\n"
		 "                  per line of window, whatever the line lengths\n"
		 "  Keeps first occurrences in order; every line written ends with a newline.\n"
		 "  Example: streamx -i events.log 'dedup -w 100000'",
	.priv_size = sizeof(struct dedup_state),
	.init = dedup_init,
	.process = dedup_process,
	.finish = dedup_finish,
	.destroy = dedup_destroy,
};
