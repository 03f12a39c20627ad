/* check_opts.c - the stage option parser, spill stores and the byte stages against tr. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opts.h"
#include "spill.h"
#include "suites.h"
#include "test_diff.h"

/* Parses words with "vic" + "n:" and --width=; returns a trace like
 * "v,i,n=5,w=8,|ops=2" or the error message. */
static const char *trace(int argc, char **argv)
{
	static char out[512];
	static const struct sx_opt_long longs[] = {
		{ "width", 1, 'w' }, { "fast", 0, 'f' }, { NULL, 0, 0 }
	};
	struct sx_stage st;
	struct sx_opts o;
	int c;

	memset(&st, 0, sizeof(st));
	out[0] = '\0';
	sx_opts_init(&o, &st, argc, argv);
	while ((c = sx_opts_next(&o, "vicn:", longs)) > 0) {
		size_t n = strlen(out);

		snprintf(out + n, sizeof(out) - n, o.arg ? "%c=%s," : "%c,", c, o.arg);
	}
	if (c < 0)
		snprintf(out, sizeof(out), "%s", st.err.msg);
	if (c < 0)
		return out;
	snprintf(out + strlen(out), sizeof(out) - strlen(out), "|ops=%d",
		 sx_opts_operands(&o));
	return out;
}

/* trace() of the words given, ending at NULL. */
static const char *trace_of(const char *first, ...)
{
	char *words[16] = { "x" };
	int n = 1;
	va_list ap;

	va_start(ap, first);
	for (const char *w = first; w && n < 16; w = va_arg(ap, const char *))
		words[n++] = (char *)w;
	va_end(ap);
	return trace(n, words);
}

#define TRACE(...) trace_of(__VA_ARGS__, (const char *)NULL)

START_TEST(test_opts_forms)
{
	ck_assert_str_eq(TRACE("-v", "-i"), "v,i,|ops=0");
	ck_assert_str_eq(TRACE("-vi", "pat"), "v,i,|ops=1");
	ck_assert_str_eq(TRACE("-n5"), "n=5,|ops=0");
	ck_assert_str_eq(TRACE("-n", "5", "file"), "n=5,|ops=1");
	ck_assert_str_eq(TRACE("-vn", "7"), "v,n=7,|ops=0");
	ck_assert_str_eq(TRACE("-vn7x"), "v,n=7x,|ops=0");
	ck_assert_str_eq(TRACE("--width=8", "--fast"), "w=8,f,|ops=0");
	ck_assert_str_eq(TRACE("--width", "9", "a", "-v"), "w=9,|ops=2");
	ck_assert_str_eq(TRACE("--", "-v"), "|ops=1");
	ck_assert_str_eq(TRACE("-", "-v"), "|ops=2");
	ck_assert_str_eq(TRACE("-n", "-v"), "n=-v,|ops=0");
}
END_TEST

START_TEST(test_opts_errors)
{
	ck_assert_str_eq(TRACE("-x"), "unknown option '-x'");
	ck_assert_str_eq(TRACE("-vq"), "unknown option '-q'");
	ck_assert_str_eq(TRACE("-n"), "option needs an argument: '-n'");
	ck_assert_str_eq(TRACE("--width"), "option needs an argument: '--width'");
	ck_assert_str_eq(TRACE("--fast=1"), "option takes no argument: '--fast=1'");
	ck_assert_str_eq(TRACE("--wid=3"), "unknown option '--wid=3'");
	ck_assert_str_eq(TRACE("-:"), "unknown option '-:'");
}
END_TEST

static int count_of(const char *arg, uint64_t max, int sizes, uint64_t *n,
		    char *msg)
{
	struct sx_stage st;
	struct sx_opts o;
	char *argv[] = { "x", NULL };
	int rc;

	memset(&st, 0, sizeof(st));
	sx_opts_init(&o, &st, 1, argv);
	o.arg = arg;
	rc = sx_opts_count(&o, max, sizes, n);
	strcpy(msg, st.err.msg);
	return rc;
}

