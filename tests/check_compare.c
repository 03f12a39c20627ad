/* check_compare.c - `streamx compare` run as users run it: tables, JSON, plots, failures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "suites.h"
#include "test_sh.h"

/*
 * Commands run as test_sh.h says, as in check_cli.c. STREAMX_COMPARE_EXE
 * points compare at a shell wrapper around the binary when a test needs
 * to see or bend what the children do.
 *
 * Memory limits are only asserted in plain builds: a sanitizer's shadow
 * memory and quarantine would swamp both the parent and the stream run.
 */

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

#define MIB (1024LL * 1024)

/* ---- helpers ---- */

static void assert_from_compare(const char *line)
{
	ck_assert_msg(strncmp(line, "streamx: compare: ", 18) == 0,
		      "`%s`: not a 'streamx: compare: ' line: %s", last_cmd, line);
}

/* As fails, and the one error line is compare's own. */
#define compare_fails(want, needle, ...) \
	assert_from_compare(fails(want, needle, __VA_ARGS__))

/* The number after key (as "key":N) in text, from the start or from the
 * object of mode ("naive", "stream"); -1 when absent. */
static long long number_in(const char *text, const char *mode, const char *key)
{
	char pat[64];
	const char *p = text;

	if (mode) {
		snprintf(pat, sizeof(pat), "\"%s\":{", mode);
		p = strstr(p, pat);
		if (!p)
			return -1;
	}
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(p, pat);
	return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

static char *stdout_text(void)
{
	char *s = slurp(out_path, NULL);

	ck_assert_ptr_nonnull(s);
	return s;
}

/* A shell script, executable, at path. */
static void put_script(const char *path, const char *body)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, 0755), 0);
}

static void gen(const char *path, const char *kind, const char *size)
{
	ok(SX " gen --size %s --kind %s > %s", size, kind, path);
}

static unsigned long file_crc32(const char *path)
{
	size_t len;
	char *data = slurp(path, &len);
	unsigned long crc;

	ck_assert_ptr_nonnull(data);
	crc = crc32(crc32(0L, Z_NULL, 0), (const Bytef *)data, (uInt)len);
	free(data);
	return crc;
}

/* ---- results ---- */

/* A text table: the rows, the sizes, the verdict. */
START_TEST(test_table)
{
	char *out, *row, want[96], ratio[16];
	long long gz, naive, stream;

	gen("in", "log", "3M");
	ok(SX " -i in 'gzip -1' > ref.gz");
	gz = file_size("ref.gz");
	ok(SX " compare -i in 'gzip -1'");
	out = stdout_text();
	assert_contains(out, "pipeline  gzip -1\n");
	assert_contains(out, "input     in, 3145728 bytes (3.0 MiB)\n");
	snprintf(want, sizeof(want), "outputs   identical: %lld bytes, crc32 %08lx", gz,
		 file_crc32("ref.gz"));
	assert_contains(out, want);
	assert_contains(out, "naive/stream");
	assert_contains(out, "\npeak RSS ");
	assert_contains(out, "\nwall time ");
	assert_contains(out, "\nCPU time ");
	assert_contains(out, "\nthroughput ");
	assert_contains(out, " MB/s ");
	row = strstr(out, "\noutput size ");
	ck_assert_msg(row && sscanf(row, " output size %lld B %lld B %15s", &naive, &stream, ratio) == 3,
		      "no output row in: %s", out);
	ck_assert_int_eq(naive, gz);
	ck_assert_int_eq(stream, gz);
	ck_assert_str_eq(ratio, "1.00x");
	ck_assert_int_eq(file_size(err_path), 0);
	free(out);
}
END_TEST

