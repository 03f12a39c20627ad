/* check_memory.c - constant memory, measured: peak RSS of the built binary at several sizes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "suites.h"

/*
 * Runs the real binary (STREAMX) over generated input of each size and
 * reads its own --stats=json report. Stream mode's peak RSS must not grow
 * with the input; naive mode's must grow at least by the input size.
 */
static unsigned long long peak_rss(const char *mode, const char *spec,
				   const char *size)
{
	const char *bin = getenv("STREAMX");
	char cmd[1024], line[2048];
	unsigned long long peak = 0;
	const char *at;
	FILE *p;

	ck_assert_msg(bin != NULL, "STREAMX is not set: run through 'make check'");
	snprintf(cmd, sizeof(cmd),
		 "'%s' gen --size %s --kind log | '%s' %s --stats=json '%s' 2>&1 >/dev/null",
		 bin, size, bin, mode, spec);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), p));
	ck_assert_int_eq(pclose(p), 0);
	at = strstr(line, "\"rss_peak_bytes\":");
	ck_assert_msg(at != NULL, "no rss_peak_bytes in: %s", line);
	peak = strtoull(at + strlen("\"rss_peak_bytes\":"), NULL, 10);
	ck_assert_uint_gt(peak, 0);
	return peak;
}

/* Runs a shell command with $S set to the binary; returns its exit status
 * (128 + signal if killed) and its stderr in err. */
