/* pgzip.c - gzip compression in pigz's format, inline or by a pool of worker threads. */
#include <signal.h>
#include <string.h>

#include "crc32.h"
#include "pgzip.h"

/*
 * The format is pigz's (2.6, compress_thread). The input is cut into
 * 128 KiB blocks; each is raw-deflated on its own after deflateReset,
 * with the previous block's last 32 KiB as a preset dictionary (none for
 * the first). A block that is not the last ends on a byte boundary as
 * pigz ends it: Z_BLOCK, then a sync flush if an odd number of bits is
 * pending, else empty static blocks until the bits make whole bytes. The
 * last block ends with Z_FINISH (for empty input, the only block is
 * empty). The pieces go out in order between pigz -n's header (no name,
 * mtime 0, OS 3) and a trailer whose CRC-32 is combined from the blocks'
 * own. Each block is compressed the same way whichever thread does it,
 * so the bytes never depend on the thread count. (pigz -p 1 deflates in
 * one stream instead, which differs at levels 1 to 3; we always write
 * what pigz writes with threads.)
 *
 * Jobs live in a ring of `slots`, each a 128 KiB input, a 32 KiB copy of
 * its dictionary and an output buffer of deflateBound's size. process()
 * copies input into the `fill` job. A full job is handed over only when
 * the next byte arrives, since only then is it known not to be the last;
 * finish() hands over the last one, whatever it holds.
 *
 * With st->threads == 1 the ring has one job, compressed and written in
 * the calling thread as it is handed over: no thread is started. With
 * N > 1 the ring has 2N jobs (the fill job among them: at most 2N jobs
 * exist, taking input or in flight) and up to N workers, started one per job
 * handed over (so a short input starts few, and a one-block input none:
 * that block is compressed inline by finish). A handed-over job is
 * queued; workers take queued jobs in ring order, each with its own
 * z_stream. The calling thread writes jobs to the output strictly in
 * order: after each hand-over, every job already compressed at the front
 * of the ring, and when the ring is full it waits for the oldest first.
 * Workers never allocate and never touch the output handle; every
 * allocation is made in the calling thread through st->mem. Workers run
 * with signals blocked, so that signals reach the calling thread.
 *
 * Memory is bounded by the ring, whatever the input:
 *   slots * (128 KiB + 32 KiB + ~128 KiB) + workers * ~262 KiB (deflate)
 * about 0.55 MiB with one thread and 0.83 MiB more per thread (1.7 MiB
 * for 2). init makes the first deflate state, so that a budget too small
 * fails as the pipeline is set up; job buffers are allocated when first
 * used, other workers' states when they start.
 *
 * finish() joins the workers once the last job is written; destroy()
 * stops and joins them in any state (a worker ends the block it is on
 * first), then frees everything.
 */

static const size_t FLUSH_ROOM = 16; /* sync marker or empty static blocks */

/* ---- compressing one job (calling thread or worker) ---- */

/* One deflate call; returns Z_OK, or the zlib status that failed
 * (Z_BUF_ERROR when the output buffer filled, which the bound forbids). */
static int deflate_step(z_stream *zs, int flush)
{
	int zrc = deflate(zs, flush);

	if (zrc != Z_OK && zrc != Z_BUF_ERROR && zrc != Z_STREAM_END)
		return zrc;
	return zs->avail_out == 0 ? Z_BUF_ERROR : Z_OK;
}

/* Ends a block that is not the last on a byte boundary, exactly as pigz
 * does: an odd count of pending bits takes a sync flush (an empty stored
 * block), an even one empty static blocks of 10 bits each. */
static int end_on_byte(z_stream *zs)
{
	int bits, zrc = deflate_step(zs, Z_BLOCK);

	if (zrc != Z_OK)
		return zrc;
	deflatePending(zs, Z_NULL, &bits);
	if (bits & 1)
		return deflate_step(zs, Z_SYNC_FLUSH);
	if ((bits & 7) == 0)
		return Z_OK;
	do {
		zrc = deflatePrime(zs, 10, 2);
		if (zrc != Z_OK)
			return zrc;
		deflatePending(zs, Z_NULL, &bits);
	} while (bits & 7);
	return deflate_step(zs, Z_BLOCK);
}

/* Compresses job->in into job->out (at most cap bytes) and takes its
 * CRC-32; a zlib failure is left in job->zerr. */
