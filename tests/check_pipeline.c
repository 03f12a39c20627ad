/* check_pipeline.c - the drivers: identical output, early stop, errors, buffers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "gen.h"
#include "suites.h"

/* Test stages. "take N" passes the first N bytes then needs no more input
 * (as head will). "failat N" fails when its input reaches byte N, or at
 * finish with N = -1. "hold" keeps everything until finish (as sort will). */
struct take_state { unsigned long long want, seen; };

static int take_init(struct sx_stage *st, int argc, char **argv)
{
	struct take_state *s = st->priv;

	if (argc != 2)
		return sx_stage_fail(st, SX_EUSAGE, "needs a count");
	s->want = strtoull(argv[1], NULL, 10);
	return SX_OK;
}

static int take_process(struct sx_stage *st, const unsigned char *in,
			size_t len, struct sx_out *out)
{
	struct take_state *s = st->priv;
	size_t n = len;
	int rc;

	if (s->seen + n > s->want)
		n = (size_t)(s->want - s->seen);
	s->seen += n;
	rc = sx_out_write(out, in, n);
	if (rc)
		return rc;
	return s->seen == s->want ? SX_DONE : SX_OK;
}

static const struct sx_stage_ops take_ops = {
	.abi = SX_STAGE_ABI, .name = "take", .summary = "first N bytes",
	.usage = "take N", .priv_size = sizeof(struct take_state),
	.init = take_init, .process = take_process,
};

static int failat_process(struct sx_stage *st, const unsigned char *in,
			  size_t len, struct sx_out *out)
{
	struct take_state *s = st->priv;

	if (s->want != (unsigned long long)-1 && st->bytes_in + len > s->want) {
		size_t ok = (size_t)(s->want - st->bytes_in);
		int rc = sx_out_write(out, in, ok);

		if (rc)
			return rc;
		return sx_stage_fail(st, SX_EDATA, "bad byte at %llu", s->want);
	}
	return sx_out_write(out, in, len);
}

static int failat_finish(struct sx_stage *st, struct sx_out *out)
{
	struct take_state *s = st->priv;

	(void)out;
	if (s->want == (unsigned long long)-1)
		return sx_stage_fail(st, SX_EDATA, "failed at the end");
	return SX_OK;
}

static int failat_init(struct sx_stage *st, int argc, char **argv)
{
	struct take_state *s = st->priv;

	if (argc == 2 && strcmp(argv[1], "end") == 0) {
		s->want = (unsigned long long)-1;
		return SX_OK;
	}
	return take_init(st, argc, argv);
}

static const struct sx_stage_ops failat_ops = {
	.abi = SX_STAGE_ABI, .name = "failat", .summary = "fails at byte N",
	.usage = "failat N|end", .priv_size = sizeof(struct take_state),
	.init = failat_init, .process = failat_process, .finish = failat_finish,
};

struct hold_state { unsigned char *data; size_t len; };

static int hold_process(struct sx_stage *st, const unsigned char *in,
			size_t len, struct sx_out *out)
{
	struct hold_state *s = st->priv;
	unsigned char *grown = realloc(s->data, s->len + len);

	(void)out;
	if (!grown)
		return sx_stage_fail(st, SX_ENOMEM, "out of memory");
	memcpy(grown + s->len, in, len);
	s->data = grown;
	s->len += len;
	return SX_OK;
}

static int hold_finish(struct sx_stage *st, struct sx_out *out)
{
	struct hold_state *s = st->priv;

	return sx_out_write(out, s->data, s->len);
}

static void hold_destroy(struct sx_stage *st)
{
	free(((struct hold_state *)st->priv)->data);
}

static const struct sx_stage_ops hold_ops = {
	.abi = SX_STAGE_ABI, .name = "hold", .summary = "holds all until the end",
	.usage = "hold", .priv_size = sizeof(struct hold_state),
	.process = hold_process, .finish = hold_finish, .destroy = hold_destroy,
};

static const struct sx_registry *reg(void)
{
	static struct sx_registry r;
	static int ready;
	struct sx_error err;

	if (!ready) {
		sx_registry_init(&r);
		ck_assert_int_eq(sx_builtin_register(&r, &err), SX_OK);
		ck_assert_int_eq(sx_registry_add(&r, &take_ops, &err), SX_OK);
		ck_assert_int_eq(sx_registry_add(&r, &failat_ops, &err), SX_OK);
		ck_assert_int_eq(sx_registry_add(&r, &hold_ops, &err), SX_OK);
		ready = 1;
	}
	return &r;
}

