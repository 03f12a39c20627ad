/* pipeline.c - building a pipeline, and the stream and naive drivers. */
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline_run.h"
#include "spec.h"
#include "util.h"
#include "zerocopy.h"


static void destroy_stages(struct sx_pipeline *pl, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct sx_stage *st = &pl->stages[i];

		if (st->ops->destroy)
			st->ops->destroy(st);
		sx_free(st->priv);
	}
}

void sx_pipeline_free(struct sx_pipeline *pl)
{
	if (!pl)
		return;
	destroy_stages(pl, pl->count);
	sx_free(pl->stages);
	free(pl);
}

static int unknown_stage(const struct sx_registry *reg, const char *name,
			 struct sx_error *err)
{
	const char *near = sx_registry_suggest(reg, name);

	if (near)
		return sx_error_set(err, SX_EUSAGE,
				    "unknown stage '%s' (did you mean '%s'?)",
				    name, near);
	return sx_error_set(err, SX_EUSAGE,
			    "unknown stage '%s' (see 'streamx list')", name);
}

/* Looks up, allocates and initialises stage i from its spec words. */
static int init_stage(struct sx_pipeline *pl, size_t i,
		      const struct sx_registry *reg,
		      const struct sx_spec_stage *words, struct sx_error *err)
{
	struct sx_stage *st = &pl->stages[i];
	const struct sx_stage_ops *ops = sx_registry_find(reg, words->argv[0]);
	char name[SX_MEM_NAME];
	int rc;

	if (!ops)
		return unknown_stage(reg, words->argv[0], err);
	snprintf(name, sizeof(name), "%.32s (stage %zu)", ops->name, i + 1);
	st->ops = ops;
	st->index = (unsigned)i;
	st->threads = 1;
	st->mem = sx_mem_owner_new(pl->mem, name);
	st->priv = sx_calloc(st->mem, 1, ops->priv_size ? ops->priv_size : 1);
	if (!st->priv)
		return sx_mem_fail(st->mem, ops->priv_size, err);
	pl->count = i + 1; /* from here on, destroy must see it */
	rc = ops->init ? ops->init(st, words->argc, words->argv) : SX_OK;
	if (rc == SX_OK && words->argc > 1 && !ops->init)
		rc = sx_stage_fail(st, SX_EUSAGE, "takes no arguments");
	if (rc) {
		if (st->err.status == SX_OK)
			sx_stage_fail(st, rc, "%s", sx_status_name(rc));
		return sx_error_set(err, rc, "%s (stage %zu): %s", ops->name, i + 1,
				    st->err.msg);
	}
	return SX_OK;
}

/* The pipeline object itself is plain malloc: it holds the account. */
static struct sx_pipeline *alloc_pipeline(size_t count,
					  struct sx_mem_account *acct)
{
	struct sx_pipeline *pl = calloc(1, sizeof(*pl));

	if (!pl)
		return NULL;
	if (!acct) {
		sx_mem_account_init(&pl->own_mem, 0);
		acct = &pl->own_mem;
	}
	pl->mem = acct;
	pl->threads = 1;
	pl->owner = sx_mem_owner_new(acct, "pipeline");
	pl->input = sx_mem_owner_new(acct, "input");
	pl->stages = sx_calloc(pl->owner, count, sizeof(*pl->stages));
	if (!pl->stages) {
		free(pl);
		return NULL;
	}
	return pl;
}

int sx_pipeline_new(struct sx_pipeline **out, const struct sx_registry *reg,
		    const char *text, struct sx_mem_account *acct,
		    struct sx_error *err)
{
	struct sx_spec spec;
	struct sx_pipeline *pl;
	int rc = sx_spec_parse(&spec, text, err);

	*out = NULL;
	if (rc)
		return rc;
	pl = alloc_pipeline(spec.count, acct);
	if (!pl) {
		sx_spec_release(&spec);
		return sx_error_set(err, SX_ENOMEM, "out of memory setting up the pipeline");
	}
	for (size_t i = 0; i < spec.count && rc == SX_OK; i++)
		rc = init_stage(pl, i, reg, &spec.stages[i], err);
	sx_spec_release(&spec);
	if (rc) {
		sx_pipeline_free(pl);
		return rc;
	}
	*out = pl;
	return SX_OK;
}

