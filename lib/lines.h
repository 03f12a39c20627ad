/* lines.h - splitting chunks into lines of any length, for line stages. */
#ifndef SX_LINES_H
#define SX_LINES_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "mem.h"
#include "spill.h"

/*
 * A line stage gets chunks cut anywhere, and a line may be longer than
 * memory. struct sx_lines turns each chunk into a few events, asked for
 * one at a time with sx_lines_next:
 *
 *   SX_LINES_BLOCK  p[0..n): one or more whole lines lying in the chunk,
 *                   each ending in '\n' (so p[n-1] == '\n'). Not copied:
 *                   the stage searches or writes them in place, many
 *                   lines at once (grep -F looks for its pattern across
 *                   the whole block with one memchr).
 *   SX_LINES_PART   p[0..n), n >= 1: the next bytes of the open line,
 *                   a line whose end is not known yet. off is where p
 *                   starts in that line (0: the line begins here). When
 *                   keep is set the bytes are already appended to
 *                   ln->line when the event arrives.
 *   SX_LINES_END    the open line is complete: ln->len bytes, in
 *                   ln->line when keep is set (memory up to the limit,
 *                   then an unlinked temporary file), without its
 *                   newline. eol is 1 when a newline ended it, 0 for the
 *                   last line of the input, which had none.
 *
 * A line lying wholly in one chunk only ever comes in a BLOCK; a line
 * that crosses a chunk boundary comes as PARTs then an END. So the input
 * is, in order: the BLOCK bytes, and for each open line its PART bytes
 * then a newline when eol is set.
 *
 * Incremental parts, not read-back: a stage sees each byte of a long
 * line once, while it is still in the chunk (and in the cache). grep -F
 * searches the parts as they come (holding the last pattern-length - 1
 * bytes so that a match across two parts is found), uniq compares them
 * with the previous line, dedup hashes them; at the END the decision is
 * made without reading a spilled line back from the disk. The disk is
 * read only to write a line out (sx_spill_emit), or by a stage that
 * needs the line in one piece (grep -E maps the file). A stage that
 * needs only the parts (grep -c, nl) clears keep, and nothing is stored.
 *
 * Ownership and lifetime: p points into the chunk the stage was given,
 * valid until its process call returns. ln->line belongs to the helper;
 * while handling an END the stage may read it, write it out, or swap it
 * with a store of its own made with the same owner and limit (uniq keeps
 * the line that way as its previous one): whatever store is in ln->line
 * then is emptied on the next sx_lines_next or sx_lines_finish call.
 * Memory is the store's limit (sx_spill), whatever the line lengths.
 *
 * Events need no resuming: a stage that stops half way through a chunk
 * (an error or SX_DONE from its output) is never given more input.
 */

enum sx_lines_event {
	SX_LINES_NONE = 0,  /* the chunk is used up (or, at the end: no open line) */
	SX_LINES_BLOCK = 1,
	SX_LINES_PART = 2,
	SX_LINES_END = 3
};

struct sx_line {
	const unsigned char *p; /* BLOCK, PART: bytes in the chunk */
	size_t n;
	uint64_t off;           /* PART: offset of p in the open line */
	int eol;                /* END: ended by a newline */
};

struct sx_lines {
	struct sx_spill line;   /* the open line's bytes, when keep is set */
	uint64_t len;           /* bytes of the open line so far, kept or not */
	int keep;               /* store open lines in line (set between lines) */
	int open;               /* a line has begun and not ended */
	int ended;              /* an END was handed out: empty line first */
	const unsigned char *p, *end; /* the unread rest of the chunk */
};

/* Sets up ln; allocates nothing yet. limit 0: the default line memory
 * ($STREAMX_LINE_MEM, else 1 MiB). keep: whether to store open lines. */
void sx_lines_init(struct sx_lines *ln, struct sx_mem_owner *mem, size_t limit,
		   int keep);

/* Starts on a new chunk in[0..len) (the previous one must be used up). */
static inline void sx_lines_feed(struct sx_lines *ln, const unsigned char *in,
				 size_t len)
{
	ln->p = in;
	ln->end = in + len;
}

/* The next event of the chunk in *ev: returns its kind (> 0), 0 when the
 * chunk is used up, or a negative status when the store failed (recorded
 * in err). */
int sx_lines_next(struct sx_lines *ln, struct sx_line *ev, struct sx_error *err);

/* End of input: SX_LINES_END with eol 0 when a line is open (the last
 * line had no newline), else SX_LINES_NONE. */
int sx_lines_finish(struct sx_lines *ln, struct sx_line *ev);

/* Frees the store and closes its temporary file. */
void sx_lines_release(struct sx_lines *ln);

#endif
