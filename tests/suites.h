/* suites.h - every Check suite of the test runner, and shared test helpers. */
#ifndef SX_TESTS_SUITES_H
#define SX_TESTS_SUITES_H

#include <check.h>
#include <stddef.h>

#include "pipeline.h"

Suite *pool_suite(void);
Suite *spec_suite(void);
Suite *registry_suite(void);
Suite *stages_suite(void);
Suite *pipeline_suite(void);
Suite *gen_suite(void);
Suite *util_suite(void);
Suite *cli_suite(void);
Suite *memory_suite(void);
Suite *compare_suite(void);
Suite *memwatch_suite(void);
Suite *mem_suite(void);
Suite *batch_suite(void);
Suite *progress_suite(void);
Suite *finish_suite(void);
Suite *opts_suite(void);
Suite *plugin_suite(void);
Suite *chains_suite(void);
Suite *count_suite(void);
Suite *text_suite(void);
Suite *lines_suite(void);
Suite *codec_suite(void);
Suite *inflate_suite(void);
Suite *sort_suite(void);
Suite *threads_suite(void);
Suite *zerocopy_suite(void);
Suite *pgzip_suite(void);
Suite *crc32_suite(void);
Suite *hostile_suite(void);
Suite *faults_suite(void);

/* The result of running a pipeline over memory. out is malloc'd. */
struct run_result {
	int status;
	unsigned char *out;
	size_t out_len;
	struct sx_error err;
	unsigned pool_made;
	unsigned pool_out;   /* buffers not returned to the pool */
};

/* Runs spec over in[0..len) in stream mode, with reads of at most chunk
 * bytes and buffers of buf_size bytes. */
struct run_result run_stream(const char *spec, const void *in, size_t len,
			     size_t chunk, size_t buf_size);

/* run_stream with the pipeline's thread count set to threads. */
struct run_result run_threads(const char *spec, const void *in, size_t len,
			      size_t chunk, size_t buf_size, unsigned threads);

/* Runs spec over in[0..len) in naive mode. */
struct run_result run_naive(const char *spec, const void *in, size_t len);

/* The same two with stages from reg instead of the built-in ones. */
struct run_result run_stream_in(const struct sx_registry *reg, const char *spec,
				const void *in, size_t len, size_t chunk,
				size_t buf_size);
struct run_result run_naive_in(const struct sx_registry *reg, const char *spec,
			       const void *in, size_t len);

/* Deterministic test input of the given kind (see gen.h) and size. */
unsigned char *make_input(int kind, size_t len, unsigned seed);

/* Runs spec in naive mode and in stream mode (reads of chunk bytes,
 * buffers of buf_size) over data; both must succeed with the same bytes
 * and every pool buffer must come back. name describes data. */
void assert_chunking_same(const char *spec, const void *data, size_t len,
			  size_t chunk, size_t buf_size, const char *name);

/* The above for reads of 1, 2, 3, 7, 4095, 4096, 4097, 65536 bytes and
 * buffers of 1, 7, 4096, 65536 (keep len modest: 64 runs), the stream
 * runs taking turns at 1, 2 and 3 threads. */
void assert_every_chunking(const char *spec, const void *data, size_t len,
			   const char *name);

/* Whether streamx was built with ISA-L, the decompressors' default then. */
int isal_built_in(void);

/* Runs tc's tests with STREAMX_INFLATE=zlib: decompressor tests go in a
 * second TCase so marked, to check zlib too when ISA-L is the default. */
void inflate_on_zlib(TCase *tc);

/* The registry of built-in stages (filled once per process). */
const struct sx_registry *test_registry(void);

#endif
