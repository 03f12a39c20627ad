/* check_gen.c - the sample generator: deterministic, split-independent, shaped. */
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "suites.h"

START_TEST(test_same_seed_same_bytes)
{
	for (int kind = SX_GEN_TEXT; kind <= SX_GEN_BINARY; kind++) {
		unsigned char *a = make_input(kind, 100000, 42);
		unsigned char *b = make_input(kind, 100000, 42);
		unsigned char *c = make_input(kind, 100000, 43);

		ck_assert_mem_eq(a, b, 100000);
		ck_assert_int_ne(memcmp(a, c, 100000), 0);
		free(a);
		free(b);
		free(c);
	}
}
END_TEST

START_TEST(test_any_split_same_bytes)
{
	static const size_t steps[] = { 1, 2, 3, 7, 255, 4095, 4096, 4097, 65536 };
	unsigned char *whole = make_input(_i, 200000, 7);
	unsigned char *parts = malloc(200000);

	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		struct sx_gen g;

		sx_gen_init(&g, (enum sx_gen_kind)_i, 7);
		for (size_t at = 0; at < 200000; at += steps[s]) {
			size_t n = 200000 - at < steps[s] ? 200000 - at : steps[s];
			sx_gen_fill(&g, parts + at, n);
		}
		ck_assert_mem_eq(parts, whole, 200000);
	}
	free(parts);
	free(whole);
}
END_TEST

START_TEST(test_text_and_log_are_lines)
{
	unsigned char *log = make_input(SX_GEN_LOG, 1 << 20, 1);
	unsigned char *text = make_input(SX_GEN_TEXT, 1 << 20, 1);
	size_t lines = 0, errors = 0;

	for (size_t i = 0; i < 1 << 20; i++) {
		ck_assert(log[i] == '\n' || (log[i] >= 0x20 && log[i] < 0x7f));
		ck_assert(text[i] == '\n' || (text[i] >= 0x20 && text[i] < 0x7f));
		if (log[i] == '\n' && i + 1 < 1 << 20)
			ck_assert_msg(log[i + 1] != '\n', "empty log line");
		lines += log[i] == '\n';
		errors += i + 7 <= 1 << 20 && memcmp(log + i, " ERROR ", 7) == 0;
	}
	ck_assert_uint_gt(lines, 5000);
	ck_assert_uint_gt(errors, lines / 100); /* about 3 in 100 */
	ck_assert_uint_lt(errors, lines / 10);
	free(log);
	free(text);
}
END_TEST

START_TEST(test_kind_names)
{
	enum sx_gen_kind k;

	ck_assert_int_eq(sx_gen_kind_parse("text", &k), 0);
	ck_assert_int_eq(k, SX_GEN_TEXT);
	ck_assert_int_eq(sx_gen_kind_parse("log", &k), 0);
	ck_assert_int_eq(k, SX_GEN_LOG);
	ck_assert_int_eq(sx_gen_kind_parse("binary", &k), 0);
	ck_assert_int_eq(k, SX_GEN_BINARY);
	ck_assert_int_eq(sx_gen_kind_parse("Text", &k), -1);
}
END_TEST

Suite *gen_suite(void)
{
	Suite *s = suite_create("gen");
	TCase *core = tcase_create("core");

	tcase_add_test(core, test_same_seed_same_bytes);
	tcase_add_loop_test(core, test_any_split_same_bytes, SX_GEN_TEXT, SX_GEN_BINARY + 1);
	tcase_add_test(core, test_text_and_log_are_lines);
	tcase_add_test(core, test_kind_names);
	tcase_set_timeout(core, 30);
	suite_add_tcase(s, core);
	return s;
}
