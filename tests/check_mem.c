/* check_mem.c - the tracked allocator: per-owner sums, peaks, budgets, leaks. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gen.h"
#include "mem.h"
#include "suites.h"

static struct sx_mem_account account;

START_TEST(test_owner_sums_and_peaks)
{
	struct sx_mem_owner *a, *b;
	void *p, *q, *r;

	sx_mem_account_init(&account, 0);
	a = sx_mem_owner_new(&account, "alpha");
	b = sx_mem_owner_new(&account, "beta");
	ck_assert_str_eq(a->name, "alpha");
	p = sx_malloc(a, 1000);
	q = sx_calloc(b, 10, 30);
	r = sx_malloc(a, 24);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(((unsigned char *)q)[299], 0);
	ck_assert_uint_eq(a->current, 1024);
	ck_assert_uint_eq(b->current, 300);
	ck_assert_uint_eq(account.current, 1324);
	sx_free(p);
	ck_assert_uint_eq(a->current, 24);
	ck_assert_uint_eq(a->peak, 1024);
	ck_assert_uint_eq(account.peak, 1324);
	sx_free(q);
	sx_free(r);
	sx_free(NULL);
	ck_assert_uint_eq(account.current, 0);
	ck_assert_uint_eq(a->allocs, 2);
	ck_assert_uint_eq(a->frees, 2);
	ck_assert_uint_eq(sx_mem_leaks(&account, NULL, NULL), 0);
}
END_TEST

START_TEST(test_realloc_moves_the_count)
{
	struct sx_mem_owner *o;
	unsigned char *p;

	sx_mem_account_init(&account, 0);
	o = sx_mem_owner_new(&account, "grower");
	p = sx_realloc(o, NULL, 100);
	memset(p, 7, 100);
	p = sx_realloc(o, p, 100000);
	ck_assert_int_eq(p[99], 7);
	ck_assert_uint_eq(o->current, 100000);
	p = sx_realloc(o, p, 10);
	ck_assert_int_eq(p[9], 7);
	ck_assert_uint_eq(o->current, 10);
	ck_assert_uint_eq(o->peak, 100000);
	sx_free(p);
	ck_assert_uint_eq(account.current, 0);
}
END_TEST

static void count_leak(const struct sx_mem_owner *o, void *ctx)
{
	ck_assert_str_eq(o->name, "leaky");
	(*(int *)ctx)++;
}

START_TEST(test_leaks_are_listed)
{
	struct sx_mem_owner *ok, *leaky;
	void *kept;
	int seen = 0;

	sx_mem_account_init(&account, 0);
	ok = sx_mem_owner_new(&account, "tidy");
	leaky = sx_mem_owner_new(&account, "leaky");
	sx_free(sx_malloc(ok, 50));
	kept = sx_malloc(leaky, 77);
	ck_assert_uint_eq(sx_mem_leaks(&account, count_leak, &seen), 1);
	ck_assert_int_eq(seen, 1);
	sx_free(kept);
	ck_assert_uint_eq(sx_mem_leaks(&account, count_leak, &seen), 0);
}
END_TEST

START_TEST(test_budget_refuses_and_names_owner)
{
	struct sx_mem_owner *o, *big;
	struct sx_error err;
	void *p, *q, *r;

	sx_mem_account_init(&account, 1000);
	o = sx_mem_owner_new(&account, "small");
	big = sx_mem_owner_new(&account, "greedy");
	p = sx_malloc(o, 600);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(sx_mem_headroom(&account), 400);
	ck_assert_ptr_null(sx_malloc(big, 401));
	ck_assert_uint_eq(account.current, 600); /* the refusal charged nothing */
	ck_assert_int_eq(sx_mem_fail(big, 401, &err), SX_ENOMEM);
	ck_assert_str_eq(err.msg,
			 "memory limit of 1000 bytes reached: greedy asked for 401 bytes with 600 in use");
	q = sx_malloc(big, 400);
	ck_assert_ptr_nonnull(q);
	ck_assert_uint_eq(sx_mem_headroom(&account), 0);
	r = sx_realloc(o, p, 601);
	ck_assert_ptr_null(r); /* p is untouched and still counted */
	ck_assert_uint_eq(o->current, 600);
	sx_free(p);
	sx_free(q);
	ck_assert_uint_eq(account.current, 0);
	ck_assert_ptr_null(sx_malloc(o, SIZE_MAX - 8)); /* no overflow */
	ck_assert_uint_eq(account.current, 0);
}
END_TEST

