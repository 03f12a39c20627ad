/* check_lines.c - the line splitter and the line stages: grep, head, nl, uniq, dedup. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"
#include "lines.h"
#include "suites.h"
#include "test_diff.h"

/* ---- the splitter ---- */

/* A growing byte string. */
struct bytes {
	unsigned char *p;
	size_t n, cap;
};

static void put(struct bytes *b, const void *data, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		ck_assert_ptr_nonnull(b->p);
	}
	if (n)
		memcpy(b->p + b->n, data, n);
	b->n += n;
}

static void puts_(struct bytes *b, const char *s)
{
	put(b, s, strlen(s));
}

static void put_rep(struct bytes *b, char c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(b, &c, 1);
}

/* Checks one END: the store holds exactly the parts seen since the line
 * opened. */
static void check_end(struct sx_lines *ln, const struct bytes *line, int keep)
{
	struct sx_error err;
	unsigned char *back = malloc(line->n + 1);

	ck_assert_uint_eq(ln->len, line->n);
	if (keep) {
		ck_assert_uint_eq(ln->line.len, line->n);
		ck_assert_int_eq(sx_spill_read(&ln->line, 0, back, line->n, &err), SX_OK);
		ck_assert(line->n == 0 || memcmp(back, line->p, line->n) == 0);
	} else {
		ck_assert_uint_eq(ln->line.len, 0);
	}
	free(back);
}

/* Splits in[0..len) in chunks of chunk bytes; rebuilds the input from the
 * events and checks each event's promises. Returns the number of ENDs. */
static size_t split_all(const unsigned char *in, size_t len, size_t chunk,
			size_t limit, int keep)
{
	struct sx_lines ln;
	struct sx_line ev;
	struct sx_error err;
	struct bytes got = { 0 }, line = { 0 };
	size_t ends = 0;
	int kind;

	sx_lines_init(&ln, NULL, limit, keep);
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;

		sx_lines_feed(&ln, in + off, n);
		while ((kind = sx_lines_next(&ln, &ev, &err)) > 0) {
			if (kind == SX_LINES_BLOCK) {
				ck_assert_uint_gt(ev.n, 0);
				ck_assert_int_eq(ev.p[ev.n - 1], '\n');
				ck_assert(ev.p >= in + off && ev.p + ev.n <= in + off + n);
				ck_assert_uint_eq(line.n, 0); /* no line open */
				put(&got, ev.p, ev.n);
			} else if (kind == SX_LINES_PART) {
				ck_assert_uint_gt(ev.n, 0);
				ck_assert_ptr_null(memchr(ev.p, '\n', ev.n));
				ck_assert_uint_eq(ev.off, line.n);
				put(&got, ev.p, ev.n);
				put(&line, ev.p, ev.n);
			} else {
				ck_assert_int_eq(kind, SX_LINES_END);
				ck_assert_int_eq(ev.eol, 1);
				check_end(&ln, &line, keep);
				put(&got, "\n", 1);
				line.n = 0;
				ends++;
			}
		}
		ck_assert_int_eq(kind, 0);
	}
	kind = sx_lines_finish(&ln, &ev);
	if (len > 0 && in[len - 1] != '\n') {
		ck_assert_int_eq(kind, SX_LINES_END);
		ck_assert_int_eq(ev.eol, 0);
		check_end(&ln, &line, keep);
		ends++;
	} else {
		ck_assert_int_eq(kind, SX_LINES_NONE);
	}
	ck_assert_int_eq(sx_lines_finish(&ln, &ev), SX_LINES_NONE);
	ck_assert_uint_eq(got.n, len);
	ck_assert(len == 0 || memcmp(got.p, in, len) == 0);
	sx_lines_release(&ln);
	free(got.p);
	free(line.p);
	return ends;
}

START_TEST(test_split_rebuilds_input)
{
	static const size_t chunks[] = { 1, 2, 3, 7, 100, 999, 4096, 1 << 20 };
	struct bytes in = { 0 };

	puts_(&in, "one\n\ntwo\nthree");
	put_rep(&in, 'x', 5000);
	puts_(&in, "\n\n\nshort\n");
	put_rep(&in, 'y', 300);
	puts_(&in, "\nlast without newline");
	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		split_all(in.p, in.n, chunks[c], 64, 1);   /* long lines spill */
		split_all(in.p, in.n, chunks[c], 0, 1);    /* default limit */
		split_all(in.p, in.n, chunks[c], 64, 0);   /* nothing kept */
		split_all(in.p, in.n - 21, chunks[c], 64, 1); /* ends in a newline */
	}
	ck_assert_uint_eq(split_all((const unsigned char *)"", 0, 1, 64, 1), 0);
	ck_assert_uint_eq(split_all((const unsigned char *)"a", 1, 1, 64, 1), 1);
	ck_assert_uint_eq(split_all((const unsigned char *)"\n", 1, 1, 64, 1), 0);
	/* one chunk: only the last line is ever open */
	ck_assert_uint_eq(split_all(in.p, in.n, in.n, 64, 1), 1);
	free(in.p);
}
END_TEST

