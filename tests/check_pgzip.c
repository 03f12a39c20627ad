/* check_pgzip.c - parallel gzip: one output for every thread count, pigz's bytes, clean stops. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gen.h"
#include "suites.h"
#include "test_sh.h"

/*
 * In process: every thread count gives the bytes of one thread, in both
 * modes, at every read and buffer size, and they decompress to the
 * input; a sink that fails, a later stage that needs no more input, and
 * a pipeline freed mid-run or never run all end cleanly, with every
 * thread joined and nothing leaked; memory stays within the ring's bound.
 * Through the binary: the bytes of pigz -n for each thread count and
 * level, gzip -dc gives the input back, and stops end without a hang.
 */

#define BLOCK ((size_t)128 * 1024)

static const size_t sizes[] = { 0, 1, BLOCK - 1, BLOCK, BLOCK + 1, (size_t)3 << 20 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))
static const unsigned thread_counts[] = { 1, 2, 3, 4, 8 };
#define NTHREADS (sizeof(thread_counts) / sizeof(thread_counts[0]))
static const int levels[] = { 1, 6, 9 };
static const enum sx_gen_kind kinds[] = { SX_GEN_LOG, SX_GEN_BINARY };
static const char *const kind_names[] = { "log", "binary" };

struct pg_run {
	int status;
	unsigned char *out;  /* malloc'd */
	size_t len;
	char msg[SX_ERROR_MAX];
	size_t leaks;        /* owners still holding memory after the free */
	size_t peak;         /* the gzip stage's peak tracked bytes */
	unsigned pool_out;   /* pool buffers not given back */
};

/* A sink that takes room bytes and then fails, as a full disk does. */
struct full_sink {
	struct sx_sink sink;  /* first: the driver's pointer is ours */
	size_t room;
};

static int full_write(struct sx_sink *sink, const void *buf, size_t n,
		      struct sx_error *err)
{
	struct full_sink *f = (struct full_sink *)sink;

	(void)buf;
	if (sink->offset + n > f->room)
		return sx_error_set(err, SX_EIO, "disk full at byte %zu", f->room);
	sink->offset += n;
	return SX_OK;
}

/* Threads in this process. */
static int threads_now(void)
{
	return count_entries("/proc/self/task", NULL);
}

static void *idle(void *arg)
{
	return arg;
}

/* Threads before a test: ThreadSanitizer starts a thread of its own at
 * the first pthread_create, so one is made (and joined) first. */