static const size_t chunks[] = { 1, 3, 4096, 65536 };
static const size_t bufsizes[] = { 1, 7, 4096, 65536 };

/* Both drivers, every chunking: same status and same bytes as want. */
static void expect_everywhere(const char *spec, const unsigned char *in, size_t len,
			      const unsigned char *want, size_t want_len)
{
	struct run_result n = run_naive_in(reg(), spec, in, len);

	ck_assert_msg(n.status == SX_OK, "%s naive: %s", spec, n.err.msg);
	ck_assert_uint_eq(n.out_len, want_len);
	if (want_len > 0)
		ck_assert_mem_eq(n.out, want, want_len);
	free(n.out);
	for (size_t c = 0; c < 4; c++)
		for (size_t b = 0; b < 4; b++) {
			struct run_result s = run_stream_in(reg(), spec, in, len,
							    chunks[c], bufsizes[b]);

			ck_assert_msg(s.status == SX_OK, "%s stream: %s", spec, s.err.msg);
			ck_assert_msg(s.out_len == want_len, "%s read %zu buffer %zu: %zu bytes, want %zu",
				      spec, chunks[c], bufsizes[b], s.out_len, want_len);
			if (want_len > 0)
				ck_assert_mem_eq(s.out, want, want_len);
			ck_assert_uint_eq(s.pool_out, 0);
			free(s.out);
		}
}

START_TEST(test_drivers_agree_on_chains)
{
	static const char *const specs[] = {
		"cat", "cat | cat | cat", "hold", "upper | hold | lower",
		"hold | hold", "gzip | hold | gunzip", "cat | gzip -1 | gunzip | cat",
	};
	unsigned char *log = make_input(SX_GEN_LOG, 100000, 21);
	unsigned char *want = malloc(100000);

	for (size_t i = 0; i < 100000; i++)
		want[i] = log[i] >= 'A' && log[i] <= 'Z' ? log[i] + 32 : log[i];
	expect_everywhere(specs[0], log, 100000, log, 100000);
	expect_everywhere(specs[1], log, 100000, log, 100000);
	expect_everywhere(specs[2], log, 100000, log, 100000);
	expect_everywhere(specs[3], log, 100000, want, 100000);
	expect_everywhere(specs[4], log, 100000, log, 100000);
	expect_everywhere(specs[5], log, 100000, log, 100000);
	expect_everywhere(specs[6], log, 100000, log, 100000);
	free(want);
	free(log);
}
END_TEST

START_TEST(test_done_stops_reading)
{
	unsigned char *text = make_input(SX_GEN_TEXT, 1 << 20, 2);
	struct sx_pipeline *pl;
	struct sx_source src;
	struct sx_sink sink;
	struct sx_pool pool;
	struct sx_error err;

	ck_assert_int_eq(sx_pipeline_new(&pl, reg(), "cat | take 10 | upper", NULL, &err), SX_OK);
	sx_source_mem(&src, text, 1 << 20, 0);
	sx_sink_mem(&sink);
	sx_pool_init(&pool, 4096, 4);
	ck_assert_int_eq(sx_pipeline_stream(pl, &src, &sink, &pool, &err), SX_OK);
	ck_assert_uint_le(src.offset, 2 * 4096); /* it stopped reading at once */
	ck_assert_uint_eq(sink.mem_len, 10);
	ck_assert_int_eq(sx_pool_drain(&pool), 0);
	sx_pipeline_free(pl);
	free(sink.mem);
	free(text);
}
END_TEST

START_TEST(test_done_anywhere_in_chain)
{
	unsigned char *text = make_input(SX_GEN_TEXT, 200000, 3);
	unsigned char *up = malloc(200000);

	for (size_t i = 0; i < 200000; i++)
		up[i] = text[i] >= 'a' && text[i] <= 'z' ? text[i] - 32 : text[i];
	expect_everywhere("take 1000", text, 200000, text, 1000);
	expect_everywhere("take 0", text, 200000, text, 0);
	expect_everywhere("take 5000 | upper", text, 200000, up, 5000);
	expect_everywhere("upper | take 5000", text, 200000, up, 5000);
	expect_everywhere("take 9000 | take 7000 | take 8000", text, 200000, text, 7000);
	expect_everywhere("hold | take 123", text, 200000, text, 123);
	expect_everywhere("take 300000", text, 200000, text, 200000);
	expect_everywhere("gzip | gunzip | take 77777 | gzip | gunzip", text, 200000,
			  text, 77777);
	free(up);
	free(text);
}
END_TEST

