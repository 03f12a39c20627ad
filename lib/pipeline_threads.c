/* pipeline_threads.c - the threaded stream driver: ranges of stages in threads, joined by bounded queues. */
#include "pipeline_run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The stages are cut into as many contiguous ranges as there are threads
 * (at most one per stage). Each range runs in its own thread exactly as
 * the single-thread driver runs the whole chain; between two ranges is an
 * edge: a queue holding a fixed number of pool buffers. The upstream
 * range's last stage fills a buffer and queues it (waiting for a free
 * one when the downstream range is behind); the downstream range feeds
 * each queued buffer to its first stage and gives it back. Memory is
 * fixed: EDGE_BUFS buffers per edge, whatever the input.
 *
 * Stopping early. A range whose stage needs no more input (head) closes
 * its incoming edge: the upstream range's next queueing returns SX_DONE,
 * and it stops without finishing its stages, as the single-thread driver
 * skips them. A failure anywhere aborts the run: every wait wakes up and
 * returns `cancelled`, an internal status; only the first real failure
 * is reported. The first range may be blocked reading a pipe or a
 * terminal; it waits in poll() on the source and a wake-up pipe, so
 * closing or aborting never waits for input that may never come.
 */

#define EDGE_BUFS 4
#define CANCELLED (-100)

struct shared;

struct edge {
	pthread_mutex_t lock;
	pthread_cond_t moved;       /* a buffer was queued or freed, or state changed */
	struct sx_buf *queue[EDGE_BUFS];
	size_t head, queued;
	struct sx_buf *spare[EDGE_BUFS];
	size_t spares;
	int ended;                  /* the upstream range has queued its last buffer */
	int closed;                 /* the downstream range needs no more */
	struct shared *sh;
	struct sx_buf *filling;     /* the upstream's current output buffer */
};

struct range {
	struct sx_run run;
	struct sx_error err;        /* this range's own failure */
	struct edge *in, *out;      /* NULL at the ends of the chain */
	struct sx_source *src;      /* the first range reads it */
	struct sx_buf *rbuf;
	pthread_t thread;
	int started;
	int status;
};

/* What every range sees. */
struct shared {
	pthread_mutex_t lock;      /* guards err */
	atomic_int aborted;        /* read under the edges' locks too */
	struct sx_error *err;       /* the caller's: the first failure */
	int wake[2];                /* written to wake a reader blocked in poll */
	struct edge *edges;
	size_t nedges;
};

static int is_aborted(struct shared *sh)
{
	return atomic_load(&sh->aborted);
}

static void wake_reader(struct shared *sh)
{
	if (sh->wake[1] >= 0) {
		ssize_t w = write(sh->wake[1], "", 1);
		(void)w; /* a full wake pipe is already readable */
	}
}

static void broadcast_all(struct shared *sh)
{
	for (size_t i = 0; i < sh->nedges; i++) {
		pthread_mutex_lock(&sh->edges[i].lock);
		pthread_cond_broadcast(&sh->edges[i].moved);
		pthread_mutex_unlock(&sh->edges[i].lock);
	}
	wake_reader(sh);
}

/* Records a range's failure (the first one wins) and stops every range. */
static void abort_run(struct shared *sh, const struct sx_error *why)
{
	pthread_mutex_lock(&sh->lock);
	if (!is_aborted(sh) && why && sh->err->status == SX_OK)
		*sh->err = *why;
	atomic_store(&sh->aborted, 1);
	pthread_mutex_unlock(&sh->lock);
	broadcast_all(sh);
}

/* The drain of a range's last stage: queues the full buffer and carries
 * on in a free one. */