/* One JSON object on one line, with both runs' figures. */
START_TEST(test_json)
{
	char *js, want[64];
	size_t len;

	gen("in", "text", "2M");
	ok(SX " compare --json -i in cat");
	js = slurp(out_path, &len);
	ck_assert_msg(len > 2 && js[0] == '{' && strcmp(js + len - 2, "}\n") == 0 &&
		      memchr(js, '\n', len) == js + len - 1, "not one JSON line: %s", js);
	assert_contains(js, "\"pipeline\":\"cat\"");
	assert_contains(js, "\"identical\":true");
	ck_assert_int_eq(number_in(js, NULL, "input_bytes"), 2 * MIB);
	snprintf(want, sizeof(want), "\"crc32\":\"%08lx\"", file_crc32("in"));
	for (int m = 0; m < 2; m++) {
		const char *mode = m ? "stream" : "naive";
		const char *obj = strstr(js, m ? "\"stream\":{" : "\"naive\":{");

		ck_assert_ptr_nonnull(obj);
		ck_assert_int_eq(number_in(js, mode, "output_bytes"), 2 * MIB);
		ck_assert_int_gt(number_in(js, mode, "rss_peak_bytes"), 0);
		ck_assert_int_ge(number_in(js, mode, "samples"), 0);
		assert_contains(obj, "\"seconds\":");
		assert_contains(obj, "\"cpu_seconds\":");
		assert_contains(obj, "\"throughput_mb_s\":");
		assert_contains(obj, want);
	}
	assert_contains(js, "\"ratio\":{\"rss_peak\":");
	assert_contains(js, "\"output_bytes\":1.0000}");
	ck_assert_int_gt(number_in(js, NULL, "compare_rss_peak_bytes"), 0);
	free(js);
}
END_TEST

/* Both children get the same flags but the mode, and -b passes through. */
START_TEST(test_child_arguments)
{
	char *args;

	gen("in", "text", "100K");
	put_script("wrap", "echo \"$*\" >> args; exec \"$STREAMX\" \"$@\"");
	ok("STREAMX_COMPARE_EXE=$PWD/wrap " SX " compare -b 4K -i in 'upper | lower' > /dev/null");
	args = slurp("args", NULL);
	ck_assert_ptr_nonnull(args);
	ck_assert_str_eq(args, "--naive -i in -b 4K -- upper | lower\n"
			       "--stream -i in -b 4K -- upper | lower\n");
	free(args);
}
END_TEST

/* Standard input, a pipe, is spooled once for both runs and leaves
 * nothing in $TMPDIR; a regular file on standard input is read in place;
 * a FIFO named by -i is spooled too. */
START_TEST(test_stdin)
{
	char *js;
	long long gz;

	gen("in", "log", "1M");
	ok("gzip -c in > in.gz && mkdir t");
	gz = file_size("in.gz");
	ok("cat in.gz | TMPDIR=$PWD/t " SX " compare --json gunzip && test -z \"$(ls -A t)\"");
	js = stdout_text();
	assert_contains(js, "\"input\":\"standard input\"");
	assert_contains(js, "\"identical\":true");
	ck_assert_int_eq(number_in(js, NULL, "input_bytes"), gz);
	ck_assert_int_eq(number_in(js, "naive", "output_bytes"), MIB);
	free(js);
	ok("TMPDIR=$PWD/t " SX " compare --json -i - gunzip < in.gz && test -z \"$(ls -A t)\"");
	ck_assert_int_eq(number_in(captured(out_path), "stream", "output_bytes"), MIB);
	ok(SX " compare --json -i <(cat in.gz) gunzip");
	ck_assert_int_eq(number_in(captured(out_path), NULL, "input_bytes"), gz);
	ck_assert_int_eq(number_in(captured(out_path), "stream", "output_bytes"), MIB);
	/* empty input */
	ok(SX " compare --json cat < /dev/null");
	ck_assert_int_eq(number_in(captured(out_path), "naive", "output_bytes"), 0);
	assert_contains(captured(out_path), "\"identical\":true");
}
END_TEST

/* SIGTERM while spooling, and while a run goes on: compare dies of it,
 * the child goes with it, and $TMPDIR never holds a file. */
START_TEST(test_signals)
{
	gen("in", "log", "1M");
	ok("mkdir t && mkfifo f");
	ok("TMPDIR=$PWD/t " SX " compare cat < f > /dev/null & pid=$!; exec 3> f; "
	   "cat in >&3; sleep 0.3; test -z \"$(ls -A t)\" || exit 3; "
	   "kill -TERM $pid; wait $pid; rc=$?; exec 3>&-; test $rc = 143 || exit 4; "
	   "test -z \"$(ls -A t)\"");
	/* a child that runs until stopped: its pid is in child */
	put_script("wrap", "echo $$ > child; exec sleep 30");
	ok("STREAMX_COMPARE_EXE=$PWD/wrap TMPDIR=$PWD/t " SX " compare -i in cat & pid=$!; "
	   "for i in $(seq 50); do test -s child && break; sleep 0.1; done; test -s child || exit 3; "
	   "kill -TERM $pid; wait $pid; test $? = 143 || exit 4; "
	   "for i in $(seq 50); do s=$(cut -d' ' -f3 /proc/$(cat child)/stat 2>/dev/null); "
	   "test -z \"$s\" -o \"$s\" = Z && exit 0; sleep 0.1; done; exit 5");
}
END_TEST

