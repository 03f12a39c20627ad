/* report.h - the --stats report: what a run moved, how fast, in how much memory. */
#ifndef SX_CMD_REPORT_H
#define SX_CMD_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "mem.h"
#include "pool.h"

enum stats_format { STATS_NONE, STATS_TEXT, STATS_JSON };

struct report {
	const char *pipeline;
	int naive;
	size_t stages;
	size_t buffer_size;
	double started, seconds;
	uint64_t bytes_in, bytes_out;
	unsigned buffers_made, buffers_reused, buffers_peak;
	const struct sx_mem_account *mem; /* tracked memory per owner */
	int status;
};

/* Copies the pool's counters into rep. */
void report_take_pool(struct report *rep, const struct sx_pool *pool);

/* Writes the report to f: aligned lines, or one JSON object on one line.
 * Peak RSS is read from the kernel at the time of the call. */
void report_print(const struct report *rep, enum stats_format format, FILE *f);

/* Writes Hadoop Streaming counter lines (reporter:counter:streamx,NAME,N)
 * for rep to f. Hadoop adds them up over all tasks of a job. */
void report_hadoop_counters(const struct report *rep, FILE *f);

/* Writes s as a JSON string, quotes included. */
void json_string(FILE *f, const char *s);

#endif
