/* check_sort.c - the sort and tail stages: chunkings, the real sort and tail, memory, temporaries. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suites.h"
#include "test_diff.h"

/*
 * In process: every stage and option at every chunking, with -S 1K so
 * that hundreds of runs spill, levels merge and the final merge first
 * merges the newest runs; the external merge must give what the
 * in-memory sort gives; no descriptor may stay open. Against the tools:
 * LC_ALL=C sort and tail on the corpus and on inputs made here (numbers
 * in every form GNU sort -n reads, long lines sharing long prefixes).
 * Through the binary: usage errors, peak RSS with /usr/bin/time, and
 * the temporaries (killed mid-merge, a full or missing $TMPDIR).
 */

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0 /* shadow memory swamps RSS: bounds only in plain builds */
#endif

#define KIB 1024L

/* ---- inputs ---- */

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
		ck_assert_ptr_nonnull(b->p);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static unsigned next_rand(unsigned *r)
{
	*r = *r * 1103515245u + 12345u;
	return *r >> 16;
}

/* What sort -n must read: signs, fractions, blanks, zeros, no number,
 * equal numbers written differently, NULs, huge numbers, and tails
 * after the number that only the whole-line tie-break orders. */
static const struct {
	const char *s;
	size_t n;
} num_parts[] = {
#define P(lit) { lit, sizeof(lit) - 1 }
	P(""), P("-"), P("--1"), P("+1"), P("0"), P("00"), P("-0"), P("-00"),
	P("."), P("-."), P("0."), P("-0."), P(".0"), P("-.0"), P("1"), P("01"),
	P("1.0"), P("1.00"), P("1."), P("-1"), P("-01"), P("-1.0"), P("10"),
	P("9"), P("99"), P("100"), P("1e5"), P("0x10"), P(" 5"), P("  -5"),
	P("\t7"), P("\t-7.5"), P(" \t3"), P("- 5"), P("1.5.6"), P("12abc"),
	P("abc"), P("1,000"), P("1 000"), P("-.5"), P(".5"), P("0.50"),
	P("0.05"), P("-0.05"), P("123456789012345678901234567890"),
	P("-123456789012345678901234567890"), P("5\0"), P("5\0006"), P("\0"),
	P("  "), P("x"), P("\xff"), P("\x80 1"), P("3.14159"), P("3.1416"),
	P("-3.14159"), P("007"), P("7"), P("7.000001"), P("\v1"), P("\r2"),
#undef P
};
#define NUM_PARTS (sizeof(num_parts) / sizeof(num_parts[0]))

static unsigned char *numbers_input(size_t lines, unsigned seed, size_t *len)
{
	static const char *const tails[] = { "", " a", "b", " 1", "\t", "z", " " };
	struct buf b = { 0 };
	unsigned r = seed;

	for (size_t i = 0; i < lines; i++) {
		size_t k = next_rand(&r) % NUM_PARTS;
		const char *t = tails[next_rand(&r) % 7];

		put(&b, num_parts[k].s, num_parts[k].n);
		if (next_rand(&r) % 2)
			put(&b, t, strlen(t));
		if (i + 1 < lines || seed % 2 == 0) /* odd seeds: no final newline */
			put(&b, "\n", 1);
	}
	*len = b.len;
	return b.p;
}

/* Lines of up to 20 KB sharing long prefixes of x's (some numbered),
 * short ones between, some repeated. */