/* A long line is held in a file, memory stays at the limit, and a store
 * swapped in during END is emptied by the next call (uniq's use). */
START_TEST(test_split_spill_and_swap)
{
	struct sx_mem_account acct;
	struct sx_mem_owner *owner;
	struct sx_lines ln;
	struct sx_spill mine;
	struct sx_line ev;
	struct sx_error err;
	unsigned char chunk[1000], back[4];

	sx_mem_account_init(&acct, 0);
	owner = sx_mem_owner_new(&acct, "lines");
	sx_lines_init(&ln, owner, 256, 1);
	sx_spill_init(&mine, owner, 256);
	memset(chunk, 'z', sizeof(chunk));
	for (int i = 0; i < 50; i++) {
		sx_lines_feed(&ln, chunk, sizeof(chunk));
		ck_assert_int_eq(sx_lines_next(&ln, &ev, &err), SX_LINES_PART);
		ck_assert_uint_eq(ev.off, (uint64_t)i * sizeof(chunk));
		ck_assert_int_eq(sx_lines_next(&ln, &ev, &err), SX_LINES_NONE);
	}
	ck_assert_ptr_null(sx_spill_mem(&ln.line));
	ck_assert_uint_le(owner->peak, 256);
	sx_lines_feed(&ln, (const unsigned char *)"\nab\ncd", 6);
	ck_assert_int_eq(sx_lines_next(&ln, &ev, &err), SX_LINES_END);
	ck_assert_uint_eq(ln.len, 50000);
	sx_spill_swap(&ln.line, &mine);
	ck_assert_int_eq(sx_lines_next(&ln, &ev, &err), SX_LINES_BLOCK);
	ck_assert_uint_eq(ev.n, 3);
	ck_assert_uint_eq(ln.line.len, 0);    /* the swapped-in store, emptied */
	ck_assert_uint_eq(mine.len, 50000);   /* the line, kept */
	ck_assert_int_eq(sx_spill_read(&mine, 49998, back, 2, &err), SX_OK);
	ck_assert_mem_eq(back, "zz", 2);
	ck_assert_int_eq(sx_lines_next(&ln, &ev, &err), SX_LINES_PART);
	ck_assert_int_eq(sx_lines_next(&ln, &ev, &err), SX_LINES_NONE);
	ck_assert_int_eq(sx_lines_finish(&ln, &ev), SX_LINES_END);
	ck_assert_mem_eq(sx_spill_mem(&ln.line), "cd", 2);
	sx_lines_release(&ln);
	sx_spill_release(&mine);
	ck_assert_uint_eq(owner->current, 0);
}
END_TEST

/* ---- exact outputs, every driver ---- */

struct expect {
	const char *spec;
	const char *in;
	const char *want;
};

#define S(x) x, sizeof(x) - 1

/* The output of spec over in, naive and at a few chunkings, must be want. */
static void expect_out(const char *spec, const void *in, size_t len,
		       const void *want, size_t want_len)
{
	static const size_t chunks[] = { 1, 3, 4096 };
	static const size_t bufs[] = { 1, 4096 };

	for (size_t c = 0; c <= sizeof(chunks) / sizeof(chunks[0]); c++)
		for (size_t b = 0; b < sizeof(bufs) / sizeof(bufs[0]); b++) {
			int naive = c == sizeof(chunks) / sizeof(chunks[0]);
			struct run_result r = naive ? run_naive(spec, in, len) :
				run_stream(spec, in, len, chunks[c], bufs[b]);

			ck_assert_msg(r.status == SX_OK, "%s: %s", spec, r.err.msg);
			ck_assert_msg(r.out_len == want_len &&
				      (want_len == 0 || memcmp(r.out, want, want_len) == 0),
				      "'%s' (%s, read %zu, buffer %zu) gave %zu bytes '%.*s', "
				      "want %zu '%.*s'", spec, naive ? "naive" : "stream",
				      chunks[c < 3 ? c : 0], bufs[b], r.out_len,
				      (int)(r.out_len < 200 ? r.out_len : 200), (const char *)r.out,
				      want_len, (int)(want_len < 200 ? want_len : 200),
				      (const char *)want);
			free(r.out);
		}
}