static int run_sh(const char *script, char *err, size_t errlen)
{
	const char *bin = getenv("STREAMX");
	char cmd[2048];
	size_t got;
	FILE *p;
	int st;

	ck_assert_msg(bin != NULL, "STREAMX is not set: run through 'make check'");
	snprintf(cmd, sizeof(cmd), "S='%s'; T=$(mktemp -d); cd \"$T\" || exit 99; "
		 "( %s ) 2>&1 >/dev/null; rc=$?; cd /; rm -rf \"$T\"; exit $rc", bin, script);
	/* bash, not sh: the scripts use PIPESTATUS and <(...) */
	ck_assert_int_eq(setenv("SX_SCRIPT", cmd, 1), 0);
	p = popen("exec bash -c \"$SX_SCRIPT\"", "r");
	ck_assert_ptr_nonnull(p);
	got = fread(err, 1, errlen - 1, p);
	err[got] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void expect_run(const char *script, int status, const char *needle)
{
	char err[8192];
	int rc = run_sh(script, err, sizeof(err));

	ck_assert_msg(rc == status, "'%s' exited %d, not %d; stderr: %s", script, rc, status, err);
	if (needle)
		ck_assert_msg(strstr(err, needle), "'%s': stderr lacks '%s': %s", script, needle, err);
	else
		ck_assert_msg(err[0] == '\0', "'%s': unexpected stderr: %s", script, err);
}

START_TEST(test_naive_refuses_input_too_big)
{
	/* known size: refused before reading; no output file left */
	expect_run("\"$S\" gen --size 64M -o in && "
		   "{ \"$S\" --naive --mem-limit 32M -i in -o out 'gzip'; s=$?; } && "
		   "test ! -e out && test -z \"$(ls -A | grep streamx)\" && exit $s; exit 42",
		   1, "naive mode holds the whole input in memory: in is 67108864 bytes");
	/* unknown size (a pipe): refused while reading, exit 1, no OOM kill */
	expect_run("\"$S\" gen --size 64M | \"$S\" --naive --mem-limit 32M 'cat'",
		   1, "streamx: memory limit of 33554432 bytes reached: input asked for");
}
END_TEST

START_TEST(test_stream_runs_under_small_budget)
{
	/* one thread: gzip holds 0.55 MiB then, and 0.83 MiB more per thread */
	expect_run("\"$S\" gen --size 48M > in && "
		   "\"$S\" -T 1 --mem-limit 2M -i in 'gzip -1 | gunzip | upper | gzip -1' > out.gz && "
		   "gzip -dc out.gz | cmp - <(tr a-z A-Z < in)", 0, NULL);
	expect_run("\"$S\" gen --size 1M | \"$S\" --mem-limit 100K 'gzip'",
		   1, "memory limit of 102400 bytes reached: gzip (stage 1) asked for");
	expect_run("\"$S\" gen --size 1M | \"$S\" --mem-limit 200K -b 256K 'upper'",
		   1, "memory limit of 204800 bytes reached: pool asked for");
	/* cat between descriptors takes no buffers: the kernel moves the bytes */
	expect_run("\"$S\" gen --size 1M | \"$S\" --mem-limit 200K -b 256K 'cat' > /dev/null",
		   0, NULL);
	expect_run("\"$S\" --mem-limit 0 cat </dev/null", 2, "invalid size '0' for --mem-limit");
	expect_run("\"$S\" --mem-limit lots cat </dev/null", 2, "invalid size 'lots'");
}
END_TEST

START_TEST(test_stats_show_owners)
{
	char err[8192];
	int rc = run_sh("\"$S\" gen --size 2M | \"$S\" --stats=json --mem-limit 64M "
			"'gzip | gunzip'", err, sizeof(err));

	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(strstr(err, "\"mem_limit\":67108864"));
	ck_assert_ptr_nonnull(strstr(err, "{\"name\":\"gzip (stage 1)\",\"peak_bytes\":"));
	ck_assert_ptr_nonnull(strstr(err, "{\"name\":\"gunzip (stage 2)\""));
	ck_assert_ptr_nonnull(strstr(err, "{\"name\":\"pool\",\"peak_bytes\":"));
	ck_assert_ptr_nonnull(strstr(err, "\"current_bytes\":0,"));
	ck_assert_ptr_null(strstr(err, "\n{")); /* one line */
	rc = run_sh("\"$S\" gen --size 2M | \"$S\" --naive --stats 'upper'", err, sizeof(err));
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(strstr(err, "streamx:   input"));
	ck_assert_ptr_nonnull(strstr(err, "streamx:   upper (stage 1)"));
}
END_TEST

START_TEST(test_leak_check_is_quiet_when_clean)
{
	expect_run("\"$S\" gen --size 3M | \"$S\" --leak-check 'gzip -1 | gunzip | lower'", 0, NULL);
	expect_run("\"$S\" gen --size 3M | \"$S\" --leak-check --naive 'gzip -1 | gunzip'", 0, NULL);
	/* failure paths free everything too: one error line, no leak lines */
	expect_run("\"$S\" gen --size 3M | \"$S\" --leak-check 'cat | gunzip | upper' 2>&1 "
		   "| grep -c . >&2", 0, "1");
	expect_run("\"$S\" gen --size 1M | \"$S\" --leak-check --mem-limit 300K 'gzip | gunzip' "
		   "2>&1 | grep -c 'leak check' >&2", 1, "0");
}
END_TEST

static const char *const specs[] = {
	"cat", "gzip -1", "gzip -1 | gunzip", "upper | gzip -1 | gunzip | lower",
};

START_TEST(test_stream_peak_is_flat)
{
	unsigned long long small = peak_rss("--stream", specs[_i], "1M");
	unsigned long long big = peak_rss("--stream", specs[_i], "96M");

	ck_assert_msg(big < small + (1 << 20),
		      "'%s': peak RSS %llu bytes at 1 MiB, %llu at 96 MiB",
		      specs[_i], small, big);
}
END_TEST

START_TEST(test_naive_peak_grows_with_input)
{
	unsigned long long small = peak_rss("--naive", specs[_i], "1M");
	unsigned long long big = peak_rss("--naive", specs[_i], "96M");

	ck_assert_msg(big > small + (90ULL << 20),
		      "'%s': naive peak RSS %llu bytes at 1 MiB, %llu at 96 MiB",
		      specs[_i], small, big);
}
END_TEST

Suite *memory_suite(void)
{
	Suite *s = suite_create("memory");
	TCase *flat = tcase_create("constant");

	tcase_add_loop_test(flat, test_stream_peak_is_flat, 0, 4);
	tcase_add_loop_test(flat, test_naive_peak_grows_with_input, 0, 4);
	tcase_set_timeout(flat, 120);
	suite_add_tcase(s, flat);
	TCase *budget = tcase_create("budget");
	tcase_add_test(budget, test_naive_refuses_input_too_big);
	tcase_add_test(budget, test_stream_runs_under_small_budget);
	tcase_add_test(budget, test_stats_show_owners);
	tcase_add_test(budget, test_leak_check_is_quiet_when_clean);
	tcase_set_timeout(budget, 120);
	suite_add_tcase(s, budget);
	return s;
}