static unsigned char *long_lines_input(size_t lines, unsigned seed, size_t *len)
{
	struct buf b = { 0 };
	unsigned r = seed;
	unsigned char *xs = malloc(20000);
	size_t earlier = 0; /* bytes of the lines before the last one */

	ck_assert_ptr_nonnull(xs);
	memset(xs, 'x', 20000);
	for (size_t i = 0; i < lines; i++) {
		unsigned kind = next_rand(&r) % 10;
		char num[16];
		size_t start = b.len;

		if (kind < 3) {
			put(&b, xs, (next_rand(&r) * 7u) % 20000);
			put(&b, &"ab\0x"[next_rand(&r) % 4], 1);
		} else if (kind < 5) {
			snprintf(num, sizeof(num), "%d", (int)(next_rand(&r) % 21) - 10);
			put(&b, num, strlen(num));
			put(&b, xs, (next_rand(&r) * 3u) % 9000);
		} else if (kind == 5 && earlier > 0) { /* an earlier line again */
			size_t from = next_rand(&r) % earlier, n;
			unsigned char *copy;

			while (from > 0 && b.p[from - 1] != '\n')
				from--;
			n = (size_t)((unsigned char *)memchr(b.p + from, '\n',
							     b.len - from) - (b.p + from));
			copy = malloc(n + 1); /* put() may move b.p */
			ck_assert_ptr_nonnull(copy);
			memcpy(copy, b.p + from, n);
			put(&b, copy, n);
			free(copy);
		} else {
			put(&b, &"abc12"[next_rand(&r) % 5], 1);
			put(&b, "zz", next_rand(&r) % 3);
		}
		put(&b, "\n", 1);
		earlier = start;
	}
	free(xs);
	*len = b.len;
	return b.p;
}

/* Generated log and text lines with blank lines and duplicates. */
static unsigned char *mixed_input(size_t len, unsigned seed, size_t *out_len)
{
	unsigned char *log = make_input(1, len / 2, seed);
	unsigned char *text = make_input(0, len / 2, seed + 1);
	struct buf b = { 0 };

	put(&b, log, len / 2);
	put(&b, "\n\n", 2);
	put(&b, text, len / 4);
	put(&b, log, len / 4); /* duplicates */
	put(&b, text + len / 4, len / 2 - len / 4);
	free(log);
	free(text);
	*out_len = b.len;
	return b.p;
}

static int open_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) != -1;
	return n;
}

static const char *const sort_opts[] = {
	"", "-r", "-u", "-n", "-nr", "-nu", "-ru", "-nru"
};
#define SORT_OPTS (sizeof(sort_opts) / sizeof(sort_opts[0]))

/* ---- sort in process ---- */

static void expect_out(struct run_result r, const char *want, size_t n,
		       const char *what)
{
	ck_assert_msg(r.status == SX_OK, "%s: %s", what, r.err.msg);
	ck_assert_msg(r.out_len == n && (n == 0 || memcmp(r.out, want, n) == 0),
		      "%s: got %zu bytes '%.*s'", what, r.out_len,
		      (int)(r.out_len < 200 ? r.out_len : 200), (const char *)r.out);
	free(r.out);
}

#define EXPECT(spec, in, want) do { \
	expect_out(run_naive(spec, in, sizeof(in) - 1), want, sizeof(want) - 1, spec); \
	for (size_t c_ = 1; c_ <= sizeof(in) - 1; c_++) \
		expect_out(run_stream(spec, in, sizeof(in) - 1, c_, 3), want, \
			   sizeof(want) - 1, spec); \
} while (0)

START_TEST(test_sort_small)
{
	EXPECT("sort", "", "");
	EXPECT("sort", "b\na", "a\nb\n");
	EXPECT("sort", "\n", "\n");
	EXPECT("sort", "b\n\na\n", "\na\nb\n");
	EXPECT("sort", "ab\nab\0\na\xff\na\n", "a\nab\nab\0\na\xff\n");
	EXPECT("sort -r", "b\na\nc", "c\nb\na\n");
	EXPECT("sort -u", "b\na\nb\na\n", "a\nb\n");
	EXPECT("sort -n", "10\n9\n-1\nx\n", "-1\nx\n9\n10\n");
	/* ties on -n: the whole line, reversed too with -r */
	EXPECT("sort -n", "1b\n01\n1a\n", "01\n1a\n1b\n");
	EXPECT("sort -nr", "1b\n01\n1a\n2\n", "2\n1b\n1a\n01\n");
	/* -nu keeps the first of numerically equal lines, as GNU sort */
	EXPECT("sort -nu", "1\n01\n1.0\n", "1\n");
	EXPECT("sort -nu", "1.0\n01\n1\n", "1.0\n");
	EXPECT("sort -nu", "b\n-0\n0\n\n.0\n", "b\n");
	EXPECT("sort -nru", "1\n2\n01\n02\n", "2\n1\n");
	EXPECT("sort --reverse --numeric-sort --buffer-size=1K", "1\n3\n2\n",
	       "3\n2\n1\n");
}
END_TEST