static int queue_buffer(struct sx_out *out)
{
	struct sx_run *run = out->ctx;
	struct edge *e = ((struct range *)run)->out;
	int rc = sx_run_check_output(run, run->end - 1);

	if (rc || out->len == 0)
		return rc;
	pthread_mutex_lock(&e->lock);
	while (!e->spares && !e->closed && !is_aborted(e->sh))
		pthread_cond_wait(&e->moved, &e->lock);
	if (is_aborted(e->sh)) {
		rc = CANCELLED;
	} else if (e->closed) {
		rc = SX_DONE;
	} else {
		e->filling->len = out->len;
		e->queue[(e->head + e->queued++) % EDGE_BUFS] = e->filling;
		e->filling = e->spare[--e->spares];
		pthread_cond_broadcast(&e->moved);
	}
	pthread_mutex_unlock(&e->lock);
	out->len = 0;
	out->buf = e->filling->data;
	out->cap = e->filling->size;
	return rc;
}

/* Takes the next queued buffer: SX_OK with *buf, SX_OK with *buf NULL at
 * the end, SX_DONE when the edge was closed, or CANCELLED. */
static int take_buffer(struct edge *e, struct sx_buf **buf)
{
	int rc = SX_OK;

	*buf = NULL;
	pthread_mutex_lock(&e->lock);
	while (!e->queued && !e->ended && !e->closed && !is_aborted(e->sh))
		pthread_cond_wait(&e->moved, &e->lock);
	if (is_aborted(e->sh)) {
		rc = CANCELLED;
	} else if (e->closed) {
		rc = SX_DONE; /* closed from further down: this range is moot */
	} else if (e->queued) {
		*buf = e->queue[e->head];
		e->head = (e->head + 1) % EDGE_BUFS;
		e->queued--;
	}
	pthread_mutex_unlock(&e->lock);
	return rc;
}

static void give_back(struct edge *e, struct sx_buf *buf)
{
	pthread_mutex_lock(&e->lock);
	e->spare[e->spares++] = buf;
	pthread_cond_broadcast(&e->moved);
	pthread_mutex_unlock(&e->lock);
}

static void set_edge_flag(struct edge *e, int *flag)
{
	pthread_mutex_lock(&e->lock);
	*flag = 1;
	pthread_cond_broadcast(&e->moved);
	pthread_mutex_unlock(&e->lock);
}

/* Nothing more is wanted through edge e: nor, then, through any edge
 * before it. Every range upstream stops, the reader too. */
static void close_upstream(struct shared *sh, struct edge *e)
{
	for (size_t i = (size_t)(e - sh->edges) + 1; i-- > 0;)
		set_edge_flag(&sh->edges[i], &sh->edges[i].closed);
	wake_reader(sh);
}

/* Feeds every queued buffer to the range's first stage. */
static int feed_from_edge(struct range *r)
{
	for (;;) {
		struct sx_buf *buf;
		int rc = take_buffer(r->in, &buf);

		if (rc || !buf)
			return rc;
		rc = sx_run_feed(&r->run, r->run.first, buf->data, buf->len);
		give_back(r->in, buf);
		if (rc)
			return rc;
	}
}

/* The downstream wants nothing more: this range's work is moot. */
static int downstream_closed(const struct range *r)
{
	if (!r->out)
		return 0;
	pthread_mutex_lock(&r->out->lock);
	int closed = r->out->closed;
	pthread_mutex_unlock(&r->out->lock);
	return closed;
}

/* Waits until src->fd can be read or the run wants no more. Returns 1 to
 * read, 0 to stop. Regular files never block, so they are not polled. */
static int wait_readable(struct range *r, struct shared *sh)
{
	struct pollfd fds[2] = {
		{ .fd = r->src->fd, .events = POLLIN },
		{ .fd = sh->wake[0], .events = POLLIN },
	};

	for (;;) {
		if (is_aborted(sh) || downstream_closed(r))
			return 0;
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			return 1; /* let read() report it */
		if (fds[1].revents)
			return 0;
		if (fds[0].revents)
			return 1;
	}
}

static int pollable(const struct sx_source *src)
{
	struct stat sb;

	return src->fd >= 0 && fstat(src->fd, &sb) == 0 && !S_ISREG(sb.st_mode);
}

