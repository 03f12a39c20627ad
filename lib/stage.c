/* stage.c - the output handle's slow paths and stage error reporting. */
#include "stage.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SX_OUT_MIN_GROWTH (64 * 1024)

int sx_out_grow(struct sx_out *out, size_t most)
{
	size_t cap = out->cap < SX_OUT_MIN_GROWTH ? SX_OUT_MIN_GROWTH : out->cap;
	unsigned char *grown;

	if (out->cap >= SX_OUT_MIN_GROWTH) {
		if (cap > SIZE_MAX / 2)
			goto nomem;
		cap *= 2;
	}
	if (cap > most)
		cap = most;
	grown = sx_realloc(out->mem, out->buf, cap);
	if (!grown)
		goto nomem;
	out->buf = grown;
	out->cap = cap;
	return SX_OK;
nomem:
	return sx_mem_fail(out->mem, cap, out->err);
}

int sx_out_make_room(struct sx_out *out)
{
	if (out->len < out->cap)
		return SX_OK;
	if (!out->drain)
		return sx_out_grow(out, SIZE_MAX);
	return out->drain(out);
}

int sx_out_write(struct sx_out *out, const void *data, size_t n)
{
	const unsigned char *p = data;

	/* A whole buffer's worth with nothing pending: hand it on as it is,
	 * which saves a copy per chunk for cat-like stages. */
	if (out->pass && out->len == 0 && n >= out->cap) {
		out->total += n;
		return out->pass(out, p, n);
	}
	while (n > 0) {
		unsigned char *dst;
		size_t avail;
		int rc = sx_out_space(out, &dst, &avail);

		if (rc)
			return rc;
		if (avail > n)
			avail = n;
		memcpy(dst, p, avail);
		sx_out_commit(out, avail);
		p += avail;
		n -= avail;
	}
	return SX_OK;
}

int sx_stage_fail(struct sx_stage *st, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->err.msg, sizeof(st->err.msg), fmt, ap);
	va_end(ap);
	st->err.status = status;
	return status;
}
