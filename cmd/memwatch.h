/* memwatch.h - watching memory while a run goes on: the monitor and snapshots. */
#ifndef SX_CMD_MEMWATCH_H
#define SX_CMD_MEMWATCH_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "mem.h"
#include "pipeline.h"
#include "pool.h"

/*
 * --monitor[=MS] samples RSS and tracked bytes every MS milliseconds from a
 * thread of its own, writing one CSV line per sample to --monitor-log
 * (constant memory however long the run), and warns once on stderr when
 * RSS has grown past --warn-growth over its first sample.
 *
 * --snapshot FILE writes a JSON snapshot of memory when the run ends;
 * SIGUSR1 while running writes one at once, to FILE.1, FILE.2, ... (or,
 * without --snapshot, to streamx-PID-N.json in the current directory).
 * The snapshot reads only atomic counters, so it may run beside the
 * driver.
 */
struct memwatch_config {
	long monitor_ms;          /* 0: no monitor */
	const char *monitor_log;  /* CSV path; NULL: no log */
	uint64_t warn_growth;     /* bytes; 0: no warning */
	const char *snapshot;     /* final snapshot path; NULL: none */
};

/* What a snapshot may look at while the run goes on. */
struct memwatch_view {
	const char *mode;         /* "stream" or "naive" */
	const char *pipeline;     /* the spec text */
	const struct sx_mem_account *mem;
	const struct sx_pool *pool;      /* NULL in naive mode */
	const struct sx_pipeline *pl;
};

struct memwatch {
	struct memwatch_config cfg;
	struct memwatch_view view;
	/* the rest is memwatch.c's */
	pthread_t monitor, signals;
	int monitor_running, signals_running;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stopping;
	FILE *log;
	uint64_t base_rss;
	int warned;
	unsigned snapshots;
	double started;
};

/* Starts the monitor thread (when configured) and the SIGUSR1 snapshot
 * thread. Must be called before any other thread exists, since it blocks
 * SIGUSR1 in the calling thread. Prints a message and returns -1 on
 * failure (a log that cannot be opened). */
int memwatch_start(struct memwatch *w, const struct memwatch_config *cfg,
		   const struct memwatch_view *view);

/* Writes the final snapshot (when configured) and stops both threads.
 * Returns -1 after printing a message if the snapshot could not be
 * written. Safe to call when memwatch_start was not. */
int memwatch_stop(struct memwatch *w);

/* Writes one snapshot of view to f as a single JSON object. */
void memwatch_snapshot(const struct memwatch_view *view, FILE *f);

/* `streamx snapdiff A.json B.json`: growth per owner, largest first. */
int cmd_snapdiff(int argc, char **argv);

#endif
