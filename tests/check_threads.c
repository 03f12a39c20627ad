/* check_threads.c - the threaded stream driver: same bytes, fixed memory, clean stops. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen.h"
#include "suites.h"
#include "test_sh.h"

static const char *const chains[] = {
	"upper | lower",
	"upper | grep -v ERROR | lower | gzip -1 | gunzip",
	"gzip -6 | gunzip | sort | uniq -c | nl",
	"tr a-z n-za-m | base64 | base64 -d | rot13 | wc",
	"grep -i warn | tail -n 7 | sha256",
	"cat | cat | cat | cat | cat | head -c 100000 | crc32",
};

/* Every chain gives the single-thread driver's bytes at every thread
 * count, buffer size and read size. */
START_TEST(test_chains_same_bytes)
{
	static const size_t bufs[] = { 1, 7, 4096, 65536 };
	size_t len = 300000;
	unsigned char *in = make_input(SX_GEN_LOG, len, 11);

	for (size_t c = 0; c < sizeof(chains) / sizeof(chains[0]); c++) {
		struct run_result ref = run_stream(chains[c], in, len, 65536, 65536);

		ck_assert_msg(ref.status == SX_OK, "%s: %s", chains[c], ref.err.msg);
		for (unsigned t = 2; t <= 7; t++) {
			size_t buf = bufs[t % 4], chunk = t * 1000 + 1;
			struct run_result r;

			if (buf == 1 && strstr(chains[c], "gzip -6"))
				buf = 7; /* one-byte buffers through deflate are slow */
			r = run_threads(chains[c], in, len, chunk, buf, t);
			ck_assert_msg(r.status == SX_OK, "%s at %u threads: %s",
				      chains[c], t, r.err.msg);
			ck_assert_msg(r.out_len == ref.out_len &&
				      memcmp(r.out, ref.out, ref.out_len) == 0,
				      "%s at %u threads, buffer %zu: %zu bytes, not %zu",
				      chains[c], t, buf, r.out_len, ref.out_len);
			ck_assert_uint_eq(r.pool_out, 0);
			free(r.out);
		}
		free(ref.out);
	}
	free(in);
}
END_TEST

/* The buffers a threaded run takes do not grow with the input. */
START_TEST(test_fixed_buffers)
{
	const char *spec = "upper | grep -v x | lower";
	size_t small = 100000, big = 4000000;
	unsigned char *in = make_input(SX_GEN_LOG, big, 5);
	struct run_result a = run_threads(spec, in, small, 4096, 4096, 3);
	struct run_result b = run_threads(spec, in, big, 4096, 4096, 3);

	ck_assert_int_eq(a.status, SX_OK);
	ck_assert_int_eq(b.status, SX_OK);
	ck_assert_uint_eq(a.pool_made, b.pool_made);
	ck_assert_uint_le(b.pool_made, 3 + 1 + 2 * 3); /* stages + 1 + edges * 3 */
	free(a.out);
	free(b.out);
	free(in);
}
END_TEST

/* head in the last thread stops the reading in the first. */
START_TEST(test_done_stops_upstream)
{
	size_t len = 8 << 20;
	unsigned char *in = make_input(SX_GEN_LOG, len, 3);
	struct sx_error err;
	struct sx_pipeline *pl;
	struct sx_source src;
	struct sx_sink sink;
	struct sx_pool pool;

	ck_assert_int_eq(sx_pipeline_new(&pl, test_registry(), "upper | cat | head -c 10 | lower",
					 NULL, &err), SX_OK);
	sx_pipeline_set_threads(pl, 4);
	sx_source_mem(&src, in, len, 4096);
	sx_sink_mem(&sink);
	sx_pool_init(&pool, 4096, (unsigned)sx_pipeline_buffers(pl));
	ck_assert_int_eq(sx_pipeline_stream(pl, &src, &sink, &pool, &err), SX_OK);
	ck_assert_uint_eq(sink.mem_len, 10);
	for (size_t i = 0; i < 10; i++)
		ck_assert_int_eq(sink.mem[i], in[i] >= 'A' && in[i] <= 'Z' ? in[i] + 32 : in[i]);
	ck_assert_uint_lt(src.offset, len / 4);
	sx_pipeline_free(pl);
	ck_assert_uint_eq(sx_pool_drain(&pool), 0);
	free(sink.mem);
	free(in);
}
END_TEST

/* A failure in a middle thread is reported, named, and stops the rest. */
START_TEST(test_failure_in_middle)
{
	size_t len = 1 << 20;
	unsigned char *in = make_input(SX_GEN_LOG, len, 8);

	for (unsigned t = 2; t <= 4; t++) {
		struct run_result r = run_threads("upper | gunzip | cat | lower", in, len,
						  4096, 4096, t);

		ck_assert_int_eq(r.status, SX_EDATA);
		ck_assert_msg(strstr(r.err.msg, "gunzip (stage 2)"), "%s", r.err.msg);
		ck_assert_uint_eq(r.pool_out, 0);
		free(r.out);
	}
	free(in);
}
END_TEST

static int failing_write(struct sx_sink *sink, const void *buf, size_t n,
			 struct sx_error *err)
{
	(void)buf;
	if (sink->offset + n > 50000)
		return sx_error_set(err, SX_EIO, "disk full at byte %llu",
				    (unsigned long long)sink->offset);
	sink->offset += n;
	return SX_OK;
}

/* The last thread's sink fails: every thread stops, the sink's message
 * is the one reported. */