static int threads_before(void)
{
	pthread_t t;

	ck_assert_int_eq(pthread_create(&t, NULL, idle, NULL), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	sleep_ms(20);
	return threads_now();
}

/* Threads once any that were joined have left /proc, which may lag the
 * join by a moment: up to a second for the count to come down to want
 * (a worker never joined would wait forever). */
static int threads_after_join(int want)
{
	int n = threads_now();

	for (int i = 0; i < 200 && n != want; i++) {
		sleep_ms(5);
		n = threads_now();
	}
	return n;
}

static size_t gzip_peak(const struct sx_mem_account *acct)
{
	for (unsigned i = 0; i < sx_mem_owner_count(acct); i++)
		if (strcmp(acct->owners[i].name, "gzip (stage 1)") == 0)
			return atomic_load(&acct->owners[i].peak);
	return 0;
}

/* Runs spec over in[0..len) with threads, in naive mode (chunk 0) or
 * stream mode (reads of chunk bytes, buffers of buf bytes), into memory
 * or into sink if not NULL, on an account of its own. */
static struct pg_run run_pg(const char *spec, const void *in, size_t len,
			    unsigned threads, size_t chunk, size_t buf,
			    struct sx_sink *sink)
{
	struct pg_run r;
	struct sx_mem_account acct;
	struct sx_pipeline *pl;
	struct sx_source src;
	struct sx_sink mem;
	struct sx_pool pool;
	struct sx_error err;

	memset(&r, 0, sizeof(r));
	sx_mem_account_init(&acct, 0);
	sx_error_clear(&err);
	ck_assert_int_eq(sx_pipeline_new(&pl, test_registry(), spec, &acct, &err), SX_OK);
	sx_pipeline_set_threads(pl, threads);
	sx_source_mem(&src, in, len, chunk);
	sx_sink_mem(&mem);
	sx_pool_init(&pool, buf, (unsigned)sx_pipeline_buffers(pl));
	if (chunk == 0)
		r.status = sx_pipeline_naive(pl, &src, sink ? sink : &mem, &err);
	else
		r.status = sx_pipeline_stream(pl, &src, sink ? sink : &mem, &pool, &err);
	snprintf(r.msg, sizeof(r.msg), "%s", err.msg);
	sx_pipeline_free(pl);
	r.pool_out = sx_pool_drain(&pool);
	r.peak = gzip_peak(&acct);
	r.leaks = sx_mem_leaks(&acct, NULL, NULL);
	r.out = mem.mem;
	r.len = mem.mem_len;
	return r;
}

static void expect_ok(const struct pg_run *r, const char *what)
{
	ck_assert_msg(r->status == SX_OK, "%s: status %d: %s", what, r->status, r->msg);
	ck_assert_msg(r->leaks == 0, "%s: %zu owners leaked", what, r->leaks);
	ck_assert_msg(r->pool_out == 0, "%s: %u pool buffers out", what, r->pool_out);
}

static void expect_same(const struct pg_run *r, const struct pg_run *ref,
			const char *what)
{
	expect_ok(r, what);
	ck_assert_msg(r->len == ref->len && (ref->len == 0 ||
					     memcmp(r->out, ref->out, ref->len) == 0),
		      "%s: %zu bytes differ from one thread's %zu", what, r->len, ref->len);
}

/* gz decompressed by zlib must be exactly want[0..len). */
static void expect_gunzips_to(const unsigned char *gz, size_t gz_len,
			      const unsigned char *want, size_t len)
{
	unsigned char *back = malloc(len + 1);
	z_stream zs;

	ck_assert_ptr_nonnull(back);
	memset(&zs, 0, sizeof(zs));
	ck_assert_int_eq(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = (Bytef *)gz;
	zs.avail_in = (uInt)gz_len;
	zs.next_out = back;
	zs.avail_out = (uInt)len + 1;
	ck_assert_int_eq(inflate(&zs, Z_FINISH), Z_STREAM_END);
	ck_assert_uint_eq(zs.avail_in, 0);
	ck_assert_uint_eq(zs.total_out, len);
	ck_assert(len == 0 || memcmp(back, want, len) == 0);
	inflateEnd(&zs);
	free(back);
}

/* ---- in process ---- */

/* Levels 1, 6, 9 (_i): every thread count and both modes give the bytes
 * of one thread in naive mode, on each size and kind. */
START_TEST(test_threads_same_bytes)
{
	char spec[16], what[128];

	snprintf(spec, sizeof(spec), "gzip -%d", levels[_i]);
	for (size_t k = 0; k < 2; k++)
		for (size_t s = 0; s < NSIZES; s++) {
			unsigned char *in = make_input(kinds[k], sizes[s], 7 + (unsigned)s);
			struct pg_run ref = run_pg(spec, in, sizes[s], 1, 0, 4096, NULL);

			snprintf(what, sizeof(what), "%s, %s, %zu bytes", spec,
				 kind_names[k], sizes[s]);
			expect_ok(&ref, what);
			expect_gunzips_to(ref.out, ref.len, in, sizes[s]);
			for (size_t t = 0; t < NTHREADS; t++) {
				struct pg_run naive = run_pg(spec, in, sizes[s],
							     thread_counts[t], 0, 4096, NULL);
				struct pg_run stream = run_pg(spec, in, sizes[s],
							      thread_counts[t], 65536, 65536, NULL);

				snprintf(what, sizeof(what), "%s, %s, %zu bytes, %u threads",
					 spec, kind_names[k], sizes[s], thread_counts[t]);
				expect_same(&naive, &ref, what);
				expect_same(&stream, &ref, what);
				free(naive.out);
				free(stream.out);
			}
			free(ref.out);
			free(in);
		}
}
END_TEST

/* Stream mode at reads and buffers of 1, 7, 4096 and 65536 bytes, with
 * 1 and 4 threads (_i), equals naive mode with one thread, over blocks
 * cut anywhere. */
START_TEST(test_every_chunking)
{
	static const size_t cuts[] = { 1, 7, 4096, 65536 };
	unsigned threads = _i == 0 ? 1 : 4;
	size_t len = 2 * BLOCK + 4321;
	unsigned char *in = make_input(SX_GEN_LOG, len, 3);
	struct pg_run ref = run_pg("gzip", in, len, 1, 0, 4096, NULL);
	char what[128];

	expect_ok(&ref, "naive");
	for (size_t c = 0; c < 4; c++)
		for (size_t b = 0; b < 4; b++) {
			struct pg_run r = run_pg("gzip", in, len, threads, cuts[c], cuts[b], NULL);

			snprintf(what, sizeof(what), "%u threads, reads of %zu, buffers of %zu",
				 threads, cuts[c], cuts[b]);
			expect_same(&r, &ref, what);
			free(r.out);
		}
	free(ref.out);
	free(in);
}
END_TEST

/* A sink that fails part-way: the sink's status comes back at once, in
 * every mode and thread count, with nothing leaked and every thread
 * joined (a hang would time out). */
START_TEST(test_failing_sink)
{
	size_t len = (size_t)3 << 20;
	unsigned char *in = make_input(SX_GEN_BINARY, len, 4);
	static const size_t rooms[] = { 0, 100000, 2000000 };
	int before = threads_before();

	for (size_t i = 0; i < 3; i++)
		for (unsigned threads = 1; threads <= 4; threads += 3)
			for (size_t chunk = 0; chunk <= 65536; chunk += 65536) {
				struct full_sink f = { .room = rooms[i] };
				struct pg_run r;

				f.sink.write = full_write;
				r = run_pg("gzip -1", in, len, threads, chunk, 65536, &f.sink);
				ck_assert_msg(r.status == SX_EIO, "room %zu, %u threads, %s: status %d",
					      rooms[i], threads, chunk ? "stream" : "naive", r.status);
				assert_contains(r.msg, "disk full");
				ck_assert_uint_eq(r.leaks, 0);
				ck_assert_uint_eq(r.pool_out, 0);
				ck_assert_int_eq(threads_after_join(before), before);
				free(r.out);
			}
	free(in);
}
END_TEST

/* A later stage that needs no more input (head -c) stops gzip mid-run:
 * the run succeeds with the start of the full output, workers are
 * joined and nothing leaks. */
START_TEST(test_done_downstream)
{
	size_t len = (size_t)3 << 20;
	unsigned char *in = make_input(SX_GEN_BINARY, len, 5);
	struct pg_run full = run_pg("gzip", in, len, 1, 0, 4096, NULL);
	static const char *const specs[] = { "gzip | head -c 10", "gzip | head -c 200000" };
	static const size_t want[] = { 10, 200000 };
	int before = threads_before();

	expect_ok(&full, "whole");
	for (size_t s = 0; s < 2; s++)
		for (size_t chunk = 0; chunk <= 4096; chunk += 4096) {
			struct pg_run r = run_pg(specs[s], in, len, 4, chunk, 4096, NULL);

			expect_ok(&r, specs[s]);
			ck_assert_uint_eq(r.len, want[s]);
			ck_assert_mem_eq(r.out, full.out, want[s]);
			ck_assert_int_eq(threads_after_join(before), before);
			free(r.out);
		}
	free(full.out);
	free(in);
}
END_TEST

/* A pipeline freed mid-run (workers busy, never finished) or never run
 * joins every worker and frees everything; with one thread none starts. */
START_TEST(test_free_in_any_state)
{
	size_t len = (size_t)1 << 20;
	unsigned char *in = make_input(SX_GEN_LOG, len, 6);
	int before = threads_before();

	for (unsigned threads = 1; threads <= 4; threads += 3)
		for (int feed = 0; feed <= 1; feed++) {
			struct sx_mem_account acct;
			struct sx_pipeline *pl;
			struct sx_error err;
			struct sx_out out;

			sx_mem_account_init(&acct, 0);
			ck_assert_int_eq(sx_pipeline_new(&pl, test_registry(), "gzip -9",
							 &acct, &err), SX_OK);
			sx_pipeline_set_threads(pl, threads);
			memset(&out, 0, sizeof(out));
			out.err = &err;
			if (feed) {
				struct sx_stage *st = &pl->stages[0];

				ck_assert_int_eq(st->ops->process(st, in, len, &out), SX_OK);
				if (threads == 1) /* none started */
					ck_assert_int_eq(threads_now(), before);
				else /* started as jobs were handed over */
					ck_assert_int_gt(threads_now(), before);
			}
			sx_pipeline_free(pl);
			sx_free(out.buf);
			ck_assert_int_eq(threads_after_join(before), before);
			ck_assert_uint_eq(sx_mem_leaks(&acct, NULL, NULL), 0);
		}
	free(in);
}
END_TEST

/* The stage holds at most 2 * threads jobs (input, dictionary, output)
 * and one deflate state per thread, whatever the input size. */
START_TEST(test_memory_bound)
{
	size_t len = (size_t)3 << 20;
	unsigned char *in = make_input(SX_GEN_BINARY, len, 8);

	for (unsigned threads = 1; threads <= 4; threads *= 2) {
		size_t slots = threads == 1 ? 1 : 2 * threads;
		size_t bound = slots * (BLOCK + 32 * 1024 + BLOCK + 1024) +
			       threads * 270 * 1024 + 4096;
		struct pg_run r = run_pg("gzip", in, len, threads, 65536, 65536, NULL);

		expect_ok(&r, "bound");
		ck_assert_msg(r.peak <= bound, "%u threads: peak %zu > %zu", threads,
			      r.peak, bound);
		free(r.out);
	}
	free(in);
}
END_TEST

/* ---- through the binary ---- */

/* pigz -p 1 compresses in one stream, which gives other bytes at levels 1
 * to 3; with threads it cuts blocks as we do, so it is the reference for
 * one thread there. */
#define PIGZ_FOR(t, level) ((t) == 1 && (level) <= 3 ? 2u : (t))

/* Level _i: streamx -T N equals pigz -n -p N (stdin to stdout) on every
 * size and kind, and gzip -dc gives the input back. */
START_TEST(test_vs_pigz)
{
	int level = levels[_i];

	for (size_t k = 0; k < 2; k++)
		for (size_t s = 0; s < NSIZES; s++) {
			ok(SX " gen --kind %s --seed %zu --size 3M -f -o whole && "
			   "head -c %zu whole > in", kind_names[k], s + 1, sizes[s]);
			ok("gzip -dc < <(" SX " -T 2 'gzip -%d' < in) | cmp - in", level);
			for (size_t t = 0; t < NTHREADS; t++)
				ok(SX " -T %u 'gzip -%d' < in > got && pigz -n -p %u -%d < in > want && "
				   "cmp got want", thread_counts[t], level,
				   PIGZ_FOR(thread_counts[t], level), level);
		}
}
END_TEST

/* Both modes at buffers of 1, 7, 4096 and 65536 bytes give pigz's bytes
 * (buffers of 1 and 7 over a little more than two blocks). */
START_TEST(test_modes_vs_pigz)
{
	ok(SX " gen --kind log --size 3M -o big && head -c 300000 big > small");
	ok("pigz -n -p 4 < big > big.want && pigz -n -p 4 < small > small.want");
	ok("for m in --stream --naive; do for b in 1 7; do "
	   SX " $m -b $b -T 4 gzip < small | cmp - small.want || exit 1; done; "
	   "for b in 4096 65536; do " SX " $m -b $b -T 4 gzip < big | cmp - big.want || exit 1; "
	   "done; done");
}
END_TEST

/* Stops through the binary: a later head -c, a reader that goes away, a
 * full disk; none hangs, leaks or leaves a thread running. */
START_TEST(test_cli_stops)
{
	int rc;

	ok(SX " gen --kind binary --size 8M -o in && pigz -n -p 4 < in > want");
	ok("timeout 60 " SX " --leak-check -T 4 'gzip | head -c 10' < in | cmp - <(head -c 10 want)");
	ok("timeout 60 " SX " --leak-check -T 4 --naive 'gzip | head -c 10' < in | "
	   "cmp - <(head -c 10 want)");
	rc = sh("timeout 60 " SX " -T 4 gzip < in | head -c 10 > /dev/null");
	ck_assert_msg(rc == 0 || rc == 141, "exit %d: %s", rc, stderr_text());
	fails(1, "No space left on device", "timeout 60 " SX " --leak-check -T 4 gzip < in > /dev/full");
	ok(SX " help gzip | grep -q 'pigz -n'");
}
END_TEST

Suite *pgzip_suite(void)
{
	Suite *s = suite_create("pgzip");
	TCase *core = tcase_create("core");
	TCase *stops = tcase_create("stops");
	TCase *tools = sh_tcase(s, "tools");

	tcase_add_loop_test(core, test_threads_same_bytes, 0, 3);
	tcase_add_loop_test(core, test_every_chunking, 0, 2);
	tcase_add_test(core, test_memory_bound);
	tcase_set_timeout(core, 300);
	suite_add_tcase(s, core);
	tcase_add_test(stops, test_failing_sink);
	tcase_add_test(stops, test_done_downstream);
	tcase_add_test(stops, test_free_in_any_state);
	tcase_set_timeout(stops, 120);
	suite_add_tcase(s, stops);
	tcase_add_loop_test(tools, test_vs_pigz, 0, 3);
	tcase_add_test(tools, test_modes_vs_pigz);
	tcase_add_test(tools, test_cli_stops);
	tcase_set_timeout(tools, 300);
	return s;
}