void sx_pipeline_set_threads(struct sx_pipeline *pl, unsigned n)
{
	pl->threads = n ? n : 1;
	for (size_t k = 0; k < pl->count; k++)
		pl->stages[k].threads = pl->threads;
}

void sx_pipeline_set_max_output(struct sx_pipeline *pl, uint64_t n)
{
	pl->max_output = n;
}

size_t sx_pipeline_buffers(const struct sx_pipeline *pl)
{
	if (pl->threads > 1 && pl->count > 1)
		return sx_pipeline_threaded_buffers(pl);
	return pl->count + 1;
}

/* Records what a stage's call returned: the first failure becomes the
 * run's error, named after the stage; the innermost SX_DONE is noted. */
static int note(struct sx_run *run, size_t k, int rc)
{
	struct sx_stage *st = &run->pl->stages[k];

	if (rc == SX_DONE && run->done_stage == SX_NO_STAGE)
		run->done_stage = k;
	if (rc < 0 && run->err->status == SX_OK) {
		if (st->err.status == SX_OK)
			sx_stage_fail(st, rc, "%s", sx_status_name(rc));
		sx_error_set(run->err, rc, "%s (stage %zu): %s", st->ops->name,
			     k + 1, st->err.msg);
	}
	return rc;
}

int sx_run_feed(struct sx_run *run, size_t k, const unsigned char *in, size_t len)
{
	struct sx_stage *st = &run->pl->stages[k];
	int rc = st->ops->process(st, in, len, &run->outs[k]);

	st->bytes_in += len;
	return note(run, k, rc);
}

int sx_run_check_output(struct sx_run *run, size_t k)
{
	struct sx_stage *st = &run->pl->stages[k];
	uint64_t max = run->pl->max_output;
	char size[32];

	if (!max || run->outs[k].total <= max)
		return SX_OK;
	sx_stage_fail(st, SX_EDATA, "output passes --max-output %s at input byte %llu",
		      sx_format_size(max, size, sizeof(size)),
		      (unsigned long long)st->bytes_in);
	return note(run, k, SX_EDATA);
}

static struct sx_run *run_of(struct sx_out *out, size_t *k)
{
	struct sx_run *run = out->ctx;

	*k = (size_t)(out - run->outs);
	return run;
}

/* The stream driver's drain: stage k's full buffer goes to stage k+1, the
 * last stage's to the sink. */
static int pass_on(struct sx_out *out)
{
	size_t k, len = out->len;
	struct sx_run *run = run_of(out, &k);
	int rc = sx_run_check_output(run, k);

	if (rc)
		return rc;
	out->len = 0;
	if (len == 0)
		return SX_OK;
	if (k + 1 < run->pl->count)
		return sx_run_feed(run, k + 1, out->buf, len);
	return run->sink->write(run->sink, out->buf, len, run->err);
}

/* The stream driver's pass: data that would fill stage k's empty buffer
 * goes straight to stage k+1 (borrowed for the call) or the sink. */
static int pass_through(struct sx_out *out, const unsigned char *data, size_t n)
{
	size_t k;
	struct sx_run *run = run_of(out, &k);
	int rc = sx_run_check_output(run, k);

	if (rc)
		return rc;
	if (k + 1 < run->pl->count)
		return sx_run_feed(run, k + 1, data, n);
	return run->sink->write(run->sink, data, n, run->err);
}

void sx_run_wire(struct sx_run *run, struct sx_buf **bufs)
{
	for (size_t k = run->first; k < run->end; k++) {
		struct sx_out *out = &run->outs[k];

		out->buf = bufs[k - run->first]->data;
		out->cap = bufs[k - run->first]->size;
		out->drain = pass_on;
		out->pass = pass_through;
		out->ctx = run;
		out->err = run->err;
		/* what the kernel copied was every (copying) stage's output */
		out->total = run->pl->moved;
	}
}

static int finish_stage(struct sx_run *run, size_t k)
{
	struct sx_stage *st = &run->pl->stages[k];
	struct sx_out *out = &run->outs[k];
	int rc = SX_OK;

	if (st->ops->finish)
		rc = note(run, k, st->ops->finish(st, out));
	if ((rc == SX_OK || (rc == SX_DONE && run->done_stage == k)) && out->len > 0)
		rc = out->drain(out);
	return rc == SX_DONE && run->done_stage == k ? SX_OK : rc;
}