START_TEST(test_sink_failure)
{
	size_t len = 4 << 20;
	unsigned char *in = make_input(SX_GEN_LOG, len, 9);
	struct sx_error err;
	struct sx_pipeline *pl;
	struct sx_source src;
	struct sx_sink sink;
	struct sx_pool pool;

	ck_assert_int_eq(sx_pipeline_new(&pl, test_registry(), "upper | lower | rot13",
					 NULL, &err), SX_OK);
	sx_pipeline_set_threads(pl, 3);
	sx_source_mem(&src, in, len, 4096);
	memset(&sink, 0, sizeof(sink));
	sink.write = failing_write;
	sx_pool_init(&pool, 4096, (unsigned)sx_pipeline_buffers(pl));
	ck_assert_int_eq(sx_pipeline_stream(pl, &src, &sink, &pool, &err), SX_EIO);
	ck_assert_msg(strstr(err.msg, "disk full"), "%s", err.msg);
	ck_assert_uint_lt(src.offset, len);
	sx_pipeline_free(pl);
	ck_assert_uint_eq(sx_pool_drain(&pool), 0);
	free(in);
}
END_TEST

/* Runs spec with threads over a pipe whose writer has written text and
 * stays open: the run must end without the writer's end of input. */
static struct run_result run_on_open_pipe(const char *spec, const char *text)
{
	struct run_result r;
	struct sx_pipeline *pl;
	struct sx_source src;
	struct sx_sink sink;
	struct sx_pool pool;
	int fds[2];

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(sx_pipeline_new(&pl, test_registry(), spec, NULL, &r.err), SX_OK);
	sx_pipeline_set_threads(pl, 2);
	sx_source_fd(&src, fds[0], "pipe");
	sx_sink_mem(&sink);
	sx_pool_init(&pool, 1, (unsigned)sx_pipeline_buffers(pl));
	r.status = sx_pipeline_stream(pl, &src, &sink, &pool, &r.err);
	sx_pipeline_free(pl);
	r.pool_out = sx_pool_drain(&pool);
	r.out = sink.mem;
	r.out_len = sink.mem_len;
	close(fds[0]);
	close(fds[1]);
	return r;
}

/* The reader waits on a pipe that never ends; head downstream is
 * satisfied, so the run ends (the test's timeout catches a hang). */
START_TEST(test_done_wakes_blocked_reader)
{
	struct run_result r = run_on_open_pipe("upper | head -n 1", "a\nb\n");

	ck_assert_int_eq(r.status, SX_OK);
	ck_assert_uint_eq(r.out_len, 2);
	ck_assert_mem_eq(r.out, "A\n", 2);
	ck_assert_uint_eq(r.pool_out, 0);
	free(r.out);
}
END_TEST

START_TEST(test_failure_wakes_blocked_reader)
{
	struct run_result r = run_on_open_pipe("upper | hex -d", "NOT HEX\n");

	ck_assert_int_eq(r.status, SX_EDATA);
	ck_assert_uint_eq(r.pool_out, 0);
	free(r.out);
}
END_TEST

/* One stage per thread and more threads than stages come to the same. */
START_TEST(test_more_threads_than_stages)
{
	struct run_result a = run_threads("upper | lower", "Hello\n", 6, 1, 1, 64);

	ck_assert_int_eq(a.status, SX_OK);
	ck_assert_uint_eq(a.out_len, 6);
	ck_assert_mem_eq(a.out, "hello\n", 6);
	free(a.out);
}
END_TEST

/* CLI: --threads gives the bytes of --threads 1, and a reader that goes
 * away ends every thread (exit by SIGPIPE, as cat). */
START_TEST(test_cli_same_bytes)
{
	ok(SX " gen --size 3M --kind log -o in");
	ok("tr a-z A-Z < in | LC_ALL=C grep -avF ERROR | tr A-Z a-z > ref");
	for (int t = 1; t <= 8; t *= 2)
		ok(SX " -T %d -i in 'upper | grep -v ERROR | gzip -1 | gunzip | lower' > o/out"
		   " && cmp ref o/out", t);
}
END_TEST

START_TEST(test_cli_stops)
{
	ok(SX " gen --size 8M --kind log -o in");
	ck_assert_int_eq(sh(SX " -T 2 -i in 'upper | cat' | head -c 10 > /dev/null;"
			    " exit ${PIPESTATUS[0]}"), 141);
	ok("timeout 10 " SX " -T 3 'upper | head -n 2 | lower' < <(yes) > o/out"
	   " && printf 'y\\ny\\n' | cmp - o/out");
	fails(2, "invalid thread count", SX " -T 0 cat");
	fails(2, "invalid thread count", SX " --threads 1x cat");
	fails(2, "batch: invalid thread count", SX " batch -T 0 upper in");
	ok(SX " batch -j 2 -T 3 -O o -S .up 'upper | lower' in && tr A-Z a-z < in | cmp - o/in.up");
}
END_TEST

Suite *threads_suite(void)
{
	Suite *s = suite_create("threads");
	TCase *core = tcase_create("core");
	TCase *stops = tcase_create("stops");

	tcase_set_timeout(core, 120);
	tcase_add_test(core, test_chains_same_bytes);
	tcase_add_test(core, test_fixed_buffers);
	tcase_add_test(core, test_more_threads_than_stages);
	tcase_set_timeout(stops, 30);
	tcase_add_test(stops, test_done_stops_upstream);
	tcase_add_test(stops, test_failure_in_middle);
	tcase_add_test(stops, test_sink_failure);
	tcase_add_test(stops, test_done_wakes_blocked_reader);
	tcase_add_test(stops, test_failure_wakes_blocked_reader);
	suite_add_tcase(s, core);
	suite_add_tcase(s, stops);
	TCase *cli = sh_tcase(s, "cli");
	tcase_add_test(cli, test_cli_same_bytes);
	tcase_add_test(cli, test_cli_stops);
	return s;
}