static const struct expect expects[] = {
	/* grep: a selected last line gets its newline; -c alone */
	{ "grep ERROR", "a ERROR\nb\nc ERROR", "a ERROR\nc ERROR\n" },
	{ "grep -v ERROR", "a ERROR\nb\nc ERROR", "b\n" },
	{ "grep -c ERROR", "a ERROR\nb\nc ERROR", "2\n" },
	{ "grep -vc ERROR", "a ERROR\nb\nc ERROR", "1\n" },
	{ "grep -c x", "", "0\n" },
	{ "grep x", "", "" },
	{ "grep ''", "a\n\nb", "a\n\nb\n" },
	{ "grep -v ''", "a\n\nb", "" },
	{ "grep -c ''", "a\n\nb", "3\n" },
	/* GNU grep 3.8 writes nothing at all here: it stops before reading
	 * when no line can be selected; -c still says how many were */
	{ "grep -vc ''", "a\n\nb", "0\n" },
	{ "grep -i error", "Error\nERROR\nerr\n\xc9RROR\n", "Error\nERROR\n" },
	{ "grep -i 'A\xc9'", "a\xc9\na\xe9\n", "a\xc9\n" }, /* ASCII folding only */
	{ "grep -e -v", "-v\nv\n", "-v\n" },
	{ "grep -- -v", "-v\nv\n", "-v\n" },
	{ "grep -F 'a.c'", "abc\na.c\n", "a.c\n" },
	{ "grep -E 'a.c'", "abc\na.c\nac\n", "abc\na.c\n" },
	{ "grep -E '^b|c$'", "abc\nbcd\nxyz\n", "abc\nbcd\n" },
	{ "grep -E '^$'", "a\n\nb\n", "\n" },
	{ "grep -Ec '^$'", "a\n\nb\n\n", "2\n" },
	{ "grep -E -i 'X+Y'", "axxyb\nxy\nab\n", "axxyb\nxy\n" },
	{ "grep -Ev 'a|b'", "a\nc\nb\nd", "c\nd\n" },
	{ "grep aa", "aaa\naXa\na\n", "aaa\n" },
	/* head */
	{ "head -n 2", "1\n2\n3\n", "1\n2\n" },
	{ "head -2", "1\n2\n3\n", "1\n2\n" },
	{ "head -n 0", "1\n2\n3\n", "" },
	{ "head -n 5", "1\n2\n3", "1\n2\n3" },
	{ "head -c 3", "12345", "123" },
	{ "head -c 0", "12345", "" },
	{ "head", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n" },
	{ "head -c 1K", "abc", "abc" },
	/* nl: numbers, a last line without newline, page delimiters */
	{ "nl", "a\n\nb", "     1\ta\n     2\t\n     3\tb\n" },
	{ "nl", "", "" },
	{ "nl -b a", "x\n", "     1\tx\n" },
	{ "nl", "a\n\\:\\:\\:\nh\n\\:\\:\nb\n\\:\nf\n\\:\\:\nc\n",
	  "     1\ta\n\n       h\n\n     1\tb\n\n       f\n\n     1\tc\n" },
	{ "nl", "\\:\\:\\:\\:\n\\:x\n\\\n\\:\\:", "     1\t\\:\\:\\:\\:\n     2\t\\:x\n     3\t\\\n\n" },
	/* uniq */
	{ "uniq", "a\na\nb\na\na", "a\nb\na\n" },
	{ "uniq", "a\na", "a\n" },
	{ "uniq", "", "" },
	{ "uniq", "\n\n\nx\n", "\nx\n" },
	/* an empty last line, held between calls in a store with no buffer */
	{ "uniq", "\n", "\n" },
	{ "uniq -c", "a\n\n\n", "      1 a\n      2 \n" },
	{ "uniq -c", "a\na\nb\na\na", "      2 a\n      1 b\n      2 a\n" },
	{ "uniq -c", "ab\nab\na\n", "      2 ab\n      1 a\n" },
	/* dedup: first occurrences in order, window of distinct lines */
	{ "dedup", "a\nb\na\nc\nb", "a\nb\nc\n" },
	{ "dedup", "x", "x\n" },
	{ "dedup -w 0", "a\na\nb", "a\na\nb\n" },
	{ "dedup -w 1", "a\na\nb\na\na", "a\nb\na\n" },
	{ "dedup -w 2", "a\nb\na\nc\nb\nd\na", "a\nb\nc\nb\nd\na\n" },
	/* chains: head's SX_DONE travels up */
	{ "grep -v x | head -n 2", "a\nx\nb\nc\n", "a\nb\n" },
	{ "nl | head -n 1", "a\nb\n", "     1\ta\n" },
};

START_TEST(test_exact_outputs)
{
	const struct expect *e = &expects[_i];

	expect_out(e->spec, e->in, strlen(e->in), e->want, strlen(e->want));
	/* the same with every line held in temporary files */
	setenv("STREAMX_LINE_MEM", "1", 1);
	expect_out(e->spec, e->in, strlen(e->in), e->want, strlen(e->want));
	unsetenv("STREAMX_LINE_MEM");
}
END_TEST

/* NUL bytes are ordinary line bytes everywhere. */
START_TEST(test_nul_bytes)
{
	expect_out("grep b", S("a\0b\nc\0d\n"), S("a\0b\n"));
	expect_out("grep -E 'c'", S("a\0b\nc\0d\n"), S("c\0d\n"));
	expect_out("grep -E '^d'", S("c\0d\n"), S(""));
	expect_out("uniq -c", S("\0\n\0\n\0\0\n"), S("      2 \0\n      1 \0\0\n"));
	expect_out("dedup", S("a\0\na\nA\0\na\0\n"), S("a\0\na\nA\0\n"));
	expect_out("nl", S("\0\n"), S("     1\t\0\n"));
	expect_out("head -n 1", S("\0\0\n\0"), S("\0\0\n"));
}
END_TEST

/* -F matches across chunk boundaries and inside long (spilled) lines. */
START_TEST(test_grep_long_lines)
{
	struct bytes in = { 0 }, want = { 0 };

	setenv("STREAMX_LINE_MEM", "100", 1);
	put_rep(&in, 'a', 3000);
	puts_(&in, "NEEDLE");
	put_rep(&in, 'a', 3000);
	puts_(&in, "\nshort\n");
	put_rep(&in, 'b', 5000);
	puts_(&in, "\nNEEDLE");
	put_rep(&in, 'c', 999);
	put(&want, in.p, 6007);
	puts_(&want, "NEEDLE");
	put_rep(&want, 'c', 999);
	puts_(&want, "\n");
	expect_out("grep NEEDLE", in.p, in.n, want.p, want.n);
	expect_out("grep -i needle", in.p, in.n, want.p, want.n);
	expect_out("grep -E 'N[E]+DLE'", in.p, in.n, want.p, want.n);
	expect_out("grep -c NEEDLE", in.p, in.n, S("2\n"));
	expect_out("grep -vc NEEDLE", in.p, in.n, S("2\n"));
	expect_out("grep -E -c 'a{2999}N'", in.p, in.n, S("1\n"));
	expect_out("grep -E -c 'a{3001}N'", in.p, in.n, S("0\n"));
	/* the pattern's prefix at the end of one part, not completed */
	expect_out("grep aaaaX", in.p, in.n, S(""));
	unsetenv("STREAMX_LINE_MEM");
	free(in.p);
	free(want.p);
}
END_TEST

/* Naive mode hands grep -E the whole input at once: searched in windows
 * of about 1 MiB of whole lines, a line longer than a window included. */
START_TEST(test_grep_regex_windows)
{
	static const char *const specs[] = {
		"grep -E 'ERROR|WARN'", "grep -E -v 'ERROR|WARN'", "grep -E -c 'x$'",
		"grep -E 'q+Z'", "grep -E -i 'error'",
	};
	struct bytes in = { 0 };
	unsigned char *log = make_input(SX_GEN_LOG, 3 << 20, 8);

	put(&in, log, 3 << 20);
	puts_(&in, "\n");
	put_rep(&in, 'q', 1500000);
	puts_(&in, "Z\n");
	put(&in, log, 1 << 20);
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		assert_chunking_same(specs[i], in.p, in.n, 65536, 65536, "4 MiB of log");
		assert_chunking_same(specs[i], in.p, in.n, 4096, 7, "4 MiB of log");
	}
	free(log);
	free(in.p);
}
END_TEST