/* A stage that needs no more input makes the stages before it
 * irrelevant, so the walk jumps to it. */
int sx_run_finish(struct sx_run *run, size_t start)
{
	size_t k = start;

	while (k < run->end) {
		int rc;

		run->done_stage = SX_NO_STAGE;
		rc = finish_stage(run, k);
		if (rc < 0)
			return rc;
		if (rc == SX_DONE && run->done_stage != SX_NO_STAGE &&
		    run->done_stage > k) {
			k = run->done_stage;
			continue;
		}
		if (rc == SX_DONE)
			return rc; /* from beyond the range: nothing more is wanted */
		k++;
	}
	return SX_OK;
}

int sx_run_read(struct sx_run *run, struct sx_source *src, struct sx_buf *rbuf)
{
	for (;;) {
		ssize_t got = src->read(src, rbuf->data, rbuf->size, run->err);

		if (got <= 0)
			return (int)got;
		int rc = sx_run_feed(run, run->first, rbuf->data, (size_t)got);
		if (rc)
			return rc;
	}
}

int sx_run_acquire(struct sx_pool *pool, struct sx_buf **bufs, size_t n,
		   struct sx_error *err)
{
	for (size_t i = 0; i < n; i++) {
		bufs[i] = sx_pool_acquire(pool);
		if (!bufs[i] && pool->in_use < pool->limit)
			return sx_mem_fail(pool->mem, pool->buf_size, err);
		if (!bufs[i])
			return sx_error_set(err, SX_ENOMEM,
					    "cannot get buffer %zu of %zu (%zu bytes) from the pool",
					    i + 1, n, pool->buf_size);
	}
	return SX_OK;
}

/* Marks the pipeline used and clears err: the run's first failure goes
 * there. */
static int claim(struct sx_pipeline *pl, struct sx_error *err)
{
	if (pl->used)
		return sx_error_set(err, SX_EUSAGE, "a pipeline can run only once");
	pl->used = 1;
	sx_error_clear(err);
	return SX_OK;
}

static int only_copies(const struct sx_pipeline *pl)
{
	for (size_t k = 0; k < pl->count; k++)
		if (!(pl->stages[k].ops->flags & SX_STAGE_COPIES))
			return 0;
	return 1;
}

/* A pipeline of copies between descriptors: the kernel moves the bytes.
 * Returns SX_ZEROCOPY_NO when the drivers have to go on from here. */
static int move_in_kernel(struct sx_pipeline *pl, struct sx_source *src,
			  struct sx_sink *sink, struct sx_error *err)
{
	uint64_t before = src->offset;
	int rc;

	if (!only_copies(pl) || src->fd < 0 || sink->fd < 0)
		return SX_ZEROCOPY_NO;
	rc = sx_zerocopy_upto(src, sink, pl->max_output ? pl->max_output : UINT64_MAX,
			      err);
	pl->moved = src->offset - before;
	for (size_t k = 0; k < pl->count; k++)
		pl->stages[k].bytes_in += pl->moved;
	/* At the limit, the drivers read on: one byte more fails the run,
	 * the end of the input ends it. */
	return rc == SX_ZEROCOPY_FULL ? SX_ZEROCOPY_NO : rc;
}

static int stream_one_thread(struct sx_pipeline *pl, struct sx_source *src,
			     struct sx_sink *sink, struct sx_pool *pool,
			     struct sx_error *err)
{
	size_t nbufs = sx_pipeline_buffers(pl);
	struct sx_buf **bufs = sx_calloc(pl->owner, nbufs, sizeof(*bufs));
	struct sx_out *outs = sx_calloc(pl->owner, pl->count, sizeof(*outs));
	struct sx_run run = { pl, outs, sink, err, SX_NO_STAGE, 0, pl->count };
	int rc = SX_OK;

	if (!bufs || !outs)
		rc = sx_mem_fail(pl->owner, nbufs * sizeof(*bufs), err);
	if (rc == SX_OK)
		rc = sx_run_acquire(pool, bufs, nbufs, err);
	if (rc == SX_OK) {
		sx_run_wire(&run, bufs + 1);
		rc = sx_run_read(&run, src, bufs[0]);
		if (rc >= 0)
			rc = sx_run_finish(&run, rc == SX_DONE ? run.done_stage : 0);
	}
	for (size_t i = 0; bufs && i < nbufs; i++)
		sx_pool_release(pool, bufs[i]);
	sx_free(bufs);
	sx_free(outs);
	return rc;
}