/* Every option over inputs that spill hundreds of runs at -S 1K, at
 * every chunking; the external merge must equal the in-memory sort. */
static void sort_every_way(const unsigned char *in, size_t len, const char *name,
			   const char *size)
{
	for (size_t i = 0; i < SORT_OPTS; i++) {
		char spill[64], whole[64];
		struct run_result a, b;

		snprintf(spill, sizeof(spill), "sort %s -S %s", sort_opts[i], size);
		snprintf(whole, sizeof(whole), "sort %s", sort_opts[i]);
		assert_every_chunking(spill, in, len, name);
		a = run_naive(spill, in, len);
		b = run_naive(whole, in, len);
		ck_assert_int_eq(a.status, SX_OK);
		ck_assert_int_eq(b.status, SX_OK);
		ck_assert_msg(a.out_len == b.out_len &&
			      memcmp(a.out, b.out, a.out_len) == 0,
			      "%s differs from %s on %s", spill, whole, name);
		free(a.out);
		free(b.out);
	}
}

START_TEST(test_sort_chunkings_numbers)
{
	size_t len;
	unsigned char *in = numbers_input(6000, 4, &len);

	sort_every_way(in, len, "numbers", "1K");
	free(in);
}
END_TEST

START_TEST(test_sort_chunkings_mixed)
{
	size_t len;
	unsigned char *in = mixed_input(160 * 1024, 7, &len);

	sort_every_way(in, len, "log and text", "1K");
	free(in);
}
END_TEST

START_TEST(test_sort_chunkings_long_lines)
{
	size_t len;
	unsigned char *in = long_lines_input(200, 3, &len);

	/* at 1K long lines go straight to runs of their own; at 16K some
	 * sort in the arena yet exceed the 4 KiB merge buffers */
	sort_every_way(in, len, "long lines", "1K");
	sort_every_way(in, len, "long lines", "16K");
	free(in);
}
END_TEST

START_TEST(test_sort_no_fd_leak)
{
	size_t len;
	unsigned char *in = long_lines_input(300, 5, &len);
	int before = open_fds();
	struct run_result r = run_stream("sort -u -S 1K", in, len, 4096, 4096);

	ck_assert_int_eq(r.status, SX_OK);
	free(r.out);
	ck_assert_int_eq(open_fds(), before);
	r = run_naive("sort -n -S 1K", in, len);
	ck_assert_int_eq(r.status, SX_OK);
	free(r.out);
	ck_assert_int_eq(open_fds(), before);
	/* and when the output fails: an unwritable temporary directory */
	setenv("TMPDIR", "/nonexistent-streamx-dir", 1);
	r = run_stream("sort -S 1K", in, len, 4096, 4096);
	unsetenv("TMPDIR");
	ck_assert_int_eq(r.status, SX_EIO);
	ck_assert_ptr_nonnull(strstr(r.err.msg, "temporary"));
	free(r.out);
	ck_assert_int_eq(open_fds(), before);
	free(in);
}
END_TEST

/* ---- tail in process ---- */

static const char *const tail_specs[] = {
	"tail", "tail -n 0", "tail -n 1", "tail -n 3", "tail -n 1000",
	"tail -c 0", "tail -c 1", "tail -c 100", "tail -c 100000",
	"tail -n +1", "tail -n +4", "tail -c +7", "tail -n -2"
};
#define TAIL_SPECS (sizeof(tail_specs) / sizeof(tail_specs[0]))

