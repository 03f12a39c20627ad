/* grep.c - the grep stage: lines holding a fixed string or matching an extended regex. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "builtin.h"
#include "lines.h"
#include "opts.h"

/*
 * Mirrors `LC_ALL=C grep -a`: input is always text (GNU grep without -a
 * would say "Binary file matches" for input holding NUL bytes), and a
 * selected last line that had no newline is written with one.
 *
 * -F (the default) never looks at a line on its own when it can help it.
 * The whole lines of a chunk (one BLOCK from lines.h) are searched at
 * once: memchr for the pattern's rarest byte (counted over the first
 * 64 KiB of input), memcmp around each candidate, or memmem when even the
 * rarest byte is common. Only at a hit are the line's bounds looked up;
 * the lines between hits are skipped (or, with -v, written out in one
 * piece) without being touched again. -i folds ASCII letters of a piece
 * of the input into a scratch buffer and searches that.
 *
 * A line crossing chunks is searched part by part as it arrives, with the
 * last pattern-length - 1 bytes of the previous part held back so that a
 * match across two parts is found; its bytes are stored (memory up to
 * STREAMX_LINE_MEM, then a temporary file) and written out at its end if
 * it was selected. grep -c stores nothing.
 *
 * -E uses the C library's regcomp/regexec (POSIX ERE, REG_STARTEND so
 * that NUL bytes and lengths are honoured; '.' does not match NUL, as
 * POSIX regcomp has it, where GNU grep's does). When the bytes a match
 * can start with are rare, one regexec call (REG_NEWLINE) searches many
 * lines; else each line gets its own call (REG_NOSUB). A line that had to
 * be stored in a file is mapped (mmap) for regexec, which needs it in one
 * piece: the page cache holds it, not the heap, so -E on lines longer
 * than STREAMX_LINE_MEM reads them through the page cache (and RSS counts
 * the mapped pages). regexec counts in int: -E takes lines of at most
 * INT_MAX bytes.
 */

#define FOLD_PIECE ((size_t)64 * 1024)
#define FOLD_FIRST ((size_t)256)
#define SAMPLE_MAX ((size_t)64 * 1024)
#define NO_RARE SIZE_MAX
#define REGEX_WINDOW ((size_t)1 << 20)

struct grep_state {
	struct sx_lines ln;
	int invert, icase, count_only, regex;
	/* -F */
	unsigned char *pat;        /* folded to lower case with -i */
	size_t m;
	size_t rare_at;            /* pattern offset memchr looks for, or NO_RARE */
	size_t sampled;            /* input bytes counted in freq */
	uint64_t freq[256];
	unsigned char *fold;       /* -i: FOLD_PIECE + m bytes */
	unsigned char *tail;       /* the open line's last m - 1 bytes */
	size_t tail_len;
	unsigned char *joint;      /* tail + the next part's first m - 1 bytes */
	int hit;                   /* the open line matched so far */
	/* -E */
	regex_t line_re;           /* for one line at a time */
	regex_t block_re;          /* REG_NEWLINE: for many lines at once */
	int re_ready;              /* how many of the two are compiled */
	int anchored;              /* the pattern starts with '^' */
	int by_block;              /* search many lines per regexec call */
	const unsigned char *chunk; /* the current input, for offsets */
	/* output */
	uint64_t count;
	const unsigned char *run;  /* selected lines not yet written (in the chunk) */
	size_t run_len;
};

/* ---- searching for a fixed string ---- */

#define ONES 0x0101010101010101ULL

/* ASCII A-Z to a-z, eight bytes at a time where it can. */
static void fold_lower(unsigned char *restrict dst, const unsigned char *restrict src,
		       size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x, low7, upper;

		memcpy(&x, src + i, 8);
		low7 = x & (0x7f * ONES);
		/* bit 7 set where the byte lies in 'A'..'Z' (see bytes.c) */
		upper = ((low7 + (0x80 - 'A') * ONES) ^ (low7 + (0x7f - 'Z') * ONES)) &
			~x & (0x80 * ONES);
		x += upper >> 2;
		memcpy(dst + i, &x, 8);
	}
	for (; i < n; i++)
		dst[i] = (unsigned char)(src[i] + 32 * (src[i] >= 'A' && src[i] <= 'Z'));
}

