/* lines.c - splitting chunks into lines of any length, for line stages. */
#define _GNU_SOURCE
#include "lines.h"

#include <string.h>

/*
 * The splitter holds no bytes of its own besides the open line's store:
 * a chunk is cut at its last newline, everything before it is one BLOCK,
 * and only the tail after it (a line still open at the chunk's end) is
 * stored. A chunk that starts inside an open line gives that line's
 * PART up to the first newline, then its END, then the chunk's BLOCK.
 */

void sx_lines_init(struct sx_lines *ln, struct sx_mem_owner *mem, size_t limit,
		   int keep)
{
	memset(ln, 0, sizeof(*ln));
	sx_spill_init(&ln->line, mem, limit);
	ln->keep = keep;
}

/* Forgets the line handed out in the last END. */
static void close_line(struct sx_lines *ln)
{
	if (ln->ended) {
		sx_spill_clear(&ln->line);
		ln->ended = 0;
		ln->open = 0;
		ln->len = 0;
	}
}

/* Hands out p[0..n) as the next part of the open line. */
static int part(struct sx_lines *ln, struct sx_line *ev, size_t n,
		struct sx_error *err)
{
	if (ln->keep) {
		int rc = sx_spill_append(&ln->line, ln->p, n, err);
		if (rc)
			return rc;
	}
	ev->p = ln->p;
	ev->n = n;
	ev->off = ln->len;
	ev->eol = 0;
	ln->len += n;
	ln->open = 1;
	ln->p += n;
	return SX_LINES_PART;
}

static int end_line(struct sx_lines *ln, struct sx_line *ev, int eol)
{
	ev->p = NULL;
	ev->n = 0;
	ev->off = 0;
	ev->eol = eol;
	ln->ended = 1;
	return SX_LINES_END;
}

int sx_lines_next(struct sx_lines *ln, struct sx_line *ev, struct sx_error *err)
{
	size_t left = (size_t)(ln->end - ln->p);
	const unsigned char *nl;

	close_line(ln);
	if (left == 0)
		return SX_LINES_NONE;
	if (ln->open) {
		if (*ln->p == '\n') {
			ln->p++;
			return end_line(ln, ev, 1);
		}
		nl = memchr(ln->p, '\n', left);
		return part(ln, ev, nl ? (size_t)(nl - ln->p) : left, err);
	}
	nl = memrchr(ln->p, '\n', left);
	if (!nl)
		return part(ln, ev, left, err);
	ev->p = ln->p;
	ev->n = (size_t)(nl + 1 - ln->p);
	ev->off = 0;
	ev->eol = 1;
	ln->p = nl + 1;
	return SX_LINES_BLOCK;
}

int sx_lines_finish(struct sx_lines *ln, struct sx_line *ev)
{
	close_line(ln);
	if (!ln->open)
		return SX_LINES_NONE;
	return end_line(ln, ev, 0);
}

void sx_lines_release(struct sx_lines *ln)
{
	sx_spill_release(&ln->line);
	ln->open = ln->ended = 0;
	ln->len = 0;
}