static void compress_job(struct sx_pgzip_job *job, z_stream *zs, size_t cap)
{
	int zrc = deflateReset(zs);

	if (zrc == Z_OK && job->dict_len > 0)
		zrc = deflateSetDictionary(zs, job->dict, (uInt)job->dict_len);
	zs->next_in = job->in;
	zs->avail_in = (uInt)job->in_len;
	zs->next_out = job->out;
	zs->avail_out = (uInt)cap;
	if (zrc == Z_OK)
		zrc = job->last ? deflate_step(zs, Z_FINISH) : end_on_byte(zs);
	job->out_len = cap - zs->avail_out;
	job->crc = sx_crc32(0, job->in, job->in_len);
	job->zerr = zrc;
}

/* ---- workers ---- */

static void *work(void *arg)
{
	struct sx_pgzip_worker *w = arg;
	struct sx_pgzip *pz = w->pz;

	pthread_mutex_lock(&pz->lock);
	for (;;) {
		struct sx_pgzip_job *job;

		while (!pz->stop && pz->queued == 0)
			pthread_cond_wait(&pz->work, &pz->lock);
		if (pz->stop)
			break;
		job = &pz->ring[pz->take];
		pz->take = (pz->take + 1) % pz->slots;
		pz->queued--;
		pthread_mutex_unlock(&pz->lock);
		compress_job(job, &w->zs, pz->out_cap);
		pthread_mutex_lock(&pz->lock);
		job->done = 1;
		pthread_cond_signal(&pz->done);
	}
	pthread_mutex_unlock(&pz->lock);
	return NULL;
}