static unsigned char lower(unsigned char c)
{
	return (unsigned char)(c + 32 * (c >= 'A' && c <= 'Z'));
}

/* -F: picks the pattern byte seen least in the sample. memchr is worth it
 * only while candidates are rare (about one in 32 bytes or fewer), else
 * memmem. */
static void plan_fixed(struct grep_state *g)
{
	uint64_t best = UINT64_MAX;

	if (g->m == 0)
		return;
	for (size_t k = 0; k < g->m; k++)
		if (g->freq[g->pat[k]] < best) {
			best = g->freq[g->pat[k]];
			g->rare_at = k;
		}
	if (best * 32 > g->sampled)
		g->rare_at = NO_RARE;
}

/* -E: regexec over many lines at once skips to the bytes a match can
 * start with (its fastmap), but tries every position of a pattern that
 * can match the empty string, and cannot use the anchoring of '^' once
 * REG_NEWLINE lets '^' match after every newline. One call per line is
 * then cheaper, as it is when candidate bytes are common (one in 16). */
static void plan_regex(struct grep_state *g)
{
#ifdef __GLIBC__
	const char *fastmap = g->block_re.fastmap;
	uint64_t candidates = 0;

	g->by_block = 0;
	if (!fastmap || g->block_re.can_be_null || g->anchored)
		return;
	for (int c = 0; c < 256; c++)
		if (fastmap[c])
			candidates += g->freq[c];
	g->by_block = candidates * 16 <= g->sampled;
#else
	g->by_block = 0;
#endif
}

/* Counts bytes of the first SAMPLE_MAX of input and plans the search. */
static void sample(struct grep_state *g, const unsigned char *p, size_t n)
{
	if (g->sampled >= SAMPLE_MAX)
		return;
	if (n > SAMPLE_MAX - g->sampled)
		n = SAMPLE_MAX - g->sampled;
	for (size_t i = 0; i < n; i++)
		g->freq[g->icase && !g->regex ? lower(p[i]) : p[i]]++;
	g->sampled += n;
	if (g->regex)
		plan_regex(g);
	else
		plan_fixed(g);
}

/* The first match in hay[0..n) of the pattern as it is stored. */
static const unsigned char *find_exact(const struct grep_state *g,
				       const unsigned char *hay, size_t n)
{
	const unsigned char *p, *last;
	size_t k = g->rare_at;

	if (n < g->m)
		return NULL;
	if (k == NO_RARE)
		return memmem(hay, n, g->pat, g->m);
	p = hay + k;
	last = hay + (n - g->m) + k; /* the rare byte of the last place a match fits */
	while (p <= last && (p = memchr(p, g->pat[k], (size_t)(last - p) + 1))) {
		if (memcmp(p - k, g->pat, g->m) == 0)
			return p - k;
		p++;
	}
	return NULL;
}

/* The first match in hay[0..n), with -i searched in folded pieces that
 * overlap by m - 1 bytes. The pieces start small and double, so that a
 * hit close by costs little folding. */
static const unsigned char *find(const struct grep_state *g,
				 const unsigned char *hay, size_t n)
{
	size_t s = 0, size = FOLD_FIRST;

	if (!g->icase || g->m == 0)
		return find_exact(g, hay, n);
	while (n - s >= g->m) {
		size_t piece = n - s < size ? n - s : size;
		size_t span = piece + (n - s - piece < g->m - 1 ? n - s - piece : g->m - 1);
		const unsigned char *hit;

		fold_lower(g->fold, hay + s, span);
		hit = find_exact(g, g->fold, span);
		if (hit)
			return hay + s + (size_t)(hit - g->fold);
		s += piece;
		if (size < FOLD_PIECE)
			size *= 2;
	}
	return NULL;
}