/* sx_run_read, with waits that an abort or a closed edge can end. */
static int read_source(struct range *r, struct shared *sh)
{
	if (!pollable(r->src))
		return sx_run_read(&r->run, r->src, r->rbuf);
	for (;;) {
		ssize_t got;
		int rc;

		if (!wait_readable(r, sh))
			return is_aborted(sh) ? CANCELLED : SX_DONE;
		got = r->src->read(r->src, r->rbuf->data, r->rbuf->size, r->run.err);
		if (got <= 0)
			return (int)got;
		rc = sx_run_feed(&r->run, r->run.first, r->rbuf->data, (size_t)got);
		if (rc)
			return rc;
	}
}

static int run_range(struct range *r, struct shared *sh)
{
	int rc = r->in ? feed_from_edge(r) : read_source(r, sh);

	if (rc == SX_DONE && downstream_closed(r))
		return SX_OK;
	if (rc == SX_DONE && r->in)
		close_upstream(sh, r->in);
	if (rc >= 0)
		rc = sx_run_finish(&r->run, rc == SX_DONE ? r->run.done_stage : r->run.first);
	if (rc == SX_DONE && downstream_closed(r))
		rc = SX_OK;
	if (rc >= 0 && r->out)
		set_edge_flag(r->out, &r->out->ended);
	return rc;
}

static void *range_main(void *arg)
{
	struct range *r = arg;
	struct shared *sh = r->out ? r->out->sh : r->in->sh;

	r->status = run_range(r, sh);
	if (r->status < 0)
		abort_run(sh, r->status == CANCELLED ? NULL : &r->err);
	else if (r->in)
		close_upstream(sh, r->in); /* whatever is left upstream is moot */
	return NULL;
}

static size_t range_count(const struct sx_pipeline *pl)
{
	return pl->threads < pl->count ? pl->threads : pl->count;
}

size_t sx_pipeline_threaded_buffers(const struct sx_pipeline *pl)
{
	return pl->count + 1 + (range_count(pl) - 1) * (EDGE_BUFS - 1);
}

/* Stages [first, end) of range i of n: an even cut. */
static void cut(const struct sx_pipeline *pl, size_t i, size_t n, size_t *first,
		size_t *end)
{
	*first = i * pl->count / n;
	*end = (i + 1) * pl->count / n;
}

/* Gives range i its stages, buffers and edges; bufs are taken in order. */
static void set_up_range(struct range *r, size_t i, size_t n, struct shared *sh,
			 struct sx_buf ***bufs)
{
	struct sx_run *run = &r->run;

	cut(run->pl, i, n, &run->first, &run->end);
	run->err = &r->err;
	run->done_stage = SX_NO_STAGE;
	sx_error_clear(&r->err);
	r->in = i > 0 ? &sh->edges[i - 1] : NULL;
	r->out = i + 1 < n ? &sh->edges[i] : NULL;
	if (!r->in)
		r->rbuf = *(*bufs)++;
	sx_run_wire(run, *bufs);
	*bufs += run->end - run->first;
	if (r->out) {
		struct sx_out *last = &run->outs[run->end - 1];

		r->out->filling = (*bufs)[-1];
		for (size_t b = 0; b < EDGE_BUFS - 1; b++)
			r->out->spare[r->out->spares++] = *(*bufs)++;
		last->drain = queue_buffer;
		last->pass = NULL; /* borrowed bytes cannot wait in a queue */
	}
}