/* Makes w's deflate stream, charged to the stage. Returns a status. */
static int init_stream(struct sx_stage *st, struct sx_pgzip_worker *w)
{
	struct sx_pgzip *pz = st->priv;

	w->pz = pz;
	w->zs.zalloc = sx_mem_zalloc;
	w->zs.zfree = sx_mem_zfree;
	w->zs.opaque = st->mem;
	if (deflateInit2(&w->zs, pz->level, Z_DEFLATED, -15, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return sx_mem_fail(st->mem, 0, &st->err);
	w->zs_ready = 1;
	return SX_OK;
}

/* Worker i: the lead, then the others. */
static struct sx_pgzip_worker *worker(struct sx_pgzip *pz, unsigned i)
{
	return i == 0 ? &pz->lead : &pz->more[i - 1];
}

/* Starts the next worker with signals blocked. A thread that cannot be
 * started is an error only when none runs: the others do the work. */
static int start_worker(struct sx_stage *st)
{
	struct sx_pgzip *pz = st->priv;
	struct sx_pgzip_worker *w = worker(pz, pz->started);
	sigset_t all, old;
	int rc;

	if (!w->zs_ready && (rc = init_stream(st, w)) != SX_OK)
		return rc;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, work, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0) {
		w->running = 1;
		pz->started++;
	} else if (pz->started > 0) {
		pz->cannot_start = 1;
	} else {
		return sx_stage_fail(st, SX_ENOMEM, "cannot start a compression thread: %s",
				     strerror(rc));
	}
	return SX_OK;
}

/* Tells every worker to return and joins them. */
static void stop_workers(struct sx_pgzip *pz)
{
	if (pz->started == 0)
		return;
	pthread_mutex_lock(&pz->lock);
	pz->stop = 1;
	pthread_cond_broadcast(&pz->work);
	pthread_mutex_unlock(&pz->lock);
	for (unsigned i = 0; i < pz->threads; i++)
		if (worker(pz, i)->running) {
			pthread_join(worker(pz, i)->thread, NULL);
			worker(pz, i)->running = 0;
		}
	pz->started = 0;
}

/* ---- the ring (calling thread) ---- */

/* Gives job its buffers if it has none. Returns a status. */
static int job_alloc(struct sx_stage *st, struct sx_pgzip_job *job)
{
	struct sx_pgzip *pz = st->priv;
	size_t size = SX_PGZIP_BLOCK + SX_PGZIP_DICT + pz->out_cap;

	if (job->in)
		return SX_OK;
	job->in = sx_malloc(st->mem, size);
	if (!job->in)
		return sx_mem_fail(st->mem, size, &st->err);
	job->dict = job->in + SX_PGZIP_BLOCK;
	job->out = job->dict + SX_PGZIP_DICT;
	return SX_OK;
}

/* Sizes the ring from st->threads and makes what the first block needs.
 * Returns a status; destroy frees a partial set-up (the stage is not
 * called again after a failure). */
static int set_up(struct sx_stage *st)
{
	struct sx_pgzip *pz = st->priv;

	pz->threads = st->threads ? st->threads : 1;
	pz->slots = pz->threads == 1 ? 1 : 2 * pz->threads;
	if (pz->threads > 1) {
		pz->more = sx_calloc(st->mem, pz->threads - 1, sizeof(*pz->more));
		if (!pz->more)
			return sx_mem_fail(st->mem, (pz->threads - 1) * sizeof(*pz->more),
					   &st->err);
	}
	pz->ring = sx_calloc(st->mem, pz->slots, sizeof(*pz->ring));
	if (!pz->ring)
		return sx_mem_fail(st->mem, pz->slots * sizeof(*pz->ring), &st->err);
	if (job_alloc(st, &pz->ring[0]) != SX_OK)
		return SX_ENOMEM;
	pz->set_up = 1;
	return SX_OK;
}

/* Queues the fill job for the workers, starting one more if fewer run
 * than jobs are in flight. Returns a status. */
static int queue_job(struct sx_stage *st)
{
	struct sx_pgzip *pz = st->priv;
	struct sx_pgzip_job *job = &pz->ring[pz->fill];

	if (pz->started < pz->threads && pz->started <= pz->in_flight &&
	    !pz->cannot_start) {
		int rc = start_worker(st);

		if (rc)
			return rc;
	}
	pthread_mutex_lock(&pz->lock);
	job->done = 0;
	pz->queued++;
	pthread_cond_signal(&pz->work);
	pthread_mutex_unlock(&pz->lock);
	pz->in_flight++;
	return SX_OK;
}

/* Whether the oldest job in flight is compressed; waits for it if wait. */
static int oldest_done(struct sx_pgzip *pz, int wait)
{
	struct sx_pgzip_job *job = &pz->ring[pz->oldest];
	int done;

	pthread_mutex_lock(&pz->lock);
	while (wait && !job->done)
		pthread_cond_wait(&pz->done, &pz->lock);
	done = job->done;
	pthread_mutex_unlock(&pz->lock);
	return done;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* Writes one compressed job, after the header if it is the first, and
 * adds its CRC to the member's. Returns a status. */
static int write_job(struct sx_stage *st, struct sx_out *out,
		     const struct sx_pgzip_job *job)
{
	struct sx_pgzip *pz = st->priv;

	if (job->zerr)
		return sx_stage_fail(st, SX_EDATA, "zlib deflate failed (%d)", job->zerr);
	if (!pz->header_written) {
		/* pigz -n: no name, mtime 0; XFL as gzip sets it; OS 3 (Unix) */
		unsigned char head[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
		int rc;

		head[8] = pz->level >= 9 ? 2 : pz->level == 1 ? 4 : 0;
		rc = sx_out_write(out, head, sizeof(head));
		if (rc)
			return rc;
		pz->header_written = 1;
	}
	pz->crc = crc32_combine(pz->crc, job->crc, (z_off_t)job->in_len);
	return sx_out_write(out, job->out, job->out_len);
}

/* Writes jobs in order: waiting for each while more than max_in_flight
 * are in flight, then those already compressed. Returns a status. */
static int write_ready(struct sx_stage *st, struct sx_out *out,
		       unsigned max_in_flight)
{
	struct sx_pgzip *pz = st->priv;

	while (pz->in_flight > 0 && oldest_done(pz, pz->in_flight > max_in_flight)) {
		int rc = write_job(st, out, &pz->ring[pz->oldest]);

		if (rc)
			return rc;
		pz->oldest = (pz->oldest + 1) % pz->slots;
		pz->in_flight--;
	}
	return SX_OK;
}

/* Moves fill to the next job, whose dictionary is the end of the one
 * just handed over. The next slot is free: write_ready left room. */
static int next_fill(struct sx_stage *st)
{
	struct sx_pgzip *pz = st->priv;
	const struct sx_pgzip_job *prev = &pz->ring[pz->fill];
	unsigned next = (pz->fill + 1) % pz->slots;
	struct sx_pgzip_job *job = &pz->ring[next];
	int rc = job_alloc(st, job);

	if (rc)
		return rc;
	/* only full blocks are handed over before the last: 128 KiB >= 32 KiB */
	memcpy(job->dict, prev->in + prev->in_len - SX_PGZIP_DICT, SX_PGZIP_DICT);
	job->dict_len = SX_PGZIP_DICT;
	job->in_len = 0;
	job->last = 0;
	pz->fill = next;
	return SX_OK;
}

/* Hands the fill job over: compressed here with one thread (or when it
 * is the only block), else queued; then writes what is ready and, unless
 * last, moves on to the next job. Returns a status. */
static int hand_over(struct sx_stage *st, struct sx_out *out, int last)
{
	struct sx_pgzip *pz = st->priv;
	struct sx_pgzip_job *job = &pz->ring[pz->fill];
	int rc;

	job->last = last;
	if (pz->threads == 1 || (last && pz->started == 0)) {
		/* no worker runs, so nothing else is in flight */
		compress_job(job, &pz->lead.zs, pz->out_cap);
		job->done = 1;
		pz->in_flight++;
	} else if ((rc = queue_job(st)) != SX_OK) {
		return rc;
	}
	if (last)
		return SX_OK;
	rc = write_ready(st, out, pz->slots - 1);
	return rc ? rc : next_fill(st);
}

/* ---- the stage ---- */

int sx_pgzip_init(struct sx_stage *st, int level)
{
	struct sx_pgzip *pz = st->priv;

	pz->level = level;
	if (pthread_mutex_init(&pz->lock, NULL) != 0)
		return sx_stage_fail(st, SX_ENOMEM, "cannot make a lock");
	if (pthread_cond_init(&pz->work, NULL) != 0) {
		pthread_mutex_destroy(&pz->lock);
		return sx_stage_fail(st, SX_ENOMEM, "cannot make a condition variable");
	}
	if (pthread_cond_init(&pz->done, NULL) != 0) {
		pthread_cond_destroy(&pz->work);
		pthread_mutex_destroy(&pz->lock);
		return sx_stage_fail(st, SX_ENOMEM, "cannot make a condition variable");
	}
	pz->locks_ready = 1;
	/* the stream now, so that a budget too small fails as the run is set up */
	if (init_stream(st, &pz->lead) != SX_OK)
		return SX_ENOMEM;
	pz->out_cap = deflateBound(&pz->lead.zs, SX_PGZIP_BLOCK) + FLUSH_ROOM;
	return SX_OK;
}

int sx_pgzip_process(struct sx_stage *st, const unsigned char *in, size_t len,
		     struct sx_out *out)
{
	struct sx_pgzip *pz = st->priv;
	int rc;

	if (!pz->set_up && (rc = set_up(st)) != SX_OK)
		return rc;
	while (len > 0) {
		struct sx_pgzip_job *job = &pz->ring[pz->fill];
		size_t n = SX_PGZIP_BLOCK - job->in_len;

		if (n == 0) {
			/* more input: the full job is not the last */
			rc = hand_over(st, out, 0);
			if (rc)
				return rc;
			continue;
		}
		if (n > len)
			n = len;
		memcpy(job->in + job->in_len, in, n);
		job->in_len += n;
		pz->total += n;
		in += n;
		len -= n;
	}
	return SX_OK;
}

int sx_pgzip_finish(struct sx_stage *st, struct sx_out *out)
{
	struct sx_pgzip *pz = st->priv;
	unsigned char trailer[8];
	int rc;

	if (!pz->set_up && (rc = set_up(st)) != SX_OK)
		return rc;
	rc = hand_over(st, out, 1);
	if (!rc)
		rc = write_ready(st, out, 0);
	if (rc)
		return rc;
	stop_workers(pz);
	put32(trailer, (uint32_t)pz->crc);
	put32(trailer + 4, (uint32_t)pz->total); /* ISIZE: modulo 2^32 */
	return sx_out_write(out, trailer, sizeof(trailer));
}

void sx_pgzip_destroy(struct sx_stage *st)
{
	struct sx_pgzip *pz = st->priv;

	stop_workers(pz);
	if (pz->lead.zs_ready)
		deflateEnd(&pz->lead.zs);
	for (unsigned i = 1; pz->more && i < pz->threads; i++)
		if (pz->more[i - 1].zs_ready)
			deflateEnd(&pz->more[i - 1].zs);
	if (pz->ring)
		for (unsigned i = 0; i < pz->slots; i++)
			sx_free(pz->ring[i].in);
	sx_free(pz->ring);
	sx_free(pz->more);
	if (pz->locks_ready) {
		pthread_cond_destroy(&pz->done);
		pthread_cond_destroy(&pz->work);
		pthread_mutex_destroy(&pz->lock);
	}
}