/* Searches the next part of the open line, off bytes into it. */
static void scan_part(struct grep_state *g, const unsigned char *p, size_t n,
		      uint64_t off)
{
	size_t keep = g->m - 1;

	if (off == 0) {
		g->hit = g->m == 0;
		g->tail_len = 0;
	}
	if (g->hit)
		return;
	if (g->tail_len > 0) {
		size_t h = n < keep ? n : keep;

		memcpy(g->joint, g->tail, g->tail_len);
		memcpy(g->joint + g->tail_len, p, h);
		if (find(g, g->joint, g->tail_len + h)) {
			g->hit = 1;
			return;
		}
	}
	if (find(g, p, n)) {
		g->hit = 1;
		return;
	}
	if (n >= keep) {
		memcpy(g->tail, p + n - keep, keep);
		g->tail_len = keep;
	} else {
		size_t old = g->tail_len < keep - n ? g->tail_len : keep - n;

		memmove(g->tail, g->tail + g->tail_len - old, old);
		memcpy(g->tail + old, p, n);
		g->tail_len = old + n;
	}
}

/* ---- writing selected lines ---- */

/* Queues p[0..n) (whole lines in the chunk), joining it to the queued
 * lines when it follows them. */
static int select_bytes(struct grep_state *g, const unsigned char *p, size_t n,
			struct sx_out *out)
{
	int rc;

	if (n == 0)
		return SX_OK;
	if (g->run && g->run + g->run_len == p) {
		g->run_len += n;
		return SX_OK;
	}
	if (g->run && (rc = sx_out_write(out, g->run, g->run_len)))
		return rc;
	g->run = p;
	g->run_len = n;
	return SX_OK;
}

static int flush_run(struct grep_state *g, struct sx_out *out)
{
	int rc = g->run ? sx_out_write(out, g->run, g->run_len) : SX_OK;

	g->run = NULL;
	g->run_len = 0;
	return rc;
}

static uint64_t count_lines(const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n;
	uint64_t lines = 0;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		lines++;
		p++;
	}
	return lines;
}

/* ---- extended regular expressions ---- */

#if defined(__SANITIZE_ADDRESS__)
#define SX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SX_ASAN 1
#endif
#endif

/* regexec over s[0..n) with REG_STARTEND. AddressSanitizer's regexec
 * interceptor ignores REG_STARTEND and reads the string up to a NUL, past
 * the bytes given; under it (test builds only) a terminated copy is
 * matched instead. */
static int match_range(struct sx_mem_owner *mem, const regex_t *re,
		       const unsigned char *s, size_t n, size_t nmatch, regmatch_t *pm)
{
	pm[0].rm_so = 0;
	pm[0].rm_eo = (regoff_t)n;
#ifdef SX_ASAN
	{
		char *copy = sx_malloc(mem, n + 1);
		int rc;

		if (!copy)
			return REG_ESPACE;
		memcpy(copy, s, n);
		copy[n] = '\0';
		rc = regexec(re, copy, nmatch, pm, REG_STARTEND);
		sx_free(copy);
		return rc;
	}
#else
	(void)mem;
	return regexec(re, n ? (const char *)s : "", nmatch, pm, REG_STARTEND);
#endif
}

/* The error for a line past regexec's range (it counts in int). */
static int too_long(struct sx_stage *st, uint64_t n, uint64_t at)
{
	return sx_stage_fail(st, SX_EDATA,
			     "a line of %llu bytes near byte %llu is too long for -E "
			     "(at most %d bytes)", (unsigned long long)n,
			     (unsigned long long)at, INT_MAX);
}

/* Whether line[0..n) (no newline) matches. */
static int regex_match(struct sx_stage *st, const unsigned char *line, uint64_t n,
		       int *match)
{
	struct grep_state *g = st->priv;
	regmatch_t pm[1];

	if (n > INT_MAX)
		return too_long(st, n, st->bytes_in);
	/* no match asked for: regexec then need not find where a match ends */
	*match = match_range(st->mem, &g->line_re, line, (size_t)n, 0, pm) == 0;
	return SX_OK;
}

