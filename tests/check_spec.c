/* check_spec.c - the pipeline spec parser: words, quotes, stages, errors. */
#include <string.h>

#include "spec.h"
#include "suites.h"

static struct sx_spec parse_ok(const char *text)
{
	struct sx_spec spec;
	struct sx_error err;

	sx_error_clear(&err);
	ck_assert_msg(sx_spec_parse(&spec, text, &err) == SX_OK,
		      "'%s' failed: %s", text, err.msg);
	return spec;
}

static void expect_error(const char *text, const char *needle)
{
	struct sx_spec spec;
	struct sx_error err;

	sx_error_clear(&err);
	ck_assert_int_eq(sx_spec_parse(&spec, text, &err), SX_EUSAGE);
	ck_assert_msg(strstr(err.msg, needle), "'%s': message '%s' lacks '%s'",
		      text, err.msg, needle);
	ck_assert_uint_eq(spec.count, 0);
	ck_assert_ptr_null(spec.stages);
}

START_TEST(test_stages_and_words)
{
	struct sx_spec spec = parse_ok("  gunzip |upper| gzip   -9 ");

	ck_assert_uint_eq(spec.count, 3);
	ck_assert_int_eq(spec.stages[0].argc, 1);
	ck_assert_str_eq(spec.stages[0].argv[0], "gunzip");
	ck_assert_str_eq(spec.stages[1].argv[0], "upper");
	ck_assert_int_eq(spec.stages[2].argc, 2);
	ck_assert_str_eq(spec.stages[2].argv[1], "-9");
	ck_assert_ptr_null(spec.stages[2].argv[2]);
	ck_assert_uint_eq(spec.stages[0].position, 2);
	ck_assert_uint_eq(spec.stages[2].position, 17);
	sx_spec_release(&spec);
	ck_assert_uint_eq(spec.count, 0);
}
END_TEST

START_TEST(test_quotes_group_words)
{
	struct sx_spec spec = parse_ok("grep 'a | b' \"c  d\" e'f g'h \"\" ''");
	char **argv = spec.stages[0].argv;

	ck_assert_uint_eq(spec.count, 1);
	ck_assert_int_eq(spec.stages[0].argc, 6);
	ck_assert_str_eq(argv[1], "a | b");
	ck_assert_str_eq(argv[2], "c  d");
	ck_assert_str_eq(argv[3], "ef gh");
	ck_assert_str_eq(argv[4], "");
	ck_assert_str_eq(argv[5], "");
	sx_spec_release(&spec);
}
END_TEST

START_TEST(test_escapes)
{
	struct sx_spec spec = parse_ok("tr \\| \"\\\"x\\\\\" 'a\\b' c\\ d");
	char **argv = spec.stages[0].argv;

	ck_assert_uint_eq(spec.count, 1);
	ck_assert_str_eq(argv[1], "|");
	ck_assert_str_eq(argv[2], "\"x\\");
	ck_assert_str_eq(argv[3], "a\\b");   /* single quotes: literal */
	ck_assert_str_eq(argv[4], "c d");
	sx_spec_release(&spec);
}
END_TEST

START_TEST(test_blanks_of_all_kinds)
{
	struct sx_spec spec = parse_ok("\tcat\n|\r\nlower\t");

	ck_assert_uint_eq(spec.count, 2);
	ck_assert_str_eq(spec.stages[1].argv[0], "lower");
	sx_spec_release(&spec);
}
END_TEST

START_TEST(test_errors)
{
	expect_error("", "empty pipeline");
	expect_error("   ", "empty pipeline");
	expect_error("cat ||upper", "empty stage at character 6");
	expect_error("| cat", "empty stage at character 1");
	expect_error("cat |", "empty stage at character 6");
	expect_error("cat | | upper", "empty stage");
	expect_error("grep 'abc", "unclosed ' quote at character 6");
	expect_error("grep \"abc", "unclosed \" quote");
}
END_TEST

START_TEST(test_many_stages)
{
	char text[4096] = "";
	struct sx_spec spec;

	for (int i = 0; i < 200; i++)
		strcat(text, i ? " | cat" : "cat");
	spec = parse_ok(text);
	ck_assert_uint_eq(spec.count, 200);
	sx_spec_release(&spec);
}
END_TEST

Suite *spec_suite(void)
{
	Suite *s = suite_create("spec");
	TCase *core = tcase_create("core");
	TCase *errors = tcase_create("errors");

	tcase_add_test(core, test_stages_and_words);
	tcase_add_test(core, test_quotes_group_words);
	tcase_add_test(core, test_escapes);
	tcase_add_test(core, test_blanks_of_all_kinds);
	tcase_add_test(core, test_many_stages);
	tcase_add_test(errors, test_errors);
	suite_add_tcase(s, core);
	suite_add_tcase(s, errors);
	return s;
}
