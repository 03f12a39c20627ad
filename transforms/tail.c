/* tail.c - the tail stage: the last N lines or bytes (like tail). */
#include <string.h>

#include "builtin.h"
#include "opts.h"
#include "spill.h"

/*
 * The bytes that may still be output are kept in a spill store (memory
 * up to STREAMX_LINE_MEM, then an unlinked temporary file) holding input
 * offsets [base, seen). For -n, a ring keeps the start offsets of the
 * last N + 1 lines (the newest being the line still being read); for -c
 * the first byte to keep is seen - N. Whatever lies before the first
 * byte to keep is dead: when a chunk alone holds everything still
 * needed, the store restarts with that part of the chunk; otherwise,
 * before the chunk is appended, a dead prefix larger than the live part
 * is dropped by copying the live part to a spare store. The store thus
 * stays within about twice what must be kept, plus a chunk.
 *
 * At the end the kept bytes go out as they are: a last line without a
 * newline stays without one, as with tail. "-n +N" and "-c +N" output
 * from line or byte N on, streaming.
 *
 * Memory: the ring ((N + 1) offsets, grown as lines arrive), the store's
 * memory part (at most STREAMX_LINE_MEM, default 1 MiB) twice, and a
 * 64 KiB buffer for copying out of a temporary.
 */

#define TAIL_MAX ((uint64_t)1 << 60)
#define COPY_BUF ((size_t)64 << 10)

struct tail_state {
	int bytes;          /* -c rather than -n */
	int from_start;     /* +N: output from line or byte N on */
	uint64_t count;
	uint64_t seen;      /* input bytes so far */
	uint64_t base;      /* input offset of the store's first byte */
	struct sx_spill store, spare;
	unsigned char *copy; /* bounce buffer for compaction from a file */
	/* -n: starts of the last count + 1 lines, oldest at ring[head] */
	uint64_t *ring;
	size_t ring_cap, head, ring_n;
	/* +N: lines (or bytes) still to skip */
	uint64_t skip;
};

static int tail_init(struct sx_stage *st, int argc, char **argv)
{
	static const struct sx_opt_long longs[] = {
		{ "lines", 1, 'n' }, { "bytes", 1, 'c' }, { NULL, 0, 0 }
	};
	struct tail_state *s = st->priv;
	struct sx_opts o;
	int c, rc;

	sx_spill_init(&s->store, st->mem, 0);
	sx_spill_init(&s->spare, st->mem, 0);
	s->count = 10;
	sx_opts_init(&o, st, argc, argv);
	while ((c = sx_opts_next(&o, "n:c:", longs)) > 0) {
		s->bytes = c == 'c';
		/* "+N" counts from the start; "-N" is N, as tail reads it */
		s->from_start = o.arg[0] == '+';
		if (o.arg[0] == '+' || o.arg[0] == '-')
			o.arg++;
		if ((rc = sx_opts_count(&o, TAIL_MAX, 1, &s->count)))
			return rc;
	}
	if (c < 0)
		return c;
	if ((rc = sx_opts_want(&o, 0, 0, "")))
		return rc;
	/* +0 is +1: the first line is line 1 */
	s->skip = s->from_start && s->count > 0 ? s->count - 1 : 0;
	return SX_OK;
}

/* ---- +N: skip, then stream ---- */

static int from_start_process(struct tail_state *s, const unsigned char *in,
			      size_t len, struct sx_out *out)
{
	if (s->bytes) {
		size_t n = s->skip < len ? (size_t)s->skip : len;

		s->skip -= n;
		in += n;
		len -= n;
	}
	while (s->skip > 0 && len > 0) {
		const unsigned char *nl = memchr(in, '\n', len);

		if (!nl)
			return SX_OK;
		s->skip--;
		len -= (size_t)(nl + 1 - in);
		in = nl + 1;
	}
	return len > 0 ? sx_out_write(out, in, len) : SX_OK;
}

/* ---- the ring of line starts ---- */

static int ring_push(struct sx_stage *st, uint64_t start)
{
	struct tail_state *s = st->priv;

	if (s->ring_n == s->ring_cap && s->ring_cap <= s->count) {
		/* grow, unwrapping; at most count + 1 entries */
		size_t cap = s->ring_cap ? s->ring_cap * 2 : 16;
		uint64_t *p;

		if (cap > s->count + 1)
			cap = (size_t)s->count + 1;
		p = sx_malloc(st->mem, cap * sizeof(*p));
		if (!p)
			return sx_mem_fail(st->mem, cap * sizeof(*p), &st->err);
		for (size_t i = 0; i < s->ring_n; i++)
			p[i] = s->ring[(s->head + i) % s->ring_cap];
		sx_free(s->ring);
		s->ring = p;
		s->ring_cap = cap;
		s->head = 0;
	}
	if (s->ring_n < s->ring_cap) {
		size_t at = s->head + s->ring_n;

		s->ring[at >= s->ring_cap ? at - s->ring_cap : at] = start;
		s->ring_n++;
		return SX_OK;
	}
	s->ring[s->head] = start; /* replaces the oldest */
	if (++s->head == s->ring_cap)
		s->head = 0;
	return SX_OK;
}