/* The start of the first match in the whole lines p[0..n), or NULL. The
 * regex is compiled with REG_NEWLINE, so no match crosses a line; the
 * last newline is left out of the range, so that '$' cannot match an
 * empty line after it. Long blocks (naive mode) are searched in windows
 * of whole lines, so that each regexec call stays within int. */
static int regex_find(struct sx_stage *st, const unsigned char *p, size_t n,
		      const unsigned char **hit)
{
	struct grep_state *g = st->priv;
	const unsigned char *end = p + n;

	*hit = NULL;
	while (p < end) {
		const unsigned char *q = end;
		regmatch_t pm[1];

		if ((size_t)(end - p) > REGEX_WINDOW) {
			q = memrchr(p, '\n', REGEX_WINDOW);
			q = q ? q + 1 : (const unsigned char *)memchr(p + REGEX_WINDOW, '\n',
								      (size_t)(end - p) - REGEX_WINDOW) + 1;
			if ((size_t)(q - p) > INT_MAX)
				return too_long(st, (uint64_t)(q - p),
						st->bytes_in + (uint64_t)(p - g->chunk));
		}
		if (match_range(st->mem, &g->block_re, p, (size_t)(q - p - 1), 1, pm) == 0) {
			*hit = p + pm[0].rm_so;
			return SX_OK;
		}
		p = q;
	}
	return SX_OK;
}

/* The first line of p[0..n) (whole lines) that matches, one regexec call
 * per line. */
static int regex_lines(struct sx_stage *st, const unsigned char *p, size_t n,
		       const unsigned char **hit)
{
	const unsigned char *end = p + n;

	*hit = NULL;
	while (p < end) {
		const unsigned char *le = memchr(p, '\n', (size_t)(end - p));
		int match, rc = regex_match(st, p, (size_t)(le - p), &match);

		if (rc)
			return rc;
		if (match) {
			*hit = p;
			return SX_OK;
		}
		p = le + 1;
	}
	return SX_OK;
}

/* ---- whole lines ---- */

/* The first match in p[0..n), whole lines, by either matcher. */
static int locate(struct sx_stage *st, const unsigned char *p, size_t n,
		  const unsigned char **hit)
{
	struct grep_state *g = st->priv;

	if (g->regex && g->by_block)
		return regex_find(st, p, n, hit);
	if (g->regex)
		return regex_lines(st, p, n, hit);
	*hit = find(g, p, n);
	return SX_OK;
}

/* Whole lines p[0..n): one search across all of them, line bounds looked
 * up only around the hits. */
static int block(struct sx_stage *st, const unsigned char *p, size_t n,
		 struct sx_out *out)
{
	struct grep_state *g = st->priv;
	const unsigned char *end = p + n;
	int rc;

	if (!g->regex && g->m == 0) { /* the empty string is in every line */
		if (g->count_only)
			g->count += g->invert ? 0 : count_lines(p, n);
		return g->invert || g->count_only ? SX_OK : select_bytes(g, p, n, out);
	}
	while (p < end) {
		const unsigned char *hit, *ls, *le;

		if ((rc = locate(st, p, (size_t)(end - p), &hit)))
			return rc;
		if (!hit)
			break;
		ls = memrchr(p, '\n', (size_t)(hit - p));
		ls = ls ? ls + 1 : p;
		le = (const unsigned char *)memchr(hit, '\n', (size_t)(end - hit)) + 1;
		if (g->count_only)
			g->count += g->invert ? count_lines(p, (size_t)(ls - p)) : 1;
		else if ((rc = select_bytes(g, g->invert ? p : ls,
					    (size_t)(g->invert ? ls - p : le - ls), out)))
			return rc;
		p = le;
	}
	if (!g->invert || p == end)
		return SX_OK;
	if (g->count_only) {
		g->count += count_lines(p, (size_t)(end - p));
		return SX_OK;
	}
	return select_bytes(g, p, (size_t)(end - p), out);
}

/* Matches the assembled line: in place while in memory, else mapped from
 * its temporary file. */
