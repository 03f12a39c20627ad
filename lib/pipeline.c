/* pipeline.c - building a pipeline, and the stream and naive drivers. */
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

#define NO_STAGE SIZE_MAX

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

size_t sx_pipeline_buffers(const struct sx_pipeline *pl)
{
	return pl->count + 1;
}

/* One run of a pipeline: its outputs, where the last one goes, and the
 * first stage that said it needs no more input. */
struct run {
	struct sx_pipeline *pl;
	struct sx_out *outs;
	struct sx_sink *sink;
	struct sx_error *err;
	size_t done_stage;
};

/* Records what a stage's call returned: the first failure becomes the
 * run's error, named after the stage; the innermost SX_DONE is noted. */
static int note(struct run *run, size_t k, int rc)
{
	struct sx_stage *st = &run->pl->stages[k];

	if (rc == SX_DONE && run->done_stage == NO_STAGE)
		run->done_stage = k;
	if (rc < 0 && run->err->status == SX_OK) {
		if (st->err.status == SX_OK)
			sx_stage_fail(st, rc, "%s", sx_status_name(rc));
		sx_error_set(run->err, rc, "%s (stage %zu): %s", st->ops->name,
			     k + 1, st->err.msg);
	}
	return rc;
}

static int feed(struct run *run, size_t k, const unsigned char *in, size_t len)
{
	struct sx_stage *st = &run->pl->stages[k];
	int rc = st->ops->process(st, in, len, &run->outs[k]);

	st->bytes_in += len;
	return note(run, k, rc);
}

/* The stream driver's drain: stage k's full buffer goes to stage k+1, the
 * last stage's to the sink. */
static int pass_on(struct sx_out *out)
{
	struct run *run = out->ctx;
	size_t k = (size_t)(out - run->outs);
	size_t len = out->len;
	int rc;

	out->len = 0;
	if (len == 0)
		return SX_OK;
	if (k + 1 < run->pl->count)
		return feed(run, k + 1, out->buf, len);
	rc = run->sink->write(run->sink, out->buf, len, run->err);
	return rc;
}

/* The stream driver's pass: data that would fill stage k's empty buffer
 * goes straight to stage k+1 (borrowed for the call) or the sink. */
static int pass_through(struct sx_out *out, const unsigned char *data, size_t n)
{
	struct run *run = out->ctx;
	size_t k = (size_t)(out - run->outs);

	if (k + 1 < run->pl->count)
		return feed(run, k + 1, data, n);
	return run->sink->write(run->sink, data, n, run->err);
}

static int finish_stage(struct run *run, size_t k)
{
	struct sx_stage *st = &run->pl->stages[k];
	int rc = SX_OK;

	if (st->ops->finish)
		rc = note(run, k, st->ops->finish(st, &run->outs[k]));
	if (rc == SX_OK || (rc == SX_DONE && run->done_stage == k))
		rc = pass_on(&run->outs[k]);
	return rc;
}

/* Finishes stages start.. in order; a stage that needs no more input makes
 * the stages before it irrelevant, so the walk jumps to it. */
static int finish_from(struct run *run, size_t start)
{
	size_t k = start;

	while (k < run->pl->count) {
		int rc;

		run->done_stage = NO_STAGE;
		rc = finish_stage(run, k);
		if (rc < 0)
			return rc;
		if (rc == SX_DONE && run->done_stage != NO_STAGE &&
		    run->done_stage > k) {
			k = run->done_stage;
			continue;
		}
		k++;
	}
	return SX_OK;
}

static int read_and_feed(struct run *run, struct sx_source *src,
			 struct sx_buf *rbuf)
{
	for (;;) {
		ssize_t got = src->read(src, rbuf->data, rbuf->size, run->err);

		if (got <= 0)
			return (int)got;
		int rc = feed(run, 0, rbuf->data, (size_t)got);
		if (rc)
			return rc;
	}
}

static int acquire_all(struct sx_pool *pool, struct sx_buf **bufs, size_t n,
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

static int claim(struct sx_pipeline *pl, struct sx_error *err)
{
	if (pl->used)
		return sx_error_set(err, SX_EUSAGE, "a pipeline can run only once");
	pl->used = 1;
	return SX_OK;
}

int sx_pipeline_stream(struct sx_pipeline *pl, struct sx_source *src,
		       struct sx_sink *sink, struct sx_pool *pool,
		       struct sx_error *err)
{
	size_t nbufs = sx_pipeline_buffers(pl);
	struct sx_buf **bufs = sx_calloc(pl->owner, nbufs, sizeof(*bufs));
	struct sx_out *outs = sx_calloc(pl->owner, pl->count, sizeof(*outs));
	struct run run = { pl, outs, sink, err, NO_STAGE };
	int rc = claim(pl, err);

	if (rc == SX_OK && (!bufs || !outs))
		rc = sx_mem_fail(pl->owner, nbufs * sizeof(*bufs), err);
	if (rc == SX_OK)
		rc = acquire_all(pool, bufs, nbufs, err);
	if (rc == SX_OK) {
		for (size_t k = 0; k < pl->count; k++) {
			outs[k].buf = bufs[k + 1]->data;
			outs[k].cap = bufs[k + 1]->size;
			outs[k].drain = pass_on;
			outs[k].pass = pass_through;
			outs[k].ctx = &run;
			outs[k].err = err;
		}
		rc = read_and_feed(&run, src, bufs[0]);
		if (rc >= 0)
			rc = finish_from(&run, rc == SX_DONE ? run.done_stage : 0);
	}
	for (size_t i = 0; bufs && i < nbufs; i++)
		sx_pool_release(pool, bufs[i]);
	sx_free(bufs);
	sx_free(outs);
	return rc;
}

/* Runs stage k over the whole of in into a whole output buffer. */
static int naive_stage(struct run *run, size_t k, const unsigned char *in,
		       size_t len)
{
	struct sx_stage *st = &run->pl->stages[k];
	int rc = SX_OK;

	if (len > 0)
		rc = feed(run, k, in, len);
	/* A stage that needs no more input is still finished, as in stream
	 * mode: nothing follows it here, so SX_DONE can only be its own. */
	if (rc >= 0 && st->ops->finish)
		rc = note(run, k, st->ops->finish(st, &run->outs[k]));
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
	struct run run = { pl, outs, sink, err, NO_STAGE };
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
		outs[k].err = err; /* no drain: the buffer grows */
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
