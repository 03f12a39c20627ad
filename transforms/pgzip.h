/* pgzip.h - the gzip stage's engine: pigz's format, compressed by up to N threads. */
#ifndef SX_PGZIP_H
#define SX_PGZIP_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "stage.h"

/*
 * The gzip stage's priv is a struct sx_pgzip; gzip.c parses the level and
 * calls sx_pgzip_init, and the other three are the stage's operations.
 * The output is what `pigz -n -LEVEL` writes from standard input, byte
 * for byte, and the same for every st->threads (see pgzip.c).
 *
 * Ownership and threads: everything here belongs to the calling thread
 * (the one that runs process, finish and destroy), except what a job
 * holds while it is queued or being compressed, which then belongs to
 * the worker that took it; the hand-overs are under `lock`. Workers never
 * allocate and never touch the output handle.
 */
#define SX_PGZIP_BLOCK ((size_t)128 * 1024) /* input per job, as pigz -b 128 */
#define SX_PGZIP_DICT ((size_t)32 * 1024)   /* history carried into a job */

struct sx_pgzip_job {
	unsigned char *in;    /* SX_PGZIP_BLOCK bytes; NULL until first used */
	unsigned char *dict;  /* SX_PGZIP_DICT bytes, in the same block as in */
	unsigned char *out;   /* out_cap bytes, same block */
	size_t in_len, dict_len, out_len;
	unsigned long crc;    /* CRC-32 of in[0..in_len) */
	int last;             /* finished with Z_FINISH, not flushed */
	int zerr;             /* 0, or the zlib status that failed */
	int done;             /* compressed (under lock) */
};

struct sx_pgzip_worker {
	struct sx_pgzip *pz;
	z_stream zs;
	int zs_ready;         /* deflateInit2 succeeded */
	int running;          /* thread started, not yet joined */
	pthread_t thread;
};

struct sx_pgzip {
	int level;
	int set_up;              /* ring and workers sized */
	unsigned threads;        /* workers allowed: st->threads at set-up */
	unsigned slots;          /* jobs in the ring: 1, or 2 * threads */
	size_t out_cap;          /* deflate's bound for a block, plus flushes */
	struct sx_pgzip_job *ring;
	struct sx_pgzip_worker lead;  /* made by init: the inline stream, and
				       * the first worker's */
	struct sx_pgzip_worker *more; /* the other threads - 1 workers */
	unsigned started;        /* worker threads running */
	int cannot_start;        /* a thread failed to start: no more tries */
	unsigned fill;           /* the job taking input (not in flight) */
	unsigned oldest;         /* the next job to write */
	unsigned in_flight;      /* jobs handed over, not yet written */
	/* under lock: */
	pthread_mutex_t lock;
	pthread_cond_t work;     /* workers wait here for a job or stop */
	pthread_cond_t done;     /* the calling thread waits here */
	unsigned take;           /* next queued job for a worker */
	unsigned queued;         /* jobs queued that no worker took yet */
	int stop;
	int locks_ready;
	/* the member's header and trailer */
	int header_written;
	unsigned long crc;       /* combined over the jobs written */
	uint64_t total;          /* input bytes */
};

/* Sets up priv for level 1..9 with one deflate state, charged to the
 * stage (the rest is sized by st->threads at the first block). Returns
 * SX_OK, or SX_ENOMEM with a message. */
int sx_pgzip_init(struct sx_stage *st, int level);

/* The stage operations. */
int sx_pgzip_process(struct sx_stage *st, const unsigned char *in, size_t len,
		     struct sx_out *out);
int sx_pgzip_finish(struct sx_stage *st, struct sx_out *out);
void sx_pgzip_destroy(struct sx_stage *st);

#endif