/* ---- stream == naive at every chunking ---- */

/* Lines of every kind the stages care about. */
static unsigned char *mixed_input(size_t *len)
{
	struct bytes b = { 0 };
	unsigned char *log = make_input(SX_GEN_LOG, 4000, 3);
	unsigned char *cut = memrchr(log, '\n', 4000);

	put(&b, log, (size_t)(cut + 1 - log));
	puts_(&b, "dup\ndup\ndup\n\n\nDUP\n");
	puts_(&b, "\\:\\:\\:\nhead line\n\\:\\:\nbody\n\\:\nfoot\n\\:\\:\\:\\:\n\\:x\n\\:\\:\n");
	put(&b, "abc\0ERROR\0def\n", 14);
	for (int i = 0; i < 3; i++) {
		put_rep(&b, 'L', 1500);
		puts_(&b, i < 2 ? "ERROR" : "ERRO");
		put_rep(&b, 'L', 1500);
		puts_(&b, "\n");
	}
	puts_(&b, "error mixed Case ErRoR\n");
	put(&b, log, (size_t)(cut + 1 - log)); /* every line again, for dedup */
	puts_(&b, "last ERROR line");
	free(log);
	*len = b.n;
	return b.p;
}

static const char *const chunk_specs[] = {
	"grep ERROR", "grep -v ERROR", "grep -i error", "grep -c ERROR",
	"grep -vc ERROR", "grep E", "grep -i 'rror line'", "grep ''", "grep -v ''",
	"grep -E 'ERROR|WARN'", "grep -E -v '^[0-9]+'", "grep -E -i 'error|dup'",
	"grep -E ''", "grep -E -c 'L+ERROR'", "grep -i -v -c 'get /'",
	"head", "head -n 0", "head -n 7", "head -c 1", "head -c 5000", "head -n 100",
	"nl", "uniq", "uniq -c", "dedup", "dedup -w 1", "dedup -w 2", "dedup -w 0",
	"grep -v x | uniq -c | head -n 30", "nl | grep 1 | dedup",
};

