/* stage.h - the stage interface: one table of operations per kind of stage. */
#ifndef SX_STAGE_H
#define SX_STAGE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "mem.h"

/*
 * A stage is written once against this interface and never learns which
 * driver runs it. The driver hands it input chunks (borrowed for the
 * duration of the call, any size from 1 byte up) and an output handle.
 *
 * The output handle belongs to the driver. In stream mode it is a fixed
 * buffer that is passed on to the next stage (or written out) whenever it
 * fills; in naive mode it is one buffer that grows to hold the whole
 * output. A stage asks for space, fills some of it and commits what it
 * wrote. Space may move on every call: never keep a pointer into it
 * across sx_out_* calls.
 *
 * Every sx_out_* call that returns an int may return a non-zero status
 * from further down the chain (an error, or SX_DONE when a later stage
 * needs no more input). A stage returns such a status unchanged and at
 * once.
 *
 * Stages keep all their state in their private area (priv); no stage has
 * global mutable state, so pipelines may run side by side in threads.
 * Whatever else a stage allocates, it allocates through its owner
 * (sx_malloc(st->mem, ...), zlib's zalloc with st->mem as opaque), so its
 * memory is counted under its name and held to the run's budget.
 */

#define SX_STAGE_ABI 3

/* Stage flags (sx_stage_ops.flags). */
/* Output is the input, byte for byte: a driver may move the bytes
 * without calling process (with splice or copy_file_range). */
#define SX_STAGE_COPIES 1u

struct sx_out {
	unsigned char *buf;
	size_t len;      /* bytes written and not yet passed on */
	size_t cap;
	uint64_t total;  /* bytes committed over the whole run */
	/* Fixed mode: passes buf[0..len) on and empties it. NULL: grow. */
	int (*drain)(struct sx_out *out);
	/* Fixed mode, optional: passes data[0..n) on without copying it into
	 * buf, for writes of a whole buffer or more while buf is empty. */
	int (*pass)(struct sx_out *out, const unsigned char *data, size_t n);
	void *ctx;       /* the driver's */
	struct sx_error *err; /* where drain and growth failures are recorded */
	struct sx_mem_owner *mem; /* whom a growing buffer is charged to */
};

/* Makes room for at least one more byte: drains a full fixed buffer or
 * grows a whole one. Returns a status. */
int sx_out_make_room(struct sx_out *out);

/* Grows a whole buffer (one without drain) to hold more, but to no more
 * than most bytes (most > out->len). Returns a status; a refusal is
 * recorded in out->err. */
int sx_out_grow(struct sx_out *out, size_t most);

/* Sets *p to the free space and *avail to its size (at least 1). */
static inline int sx_out_space(struct sx_out *out, unsigned char **p,
			       size_t *avail)
{
	if (out->len == out->cap) {
		int rc = sx_out_make_room(out);
		if (rc)
			return rc;
	}
	*p = out->buf + out->len;
	*avail = out->cap - out->len;
	return SX_OK;
}

/* Records that n bytes of the space from sx_out_space were written. */
static inline void sx_out_commit(struct sx_out *out, size_t n)
{
	out->len += n;
	out->total += n;
}

/* Copies n bytes to the output. Returns a status. */
int sx_out_write(struct sx_out *out, const void *data, size_t n);

struct sx_stage;

struct sx_stage_ops {
	unsigned abi;          /* SX_STAGE_ABI */
	const char *name;      /* the word that names it in a pipeline */
	const char *summary;   /* one line for `streamx list` */
	const char *usage;     /* synopsis and options, several lines */
	size_t priv_size;      /* bytes of zeroed private state to allocate */

	/* Parses argv[1..argc) (argv[0] is the name). On a bad argument,
	 * returns SX_EUSAGE with a message via sx_stage_fail. */
	int (*init)(struct sx_stage *st, int argc, char **argv);
	/* Transforms in[0..len), len >= 1, writing through out. */
	int (*process)(struct sx_stage *st, const unsigned char *in,
		       size_t len, struct sx_out *out);
	/* End of input: writes what is still held back. May be NULL. */
	int (*finish)(struct sx_stage *st, struct sx_out *out);
	/* Frees what init and process allocated (not priv). May be NULL.
	 * Called once for every stage whose init was called, even failed. */
	void (*destroy)(struct sx_stage *st);
	unsigned flags;        /* SX_STAGE_* */
};

struct sx_stage {
	const struct sx_stage_ops *ops;
	void *priv;
	unsigned index;      /* position in the pipeline, from 0 */
	struct sx_mem_owner *mem; /* the stage's memory owner, "NAME (stage N)" */
	/* input consumed before the current call; atomic for snapshots */
	atomic_uint_fast64_t bytes_in;
	struct sx_error err; /* the stage's own failure */
	/* Threads the stage may use for its own work (1: none of its own).
	 * Set before the first process call; a stage that starts threads
	 * starts them then, and joins them in finish or destroy. Its output
	 * handle is still used from the calling thread only. */
	unsigned threads;
};

/* Records a failure of the stage; returns status. */
int sx_stage_fail(struct sx_stage *st, int status, const char *fmt, ...)
	SX_PRINTF(3, 4);

#endif