int sx_pipeline_stream(struct sx_pipeline *pl, struct sx_source *src,
		       struct sx_sink *sink, struct sx_pool *pool,
		       struct sx_error *err)
{
	int rc = claim(pl, err);

	if (rc == SX_OK)
		rc = move_in_kernel(pl, src, sink, err);
	if (rc != SX_ZEROCOPY_NO)
		return rc;
	if (pl->threads > 1 && pl->count > 1)
		return sx_pipeline_threaded(pl, src, sink, pool, err);
	return stream_one_thread(pl, src, sink, pool, err);
}

/* Naive mode's whole output buffer grows, but not past the limit: a
 * stage can commit at most one byte more than the limit before it asks
 * again and is refused. */
static int naive_room(struct sx_out *out)
{
	size_t k;
	struct sx_run *run = run_of(out, &k);
	uint64_t max = run->pl->max_output;
	int rc = sx_run_check_output(run, k);

	if (rc)
		return rc;
	if (max && max - out->total < SIZE_MAX - out->len - 1)
		return sx_out_grow(out, out->len + (size_t)(max - out->total) + 1);
	return sx_out_grow(out, SIZE_MAX);
}

/* Runs stage k over the whole of in into a whole output buffer. */
static int naive_stage(struct sx_run *run, size_t k, const unsigned char *in,
		       size_t len)
{
	struct sx_stage *st = &run->pl->stages[k];
	int rc = SX_OK;

	if (len > 0)
		rc = sx_run_feed(run, k, in, len);
	/* A stage that needs no more input is still finished, as in stream
	 * mode: nothing follows it here, so SX_DONE can only be its own. */
	if (rc >= 0 && st->ops->finish)
		rc = note(run, k, st->ops->finish(st, &run->outs[k]));
	if (rc >= 0 && sx_run_check_output(run, k))
		rc = SX_EDATA;
	return rc == SX_DONE ? SX_OK : rc;
}

/* With a budget, an input of known size that cannot fit is refused before
 * a byte is read, rather than failing (or being OOM-killed) half way. */
static int check_fits(struct sx_pipeline *pl, const struct sx_source *src,
		      struct sx_error *err)
{
	size_t room = sx_mem_headroom(pl->mem);

	if (!pl->mem->limit || src->size_hint < 0 || (uint64_t)src->size_hint < room)
		return SX_OK;
	return sx_error_set(err, SX_ENOMEM,
			    "naive mode holds the whole input in memory: %s is %lld bytes, "
			    "but the memory limit leaves %zu (stream mode holds only its buffers)",
			    src->name, (long long)src->size_hint, room);
}

int sx_pipeline_naive(struct sx_pipeline *pl, struct sx_source *src,
		      struct sx_sink *sink, struct sx_error *err)
{
	struct sx_out *outs = sx_calloc(pl->owner, pl->count, sizeof(*outs));
	struct sx_run run = { pl, outs, sink, err, SX_NO_STAGE, 0, pl->count };
	unsigned char *data = NULL;
	size_t len = 0;
	int rc = claim(pl, err);

	if (rc == SX_OK && !outs)
		rc = sx_mem_fail(pl->owner, pl->count * sizeof(*outs), err);
	if (rc == SX_OK)
		rc = check_fits(pl, src, err);
	if (rc == SX_OK)
		rc = sx_source_slurp(src, pl->input, &data, &len, err);
	for (size_t k = 0; k < pl->count && rc == SX_OK; k++) {
		outs[k].err = err;
		outs[k].drain = naive_room; /* the buffer grows */
		outs[k].ctx = &run;
		outs[k].mem = pl->stages[k].mem;
		rc = naive_stage(&run, k, data, len);
		sx_free(data);
		data = outs[k].buf;
		len = outs[k].len;
	}
	if (rc == SX_OK && len > 0)
		rc = sink->write(sink, data, len, err);
	sx_free(data);
	sx_free(outs);
	return rc;
}