static uint64_t ring_at(const struct tail_state *s, size_t i)
{
	size_t at = s->head + i;

	return s->ring[at >= s->ring_cap ? at - s->ring_cap : at];
}

/* ---- the store ---- */

/* Copies the stored bytes from input offset keep on into the spare
 * store and swaps the two. */
static int compact(struct sx_stage *st, uint64_t keep)
{
	struct tail_state *s = st->priv;
	uint64_t off = keep - s->base, left = s->store.len - off;
	const unsigned char *mem = sx_spill_mem(&s->store);
	int rc = SX_OK;

	sx_spill_clear(&s->spare);
	if (mem)
		rc = sx_spill_append(&s->spare, mem + off, (size_t)left, &st->err);
	if (!mem && !s->copy && !(s->copy = sx_malloc(st->mem, COPY_BUF)))
		return sx_mem_fail(st->mem, COPY_BUF, &st->err);
	while (!mem && left > 0 && !rc) {
		size_t n = left < COPY_BUF ? (size_t)left : COPY_BUF;

		rc = sx_spill_read(&s->store, off, s->copy, n, &st->err);
		if (!rc)
			rc = sx_spill_append(&s->spare, s->copy, n, &st->err);
		off += n;
		left -= n;
	}
	if (rc)
		return rc;
	sx_spill_swap(&s->store, &s->spare);
	s->base = keep;
	return SX_OK;
}

/* Adds in[0..len), read at input offset at, given that nothing before
 * input offset keep will be needed. */
static int keep_from(struct sx_stage *st, const unsigned char *in, size_t len,
		     uint64_t at, uint64_t keep)
{
	struct tail_state *s = st->priv;
	uint64_t dead = keep - s->base;
	int rc;

	if (keep >= at) {
		sx_spill_clear(&s->store);
		s->base = keep;
		return sx_spill_append(&s->store, in + (keep - at),
				       len - (size_t)(keep - at), &st->err);
	}
	if (dead > 0 && dead > s->store.len - dead && (rc = compact(st, keep)))
		return rc;
	return sx_spill_append(&s->store, in, len, &st->err);
}

/* ---- the stage ---- */

static int tail_process(struct sx_stage *st, const unsigned char *in,
			size_t len, struct sx_out *out)
{
	struct tail_state *s = st->priv;
	uint64_t at = s->seen;
	int rc;

	if (s->from_start)
		return from_start_process(s, in, len, out);
	if (s->count == 0)
		return SX_DONE; /* nothing will be output */
	s->seen += len;
	if (s->bytes)
		return keep_from(st, in, len, at,
				 s->seen > s->count ? s->seen - s->count : 0);
	if (s->ring_n == 0 && (rc = ring_push(st, 0)))
		return rc;
	for (size_t i = 0; i < len;) {
		const unsigned char *nl = memchr(in + i, '\n', len - i);

		if (!nl)
			break;
		i = (size_t)(nl - in) + 1;
		if ((rc = ring_push(st, at + i)))
			return rc;
	}
	return keep_from(st, in, len, at, ring_at(s, 0));
}

static int tail_finish(struct sx_stage *st, struct sx_out *out)
{
	struct tail_state *s = st->priv;
	uint64_t start;

	if (s->from_start || s->count == 0 || s->seen == 0)
		return SX_OK;
	if (s->bytes)
		start = s->seen > s->count ? s->seen - s->count : 0;
	else if (s->ring_n == s->count + 1 && ring_at(s, s->ring_n - 1) < s->seen)
		start = ring_at(s, 1); /* the unfinished last line is one of N */
	else
		start = ring_at(s, 0);
	return sx_spill_emit(&s->store, start - s->base, s->seen - start, out,
			     &st->err);
}

static void tail_destroy(struct sx_stage *st)
{
	struct tail_state *s = st->priv;

	sx_spill_release(&s->store);
	sx_spill_release(&s->spare);
	sx_free(s->ring);
	sx_free(s->copy);
}

const struct sx_stage_ops sx_stage_tail = {
	.abi = SX_STAGE_ABI,
	.name = "tail",
	.summary = "the last N lines or bytes, in memory bounded by N (like tail)",
	.usage = "tail [-n N | -c N]\n"
		 "  -n, --lines=N   the last N lines (default 10); +N: from line N on\n"
		 "  -c, --bytes=N   the last N bytes; +N: from byte N on\n"
		 "  N takes K/M/G suffixes (powers of 1024). Kept bytes past\n"
		 "  STREAMX_LINE_MEM (default 1M) wait in a temporary file in $TMPDIR.\n"
		 "  Example: streamx -i access.log 'tail -n 100'",
	.priv_size = sizeof(struct tail_state),
	.init = tail_init,
	.process = tail_process,
	.finish = tail_finish,
	.destroy = tail_destroy,
};