static void expect_failure(const char *spec, size_t len, const char *msg,
			   size_t want_out)
{
	unsigned char *text = make_input(SX_GEN_TEXT, len, 4);
	struct run_result n = run_naive_in(reg(), spec, text, len);

	ck_assert_int_eq(n.status, SX_EDATA);
	ck_assert_str_eq(n.err.msg, msg);
	free(n.out);
	for (size_t c = 0; c < 4; c++)
		for (size_t b = 0; b < 4; b++) {
			struct run_result s = run_stream_in(reg(), spec, text, len,
							    chunks[c], bufsizes[b]);

			ck_assert_int_eq(s.status, SX_EDATA);
			ck_assert_str_eq(s.err.msg, msg);
			ck_assert_uint_le(s.out_len, want_out);
			ck_assert_uint_eq(s.pool_out, 0);
			free(s.out);
		}
	free(text);
}

START_TEST(test_errors_name_stage_and_offset)
{
	expect_failure("failat 500", 10000, "failat (stage 1): bad byte at 500", 500);
	expect_failure("cat | upper | failat 4096", 10000,
		       "failat (stage 3): bad byte at 4096", 4096);
	expect_failure("failat 100 | failat 5000", 10000,
		       "failat (stage 1): bad byte at 100", 100);
	expect_failure("cat | failat end | cat", 1000,
		       "failat (stage 2): failed at the end", 1000);
	expect_failure("hold | failat 7", 1000, "failat (stage 2): bad byte at 7", 7);
	expect_failure("gzip | gunzip | failat 9999", 20000,
		       "failat (stage 3): bad byte at 9999", 9999);
}
END_TEST

START_TEST(test_gunzip_error_offsets)
{
	static const unsigned char junk[] = "this is not gzip data at all";
	struct run_result n = run_naive("gunzip", junk, sizeof(junk) - 1);

	ck_assert_int_eq(n.status, SX_EDATA);
	ck_assert_str_eq(n.err.msg, "gunzip (stage 1): not in gzip format at byte 0");
	free(n.out);
	n = run_naive("gunzip", "", 0);
	ck_assert_int_eq(n.status, SX_EDATA);
	ck_assert_str_eq(n.err.msg,
			 "gunzip (stage 1): unexpected end of input at byte 0: no gzip data");
	free(n.out);
}
END_TEST

START_TEST(test_truncated_and_garbage_gzip)
{
	unsigned char *text = make_input(SX_GEN_TEXT, 30000, 5);
	struct run_result z = run_naive("gzip", text, 30000);
	unsigned char *longer = malloc(z.out_len + 5);
	char msg[200];

	ck_assert_int_eq(z.status, SX_OK);
	for (size_t cut = 1; cut < z.out_len; cut += cut < 40 ? 1 : 997) {
		struct run_result t = run_stream("gunzip", z.out, cut, 3, 4096);
		struct run_result n = run_naive("gunzip", z.out, cut);

		ck_assert_int_eq(t.status, SX_EDATA);
		ck_assert_int_eq(n.status, SX_EDATA);
		ck_assert_str_eq(t.err.msg, n.err.msg);
		free(t.out);
		free(n.out);
	}
	memcpy(longer, z.out, z.out_len);
	memcpy(longer + z.out_len, "junk!", 5);
	snprintf(msg, sizeof(msg),
		 "gunzip (stage 1): trailing garbage after gzip data at byte %zu", z.out_len);
	for (size_t c = 0; c < 4; c++) {
		struct run_result g = run_stream("gunzip", longer, z.out_len + 5, chunks[c], 4096);

		ck_assert_int_eq(g.status, SX_EDATA);
		ck_assert_str_eq(g.err.msg, msg);
		ck_assert_uint_le(g.out_len, 30000); /* a prefix reached the sink */
		if (g.out_len > 0)
			ck_assert_mem_eq(g.out, text, g.out_len);
		free(g.out);
	}
	free(longer);
	free(z.out);
	free(text);
}
END_TEST

static int failing_write(struct sx_sink *sink, const void *buf, size_t n,
			 struct sx_error *err)
{
	(void)buf;
	if (sink->offset + n > 5000)
		return sx_error_set(err, SX_EIO, "disk full at byte %llu",
				    (unsigned long long)sink->offset);
	sink->offset += n;
	return SX_OK;
}

