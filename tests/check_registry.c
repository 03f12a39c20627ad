/* check_registry.c - stage look-up, suggestions, and what the registry refuses. */
#include <string.h>

#include "builtin.h"
#include "suites.h"

static int noop_process(struct sx_stage *st, const unsigned char *in,
			size_t len, struct sx_out *out)
{
	(void)st;
	return sx_out_write(out, in, len);
}

START_TEST(test_builtins_found)
{
	const struct sx_registry *reg = test_registry();
	static const char *const names[] = { "cat", "upper", "lower", "gzip", "gunzip" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct sx_stage_ops *ops = sx_registry_find(reg, names[i]);

		ck_assert_ptr_nonnull(ops);
		ck_assert_str_eq(ops->name, names[i]);
		ck_assert_ptr_nonnull(ops->summary);
		ck_assert_ptr_nonnull(ops->usage);
		ck_assert(ops->process != NULL);
	}
	ck_assert_ptr_null(sx_registry_find(reg, "nosuch"));
	ck_assert_ptr_null(sx_registry_find(reg, "GZIP"));
}
END_TEST

START_TEST(test_suggestions)
{
	const struct sx_registry *reg = test_registry();

	ck_assert_str_eq(sx_registry_suggest(reg, "gzp"), "gzip");
	ck_assert_str_eq(sx_registry_suggest(reg, "gunzp"), "gunzip");
	ck_assert_str_eq(sx_registry_suggest(reg, "uper"), "upper");
	ck_assert_str_eq(sx_registry_suggest(reg, "lowr"), "lower");
	ck_assert_str_eq(sx_registry_suggest(reg, "gun"), "gunzip");
	ck_assert_str_eq(sx_registry_suggest(reg, "sha256sum"), "sha256");
	ck_assert_ptr_null(sx_registry_suggest(reg, "frobnicate"));
	ck_assert_ptr_null(sx_registry_suggest(reg, "x"));
	ck_assert_ptr_null(sx_registry_suggest(reg, "zz"));
}
END_TEST

START_TEST(test_refusals)
{
	static const struct sx_stage_ops old_abi = {
		.abi = SX_STAGE_ABI + 1, .name = "old", .process = noop_process };
	static const struct sx_stage_ops no_process = {
		.abi = SX_STAGE_ABI, .name = "empty" };
	static const struct sx_stage_ops dup = {
		.abi = SX_STAGE_ABI, .name = "cat", .process = noop_process };
	static const struct sx_stage_ops fresh = {
		.abi = SX_STAGE_ABI, .name = "fresh", .process = noop_process };
	struct sx_registry reg;
	struct sx_error err;

	sx_registry_init(&reg);
	ck_assert_int_eq(sx_builtin_register(&reg, &err), SX_OK);
	ck_assert_int_eq(sx_registry_add(&reg, &old_abi, &err), SX_EUSAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "ABI"));
	ck_assert_int_eq(sx_registry_add(&reg, &no_process, &err), SX_EUSAGE);
	ck_assert_int_eq(sx_registry_add(&reg, &dup, &err), SX_EUSAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "already defined"));
	ck_assert_int_eq(sx_registry_add(&reg, &fresh, &err), SX_OK);
	ck_assert_ptr_eq(sx_registry_find(&reg, "fresh"), &fresh);
	while (reg.count < SX_REGISTRY_MAX)
		reg.ops[reg.count++] = &old_abi; /* fill it up */
	ck_assert_int_eq(sx_registry_add(&reg, &dup, &err), SX_EUSAGE);
}
END_TEST

Suite *registry_suite(void)
{
	Suite *s = suite_create("registry");
	TCase *core = tcase_create("core");

	tcase_add_test(core, test_builtins_found);
	tcase_add_test(core, test_suggestions);
	tcase_add_test(core, test_refusals);
	suite_add_tcase(s, core);
	return s;
}