START_TEST(test_every_chunking)
{
	size_t len;
	unsigned char *in = mixed_input(&len);

	assert_every_chunking(chunk_specs[_i], in, len, "mixed lines");
	setenv("STREAMX_LINE_MEM", "100", 1);
	assert_every_chunking(chunk_specs[_i], in, len, "mixed lines, 100-byte line memory");
	unsetenv("STREAMX_LINE_MEM");
	free(in);
}
END_TEST

/* ---- dedup against a model ---- */

/* What dedup -w window writes: a line is dropped when it is among the
 * window most recently seen distinct lines (a repeat refreshes it). */
static size_t dedup_model(const unsigned char *in, size_t len, size_t window,
			  unsigned char *out)
{
	const unsigned char *recent[64];
	size_t recent_len[64], n = 0, o = 0;
	const unsigned char *p = in, *end = in + len;

	ck_assert_uint_lt(window, 64);
	while (p < end) {
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p), k;

		for (k = 0; k < n; k++)
			if (recent_len[k] == l && memcmp(recent[k], p, l) == 0)
				break;
		if (k == n) {
			memcpy(out + o, p, l);
			o += l;
			out[o++] = '\n';
			if (window == 0)
				k = 0;
			else if (n < window)
				k = n++;
			else
				k = n - 1;
		}
		if (window > 0) { /* to the front */
			memmove(recent + 1, recent, k * sizeof(recent[0]));
			memmove(recent_len + 1, recent_len, k * sizeof(recent_len[0]));
			recent[0] = p;
			recent_len[0] = l;
		}
		p += l + 1;
	}
	return o;
}

START_TEST(test_dedup_model)
{
	static const size_t windows[] = { 0, 1, 2, 3, 5 };
	struct bytes in = { 0 };
	unsigned r = 12345;
	unsigned char *want;

	/* a few distinct lines, two of them long and differing at the end */
	for (int i = 0; i < 600; i++) {
		r = r * 1103515245u + 12345u;
		switch ((r >> 16) % 8) {
		case 0: puts_(&in, "alpha\n"); break;
		case 1: puts_(&in, "beta\n"); break;
		case 2: puts_(&in, "\n"); break;
		case 3: put(&in, "nul\0\n", 5); break;
		case 4: put_rep(&in, 'q', 2000); puts_(&in, "\n"); break;
		case 5: put_rep(&in, 'q', 2000); puts_(&in, "r\n"); break;
		case 6: puts_(&in, "gamma\n"); break;
		default: puts_(&in, "alpha2\n"); break;
		}
	}
	puts_(&in, "beta"); /* a last line without its newline */
	want = malloc(in.n + 2);
	for (size_t w = 0; w < sizeof(windows) / sizeof(windows[0]); w++) {
		char spec[32];
		size_t want_len = dedup_model(in.p, in.n, windows[w], want);

		snprintf(spec, sizeof(spec), "dedup -w %zu", windows[w]);
		if (windows[w] > 0) /* the model drops lines */
			ck_assert_uint_lt(want_len + 1000, in.n);
		expect_out(spec, in.p, in.n, want, want_len);
		setenv("STREAMX_LINE_MEM", "512", 1);
		expect_out(spec, in.p, in.n, want, want_len);
		unsetenv("STREAMX_LINE_MEM");
	}
	free(want);
	free(in.p);
}
END_TEST

/* Many distinct lines through a small window: eviction and reuse of
 * entries, against the model. */