START_TEST(test_untracked_owner)
{
	struct sx_error err;
	char *p = sx_malloc(NULL, 64);

	ck_assert_ptr_nonnull(p);
	p = sx_realloc(NULL, p, 128);
	ck_assert_ptr_nonnull(p);
	sx_free(p);
	ck_assert_int_eq(sx_mem_fail(NULL, 5, &err), SX_ENOMEM);
	ck_assert_str_eq(err.msg, "out of memory: streamx asked for 5 bytes");
}
END_TEST

START_TEST(test_owner_table_overflows_into_other)
{
	struct sx_mem_owner *last = NULL;

	sx_mem_account_init(&account, 0);
	for (int i = 0; i < SX_MEM_OWNERS + 10; i++)
		last = sx_mem_owner_new(&account, "many");
	ck_assert_ptr_eq(last, &account.owners[SX_MEM_OWNERS - 1]);
	ck_assert_str_eq(last->name, "other");
	ck_assert_uint_eq(sx_mem_owner_count(&account), SX_MEM_OWNERS);
}
END_TEST

static void *churn(void *arg)
{
	struct sx_mem_owner *o = arg;

	for (int i = 0; i < 20000; i++) {
		void *p = sx_malloc(o, (size_t)(i % 97) + 1);

		ck_assert_ptr_nonnull(p);
		sx_free(p);
	}
	return NULL;
}

START_TEST(test_threads_keep_exact_counts)
{
	pthread_t t[4];

	sx_mem_account_init(&account, 0);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, churn,
						sx_mem_owner_new(&account, i % 2 ? "odd" : "even")), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	ck_assert_uint_eq(account.current, 0);
	ck_assert_uint_le(account.peak, 4 * 97);
	ck_assert_uint_eq(account.owners[0].allocs, 20000);
}
END_TEST