START_TEST(test_opts_counts)
{
	uint64_t n = 99;
	char msg[SX_ERROR_MAX];

	ck_assert_int_eq(count_of("0", 10, 0, &n, msg), SX_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(count_of("10", 10, 0, &n, msg), SX_OK);
	ck_assert_uint_eq(n, 10);
	ck_assert_int_eq(count_of("11", 10, 0, &n, msg), SX_EUSAGE);
	ck_assert_ptr_nonnull(strstr(msg, "invalid number '11'"));
	ck_assert_int_eq(count_of("-1", 10, 0, &n, msg), SX_EUSAGE);
	ck_assert_int_eq(count_of("1x", 10, 0, &n, msg), SX_EUSAGE);
	ck_assert_int_eq(count_of("", 10, 0, &n, msg), SX_EUSAGE);
	ck_assert_int_eq(count_of("99999999999999999999999", UINT64_MAX, 0, &n, msg),
			 SX_EUSAGE);
	ck_assert_int_eq(count_of("4K", UINT64_MAX, 1, &n, msg), SX_OK);
	ck_assert_uint_eq(n, 4096);
	ck_assert_int_eq(count_of("4K", UINT64_MAX, 0, &n, msg), SX_EUSAGE);
	ck_assert_int_eq(count_of("2G", 1u << 30, 1, &n, msg), SX_EUSAGE);
	ck_assert_ptr_nonnull(strstr(msg, "K, M, G or T"));
}
END_TEST

START_TEST(test_opts_want)
{
	struct sx_stage st;
	struct sx_opts o;
	char *argv[] = { "tr", "a", "b", "c" };

	memset(&st, 0, sizeof(st));
	sx_opts_init(&o, &st, 4, argv);
	ck_assert_int_eq(sx_opts_next(&o, "d", NULL), 0);
	ck_assert_int_eq(sx_opts_want(&o, 1, 3, "SET1"), SX_OK);
	ck_assert_int_eq(sx_opts_want(&o, 1, 2, "SET1"), SX_EUSAGE);
	ck_assert_str_eq(st.err.msg, "extra operand 'c'");
	o.ind = 4;
	ck_assert_int_eq(sx_opts_want(&o, 1, 2, "SET1"), SX_EUSAGE);
	ck_assert_str_eq(st.err.msg, "missing operand: SET1");
}
END_TEST

/* ---- spill ---- */

static int open_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) != -1;
	return n;
}

START_TEST(test_spill_memory_then_file)
{
	struct sx_mem_account acct;
	struct sx_mem_owner *owner;
	struct sx_spill sp;
	struct sx_error err;
	unsigned char *in = make_input(0, 100000, 3), back[100000];
	int fds = open_fds();

	sx_mem_account_init(&acct, 0);
	owner = sx_mem_owner_new(&acct, "spill");
	sx_spill_init(&sp, owner, 4096);
	for (size_t off = 0; off < 100000; off += 777)
		ck_assert_int_eq(sx_spill_append(&sp, in + off,
						 off + 777 > 100000 ? 100000 - off : 777,
						 &err), SX_OK);
	ck_assert_uint_eq(sp.len, 100000);
	ck_assert_ptr_null(sx_spill_mem(&sp));
	ck_assert_uint_eq(sp.spills, 1);
	ck_assert_uint_le(owner->peak, 4096);
	ck_assert_int_eq(open_fds(), fds + 1);
	ck_assert_int_eq(sx_spill_read(&sp, 0, back, 100000, &err), SX_OK);
	ck_assert_mem_eq(back, in, 100000);
	ck_assert_int_eq(sx_spill_read(&sp, 5000, back, 10, &err), SX_OK);
	ck_assert_mem_eq(back, in + 5000, 10);

	sx_spill_clear(&sp);
	ck_assert_uint_eq(sp.len, 0);
	ck_assert_int_eq(sx_spill_append(&sp, "abc", 3, &err), SX_OK);
	ck_assert_ptr_nonnull(sx_spill_mem(&sp));
	ck_assert_mem_eq(sx_spill_mem(&sp), "abc", 3);
	sx_spill_release(&sp);
	ck_assert_int_eq(open_fds(), fds);
	ck_assert_uint_eq(owner->current, 0);
	free(in);
}
END_TEST

/* A stage that stores its whole input in a spill store and writes it out
 * at the end: the store's emission through every kind of output. */
struct hold_state {
	struct sx_spill sp;
};

static int hold_init(struct sx_stage *st, int argc, char **argv)
{
	struct hold_state *s = st->priv;

	(void)argc;
	(void)argv;
	sx_spill_init(&s->sp, st->mem, 100);
	return SX_OK;
}

static int hold_process(struct sx_stage *st, const unsigned char *in,
			size_t len, struct sx_out *out)
{
	struct hold_state *s = st->priv;

	(void)out;
	return sx_spill_append(&s->sp, in, len, &st->err);
}

static int hold_finish(struct sx_stage *st, struct sx_out *out)
{
	struct hold_state *s = st->priv;

	return sx_spill_emit(&s->sp, 0, s->sp.len, out, &st->err);
}