START_TEST(test_dedup_evictions)
{
	struct bytes in = { 0 };
	unsigned r = 99;
	unsigned char *want;
	size_t want_len;

	for (int i = 0; i < 20000; i++) {
		char line[32];

		r = r * 1103515245u + 12345u;
		snprintf(line, sizeof(line), "line %u\n", (r >> 16) % 40);
		puts_(&in, line);
	}
	want = malloc(in.n + 1);
	want_len = dedup_model(in.p, in.n, 20, want);
	expect_out("dedup -w 20", in.p, in.n, want, want_len);
	free(want);
	free(in.p);
}
END_TEST

/* ---- against the real tools ---- */

#define DELIMS "sed -e '2~7s/.*/\\\\:\\\\:\\\\:/' -e '4~7s/.*/\\\\:\\\\:/' " \
	"-e '6~7s/.*/\\\\:/' -e '3~11s/.*/\\\\:\\\\:\\\\:\\\\:/'"

static const struct diff_case tool_cases[] = {
	{ "grep ERROR", "grep -a ERROR", NULL, 0 },
	{ "grep -F -v ERROR", "grep -a -F -v ERROR", NULL, 0 },
	{ "grep -i error", "grep -a -i error", NULL, 0 },
	{ "grep -c ERROR", "grep -a -c ERROR", NULL, 0 },
	{ "grep -vc -e ERROR", "grep -a -vc -e ERROR", NULL, 0 },
	{ "grep -ic 'get /'", "grep -a -ic 'get /'", NULL, 0 },
	{ "grep ''", "grep -a ''", NULL, 0 },
	{ "grep -v ''", "grep -a -v ''", NULL, 0 },
	{ "grep zq-absent-pattern", "grep -a zq-absent-pattern", NULL, 0 },
	/* patterns inside the long lines (one in the middle of a 150 KB line) */
	{ "grep xekryfEszgmta", "grep -a xekryfEszgmta", NULL, 0 },
	{ "grep -v 'RROR tail'", "grep -a -v 'RROR tail'", NULL, 0 },
	{ "grep -c 'qxekryflszgmtahnubiovcjpwd qxekr'",
	  "grep -a -c 'qxekryflszgmtahnubiovcjpwd qxekr'", NULL, 0 },
	{ "grep -E 'ERROR|WARN'", "grep -a -E 'ERROR|WARN'", NULL, 0 },
	{ "grep -E -v -i 'error|warn'", "grep -a -E -v -i 'error|warn'", NULL, 0 },
	{ "grep -E '^[0-9]+'", "grep -a -E '^[0-9]+'", NULL, 0 },
	{ "grep -E -c '^$'", "grep -a -E -c '^$'", NULL, 0 },
	{ "grep -E ''", "grep -a -E ''", NULL, 0 },
	{ "grep -E 'zq-absent|qz-absent'", "grep -a -E 'zq-absent|qz-absent'", NULL, 0 },
	{ "grep -E 'E[s]zg|RROR t[a-z]+$'", "grep -a -E 'E[s]zg|RROR t[a-z]+$'", NULL, 0 },
	{ "head -n 0", "head -n 0", NULL, 0 },
	{ "head -n 1", "head -n 1", NULL, 0 },
	{ "head -n 5", "head -n 5", NULL, 0 },
	{ "head -n 1000", "head -n 1000", NULL, 0 },
	{ "head -3", "head -3", NULL, 0 },
	{ "head -c 0", "head -c 0", NULL, 0 },
	{ "head -c 1", "head -c 1", NULL, 0 },
	{ "head -c 100", "head -c 100", NULL, 0 },
	{ "head -c 1000000", "head -c 1000000", NULL, 0 },
	{ "nl", "nl -ba", NULL, 0 },
	{ "nl", "nl -ba", DELIMS, 0 },
	{ "uniq", "uniq", NULL, 0 },
	{ "uniq -c", "uniq -c", NULL, 0 },
	{ "uniq -c", "uniq -c", "sort", 0 },
	/* every corpus has fewer than 10000 distinct lines */
	{ "dedup", "awk '!seen[$0]++'", NULL, 0 },
	{ "dedup -w 0", "awk 1", NULL, 0 },
	{ "grep ERROR | uniq -c", "grep -a ERROR | uniq -c", NULL, 0 },
	/* sed, not head, ends this reference: an early exit would kill awk
	 * with SIGPIPE, and pipefail would report that */
	{ "grep -v x | dedup | head -n 20", "grep -a -v x | awk '!seen[$0]++' | sed -n 1,20p",
	  NULL, 0 },
};

START_TEST(test_vs_tools)
{
	diff_check(&tool_cases[_i]);
}
END_TEST

/* ---- memory: one line of 1 MiB or 32 MiB ---- */

/* Peak RSS of `streamx --stats=json SPEC < in`, its output compared with
 * ref's. */
