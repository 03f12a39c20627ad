/* pool.h - a bounded pool of fixed-size buffers: where constant memory comes from. */
#ifndef SX_POOL_H
#define SX_POOL_H

#include <stdatomic.h>
#include <stddef.h>

#include "mem.h"

/*
 * Every buffer in a pool has the same size. The pool never holds more than
 * `limit` buffers at once (in use plus spare); acquire fails rather than
 * grow past it, so memory is bounded by limit * size whatever the input.
 * Released buffers are kept as spares and handed out again. The counters
 * make the pool its own leak check: when the pool is released, every
 * buffer made must have come back.
 */
struct sx_buf {
	struct sx_buf *next; /* spare list link; owner's use while acquired */
	size_t size;         /* capacity of data */
	size_t len;          /* bytes in use, for the holder's convenience */
	unsigned char data[];
};

struct sx_pool {
	size_t buf_size;
	unsigned limit;
	struct sx_mem_owner *mem; /* whom buffers are charged to; NULL: nobody */
	/* Counters are atomic so that a snapshot may read them from another
	 * thread while the pool is in use. */
	atomic_uint made;        /* buffers allocated over the pool's life */
	atomic_uint reused;      /* acquires served from the spare list */
	atomic_uint in_use;
	atomic_uint peak_in_use;
	struct sx_buf *spare;
};

/* Sets up an empty pool, untracked (set pool->mem to charge an owner);
 * allocates nothing. */
void sx_pool_init(struct sx_pool *pool, size_t buf_size, unsigned limit);

/* Returns a buffer (len 0), or NULL when `limit` buffers are out or the
 * allocation fails (see sx_mem_fail for why). */
struct sx_buf *sx_pool_acquire(struct sx_pool *pool);

/* Gives a buffer back to the pool it came from. NULL is ignored. */
void sx_pool_release(struct sx_pool *pool, struct sx_buf *buf);

/* Frees the spare buffers. Returns the number of buffers still out (0 when
 * every acquire was matched by a release); those are not freed. */
unsigned sx_pool_drain(struct sx_pool *pool);

#endif