START_TEST(test_sink_failure_stops_run)
{
	unsigned char *text = make_input(SX_GEN_TEXT, 100000, 6);
	struct sx_pipeline *pl;
	struct sx_source src;
	struct sx_sink sink;
	struct sx_pool pool;
	struct sx_error err;

	ck_assert_int_eq(sx_pipeline_new(&pl, reg(), "upper | cat", NULL, &err), SX_OK);
	sx_source_mem(&src, text, 100000, 1000);
	sx_sink_mem(&sink);
	sink.write = failing_write;
	sx_pool_init(&pool, 1024, 3);
	sx_error_clear(&err);
	ck_assert_int_eq(sx_pipeline_stream(pl, &src, &sink, &pool, &err), SX_EIO);
	ck_assert_str_eq(err.msg, "disk full at byte 4096");
	ck_assert_uint_lt(src.offset, 10000); /* stopped reading soon */
	ck_assert_int_eq(sx_pool_drain(&pool), 0);
	sx_pipeline_free(pl);
	free(text);
}
END_TEST

START_TEST(test_stream_buffers_do_not_grow)
{
	unsigned char *log = make_input(SX_GEN_LOG, 4 << 20, 7);

	for (size_t len = 1000; len <= (4u << 20); len *= 8) {
		struct run_result z = run_naive("gzip -1", log, len);
		struct run_result s = run_stream("gunzip | upper | gzip -1 | cat",
						 z.out, z.out_len, 65536, 65536);

		ck_assert_int_eq(s.status, SX_OK);
		ck_assert_uint_eq(s.pool_made, 5); /* stages + 1, at every size */
		ck_assert_uint_eq(s.pool_out, 0);
		free(z.out);
		free(s.out);
	}
	free(log);
}
END_TEST

START_TEST(test_pool_too_small_and_single_use)
{
	struct sx_pipeline *pl;
	struct sx_source src;
	struct sx_sink sink;
	struct sx_pool pool;
	struct sx_error err;

	ck_assert_int_eq(sx_pipeline_new(&pl, reg(), "cat | cat", NULL, &err), SX_OK);
	ck_assert_uint_eq(sx_pipeline_buffers(pl), 3);
	sx_source_mem(&src, "abc", 3, 0);
	sx_sink_mem(&sink);
	sx_pool_init(&pool, 16, 2);
	ck_assert_int_eq(sx_pipeline_stream(pl, &src, &sink, &pool, &err), SX_ENOMEM);
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot get buffer 3 of 3"));
	ck_assert_int_eq(sx_pool_drain(&pool), 0);
	ck_assert_int_eq(sx_pipeline_naive(pl, &src, &sink, &err), SX_EUSAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "only once"));
	sx_pipeline_free(pl);
	free(sink.mem);
}
END_TEST

START_TEST(test_init_failures_clean_up)
{
	struct sx_pipeline *pl = (struct sx_pipeline *)1;
	struct sx_error err;

	ck_assert_int_eq(sx_pipeline_new(&pl, reg(), "gzip -9 | gunzip | take", NULL, &err),
			 SX_EUSAGE);
	ck_assert_ptr_null(pl);
	ck_assert_str_eq(err.msg, "take (stage 3): needs a count");
	ck_assert_int_eq(sx_pipeline_new(&pl, reg(), "gzip | nosuchstage", NULL, &err), SX_EUSAGE);
	ck_assert_str_eq(err.msg, "unknown stage 'nosuchstage' (see 'streamx list')");
	ck_assert_int_eq(sx_pipeline_new(&pl, reg(), "'cat", NULL, &err), SX_EUSAGE);
	sx_pipeline_free(NULL);
}
END_TEST

Suite *pipeline_suite(void)
{
	Suite *s = suite_create("pipeline");
	TCase *core = tcase_create("core");
	TCase *errors = tcase_create("errors");
	TCase *limits = tcase_create("limits");

	tcase_add_test(core, test_drivers_agree_on_chains);
	tcase_add_test(core, test_done_stops_reading);
	tcase_add_test(core, test_done_anywhere_in_chain);
	tcase_add_test(errors, test_errors_name_stage_and_offset);
	tcase_add_test(errors, test_gunzip_error_offsets);
	tcase_add_test(errors, test_truncated_and_garbage_gzip);
	tcase_add_test(errors, test_sink_failure_stops_run);
	tcase_add_test(errors, test_init_failures_clean_up);
	tcase_add_test(limits, test_stream_buffers_do_not_grow);
	tcase_add_test(limits, test_pool_too_small_and_single_use);
	tcase_set_timeout(core, 120);
	tcase_set_timeout(errors, 60);
	tcase_set_timeout(limits, 60);
	suite_add_tcase(s, core);
	suite_add_tcase(s, errors);
	suite_add_tcase(s, limits);
	return s;
}