static unsigned long long peak_of(const char *spec, const char *in, const char *ref)
{
	char *stats;
	const char *at;

	ok("STREAMX_LINE_MEM=64K " SX " --stats=json '%s' < %s > got 2> stats && "
	   "%s < %s | cmp - got", spec, in, ref, in);
	stats = slurp("stats", NULL);
	ck_assert_ptr_nonnull(stats);
	at = strstr(stats, "\"rss_peak_bytes\":");
	ck_assert_msg(at != NULL, "no rss_peak_bytes in %s", stats);
	unsigned long long peak = strtoull(at + strlen("\"rss_peak_bytes\":"), NULL, 10);
	free(stats);
	ck_assert_uint_gt(peak, 0);
	return peak;
}

static const char *const mem_specs[][2] = {
	{ "grep b", "grep -a b" },
	{ "grep -v b", "grep -a -v b" },
	{ "grep -i B", "grep -a -i B" },
	{ "grep -c a", "grep -a -c a" },
	{ "uniq", "uniq" },
	{ "uniq -c", "uniq -c" },
	{ "dedup", "awk '!seen[$0]++'" },
	{ "nl", "nl -ba" },
};

START_TEST(test_long_line_memory)
{
	/* three lines: L, L again, L with a 'b' and no newline */
	ok("for m in 1 32; do head -c ${m}M /dev/zero | tr '\\0' a > l; "
	   "{ cat l; echo; cat l; echo; cat l; printf b; } > in$m; done; rm l");
	for (size_t i = 0; i < sizeof(mem_specs) / sizeof(mem_specs[0]); i++) {
		unsigned long long small = peak_of(mem_specs[i][0], "in1", mem_specs[i][1]);
		unsigned long long big = peak_of(mem_specs[i][0], "in32", mem_specs[i][1]);

		ck_assert_msg(big < small + 3 * 1024 * 1024,
			      "'%s': peak RSS %llu KiB on 32 MiB lines, %llu KiB on 1 MiB",
			      mem_specs[i][0], big / 1024, small / 1024);
	}
}
END_TEST

/* ---- head stops reading ---- */

/* Runs streamx SPEC with standard input a pipe that holds data and is
 * never closed; it must exit 0 within a second, having written want. */