START_TEST(test_tail_small)
{
	EXPECT("tail", "", "");
	EXPECT("tail -n 1", "a\nb\nc", "c");
	EXPECT("tail -n 2", "a\nb\nc", "b\nc");
	EXPECT("tail -n 2", "a\nb\nc\n", "b\nc\n");
	EXPECT("tail -n 5", "a\nb\n", "a\nb\n");
	EXPECT("tail -n 1", "\n\n", "\n");
	EXPECT("tail -n 0", "a\nb\n", "");
	EXPECT("tail -c 3", "abcdef", "def");
	EXPECT("tail -c 0", "abc", "");
	EXPECT("tail -c 9", "abc", "abc");
	EXPECT("tail -n +2", "a\nb\nc", "b\nc");
	EXPECT("tail -n +0", "a\nb", "a\nb");
	EXPECT("tail -c +3", "abcd", "cd");
	EXPECT("tail --lines=1", "a\nb\n", "b\n");
}
END_TEST

static void tail_every_way(const unsigned char *in, size_t len, const char *name)
{
	for (int spill = 0; spill < 2; spill++) {
		if (spill)
			setenv("STREAMX_LINE_MEM", "1K", 1);
		for (size_t i = 0; i < TAIL_SPECS; i++)
			assert_every_chunking(tail_specs[i], in, len, name);
		unsetenv("STREAMX_LINE_MEM");
	}
}

START_TEST(test_tail_chunkings)
{
	size_t len;
	unsigned char *in = mixed_input(40 * 1024, 2, &len);

	tail_every_way(in, len, "log and text");
	free(in);
	in = long_lines_input(40, 9, &len);
	tail_every_way(in, len, "long lines");
	free(in);
}
END_TEST

START_TEST(test_tail_no_fd_leak)
{
	size_t len;
	unsigned char *in = long_lines_input(100, 6, &len);
	int before = open_fds();
	struct run_result r;

	setenv("STREAMX_LINE_MEM", "1K", 1);
	r = run_stream("tail -c 100000", in, len, 4096, 4096);
	ck_assert_int_eq(r.status, SX_OK);
	ck_assert_uint_eq(r.out_len, 100000);
	ck_assert_mem_eq(r.out, in + len - 100000, 100000);
	free(r.out);
	r = run_stream("tail -n 30", in, len, 777, 4096);
	ck_assert_int_eq(r.status, SX_OK);
	free(r.out);
	unsetenv("STREAMX_LINE_MEM");
	ck_assert_int_eq(open_fds(), before);
	free(in);
}
END_TEST

/* ---- against the real tools ---- */

static const struct diff_case sort_cases[] = {
	{ "sort", "sort", NULL, 0 },
	{ "sort -r", "sort -r", NULL, 0 },
	{ "sort -u", "sort -u", NULL, 0 },
	{ "sort -n", "sort -n", NULL, 0 },
	{ "sort -nr", "sort -nr", NULL, 0 },
	{ "sort -nu", "sort -nu", NULL, 0 },
	{ "sort -ru", "sort -ru", NULL, 0 },
	{ "sort -nru", "sort -nru", NULL, 0 },
	{ "sort -S 1K", "sort -S 1K", NULL, 0 },
	{ "sort -S 1K -r", "sort -S 1K -r", NULL, 0 },
	{ "sort -S 1K -u", "sort -S 1K -u", NULL, 0 },
	{ "sort -S 1K -n", "sort -S 1K -n", NULL, 0 },
	{ "sort -S 1K -nr", "sort -S 1K -nr", NULL, 0 },
	{ "sort -S 1K -nu", "sort -S 1K -nu", NULL, 0 },
	{ "sort -S 1K -ru", "sort -S 1K -ru", NULL, 0 },
	{ "sort --unique --buffer-size=64K", "sort --unique --buffer-size=64K", NULL, 0 },
};

START_TEST(test_sort_vs_sort)
{
	diff_check(&sort_cases[_i]);
}
END_TEST