START_TEST(test_zlib_through_an_owner)
{
	struct sx_mem_owner *o;
	z_stream zs;

	sx_mem_account_init(&account, 0);
	o = sx_mem_owner_new(&account, "zlib");
	memset(&zs, 0, sizeof(zs));
	zs.zalloc = sx_mem_zalloc;
	zs.zfree = sx_mem_zfree;
	zs.opaque = o;
	ck_assert_int_eq(deflateInit2(&zs, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	ck_assert_uint_gt(o->current, 200000); /* deflate's window and tables */
	deflateEnd(&zs);
	ck_assert_uint_eq(o->current, 0);
}
END_TEST

/* The pipeline charges each piece to its owner, by name. */
START_TEST(test_pipeline_owners)
{
	unsigned char *log = make_input(SX_GEN_LOG, 1 << 20, 1);
	struct sx_pipeline *pl;
	struct sx_source src;
	struct sx_sink sink;
	struct sx_error err;

	sx_mem_account_init(&account, 0);
	ck_assert_int_eq(sx_pipeline_new(&pl, test_registry(), "upper | gzip -1", &account, &err),
			 SX_OK);
	sx_source_mem(&src, log, 1 << 20, 0);
	sx_sink_mem(&sink);
	ck_assert_int_eq(sx_pipeline_naive(pl, &src, &sink, &err), SX_OK);
	ck_assert_str_eq(account.owners[0].name, "pipeline");
	ck_assert_str_eq(account.owners[1].name, "input");
	ck_assert_str_eq(account.owners[2].name, "upper (stage 1)");
	ck_assert_str_eq(account.owners[3].name, "gzip (stage 2)");
	ck_assert_uint_ge(account.owners[1].peak, 1 << 20);  /* the whole input */
	ck_assert_uint_ge(account.owners[2].peak, 1 << 20);  /* upper's whole output */
	ck_assert_uint_ge(account.owners[3].peak, 200000);   /* deflate state */
	sx_pipeline_free(pl);
	ck_assert_uint_eq(sx_mem_leaks(&account, NULL, NULL), 0);
	free(sink.mem);
	free(log);
}
END_TEST

START_TEST(test_naive_refuses_what_cannot_fit)
{
	unsigned char *log = make_input(SX_GEN_LOG, 1 << 20, 1);
	struct sx_pipeline *pl;
	struct sx_source src;
	struct sx_sink sink;
	struct sx_error err;

	sx_mem_account_init(&account, 512 * 1024);
	ck_assert_int_eq(sx_pipeline_new(&pl, test_registry(), "cat", &account, &err), SX_OK);
	sx_source_mem(&src, log, 1 << 20, 0);
	sx_sink_mem(&sink);
	ck_assert_int_eq(sx_pipeline_naive(pl, &src, &sink, &err), SX_ENOMEM);
	ck_assert_ptr_nonnull(strstr(err.msg, "naive mode holds the whole input"));
	ck_assert_uint_eq(src.offset, 0); /* refused before reading */
	ck_assert_uint_eq(sink.mem_len, 0);
	sx_pipeline_free(pl);
	/* unknown size: refused while reading, still cleanly */
	sx_mem_account_init(&account, 512 * 1024);
	ck_assert_int_eq(sx_pipeline_new(&pl, test_registry(), "cat", &account, &err), SX_OK);
	sx_source_mem(&src, log, 1 << 20, 4096);
	src.size_hint = -1;
	ck_assert_int_eq(sx_pipeline_naive(pl, &src, &sink, &err), SX_ENOMEM);
	ck_assert_ptr_nonnull(strstr(err.msg, "memory limit of 524288 bytes reached: input asked"));
	sx_pipeline_free(pl);
	ck_assert_uint_eq(sx_mem_leaks(&account, NULL, NULL), 0);
	free(log);
}
END_TEST

START_TEST(test_stream_fits_a_small_budget)
{
	unsigned char *log = make_input(SX_GEN_LOG, 4 << 20, 2);
	struct sx_pipeline *pl;
	struct sx_source src;
	struct sx_sink sink;
	struct sx_pool pool;
	struct sx_error err;

	sx_mem_account_init(&account, 1 << 20);
	ck_assert_int_eq(sx_pipeline_new(&pl, test_registry(), "gzip -1 | gunzip | upper",
					 &account, &err), SX_OK);
	sx_pool_init(&pool, 65536, (unsigned)sx_pipeline_buffers(pl));
	pool.mem = sx_mem_owner_new(&account, "pool");
	sx_source_mem(&src, log, 4 << 20, 0);
	sx_sink_mem(&sink);
	ck_assert_int_eq(sx_pipeline_stream(pl, &src, &sink, &pool, &err), SX_OK);
	ck_assert_uint_eq(sink.mem_len, 4 << 20);
	ck_assert_uint_le(account.peak, 1 << 20);
	ck_assert_uint_eq(pool.mem->peak, 4 * (65536 + sizeof(struct sx_buf)));
	ck_assert_uint_eq(sx_pool_drain(&pool), 0);
	sx_pipeline_free(pl);
	ck_assert_uint_eq(sx_mem_leaks(&account, NULL, NULL), 0);
	/* a budget below what the stages need fails at set-up, naming one */
	sx_mem_account_init(&account, 100000);
	ck_assert_int_eq(sx_pipeline_new(&pl, test_registry(), "gzip", &account, &err), SX_ENOMEM);
	ck_assert_ptr_nonnull(strstr(err.msg, "gzip (stage 1)"));
	ck_assert_uint_eq(sx_mem_leaks(&account, NULL, NULL), 0);
	free(sink.mem);
	free(log);
}
END_TEST

Suite *mem_suite(void)
{
	Suite *s = suite_create("mem");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_add_test(core, test_owner_sums_and_peaks);
	tcase_add_test(core, test_realloc_moves_the_count);
	tcase_add_test(core, test_leaks_are_listed);
	tcase_add_test(core, test_untracked_owner);
	tcase_add_test(core, test_owner_table_overflows_into_other);
	tcase_add_test(core, test_threads_keep_exact_counts);
	tcase_add_test(core, test_zlib_through_an_owner);
	tcase_add_test(core, test_pipeline_owners);
	tcase_add_test(limits, test_budget_refuses_and_names_owner);
	tcase_add_test(limits, test_naive_refuses_what_cannot_fit);
	tcase_add_test(limits, test_stream_fits_a_small_budget);
	tcase_set_timeout(core, 30);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return s;
}