static void expect_early_exit(const char *spec, const char *data, const char *want)
{
	const char *bin = streamx_bin();
	struct timespec t0, t1;
	int fds[2], wstatus = 0;
	pid_t pid, done = 0;
	char *got;

	snprintf(last_cmd, sizeof(last_cmd), "streamx '%s' < endless pipe", spec);
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[1]);
		child_stdio(fds[0], "got");
		close(fds[0]);
		execl(bin, "streamx", spec, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	write_all(fds[1], data, strlen(data));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 100 && done == 0; i++) {
		done = waitpid(pid, &wstatus, WNOHANG);
		if (done == 0)
			sleep_ms(10);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (done == 0) {
		kill(pid, SIGKILL);
		wait_for(pid);
	}
	close(fds[1]);
	ck_assert_msg(done == pid, "`%s` still running after %.2f s", last_cmd,
		      (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	ck_assert_msg(status_of(wstatus) == 0, "`%s` exited %d: %s", last_cmd,
		      status_of(wstatus), stderr_text());
	got = slurp("got", NULL);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_head_stops_reading)
{
	expect_early_exit("head -n 1", "one\ntwo\n", "one\n");
	expect_early_exit("head -n 2", "one\ntwo\nthree", "one\ntwo\n");
	expect_early_exit("head -c 3", "abcdef", "abc");
	expect_early_exit("head -n 0", "x", "");
	/* An endless writer: yes stops on SIGPIPE once streamx is gone. After
	 * other stages head sees data only when their buffers fill, which an
	 * endless fast writer does; the SX_DONE must then stop the run. */
	ok("yes | timeout 5 " SX " 'head -n 3' > out; "
	   "[ \"${PIPESTATUS[1]}\" = 0 ] && printf 'y\\ny\\ny\\n' | cmp - out");
	ok("yes | timeout 5 " SX " 'grep -v x | nl | head -n 2' > out; "
	   "[ \"${PIPESTATUS[1]}\" = 0 ] && printf '     1\\ty\\n     2\\ty\\n' | cmp - out");
	ok("timeout 5 " SX " 'head -c 5' < /dev/zero | cmp - <(head -c 5 /dev/zero)");
}
END_TEST

/* ---- errors ---- */

START_TEST(test_usage_errors)
{
	ok("printf 'a\\n' > in");
	fails(2, "streamx: grep (stage 1): missing operand: PATTERN", SX " grep < in");
	fails(2, "grep (stage 1): extra operand 'b'", SX " 'grep a b' < in");
	fails(2, "grep (stage 1): extra operand 'b'", SX " 'grep -e a b' < in");
	fails(2, "grep (stage 1): conflicting matchers", SX " 'grep -F -E a' < in");
	fails(2, "grep (stage 1): only one pattern", SX " 'grep -e a -e b' < in");
	fails(2, "grep (stage 1): unknown option '-x'", SX " 'grep -x a' < in");
	fails(2, "grep (stage 1): option needs an argument: '-e'", SX " 'grep -e' < in");
	fails(2, "grep (stage 1): invalid regular expression '('", SX " \"grep -E '('\" < in");
	fails(2, "grep (stage 1): invalid regular expression 'a{1'", SX " \"grep -E 'a{1'\" < in");
	fails(2, "grep (stage 1): the pattern holds a newline", SX " \"grep 'a\nb'\" < in");
	fails(2, "head (stage 1): invalid number 'x'", SX " 'head -n x' < in");
	fails(2, "head (stage 1): '-n -3': counts from the end are not supported",
	      SX " 'head -n -3' < in");
	fails(2, "head (stage 1): invalid number '5x'", SX " 'head -5x' < in");
	fails(2, "head (stage 1): extra operand 'file'", SX " 'head file' < in");
	fails(2, "head (stage 1): unknown option '-q'", SX " 'head -q' < in");
	fails(2, "nl (stage 1): '-b t': only -b a", SX " 'nl -b t' < in");
	fails(2, "nl (stage 1): extra operand 'x'", SX " 'nl x' < in");
	fails(2, "uniq (stage 1): unknown option '-d'", SX " 'uniq -d' < in");
	fails(2, "uniq (stage 1): extra operand 'f'", SX " 'uniq f' < in");
	fails(2, "dedup (stage 1): invalid number '-1'", SX " 'dedup -w -1' < in");
	fails(2, "dedup (stage 1): invalid number '3000000000'", SX " 'dedup -w 3000000000' < in");
	fails(2, "dedup (stage 2): unknown option '-x'", SX " 'cat | dedup -x' < in");
	ok(SX " help grep | grep -q 'Example: streamx'");
}
END_TEST

/* A line that must spill where no temporary file can be made fails with
 * exit 1 and the reason, for each stage that stores lines. */
START_TEST(test_spill_failure)
{
	static const char *const specs[] = { "grep a", "grep -E a", "uniq", "dedup" };

	ok("head -c 5000 /dev/zero | tr '\\0' a > in");
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		char needle[64];

		snprintf(needle, sizeof(needle), "%s (stage 1): cannot make a temporary",
			 strchr(specs[i], ' ') ? "grep" : specs[i]);
		fails(1, needle, "TMPDIR=/nonexistent-streamx STREAMX_LINE_MEM=1K "
		      SX " -b 1K '%s' < in", specs[i]);
	}
	/* grep -c and nl store nothing */
	ok("TMPDIR=/nonexistent-streamx STREAMX_LINE_MEM=1K " SX " -b 1K 'grep -c a' < in");
	ok("TMPDIR=/nonexistent-streamx STREAMX_LINE_MEM=1K " SX " -b 1K nl < in");
}
END_TEST

Suite *lines_suite(void)
{
	Suite *s = suite_create("lines");
	TCase *split = tcase_create("split");
	TCase *stages = tcase_create("stages");
	TCase *tools, *cli;

	tcase_add_test(split, test_split_rebuilds_input);
	tcase_add_test(split, test_split_spill_and_swap);
	suite_add_tcase(s, split);
	tcase_set_timeout(stages, 60);
	tcase_add_loop_test(stages, test_exact_outputs, 0,
			    (int)(sizeof(expects) / sizeof(expects[0])));
	tcase_add_test(stages, test_nul_bytes);
	tcase_add_test(stages, test_grep_long_lines);
	tcase_add_test(stages, test_grep_regex_windows);
	tcase_add_loop_test(stages, test_every_chunking, 0,
			    (int)(sizeof(chunk_specs) / sizeof(chunk_specs[0])));
	tcase_add_test(stages, test_dedup_model);
	tcase_add_test(stages, test_dedup_evictions);
	suite_add_tcase(s, stages);
	tools = sh_tcase(s, "tools");
	tcase_add_loop_test(tools, test_vs_tools, 0,
			    (int)(sizeof(tool_cases) / sizeof(tool_cases[0])));
	cli = sh_tcase(s, "cli");
	tcase_add_test(cli, test_long_line_memory);
	tcase_add_test(cli, test_head_stops_reading);
	tcase_add_test(cli, test_usage_errors);
	tcase_add_test(cli, test_spill_failure);
	return s;
}
