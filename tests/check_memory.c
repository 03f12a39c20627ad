/* check_memory.c - constant memory, measured: peak RSS of the built binary at several sizes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	return s;
}