static const struct diff_case tail_cases[] = {
	{ "tail", "tail", NULL, 0 },
	{ "tail -n 0", "tail -n 0", NULL, 0 },
	{ "tail -n 1", "tail -n 1", NULL, 0 },
	{ "tail -n 10", "tail -n 10", NULL, 0 },
	{ "tail -n 1000", "tail -n 1000", NULL, 0 },
	{ "tail -c 0", "tail -c 0", NULL, 0 },
	{ "tail -c 1", "tail -c 1", NULL, 0 },
	{ "tail -c 100", "tail -c 100", NULL, 0 },
	{ "tail -c 100000", "tail -c 100000", NULL, 0 },
	{ "tail -n +3", "tail -n +3", NULL, 0 },
	{ "tail -c +1000", "tail -c +1000", NULL, 0 },
	{ "tail --lines=2", "tail --lines=2", NULL, 0 },
	{ "tail -n 1K", "tail -n 1K", NULL, 0 },
};

START_TEST(test_tail_vs_tail)
{
	diff_check(&tail_cases[_i]);
}
END_TEST

/*
 * Inputs beyond the corpus, written here and handed to diff_check as its
 * prep command; one corpus kind (the empty one) is enough to run it once.
 */
#define ONCE (DIFF_ALL & ~DIFF_EMPTY)

static void write_extra_inputs(void)
{
	size_t len;
	unsigned char *in = numbers_input(3000, 12, &len);

	put_file("numbers.in", in, len);
	free(in);
	in = numbers_input(3000, 13, &len); /* no final newline */
	put_file("numbers-nofinal.in", in, len);
	free(in);
	in = long_lines_input(120, 21, &len);
	put_file("long-lines.in", in, len);
	free(in);
}

START_TEST(test_sort_extra_inputs)
{
	static const char *const files[] = {
		"numbers.in", "numbers-nofinal.in", "long-lines.in"
	};
	char spec[64], ref[64], prep[64];

	write_extra_inputs();
	for (size_t f = 0; f < 3; f++)
		for (size_t sz = 0; sz < 2; sz++) {
			struct diff_case c = { spec, ref, prep, ONCE };

			snprintf(spec, sizeof(spec), "sort %s%s", sort_opts[_i],
				 sz ? " -S 1K" : "");
			snprintf(ref, sizeof(ref), "sort %s", sort_opts[_i]);
			snprintf(prep, sizeof(prep), "cat %s", files[f]);
			diff_check(&c);
		}
}
END_TEST

START_TEST(test_tail_extra_inputs)
{
	static const char *const opts[] = { "-n 1", "-n 7", "-c 30000", "-n +50" };
	char spec[64], ref[64];

	write_extra_inputs();
	for (size_t i = 0; i < 4; i++) {
		struct diff_case c = { spec, ref, "cat long-lines.in", ONCE };

		snprintf(spec, sizeof(spec), "tail %s", opts[i]);
		snprintf(ref, sizeof(ref), "tail %s", opts[i]);
		diff_check(&c);
	}
}
END_TEST

/* ---- usage errors through the binary ---- */

static const struct {
	const char *spec, *needle;
} usage_cases[] = {
	{ "sort -x", "sort (stage 1): unknown option '-x'" },
	{ "sort -S", "option needs an argument: '-S'" },
	{ "sort -S 12Q", "invalid number '12Q'" },
	{ "sort -k 2", "unknown option '-k'" },
	{ "sort file", "extra operand 'file'" },
	{ "tail -f", "tail (stage 1): unknown option '-f'" },
	{ "tail -n x", "invalid number 'x'" },
	{ "tail -c", "option needs an argument: '-c'" },
	{ "tail file", "extra operand 'file'" },
};

START_TEST(test_usage_errors)
{
	put_text("in", "b\na\n");
	fails(2, usage_cases[_i].needle, SX " '%s' < in", usage_cases[_i].spec);
	ck_assert_int_eq(file_size(out_path), 0);
}
END_TEST

/* ---- memory, through the binary ---- */

