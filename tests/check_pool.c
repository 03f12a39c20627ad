/* check_pool.c - the bounded buffer pool: limits, reuse, its own leak check. */
#include "pool.h"
#include "suites.h"

START_TEST(test_acquire_release_reuse)
{
	struct sx_pool pool;
	struct sx_buf *a, *b, *c;

	sx_pool_init(&pool, 100, 4);
	a = sx_pool_acquire(&pool);
	b = sx_pool_acquire(&pool);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_ne(a, b);
	ck_assert_uint_eq(a->size, 100);
	ck_assert_uint_eq(pool.made, 2);
	ck_assert_uint_eq(pool.in_use, 2);
	sx_pool_release(&pool, a);
	c = sx_pool_acquire(&pool);
	ck_assert_ptr_eq(c, a); /* a spare is handed out again */
	ck_assert_uint_eq(pool.made, 2);
	ck_assert_uint_eq(pool.reused, 1);
	sx_pool_release(&pool, b);
	sx_pool_release(&pool, c);
	ck_assert_uint_eq(sx_pool_drain(&pool), 0);
}
END_TEST

START_TEST(test_limit_bounds_memory)
{
	struct sx_pool pool;
	struct sx_buf *bufs[3];

	sx_pool_init(&pool, 64, 3);
	for (int i = 0; i < 3; i++)
		ck_assert_ptr_nonnull(bufs[i] = sx_pool_acquire(&pool));
	ck_assert_ptr_null(sx_pool_acquire(&pool));
	ck_assert_uint_eq(pool.made, 3);
	sx_pool_release(&pool, bufs[1]);
	ck_assert_ptr_eq(sx_pool_acquire(&pool), bufs[1]);
	ck_assert_ptr_null(sx_pool_acquire(&pool));
	ck_assert_uint_eq(pool.made, 3);
	ck_assert_uint_eq(pool.peak_in_use, 3);
	for (int i = 0; i < 3; i++)
		sx_pool_release(&pool, bufs[i]);
	ck_assert_uint_eq(sx_pool_drain(&pool), 0);
}
END_TEST

START_TEST(test_many_cycles_make_no_new_buffers)
{
	struct sx_pool pool;

	sx_pool_init(&pool, 4096, 2);
	for (int i = 0; i < 10000; i++) {
		struct sx_buf *a = sx_pool_acquire(&pool);
		struct sx_buf *b = sx_pool_acquire(&pool);

		ck_assert_ptr_nonnull(a);
		ck_assert_ptr_nonnull(b);
		sx_pool_release(&pool, a);
		sx_pool_release(&pool, b);
	}
	ck_assert_uint_eq(pool.made, 2);
	ck_assert_uint_eq(pool.reused, 2 * 10000 - 2);
	ck_assert_uint_eq(sx_pool_drain(&pool), 0);
}
END_TEST

START_TEST(test_drain_reports_buffers_still_out)
{
	struct sx_pool pool;
	struct sx_buf *kept;

	sx_pool_init(&pool, 16, 2);
	kept = sx_pool_acquire(&pool);
	sx_pool_release(&pool, sx_pool_acquire(&pool));
	ck_assert_uint_eq(sx_pool_drain(&pool), 1);
	sx_pool_release(&pool, kept);
	ck_assert_uint_eq(sx_pool_drain(&pool), 0);
}
END_TEST

START_TEST(test_one_byte_buffers)
{
	struct sx_pool pool;
	struct sx_buf *b;

	sx_pool_init(&pool, 1, 1);
	b = sx_pool_acquire(&pool);
	ck_assert_ptr_nonnull(b);
	b->data[0] = 'x';
	ck_assert_uint_eq(b->size, 1);
	ck_assert_uint_eq(b->len, 0);
	sx_pool_release(&pool, NULL); /* ignored */
	sx_pool_release(&pool, b);
	ck_assert_uint_eq(sx_pool_drain(&pool), 0);
}
END_TEST

Suite *pool_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *core = tcase_create("core");
	TCase *limits = tcase_create("limits");

	tcase_add_test(core, test_acquire_release_reuse);
	tcase_add_test(core, test_many_cycles_make_no_new_buffers);
	tcase_add_test(limits, test_limit_bounds_memory);
	tcase_add_test(limits, test_drain_reports_buffers_still_out);
	tcase_add_test(limits, test_one_byte_buffers);
	suite_add_tcase(s, core);
	suite_add_tcase(s, limits);
	return s;
}
