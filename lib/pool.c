/* pool.c - the bounded buffer pool. */
#include "pool.h"


void sx_pool_init(struct sx_pool *pool, size_t buf_size, unsigned limit)
{
	pool->buf_size = buf_size;
	pool->limit = limit;
	pool->mem = NULL;
	atomic_init(&pool->made, 0);
	atomic_init(&pool->reused, 0);
	atomic_init(&pool->in_use, 0);
	atomic_init(&pool->peak_in_use, 0);
	pool->spare = NULL;
}

static struct sx_buf *take_spare(struct sx_pool *pool)
{
	struct sx_buf *buf = pool->spare;

	if (buf) {
		pool->spare = buf->next;
		pool->reused++;
	}
	return buf;
}

static struct sx_buf *make_buf(struct sx_pool *pool)
{
	struct sx_buf *buf;

	buf = sx_malloc(pool->mem, sizeof(*buf) + pool->buf_size);
	if (!buf)
		return NULL;
	buf->size = pool->buf_size;
	pool->made++;
	return buf;
}

struct sx_buf *sx_pool_acquire(struct sx_pool *pool)
{
	struct sx_buf *buf;

	/* New buffers are made only when no spare is left, so in_use plus
	 * spares never passes limit. */
	if (pool->in_use >= pool->limit)
		return NULL;
	buf = take_spare(pool);
	if (!buf)
		buf = make_buf(pool);
	if (!buf)
		return NULL;
	buf->next = NULL;
	buf->len = 0;
	pool->in_use++;
	if (pool->in_use > pool->peak_in_use)
		pool->peak_in_use = pool->in_use;
	return buf;
}

void sx_pool_release(struct sx_pool *pool, struct sx_buf *buf)
{
	if (!buf)
		return;
	buf->next = pool->spare;
	pool->spare = buf;
	pool->in_use--;
}

unsigned sx_pool_drain(struct sx_pool *pool)
{
	while (pool->spare) {
		struct sx_buf *next = pool->spare->next;
		sx_free(pool->spare);
		pool->spare = next;
	}
	return pool->in_use;
}