static void hold_destroy(struct sx_stage *st)
{
	struct hold_state *s = st->priv;

	sx_spill_release(&s->sp);
}

static const struct sx_stage_ops hold_ops = {
	.abi = SX_STAGE_ABI, .name = "hold", .summary = "", .usage = "",
	.priv_size = sizeof(struct hold_state), .init = hold_init,
	.process = hold_process, .finish = hold_finish, .destroy = hold_destroy,
};

START_TEST(test_spill_emit_both_modes)
{
	static const size_t sizes[] = { 0, 1, 99, 100, 101, 5000, 70000 };
	struct sx_registry reg;
	struct sx_error err;

	sx_registry_init(&reg);
	ck_assert_int_eq(sx_registry_add(&reg, &hold_ops, &err), SX_OK);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *in = make_input(2, sizes[i], (unsigned)i);
		struct run_result a = run_stream_in(&reg, "hold | hold", in,
						    sizes[i], 7, 13);
		struct run_result b = run_naive_in(&reg, "hold", in, sizes[i]);

		ck_assert_int_eq(a.status, SX_OK);
		ck_assert_int_eq(b.status, SX_OK);
		ck_assert_uint_eq(a.out_len, sizes[i]);
		ck_assert_uint_eq(b.out_len, sizes[i]);
		if (sizes[i] > 0) {
			ck_assert_mem_eq(a.out, in, sizes[i]);
			ck_assert_mem_eq(b.out, in, sizes[i]);
		}
		free(a.out);
		free(b.out);
		free(in);
	}
}
END_TEST

START_TEST(test_spill_unwritable_tmpdir)
{
	struct sx_spill sp;
	struct sx_error err;
	char big[300];

	memset(big, 'z', sizeof(big));
	setenv("TMPDIR", "/nonexistent-streamx-dir", 1);
	sx_error_clear(&err);
	sx_spill_init(&sp, NULL, 100);
	ck_assert_int_eq(sx_spill_append(&sp, big, 100, &err), SX_OK);
	ck_assert_int_eq(sx_spill_append(&sp, big, 200, &err), SX_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent-streamx-dir"));
	ck_assert_uint_eq(sp.len, 100); /* left as it was */
	ck_assert_mem_eq(sx_spill_mem(&sp), big, 100);
	sx_spill_release(&sp);
	unsetenv("TMPDIR");
}
END_TEST

START_TEST(test_spill_default_from_env)
{
	setenv("STREAMX_LINE_MEM", "2K", 1);
	ck_assert_uint_eq(sx_spill_default_limit(), 2048);
	setenv("STREAMX_LINE_MEM", "junk", 1);
	ck_assert_uint_eq(sx_spill_default_limit(), SX_SPILL_DEFAULT);
	setenv("STREAMX_LINE_MEM", "0", 1);
	ck_assert_uint_eq(sx_spill_default_limit(), SX_SPILL_DEFAULT);
	unsetenv("STREAMX_LINE_MEM");
	ck_assert_uint_eq(sx_spill_default_limit(), SX_SPILL_DEFAULT);
}
END_TEST

/* ---- the byte stages against tr and cat ---- */

static const struct diff_case byte_cases[] = {
	{ "cat", "cat", NULL, 0 },
	{ "upper", "tr a-z A-Z", NULL, 0 },
	{ "lower", "tr A-Z a-z", NULL, 0 },
	{ "upper | lower", "tr A-Z a-z", NULL, 0 },
};

START_TEST(test_byte_stages_vs_tools)
{
	diff_check(&byte_cases[_i]);
}
END_TEST

Suite *opts_suite(void)
{
	Suite *s = suite_create("opts");
	TCase *tc = tcase_create("options");
	TCase *sp = tcase_create("spill");
	TCase *tools;

	tcase_add_test(tc, test_opts_forms);
	tcase_add_test(tc, test_opts_errors);
	tcase_add_test(tc, test_opts_counts);
	tcase_add_test(tc, test_opts_want);
	suite_add_tcase(s, tc);
	tcase_add_test(sp, test_spill_memory_then_file);
	tcase_add_test(sp, test_spill_emit_both_modes);
	tcase_add_test(sp, test_spill_unwritable_tmpdir);
	tcase_add_test(sp, test_spill_default_from_env);
	suite_add_tcase(s, sp);
	tools = sh_tcase(s, "tools");
	tcase_add_loop_test(tools, test_byte_stages_vs_tools, 0,
			    (int)(sizeof(byte_cases) / sizeof(byte_cases[0])));
	return s;
}