static int init_shared(struct shared *sh, size_t n, struct sx_pipeline *pl,
		       struct sx_error *err)
{
	sh->err = err;
	sh->nedges = n - 1;
	sh->wake[0] = sh->wake[1] = -1;
	sh->edges = sx_calloc(pl->owner, sh->nedges, sizeof(*sh->edges));
	if (!sh->edges)
		return sx_mem_fail(pl->owner, sh->nedges * sizeof(*sh->edges), err);
	if (pipe(sh->wake) != 0) {
		sh->wake[0] = sh->wake[1] = -1;
		return sx_error_set(err, SX_EIO, "cannot make a pipe: %s", strerror(errno));
	}
	for (int i = 0; i < 2; i++) {
		fcntl(sh->wake[i], F_SETFD, FD_CLOEXEC);
		fcntl(sh->wake[i], F_SETFL, O_NONBLOCK);
	}
	pthread_mutex_init(&sh->lock, NULL);
	for (size_t i = 0; i < sh->nedges; i++) {
		pthread_mutex_init(&sh->edges[i].lock, NULL);
		pthread_cond_init(&sh->edges[i].moved, NULL);
		sh->edges[i].sh = sh;
	}
	return SX_OK;
}

static void release_shared(struct shared *sh)
{
	for (size_t i = 0; sh->edges && i < sh->nedges; i++) {
		pthread_mutex_destroy(&sh->edges[i].lock);
		pthread_cond_destroy(&sh->edges[i].moved);
	}
	if (sh->wake[0] >= 0) {
		pthread_mutex_destroy(&sh->lock);
		close(sh->wake[0]);
		close(sh->wake[1]);
	}
}

/* Starts ranges 0..n-2 in threads and runs the last in this one, which
 * writes the sink. Returns the run's status. */
static int run_ranges(struct range *ranges, size_t n, struct shared *sh)
{
	int rc = SX_OK;

	for (size_t i = 0; i + 1 < n; i++) {
		int e = pthread_create(&ranges[i].thread, NULL, range_main, &ranges[i]);

		if (e) {
			struct sx_error why;

			sx_error_set(&why, SX_ENOMEM, "cannot start a thread: %s", strerror(e));
			abort_run(sh, &why);
			break;
		}
		ranges[i].started = 1;
	}
	if (!is_aborted(sh))
		range_main(&ranges[n - 1]);
	for (size_t i = 0; i + 1 < n; i++)
		if (ranges[i].started)
			pthread_join(ranges[i].thread, NULL);
	if (is_aborted(sh))
		rc = sh->err->status != SX_OK ? sh->err->status : SX_EIO;
	return rc;
}

int sx_pipeline_threaded(struct sx_pipeline *pl, struct sx_source *src,
			 struct sx_sink *sink, struct sx_pool *pool,
			 struct sx_error *err)
{
	size_t n = range_count(pl), nbufs = sx_pipeline_threaded_buffers(pl);
	struct sx_buf **bufs = sx_calloc(pl->owner, nbufs, sizeof(*bufs));
	struct sx_out *outs = sx_calloc(pl->owner, pl->count, sizeof(*outs));
	struct range *ranges = sx_calloc(pl->owner, n, sizeof(*ranges));
	struct shared sh = { 0 };
	int rc = SX_OK;

	if (!bufs || !outs || !ranges)
		rc = sx_mem_fail(pl->owner, nbufs * sizeof(*bufs), err);
	if (rc == SX_OK)
		rc = sx_run_acquire(pool, bufs, nbufs, err);
	if (rc == SX_OK)
		rc = init_shared(&sh, n, pl, err);
	if (rc == SX_OK) {
		struct sx_buf **next = bufs;

		for (size_t i = 0; i < n; i++) {
			ranges[i].run = (struct sx_run){ .pl = pl, .outs = outs, .sink = sink };
			ranges[i].src = src;
			set_up_range(&ranges[i], i, n, &sh, &next);
		}
		rc = run_ranges(ranges, n, &sh);
	}
	release_shared(&sh);
	for (size_t i = 0; bufs && i < nbufs; i++)
		sx_pool_release(pool, bufs[i]);
	sx_free(sh.edges);
	sx_free(bufs);
	sx_free(outs);
	sx_free(ranges);
	return rc;
}
