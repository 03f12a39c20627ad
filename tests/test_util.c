/* test_util.c - running pipelines over memory, and generated test inputs. */
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "gen.h"
#include "suites.h"

const struct sx_registry *test_registry(void)
{
	static struct sx_registry reg;
	static int ready;
	struct sx_error err;

	if (!ready) {
		sx_registry_init(&reg);
		ck_assert_int_eq(sx_builtin_register(&reg, &err), SX_OK);
		ready = 1;
	}
	return &reg;
}

static struct run_result run_with(const struct sx_registry *reg,
				  const char *spec, const void *in, size_t len,
				  size_t chunk, size_t buf_size, int naive,
				  unsigned threads)
{
	struct run_result r;
	struct sx_pipeline *pl;
	struct sx_source src;
	struct sx_sink sink;
	struct sx_pool pool;

	memset(&r, 0, sizeof(r));
	sx_error_clear(&r.err);
	r.status = sx_pipeline_new(&pl, reg, spec, NULL, &r.err);
	if (r.status != SX_OK)
		return r;
	sx_pipeline_set_threads(pl, threads);
	sx_source_mem(&src, in, len, chunk);
	sx_sink_mem(&sink);
	sx_pool_init(&pool, buf_size, (unsigned)sx_pipeline_buffers(pl));
	if (naive)
		r.status = sx_pipeline_naive(pl, &src, &sink, &r.err);
	else
		r.status = sx_pipeline_stream(pl, &src, &sink, &pool, &r.err);
	sx_pipeline_free(pl);
	r.pool_made = pool.made;
	r.pool_out = sx_pool_drain(&pool);
	r.out = sink.mem;
	r.out_len = sink.mem_len;
	return r;
}

struct run_result run_stream_in(const struct sx_registry *reg, const char *spec,
				const void *in, size_t len, size_t chunk,
				size_t buf_size)
{
	return run_with(reg, spec, in, len, chunk, buf_size, 0, 1);
}

struct run_result run_naive_in(const struct sx_registry *reg, const char *spec,
			       const void *in, size_t len)
{
	return run_with(reg, spec, in, len, 0, 4096, 1, 1);
}

struct run_result run_stream(const char *spec, const void *in, size_t len,
			     size_t chunk, size_t buf_size)
{
	return run_with(test_registry(), spec, in, len, chunk, buf_size, 0, 1);
}

struct run_result run_naive(const char *spec, const void *in, size_t len)
{
	return run_with(test_registry(), spec, in, len, 0, 4096, 1, 1);
}

unsigned char *make_input(int kind, size_t len, unsigned seed)
{
	unsigned char *buf = malloc(len ? len : 1);
	struct sx_gen gen;

	ck_assert_ptr_nonnull(buf);
	sx_gen_init(&gen, (enum sx_gen_kind)kind, seed);
	sx_gen_fill(&gen, buf, len);
	return buf;
}

struct run_result run_threads(const char *spec, const void *in, size_t len,
			      size_t chunk, size_t buf_size, unsigned threads)
{
	return run_with(test_registry(), spec, in, len, chunk, buf_size, 0, threads);
}

static void assert_same_in_threads(const char *spec, const void *data, size_t len,
				   size_t chunk, size_t buf_size, unsigned threads,
				   const char *name)
{
	struct run_result whole = run_naive(spec, data, len);
	struct run_result part = run_threads(spec, data, len, chunk, buf_size, threads);

	ck_assert_msg(whole.status == SX_OK, "%s naive on %s: %s",
		      spec, name, whole.err.msg);
	ck_assert_msg(part.status == SX_OK, "%s stream on %s: %s",
		      spec, name, part.err.msg);
	ck_assert_msg(part.out_len == whole.out_len &&
		      (whole.out_len == 0 ||
		       memcmp(part.out, whole.out, whole.out_len) == 0),
		      "%s on %s (%zu bytes): stream (read %zu, buffer %zu, %u threads) "
		      "gave %zu bytes, naive %zu", spec, name, len,
		      chunk, buf_size, threads, part.out_len, whole.out_len);
	ck_assert_uint_eq(part.pool_out, 0);
	free(whole.out);
	free(part.out);
}

void assert_chunking_same(const char *spec, const void *data, size_t len,
			  size_t chunk, size_t buf_size, const char *name)
{
	assert_same_in_threads(spec, data, len, chunk, buf_size, 1, name);
}

void assert_every_chunking(const char *spec, const void *data, size_t len,
			   const char *name)
{
	static const size_t chunks[] = { 1, 2, 3, 7, 4095, 4096, 4097, 65536 };
	static const size_t bufs[] = { 1, 7, 4096, 65536 };

	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++)
		for (size_t b = 0; b < sizeof(bufs) / sizeof(bufs[0]); b++)
			assert_same_in_threads(spec, data, len, chunks[c], bufs[b],
					       1 + (unsigned)(c + b) % 3, name);
}
