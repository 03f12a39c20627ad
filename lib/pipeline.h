/* pipeline.h - a chain of stages and the two drivers that run it. */
#ifndef SX_PIPELINE_H
#define SX_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "io.h"
#include "mem.h"
#include "pool.h"
#include "registry.h"
#include "stage.h"

/*
 * A pipeline is built from a spec (see spec.h) and run once, by either
 * driver, then freed.
 *
 * Stream driver: one read buffer and one output buffer per stage, all
 * from a bounded pool of the same size. Stage k's output buffer is stage
 * k+1's input: when it fills, the driver runs stage k+1 over it (and so
 * on down the chain); the last buffer is written to the sink. Memory is
 * (stages + 1) buffers plus what each stage holds, whatever the input.
 *
 * Naive driver: reads the whole input into one buffer, runs each stage
 * over it into one whole output buffer, frees the input, and writes the
 * final buffer: memory grows with the input. Same stages, same bytes.
 *
 * When a stage returns SX_DONE (it needs no more input) the stream driver
 * stops reading, skips the stages before it, and finishes the rest.
 *
 * On failure the message names the stage and its position
 * ("gunzip (stage 1): ..."); nothing is printed.
 *
 * Memory is charged to owners of an account: "pipeline" (its own
 * arrays), "input" (naive mode's whole input), and one per stage, named
 * "NAME (stage N)", holding the stage's state and, in naive mode, its
 * whole output. With a budget on the account, naive mode refuses up front
 * an input whose known size cannot fit.
 */
struct sx_pipeline {
	size_t count;
	struct sx_stage *stages;
	struct sx_mem_account *mem;
	struct sx_mem_owner *owner;   /* "pipeline" */
	struct sx_mem_owner *input;   /* "input" */
	int used;                     /* a pipeline runs once */
	unsigned threads;             /* see sx_pipeline_set_threads */
	uint64_t max_output;          /* see sx_pipeline_set_max_output */
	uint64_t moved;               /* bytes the kernel copied (zerocopy.h) */
	struct sx_mem_account own_mem; /* used when the caller gives none */
};

/* Builds a pipeline from spec text, looking each stage up in reg and
 * initialising it, charging memory to acct (NULL: an account of its own,
 * with no budget). Returns SX_OK and *out, or SX_EUSAGE / SX_ENOMEM with
 * a message (naming a near stage name when one is unknown). */
int sx_pipeline_new(struct sx_pipeline **out, const struct sx_registry *reg,
		    const char *spec, struct sx_mem_account *acct,
		    struct sx_error *err);

/* Destroys every stage and frees the pipeline. NULL is ignored. */
void sx_pipeline_free(struct sx_pipeline *pl);

/* Runs pl in stream mode with buffers from pool, which must allow at least
 * sx_pipeline_buffers(pl) buffers. Returns a status; err says what failed.
 * Every buffer acquired is back in the pool on return. */
int sx_pipeline_stream(struct sx_pipeline *pl, struct sx_source *src,
		       struct sx_sink *sink, struct sx_pool *pool,
		       struct sx_error *err);

/* Runs pl in naive (whole-input) mode. Returns a status. */
int sx_pipeline_naive(struct sx_pipeline *pl, struct sx_source *src,
		      struct sx_sink *sink, struct sx_error *err);

/* Lets the run use n threads (0 counts as 1): the stream driver then runs
 * stages in up to n threads joined by bounded queues, and each stage may
 * start up to n threads of its own (parallel gzip). 1, the default, is the
 * single-thread driver. Call before running. */
void sx_pipeline_set_threads(struct sx_pipeline *pl, unsigned n);

/* Holds every stage to at most n bytes of output over the run (0: no
 * limit), so that a decompression bomb stops at the stage that expands
 * it: the stage that passes it fails with SX_EDATA, "output passes
 * --max-output 10 MiB at input byte N", N being the offset in its input
 * of the chunk it was given (or the end of its input, when it passes it
 * while finishing). No more than n bytes of any stage's output reach the
 * next stage or the sink, and in naive mode no stage's whole output
 * buffer grows past n + 1 bytes. Call before running. */
void sx_pipeline_set_max_output(struct sx_pipeline *pl, uint64_t n);

/* Buffers the stream driver takes from its pool for the thread count set:
 * one per stage plus one, and with threads a few more per queue. */
size_t sx_pipeline_buffers(const struct sx_pipeline *pl);

#endif