/* ---- failures ---- */

/* A wrapper makes naive mode's output longer, or changes a byte: compare
 * says which of size and checksums differ, still reports, and exits 1. */
START_TEST(test_outputs_differ)
{
	gen("in", "text", "200K");
	put_script("longer", "if [ \"$1\" = --naive ]; then \"$STREAMX\" \"$@\" || exit; "
		   "printf x; else exec \"$STREAMX\" \"$@\"; fi");
	put_script("changed", "if [ \"$1\" = --naive ]; then \"$STREAMX\" \"$@\" | tr e E; "
		   "else exec \"$STREAMX\" \"$@\"; fi");
	compare_fails(1, "outputs differ (size crc32 adler32): naive 204801 bytes",
		      "STREAMX_COMPARE_EXE=$PWD/longer " SX " compare -i in cat");
	assert_contains(captured(out_path), "DIFFERENT");
	compare_fails(1, "outputs differ (crc32 adler32): naive 204800 bytes",
		      "STREAMX_COMPARE_EXE=$PWD/changed " SX " compare --json -i in cat");
	assert_contains(captured(out_path), "\"identical\":false");
	compare_fails(1, "outputs differ at 100 KiB of input (size crc32 adler32)",
		      "STREAMX_COMPARE_EXE=$PWD/longer " SX " compare --sizes 100K,200K cat");
	ck_assert_ptr_null(strstr(captured(out_path), "200 KiB"));
}
END_TEST

/* A run that fails shows its message as compare's, and stops there. */
START_TEST(test_run_fails)
{
	gen("in", "log", "100K");
	ok("gzip -c in | head -c 5000 > cut.gz");
	compare_fails(1, "streamx: compare: naive run: gunzip (stage 1): not in gzip format at byte 0",
		      SX " compare -i in gunzip");
	ck_assert_int_eq(file_size(out_path), 0);
	compare_fails(1, "naive run: gunzip (stage 1): ",
		      SX " compare --plot o/p.svg -i cut.gz gunzip");
	ok("test -z \"$(ls -A o)\"");
	compare_fails(1, "cannot run /nonexistent/streamx",
		      "STREAMX_COMPARE_EXE=/nonexistent/streamx " SX " compare -i in cat");
	put_script("dies", "[ \"$1\" = --stream ] && kill -KILL $$; exec \"$STREAMX\" \"$@\"");
	compare_fails(1, "stream run killed by signal 9",
		      "STREAMX_COMPARE_EXE=$PWD/dies " SX " compare -i in cat");
	compare_fails(1, "missing: cannot open", SX " compare -i missing cat");
}
END_TEST

static const struct { const char *args, *needle; } usage_cases[] = {
	{ "", "no pipeline given" },
	{ "--sizes 1M -i in cat", "does not go with -i" },
	{ "--sizes 1M,lots cat", "invalid size 'lots' in --sizes" },
	{ "--sizes 0 cat", "invalid size '0'" },
	{ "--sizes 1M,,2M cat", "invalid size ''" },
	{ "--frobnicate cat", "unknown option '--frobnicate'" },
	{ "-x cat", "unknown option '-x'" },
	{ "gzp", "unknown stage 'gzp' (did you mean 'gzip'?)" },
	{ "'gzip -0'", "gzip (stage 1): " },
	{ "--interval 0 cat", "invalid interval '0'" },
	{ "--interval 5ms cat", "invalid interval '5ms'" },
	{ "--kind log cat", "--kind applies to --sizes only" },
	{ "--sizes 1M --kind yaml cat", "unknown kind 'yaml'" },
	{ "-b 0 cat", "invalid buffer size '0'" },
	{ "--plot - cat", "--plot needs a file name" },
	{ "cat gzip", "unexpected argument 'gzip'" },
	{ "cat --plot", "option '--plot' needs a value" },
};