static int regex_stored(struct sx_stage *st, int *match)
{
	struct grep_state *g = st->priv;
	const struct sx_spill *sp = &g->ln.line;
	void *map;
	int rc;

	if (sx_spill_mem(sp))
		return regex_match(st, sx_spill_mem(sp), sp->len, match);
	if (sp->len > INT_MAX)
		return regex_match(st, NULL, sp->len, match);
	map = mmap(NULL, (size_t)sp->len, PROT_READ, MAP_PRIVATE, sp->fd, 0);
	if (map == MAP_FAILED)
		return sx_stage_fail(st, SX_EIO, "cannot map a stored line of %llu bytes: %s",
				     (unsigned long long)sp->len, strerror(errno));
	rc = regex_match(st, map, sp->len, match);
	munmap(map, (size_t)sp->len);
	return rc;
}

/* ---- the stage ---- */

/* The open line is complete: write it out if selected. */
static int end_line(struct sx_stage *st, struct sx_out *out)
{
	struct grep_state *g = st->priv;
	int match = g->hit, rc;

	if (g->regex && (rc = regex_stored(st, &match)))
		return rc;
	if (match == g->invert)
		return SX_OK;
	if (g->count_only) {
		g->count++;
		return SX_OK;
	}
	if ((rc = flush_run(g, out)) ||
	    (rc = sx_spill_emit(&g->ln.line, 0, g->ln.len, out, &st->err)))
		return rc;
	return sx_out_write(out, "\n", 1);
}

static int grep_process(struct sx_stage *st, const unsigned char *in,
			size_t len, struct sx_out *out)
{
	struct grep_state *g = st->priv;
	struct sx_line ev;
	int kind = 0, rc = SX_OK;

	g->chunk = in;
	sx_lines_feed(&g->ln, in, len);
	while (rc == SX_OK && (kind = sx_lines_next(&g->ln, &ev, &st->err)) > 0) {
		if (kind != SX_LINES_END)
			sample(g, ev.p, ev.n);
		if (kind == SX_LINES_BLOCK)
			rc = block(st, ev.p, ev.n, out);
		else if (kind == SX_LINES_PART && !g->regex)
			scan_part(g, ev.p, ev.n, ev.off);
		else if (kind == SX_LINES_END)
			rc = end_line(st, out);
	}
	if (rc == SX_OK && kind < 0)
		rc = kind;
	if (rc == SX_OK)
		rc = flush_run(g, out);
	return rc;
}

static int grep_finish(struct sx_stage *st, struct sx_out *out)
{
	struct grep_state *g = st->priv;
	struct sx_line ev;
	int rc;

	if (sx_lines_finish(&g->ln, &ev) == SX_LINES_END && (rc = end_line(st, out)))
		return rc;
	if (g->count_only) {
		char text[32];
		int n = snprintf(text, sizeof(text), "%llu\n", (unsigned long long)g->count);

		return sx_out_write(out, text, (size_t)n);
	}
	return SX_OK;
}

static int compile_regex(struct sx_stage *st, const char *pattern)
{
	struct grep_state *g = st->priv;
	int flags = REG_EXTENDED | (g->icase ? REG_ICASE : 0);
	int rc = regcomp(&g->line_re, pattern, flags | REG_NOSUB);
	char why[256];

	if (rc == 0) {
		g->re_ready = 1;
		rc = regcomp(&g->block_re, pattern, flags | REG_NEWLINE);
		if (rc == 0) {
			g->re_ready = 2;
			g->anchored = pattern[0] == '^';
			return SX_OK;
		}
	}
	regerror(rc, g->re_ready ? &g->block_re : &g->line_re, why, sizeof(why));
	return sx_stage_fail(st, SX_EUSAGE, "invalid regular expression '%s': %s",
			     pattern, why);
}