/* Runs the command under /usr/bin/time; returns the peak RSS in KiB. */
static long peak_kib(const char *cmd)
{
	char *text;
	long kib;

	ok("/usr/bin/time -f %%M -o rss.txt %s", cmd);
	text = slurp("rss.txt", NULL);
	ck_assert_ptr_nonnull(text);
	kib = atol(text);
	free(text);
	ck_assert_int_gt(kib, 0);
	return kib;
}

START_TEST(test_sort_memory_bounded)
{
	long small, big;

	ok(SX " gen --size 16M --kind log > in16 && " SX " gen --size 64M --kind log > in64");
	small = peak_kib(SX " 'sort -S 1M' < in16 > out16");
	big = peak_kib(SX " 'sort -S 1M' < in64 > out64");
	ok("sort < in64 | cmp - out64 && sort < in16 | cmp - out16");
	if (!SANITIZED) {
		ck_assert_msg(big < 16 * KIB, "sort -S 1M on 64 MiB: %ld KiB", big);
		ck_assert_msg(big - small < 2 * KIB, "sort -S 1M: %ld KiB at 16 MiB, "
			      "%ld KiB at 64 MiB", small, big);
	}
}
END_TEST

START_TEST(test_long_line_memory_bounded)
{
	static const char *const specs[] = { "sort -S 1M", "sort -u -S 1M", "tail -n 1" };
	long kib[2];

	/* one line of 4 MiB and one of 32 MiB, no newline */
	ok("head -c 4M /dev/zero | tr '\\0' 'q' > line4 && "
	   "head -c 32M /dev/zero | tr '\\0' 'q' > line32");
	for (size_t i = 0; i < 3; i++) {
		const char *nl = i < 2 ? "; echo" : ""; /* sort adds the newline */
		char cmd[256];

		for (int k = 0; k < 2; k++) {
			snprintf(cmd, sizeof(cmd), "env STREAMX_LINE_MEM=64K " SX
				 " '%s' < line%d > out", specs[i], k ? 32 : 4);
			kib[k] = peak_kib(cmd);
		}
		ok("{ cat line32%s; } | cmp - out", nl);
		if (!SANITIZED) {
			ck_assert_msg(kib[1] < 16 * KIB, "%s on a 32 MiB line: %ld KiB",
				      specs[i], kib[1]);
			ck_assert_msg(kib[1] - kib[0] < 2 * KIB,
				      "%s: %ld KiB at 4 MiB, %ld KiB at 32 MiB",
				      specs[i], kib[0], kib[1]);
		}
	}
}
END_TEST

/* ---- temporaries ---- */

/* Killed while its final merge is blocked on a full pipe: the temporary
 * directory must be empty afterwards, and it was in use until then. */
START_TEST(test_sort_killed_mid_merge)
{
	ok(SX " gen --size 8M --kind log > in && mkdir tmpd");
	ok("( echo $BASHPID > pid; exec env TMPDIR=$PWD/tmpd " SX " 'sort -S 64K' < in ) "
	   "| sleep 30 & sleeper=$!\n"
	   "for i in $(seq 500); do\n"
	   "  pid=$(cat pid 2>/dev/null)\n"
	   "  if [ -n \"$pid\" ] && [ \"$(awk '/^pos:/ {print $2}' /proc/$pid/fdinfo/0 2>/dev/null)\" = %lld ]; then\n"
	   "    sleep 0.2; break; fi\n"
	   "  sleep 0.02\n"
	   "done\n"
	   "temps=$(ls -l /proc/$pid/fd | grep -c \"$PWD/tmpd\")\n"
	   "echo \"temporaries open: $temps\"\n"
	   "kill -9 $pid; kill $sleeper; wait\n"
	   "[ \"$temps\" -ge 1 ] || { echo 'no temporary was open'; exit 1; }\n"
	   "[ -z \"$(ls -A tmpd)\" ] || { echo \"left: $(ls -A tmpd)\"; exit 1; }",
	   8LL << 20);
}
END_TEST