START_TEST(test_usage)
{
	compare_fails(2, usage_cases[_i].needle, SX " compare %s", usage_cases[_i].args);
	ck_assert_int_eq(file_size(out_path), 0);
}
END_TEST

START_TEST(test_help)
{
	ok(SX " compare --help > h && grep -q 'Usage: streamx compare' h && "
	   "grep -q -- --sizes h && grep -q -- --plot h");
	ck_assert_int_eq(file_size(err_path), 0);
}
END_TEST

/* ---- sizes ---- */

/* The headline: naive peak RSS grows with the input, stream's does not. */
START_TEST(test_sizes_memory)
{
	long long naive[2], stream[2];
	const char *second;
	char *js;

	ok(SX " compare --json --sizes 1M,4M 'gzip -1'");
	js = stdout_text();
	ck_assert_msg(strncmp(js, "[\n{", 3) == 0 && strstr(js, "}\n]\n"), "not an array: %s", js);
	second = strstr(js, "},\n{");
	ck_assert_ptr_nonnull(second);
	ck_assert_int_eq(number_in(js, NULL, "input_bytes"), MIB);
	ck_assert_int_eq(number_in(second, NULL, "input_bytes"), 4 * MIB);
	assert_contains(js, "\"kind\":\"log\"");
	for (int i = 0; i < 2; i++) {
		const char *obj = i ? second : js;

		naive[i] = number_in(obj, "naive", "rss_peak_bytes");
		stream[i] = number_in(obj, "stream", "rss_peak_bytes");
		ck_assert_int_gt(stream[i], 0);
		ck_assert_int_eq(number_in(obj, "naive", "output_bytes"),
				 number_in(obj, "stream", "output_bytes"));
	}
	/* under make valgrind each child is forked from valgrind, whose RSS
	 * its peak keeps across the exec: make check asserts these */
	if (!SANITIZED && !under_valgrind()) {
		ck_assert_msg(naive[1] - naive[0] >= 3 * MIB,
			      "naive peak %lld at 1 MiB, %lld at 4 MiB", naive[0], naive[1]);
		ck_assert_msg(llabs(stream[1] - stream[0]) <= MIB,
			      "stream peak %lld at 1 MiB, %lld at 4 MiB", stream[0], stream[1]);
	}
	free(js);
}
END_TEST

START_TEST(test_sizes_table)
{
	char *out;

	ok(SX " compare --sizes 100K,1M --kind text cat");
	out = stdout_text();
	assert_contains(out, "input     generated text data");
	assert_contains(out, "outputs   identical at every size\n");
	assert_contains(out, "naive RSS");
	assert_contains(out, "\n   100 KiB ");
	assert_contains(out, "\n     1 MiB ");
	free(out);
}
END_TEST

/* ---- plot ---- */

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static char *well_formed_svg(const char *path)
{
	size_t len;
	char *svg = slurp(path, &len);

	ck_assert_msg(svg != NULL, "%s was not written", path);
	ck_assert_msg(strncmp(svg, "<svg ", 5) == 0, "does not start with <svg: %.80s", svg);
	ck_assert_msg(len > 7 && strcmp(svg + len - 7, "</svg>\n") == 0, "does not end with </svg>");
	ck_assert_ptr_null(strstr(svg, "<script"));
	ck_assert_ptr_null(strstr(svg, "href"));
	ok("! command -v xmllint > /dev/null || xmllint --noout %s", path);
	return svg;
}

START_TEST(test_plot)
{
	char *svg;

	gen("in", "log", "8M");
	ok(SX " compare --interval 2 --plot o/p.svg -i in 'gzip -1' > table");
	svg = well_formed_svg("o/p.svg");
	ck_assert_int_eq(count(svg, "<polyline"), 2);
	ck_assert_int_eq(count(svg, "<polyline fill=\"none\" stroke=\"#d62728\""), 1);
	ck_assert_int_eq(count(svg, "<polyline fill=\"none\" stroke=\"#1f77b4\""), 1);
	ck_assert_msg(count(svg, ",") > 4, "the series have too few points");
	assert_contains(svg, ">time since the run started (s)</text>");
	assert_contains(svg, ">RSS (MiB)</text>");
	assert_contains(svg, ">naive (peak ");
	assert_contains(svg, ">stream (peak ");
	ck_assert_ptr_null(strstr(svg, "Peak RSS against input size"));
	free(svg);
	ok("grep -q identical table && test -z \"$(ls -A o | grep -v '^p.svg$')\"");
}
END_TEST