/* -F: the pattern (folded with -i) and the buffers for open lines. */
static int setup_fixed(struct sx_stage *st, const char *pattern)
{
	struct grep_state *g = st->priv;
	size_t m = strlen(pattern);

	g->m = m;
	g->rare_at = NO_RARE;
	g->pat = sx_malloc(st->mem, m + 1);
	g->tail = sx_malloc(st->mem, m + 1);
	g->joint = sx_malloc(st->mem, 2 * m + 1);
	if (g->icase)
		g->fold = sx_malloc(st->mem, FOLD_PIECE + m);
	if (!g->pat || !g->tail || !g->joint || (g->icase && !g->fold))
		return sx_mem_fail(st->mem, FOLD_PIECE + 4 * m, &st->err);
	for (size_t i = 0; i < m; i++)
		g->pat[i] = g->icase ? lower((unsigned char)pattern[i]) :
			(unsigned char)pattern[i];
	return SX_OK;
}

static int grep_init(struct sx_stage *st, int argc, char **argv)
{
	static const struct sx_opt_long longs[] = {
		{ "invert-match", 0, 'v' }, { "ignore-case", 0, 'i' },
		{ "count", 0, 'c' }, { "fixed-strings", 0, 'F' },
		{ "extended-regexp", 0, 'E' }, { "regexp", 1, 'e' },
		{ NULL, 0, 0 }
	};
	struct grep_state *g = st->priv;
	const char *pattern = NULL;
	struct sx_opts o;
	int c, fixed = 0, rc;

	sx_opts_init(&o, st, argc, argv);
	while ((c = sx_opts_next(&o, "vicFEe:", longs)) > 0) {
		if (c == 'v')
			g->invert = 1;
		else if (c == 'i')
			g->icase = 1;
		else if (c == 'c')
			g->count_only = 1;
		else if (c == 'F')
			fixed = 1;
		else if (c == 'E')
			g->regex = 1;
		else if (pattern)
			return sx_stage_fail(st, SX_EUSAGE, "only one pattern may be given");
		else
			pattern = o.arg;
	}
	if (c < 0)
		return c;
	if (fixed && g->regex)
		return sx_stage_fail(st, SX_EUSAGE, "conflicting matchers: -F and -E");
	if (!pattern && (rc = sx_opts_want(&o, 1, 1, "PATTERN")))
		return rc;
	if (pattern && (rc = sx_opts_want(&o, 0, 0, "PATTERN")))
		return rc;
	if (!pattern)
		pattern = argv[o.ind];
	if (strchr(pattern, '\n'))
		return sx_stage_fail(st, SX_EUSAGE,
				     "the pattern holds a newline (one pattern only)");
	/* -c needs no line kept, except by -E, which matches lines whole. */
	sx_lines_init(&g->ln, st->mem, 0, !g->count_only || g->regex);
	return g->regex ? compile_regex(st, pattern) : setup_fixed(st, pattern);
}

static void grep_destroy(struct sx_stage *st)
{
	struct grep_state *g = st->priv;

	sx_lines_release(&g->ln);
	if (g->re_ready > 0)
		regfree(&g->line_re);
	if (g->re_ready > 1)
		regfree(&g->block_re);
	sx_free(g->pat);
	sx_free(g->tail);
	sx_free(g->joint);
	sx_free(g->fold);
}

const struct sx_stage_ops sx_stage_grep = {
	.abi = SX_STAGE_ABI,
	.name = "grep",
	.summary = "lines holding a string or matching a regex (like grep -a)",
	.usage = "grep [-v] [-i] [-c] [-F|-E] [-e PATTERN | PATTERN]\n"
		 "  -F, --fixed-strings    PATTERN is a plain string (the default)\n"
		 "  -E, --extended-regexp  PATTERN is a POSIX extended regular expression\n"
		 "  -e, --regexp=PATTERN   the pattern (may start with '-')\n"
		 "  -v, --invert-match     select the lines that do not match\n"
		 "  -i, --ignore-case      ignore ASCII letter case\n"
		 "  -c, --count            write only the number of selected lines\n"
		 "  Input is always text, lines of any length; a selected last line\n"
		 "  without a newline gets one.\n"
		 "  Example: streamx -i app.log 'grep -E -i \"error|warn\"'",
	.priv_size = sizeof(struct grep_state),
	.init = grep_init,
	.process = grep_process,
	.finish = grep_finish,
	.destroy = grep_destroy,
};
