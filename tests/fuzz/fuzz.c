/* fuzz.c - the helpers of the libFuzzer targets (see fuzz.h). */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "io.h"
#include "pipeline.h"
#include "pool.h"

void fz_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
	abort();
}

const struct sx_registry *fz_registry(void)
{
	static struct sx_registry reg;
	static int ready;
	struct sx_error err;

	if (!ready) {
		sx_registry_init(&reg);
		FZ_CHECK(sx_builtin_register(&reg, &err) == SX_OK);
		ready = 1;
	}
	return &reg;
}

void fz_run(struct fz_run *r, const char *spec, const void *in, size_t len,
	    const struct fz_shape *shape)
{
	struct sx_pipeline *pl;
	struct sx_source src;
	struct sx_sink sink;
	struct sx_pool pool;

	memset(r, 0, sizeof(*r));
	sx_error_clear(&r->err);
	r->status = sx_pipeline_new(&pl, fz_registry(), spec, NULL, &r->err);
	if (r->status != SX_OK)
		return;
	sx_pipeline_set_threads(pl, shape ? shape->threads : 1);
	sx_source_mem(&src, in, len, shape ? shape->chunk : 0);
	sx_sink_mem(&sink);
	sx_pool_init(&pool, shape ? shape->buf : 4096,
		     (unsigned)sx_pipeline_buffers(pl));
	if (shape)
		r->status = sx_pipeline_stream(pl, &src, &sink, &pool, &r->err);
	else
		r->status = sx_pipeline_naive(pl, &src, &sink, &r->err);
	sx_pipeline_free(pl);
	FZ_CHECK(sx_pool_drain(&pool) == 0);
	r->out = sink.mem;
	r->out_len = sink.mem_len;
	/* a failure always says what failed */
	FZ_CHECK(r->status >= 0 || r->err.msg[0]);
}

void fz_run_free(struct fz_run *r)
{
	free(r->out);
	r->out = NULL;
}

void fz_same(const char *spec, const void *in, size_t len,
	     const struct fz_shape *shape, int may_stop_early)
{
	struct fz_run whole, part;
	int same;

	fz_run(&whole, spec, in, len, NULL);
	fz_run(&part, spec, in, len, shape);
	if (may_stop_early && part.status >= 0 && whole.status < 0)
		same = 1;
	else if (whole.status < 0 || part.status < 0)
		same = whole.status < 0 && part.status < 0;
	else
		same = whole.out_len == part.out_len &&
		       (whole.out_len == 0 ||
			memcmp(whole.out, part.out, whole.out_len) == 0);
	if (!same) {
		fprintf(stderr, "'%s' on %zu bytes: naive %d (%s) %zu bytes; "
			"stream (read %zu, buffer %zu, %u threads) %d (%s) %zu bytes\n",
			spec, len, whole.status, whole.err.msg, whole.out_len,
			shape->chunk, shape->buf, shape->threads, part.status,
			part.err.msg, part.out_len);
		abort();
	}
	fz_run_free(&whole);
	fz_run_free(&part);
}

unsigned fz_byte(struct fz_input *in)
{
	if (in->len == 0)
		return 0;
	in->len--;
	return *in->p++;
}

/* Sizes from 1 up to 64 KiB, the small ones most often: they find the
 * edges of partial records and held-back bytes. */
static size_t pick_size(unsigned b)
{
	static const size_t sizes[] = { 1, 2, 3, 4, 5, 7, 8, 13, 16, 31, 64,
					100, 255, 1024, 4096, 65536 };

	if (b < 128)
		return sizes[b % 16];
	return 1 + (size_t)(b - 128) * 37;
}

void fz_shape_take(struct fz_shape *shape, struct fz_input *in, unsigned max_threads)
{
	shape->chunk = pick_size(fz_byte(in));
	shape->buf = pick_size(fz_byte(in));
	shape->threads = 1 + fz_byte(in) % (max_threads ? max_threads : 1);
}

char *fz_word(struct fz_input *in, uint8_t sep, char *buf, size_t size)
{
	size_t n = 0;

	while (in->len > 0) {
		uint8_t c = *in->p++;

		in->len--;
		if (c == sep)
			break;
		if (c && n + 1 < size)
			buf[n++] = (char)c;
	}
	buf[n] = '\0';
	return buf;
}

int fz_regex_ok(const char *word)
{
	static const char ops[] = "*+?}";
	const char *p;

	for (p = word; *p && p[1]; p++)
		if (strchr(ops, *p) && strchr(ops, p[1]))
			return 0;
	return 1;
}

int fz_quote(char *spec, size_t size, const char *word)
{
	size_t n = strlen(spec);

	if (n && n + 1 < size)
		spec[n++] = ' ';
	if (!*word) {
		if (n + 2 >= size)
			return -1;
		spec[n++] = '\'';
		spec[n++] = '\'';
	}
	for (; *word; word++) {
		if (n + 2 >= size)
			return -1;
		spec[n++] = '\\';
		spec[n++] = *word;
	}
	spec[n] = '\0';
	return 0;
}