/* The reader of the output goes away during the final merge: streamx
 * ends as cat does (SIGPIPE), leaving no temporary behind. */
START_TEST(test_sort_reader_gone)
{
	ok(SX " gen --size 4M --kind log > in && mkdir tmpd");
	ok("TMPDIR=$PWD/tmpd " SX " 'sort -S 64K' < in | head -c 100 > head.out;"
	   " s=${PIPESTATUS[0]}; [ $s = 141 ] || [ $s = 0 ] || exit 1;"
	   " [ -z \"$(ls -A tmpd)\" ] && sort < in > full && head -c 100 full | cmp - head.out");
}
END_TEST

START_TEST(test_temporary_errors)
{
	ok(SX " gen --size 2M --kind log > in");
	/* no spill needed: no temporary directory needed */
	ok("TMPDIR=/nonexistent-streamx-dir " SX " 'sort' < in | sort -c");
	fails(1, "temporary", "TMPDIR=/nonexistent-streamx-dir " SX " 'sort -S 64K' < in > /dev/null");
	assert_contains(error_line(), "streamx: sort (stage 1): ");
	fails(1, "temporary", "TMPDIR=/nonexistent-streamx-dir STREAMX_LINE_MEM=1K "
	      SX " 'tail -c 100000' < in > /dev/null");
	/* a full file system, as a 256 KiB file size limit */
	fails(1, "temporary", "mkdir -p t && ( ulimit -f 256; trap '' XFSZ; "
	      "TMPDIR=$PWD/t exec " SX " 'sort -S 64K' < in > /dev/null )");
	/* and a real tiny file system where one may be mounted */
	if (sh("unshare -m true") == 0)
		fails(1, "No space left", "mkdir -p t && unshare -m bash -c "
		      "'mount -t tmpfs -o size=256k tmpfs t && TMPDIR=$PWD/t "
		      "exec " SX " \"sort -S 64K\" < in > /dev/null'");
}
END_TEST

Suite *sort_suite(void)
{
	Suite *s = suite_create("sort");
	TCase *core = tcase_create("sort");
	TCase *tail = tcase_create("tail");
	TCase *tools, *cli;

	tcase_add_test(core, test_sort_small);
	tcase_add_test(core, test_sort_chunkings_numbers);
	tcase_add_test(core, test_sort_chunkings_mixed);
	tcase_add_test(core, test_sort_chunkings_long_lines);
	tcase_add_test(core, test_sort_no_fd_leak);
	tcase_set_timeout(core, 300);
	suite_add_tcase(s, core);
	tcase_add_test(tail, test_tail_small);
	tcase_add_test(tail, test_tail_chunkings);
	tcase_add_test(tail, test_tail_no_fd_leak);
	tcase_set_timeout(tail, 300);
	suite_add_tcase(s, tail);

	tools = sh_tcase(s, "tools");
	tcase_add_loop_test(tools, test_sort_vs_sort, 0,
			    (int)(sizeof(sort_cases) / sizeof(sort_cases[0])));
	tcase_add_loop_test(tools, test_tail_vs_tail, 0,
			    (int)(sizeof(tail_cases) / sizeof(tail_cases[0])));
	tcase_add_loop_test(tools, test_sort_extra_inputs, 0, (int)SORT_OPTS);
	tcase_add_test(tools, test_tail_extra_inputs);
	tcase_set_timeout(tools, 300);

	cli = sh_tcase(s, "binary");
	tcase_add_loop_test(cli, test_usage_errors, 0,
			    (int)(sizeof(usage_cases) / sizeof(usage_cases[0])));
	tcase_add_test(cli, test_sort_memory_bounded);
	tcase_add_test(cli, test_long_line_memory_bounded);
	tcase_add_test(cli, test_sort_killed_mid_merge);
	tcase_add_test(cli, test_sort_reader_gone);
	tcase_add_test(cli, test_temporary_errors);
	tcase_set_timeout(cli, 120);
	return s;
}
