/* check_util.c - size parsing and the RSS reader. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "util.h"

START_TEST(test_sizes)
{
	static const struct { const char *text; uint64_t value; } ok[] = {
		{ "0", 0 }, { "1", 1 }, { "4096", 4096 }, { "64K", 65536 },
		{ "64k", 65536 }, { "1M", 1048576 }, { "2G", 2147483648ULL },
		{ "1T", 1099511627776ULL }, { "3KiB", 3072 }, { "5MB", 5242880 },
		{ "16777215T", 16777215ULL << 40 },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t v = 7;

		ck_assert_msg(sx_parse_size(ok[i].text, &v) == 0, "%s", ok[i].text);
		ck_assert_uint_eq(v, ok[i].value);
	}
}
END_TEST

START_TEST(test_bad_sizes)
{
	static const char *const bad[] = {
		"", "K", "-1", " 1", "1 ", "1X", "1KK", "1Kb2", "abc", "0x10",
		"18446744073709551616", "16777216T", "1.5M",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 7;

		ck_assert_msg(sx_parse_size(bad[i], &v) == -1, "'%s' accepted", bad[i]);
		ck_assert_uint_eq(v, 7);
	}
}
END_TEST

START_TEST(test_rss_follows_touched_memory)
{
	uint64_t rss0, peak0, rss1, peak1;
	size_t n = 64u << 20;
	/* volatile: compilers may otherwise drop the malloc and memset */
	unsigned char *volatile p = malloc(n);

	ck_assert_int_eq(sx_mem_rss(&rss0, &peak0), 0);
	ck_assert_uint_gt(rss0, 0);
	ck_assert_uint_ge(peak0, rss0);
	ck_assert_ptr_nonnull(p);
	memset(p, 1, n);
	ck_assert_int_eq(sx_mem_rss(&rss1, &peak1), 0);
	ck_assert_int_eq(p[n - 1], 1); /* keeps the memset from being dropped */
	ck_assert_uint_ge(rss1, rss0 + n / 2);
	ck_assert_uint_ge(peak1, rss1);
	free(p);
}
END_TEST

Suite *util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *core = tcase_create("core");

	tcase_add_test(core, test_sizes);
	tcase_add_test(core, test_bad_sizes);
	tcase_add_test(core, test_rss_follows_touched_memory);
	suite_add_tcase(s, core);
	return s;
}
