/* check_plugin.c - stages loaded from shared objects: the example, and broken ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"
#include "suites.h"
#include "test_diff.h"

/*
 * make check builds examples/plugin/squeeze.c (STREAMX_EXAMPLE_PLUGIN)
 * and the plugins of tests/plugins/ (STREAMX_TEST_PLUGINS, a directory):
 * bad_abi.so claims a future ABI, bad_stage.so has a good stage and one
 * of an old ABI, clash.so redefines gzip.
 */
static const char *example(void)
{
	const char *p = getenv("STREAMX_EXAMPLE_PLUGIN");

	ck_assert_msg(p && p[0], "STREAMX_EXAMPLE_PLUGIN is not set (make check sets it)");
	return p;
}

static const char *test_plugin(const char *name)
{
	static char path[512];
	const char *dir = getenv("STREAMX_TEST_PLUGINS");

	ck_assert_msg(dir && dir[0], "STREAMX_TEST_PLUGINS is not set (make check sets it)");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

START_TEST(test_list_and_help)
{
	setenv("P", example(), 1);
	ok(SX " --plugin \"$P\" list | grep -qx 'squeeze    fold runs of blank lines into one (like cat -s)'");
	ok(SX " --plugin \"$P\" list | grep -q '^gzip '");
	ok(SX " --plugin=\"$P\" help squeeze | grep -q 'Example: streamx'");
	ok(SX " help --plugin \"$P\" squeeze | grep -q '^squeeze - '");
	fails(2, "unknown stage 'squeeze'", SX " help squeeze");
	fails(2, "unknown stage 'squeeze'", SX " 'squeeze' < /dev/null");
}
END_TEST

/* The example stage equals cat -s on the whole corpus, both modes,
 * every buffer size; loaded here from STREAMX_PLUGIN_PATH. */
START_TEST(test_example_vs_cat_s)
{
	static const struct diff_case c = { "squeeze", "cat -s", NULL, 0 };
	char dir[600];

	snprintf(dir, sizeof(dir), "%s", example());
	*strrchr(dir, '/') = '\0';
	setenv("STREAMX_PLUGIN_PATH", dir, 1);
	diff_check(&c);
	put_text("blank.txt", "\n\n\nx\n\n\n\n\ny\n\n");
	ok(SX " -i blank.txt 'squeeze | upper' > o/got && cat -s blank.txt | tr a-z A-Z | cmp - o/got");
	fails(2, "squeeze (stage 1): unknown argument '-x'", SX " 'squeeze -x' < blank.txt");
	unsetenv("STREAMX_PLUGIN_PATH");
}
END_TEST

START_TEST(test_plugin_path_env)
{
	setenv("P", example(), 1);
	ok("mkdir -p d1 d2 && cp \"$P\" d2/sq.so && touch d1/README && ln -s nowhere d1/broken");
	ok("STREAMX_PLUGIN_PATH=missing::d1:d2 " SX " list | grep -q '^squeeze '");
	ok("printf 'a\\n\\n\\nb\\n' | STREAMX_PLUGIN_PATH=d2 " SX " squeeze | cmp - <(printf 'a\\n\\nb\\n')");
	/* the same file by both ways is one plugin, loaded once */
	fails(2, "already defined", "STREAMX_PLUGIN_PATH=d2 " SX " --plugin \"$P\" list");
	ok(SX " --plugin \"$P\" --plugin \"$P\" list | grep -c '^squeeze ' | grep -qx 1");
	/* a bad plugin in a directory is named */
	ok("mkdir d3 && echo junk > d3/junk.so");
	fails(2, "d3/junk.so", "STREAMX_PLUGIN_PATH=d3 " SX " list");
}
END_TEST

START_TEST(test_abi_mismatch)
{
	const char *line;
	char want[128];

	setenv("P", test_plugin("bad_abi.so"), 1);
	line = fails(2, "was built for stage ABI", SX " --plugin \"$P\" list");
	snprintf(want, sizeof(want), "ABI %d, this streamx has ABI %d", SX_STAGE_ABI + 1,
		 SX_STAGE_ABI);
	assert_contains(line, want);
	assert_contains(line, "rebuild it");
	fails(2, "was built for stage ABI", SX " --plugin \"$P\" cat < /dev/null");
	/* a stage table of another version inside a current plugin */
	setenv("P", test_plugin("bad_stage.so"), 1);
	snprintf(want, sizeof(want), "stage 'old' was built for stage ABI %d", SX_STAGE_ABI - 1);
	line = fails(2, want, SX " --plugin \"$P\" good < /dev/null");
	assert_contains(line, "bad_stage.so");
}
END_TEST

START_TEST(test_bad_plugins)
{
	setenv("P", test_plugin("clash.so"), 1);
	fails(2, "stage 'gzip' is already defined", SX " --plugin \"$P\" gzip < /dev/null");
	fails(2, "cannot load plugin", SX " --plugin ./nothing-here.so cat < /dev/null");
	ok("echo 'not an ELF file' > fake.so");
	fails(2, "fake.so", SX " --plugin fake.so cat < /dev/null");
	ok("cc -shared -fPIC -o empty.so -x c /dev/null");
	fails(2, "no 'streamx_plugin' symbol", SX " --plugin ./empty.so cat < /dev/null");
	fails(2, "needs a value", SX " cat --plugin");
}
END_TEST

/* batch and compare run child streamx processes: a --plugin before the
 * command reaches them. */
START_TEST(test_plugin_in_children)
{
	setenv("P", example(), 1);
	ok("printf 'a\\n\\n\\n\\nb\\n' > one.txt && printf '\\n\\n\\nc\\n' > two.txt");
	ok(SX " --plugin \"$P\" batch --suffix .sq 'squeeze' one.txt two.txt");
	ok("cat -s one.txt | cmp - one.txt.sq && cat -s two.txt | cmp - two.txt.sq");
	ok(SX " --plugin \"$P\" compare -i one.txt 'squeeze' > cmp.txt");
	fails(2, "unknown stage 'squeeze'", SX " batch --suffix .x 'squeeze' one.txt");
}
END_TEST

/* In process: the library call, with its error paths. */
START_TEST(test_load_in_process)
{
	struct sx_registry reg;
	struct sx_error err;

	sx_registry_init(&reg);
	sx_error_clear(&err);
	ck_assert_int_eq(sx_plugin_load(&reg, example(), &err), SX_OK);
	ck_assert_ptr_nonnull(sx_registry_find(&reg, "squeeze"));
	ck_assert_int_eq(sx_plugin_load(&reg, example(), &err), SX_EUSAGE);
	assert_contains(err.msg, "already defined");
	ck_assert_int_eq(sx_plugin_load(&reg, test_plugin("bad_abi.so"), &err), SX_EUSAGE);
	ck_assert_uint_eq(reg.count, 1);
	ck_assert_int_eq(sx_plugin_load_dirs(&reg, "/nonexistent:", &err), SX_OK);
	ck_assert_int_eq(sx_plugin_load_dirs(&reg, NULL, &err), SX_OK);
	ck_assert_uint_eq(reg.count, 1);
}
END_TEST

Suite *plugin_suite(void)
{
	Suite *s = suite_create("plugin");
	TCase *tc = sh_tcase(s, "plugins");

	tcase_add_test(tc, test_list_and_help);
	tcase_add_test(tc, test_example_vs_cat_s);
	tcase_add_test(tc, test_plugin_path_env);
	tcase_add_test(tc, test_abi_mismatch);
	tcase_add_test(tc, test_bad_plugins);
	tcase_add_test(tc, test_plugin_in_children);
	tcase_add_test(tc, test_load_in_process);
	return s;
}