START_TEST(test_plot_sizes)
{
	char *svg;

	ok(SX " compare --sizes 4M,1M,2M --interval 5 --plot o/p.svg 'gzip -1' > /dev/null");
	svg = well_formed_svg("o/p.svg");
	ck_assert_int_eq(count(svg, "<polyline"), 4);
	ck_assert_int_ge(count(svg, "<circle"), 6);   /* 3 sizes, 2 modes */
	assert_contains(svg, "Peak RSS against input size");
	assert_contains(svg, ">input size (log scale)</text>");
	assert_contains(svg, ">1 MiB</text>");
	assert_contains(svg, ">4 MiB</text>");
	assert_contains(svg, ">peak RSS (MiB, log scale)</text>");
	assert_contains(svg, "RSS over time, 4 MiB input");
	free(svg);
}
END_TEST

/* An existing plot is kept without -f, before anything runs. */
START_TEST(test_plot_exists)
{
	gen("in", "text", "10K");
	ok("echo keep > o/p.svg");
	ck_assert_int_eq(sh(SX " compare --plot o/p.svg -i in cat"), 1);
	assert_contains(captured(err_path), "already exists");
	ck_assert_int_eq(file_size(out_path), 0);
	ok("test \"$(cat o/p.svg)\" = keep && test \"$(ls -A o)\" = p.svg");
	ok(SX " compare -f --plot o/p.svg -i in cat > /dev/null");
	free(well_formed_svg("o/p.svg"));
	ok("test \"$(ls -A o)\" = p.svg");
}
END_TEST

/* ---- the parent's own footprint ---- */

/* compare never holds the input or an output: its peak RSS, as it says
 * itself and as the wrapper reads it from /proc when the stream run
 * starts (after the naive run was read through), stays small with 64 MiB
 * going through, from a file or spooled from a pipe. */
START_TEST(test_parent_small)
{
	const char *mode = _i ? "cat in |" : "";
	const char *input = _i ? "" : "-i in";
	long long self, seen;
	char *js;

	gen("in", "binary", "64M");
	put_script("wrap", "grep VmHWM /proc/$PPID/status | tr -dc 0-9 > hwm; "
		   "exec \"$STREAMX\" \"$@\"");
	ok("%s STREAMX_COMPARE_EXE=$PWD/wrap " SX " compare --json %s cat", mode, input);
	js = stdout_text();
	self = number_in(js, NULL, "compare_rss_peak_bytes");
	seen = atoll(captured("hwm")) * 1024;
	ck_assert_int_eq(number_in(js, NULL, "input_bytes"), 64 * MIB);
	ck_assert_int_ge(number_in(js, "naive", "rss_peak_bytes"), 64 * MIB);
	ck_assert_int_gt(self, 0);
	ck_assert_int_gt(seen, 0);
	/* compare's own RSS is valgrind's under make valgrind: make check
	 * asserts the bound */
	if (!SANITIZED && !under_valgrind()) {
		ck_assert_msg(self < 8 * MIB, "compare peaked at %lld bytes", self);
		ck_assert_msg(seen < 8 * MIB, "compare peaked at %lld bytes", seen);
	}
	free(js);
}
END_TEST

/* ---- the suite ---- */

Suite *compare_suite(void)
{
	Suite *s = suite_create("compare");
	TCase *tc;

	tc = sh_tcase(s, "results");
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_child_arguments);
	tcase_add_test(tc, test_stdin);
	tcase_add_test(tc, test_signals);

	tc = sh_tcase(s, "errors");
	tcase_add_test(tc, test_outputs_differ);
	tcase_add_test(tc, test_run_fails);
	tcase_add_loop_test(tc, test_usage, 0,
			    (int)(sizeof(usage_cases) / sizeof(usage_cases[0])));
	tcase_add_test(tc, test_help);

	tc = sh_tcase(s, "sizes_and_plot");
	tcase_add_test(tc, test_sizes_memory);
	tcase_add_test(tc, test_sizes_table);
	tcase_add_test(tc, test_plot);
	tcase_add_test(tc, test_plot_sizes);
	tcase_add_test(tc, test_plot_exists);

	tc = sh_tcase(s, "footprint");
	tcase_add_loop_test(tc, test_parent_small, 0, 2);
	return s;
}
