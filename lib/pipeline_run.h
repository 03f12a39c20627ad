/* pipeline_run.h - what the stream drivers share: one run over a range of stages. */
#ifndef SX_PIPELINE_RUN_H
#define SX_PIPELINE_RUN_H

#include "pipeline.h"

#define SX_NO_STAGE SIZE_MAX

/*
 * A run drives stages [first, end) of a pipeline: a buffer fed to stage
 * first flows down the range through the outputs' drains. The single-
 * thread driver has one run over every stage; the threaded driver one per
 * thread, joined by queues. Everything here is used by one thread at a
 * time: the run's error and done_stage are its own.
 */
struct sx_run {
	struct sx_pipeline *pl;
	struct sx_out *outs;     /* outs[k] is stage k's output, for the whole pipeline */
	struct sx_sink *sink;    /* where stage count-1's output goes */
	struct sx_error *err;
	size_t done_stage;       /* innermost stage that returned SX_DONE */
	size_t first, end;
};

/* Runs stage k over in[0..len), noting what it returns. */
int sx_run_feed(struct sx_run *run, size_t k, const unsigned char *in, size_t len);

/* Fails stage k (noted as sx_run_feed notes failures) when its output
 * has passed the pipeline's max_output; else SX_OK. The drivers call it
 * before any of stage k's output leaves its buffer. */
int sx_run_check_output(struct sx_run *run, size_t k);

/* Points outs[k] for k in [first, end) at buffers bufs[k - first] and
 * wires their drains: into the next stage, or to the sink after the
 * last stage of the pipeline. The caller rewires the range's last drain
 * when it goes elsewhere. */
void sx_run_wire(struct sx_run *run, struct sx_buf **bufs);

/* Reads src to its end, feeding stage first. Returns 0 at the end of
 * input, SX_DONE when a stage needs no more, or a negative status. */
int sx_run_read(struct sx_run *run, struct sx_source *src, struct sx_buf *rbuf);

/* Finishes stages start..end-1 in order (see pipeline.h on SX_DONE). */
int sx_run_finish(struct sx_run *run, size_t start);

/* The threaded stream driver (pipeline_threads.c); pool as for
 * sx_pipeline_stream. */
int sx_pipeline_threaded(struct sx_pipeline *pl, struct sx_source *src,
			 struct sx_sink *sink, struct sx_pool *pool,
			 struct sx_error *err);

/* Buffers the threaded driver takes. */
size_t sx_pipeline_threaded_buffers(const struct sx_pipeline *pl);

/* Takes n buffers from pool into bufs; on failure returns a status with
 * err set, and the caller releases what was taken. */
int sx_run_acquire(struct sx_pool *pool, struct sx_buf **bufs, size_t n,
		   struct sx_error *err);

#endif
