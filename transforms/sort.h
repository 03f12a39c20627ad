/* sort.h - the sort stage's state, shared by sort.c and sort_merge.c. */
#ifndef SX_SORT_H
#define SX_SORT_H

#include <stddef.h>
#include <stdint.h>

#include "stage.h"

/*
 * sort.c collects lines in an arena, sorts them and writes each full
 * arena out as a sorted run; sort_merge.c keeps the runs on disk and
 * merges them. The runs of one level (merged the same number of times)
 * share one unlinked temporary file; a level holds at most SORT_FANIN
 * runs, and the one that would pass that merges the level into a single
 * run of the next. Descriptors and run lists therefore stay bounded (one
 * file per level, levels growing with the logarithm of the input).
 */
#define SORT_FANIN 16   /* runs merged at once */
#define SORT_LEVELS 24  /* SORT_FANIN^24 runs: never reached */

/* A line in the arena: its first 8 bytes as a big-endian number (zero
 * padded, so that comparing keys orders lines as memcmp does), its
 * offset, and its length without the newline that follows it there. */
struct sort_rec {
	uint64_t key;
	size_t off;
	size_t len;
};

/* A sorted run: newline-terminated lines at [off, off + len) of fd. */
struct sort_run {
	int fd;
	uint64_t off, len;
};

struct sort_level {
	int fd;          /* its temporary, -1 until the first run */
	uint64_t end;    /* bytes of the file in use */
	unsigned n;
	struct sort_run runs[SORT_FANIN]; /* oldest first */
};

/* Buffered writes to a temporary at a running offset. */
struct sort_writer {
	int fd;
	uint64_t off;    /* where buf[0] goes */
	unsigned char *buf;
	size_t used;
};

/* One input of a merge: a run read through a fixed buffer, or the sorted
 * records still in the arena (fd -1). The current line is complete in
 * memory, or "long": longer than the buffer, which then holds its first
 * bytes, the rest being read from the file when needed. */
struct sort_reader {
	int fd;
	uint64_t next;   /* file offset of the byte after buf[have - 1] */
	uint64_t end;    /* end of the run */
	unsigned char *buf;
	size_t have, cur;
	const struct sort_rec *rec, *rec_end;
	const unsigned char *line;  /* NULL once the input is used up */
	size_t len;      /* without the newline; when long, bytes in buf */
	int is_long;
	uint64_t long_off; /* file offset where a long line starts */
	unsigned age;    /* position in input order, to keep ties stable */
};

struct sort_state {
	struct sx_stage *st;
	int reverse, unique, numeric;
	size_t size;     /* -S: the arena's most bytes */
	size_t bufsize;  /* each merge and write buffer */

	/* Line bytes from the front, records from the back, newest last. */
	unsigned char *arena;
	size_t cap;      /* allocated, a multiple of 8, at most size */
	size_t used;     /* line bytes */
	size_t line_start; /* the line being read begins here */
	size_t nrec;
	int direct;      /* a line too long for the arena goes to its own run */
	uint64_t direct_off;

	struct sort_level levels[SORT_LEVELS];
	int extra_fd;    /* runs of the last merges before the final one */
	uint64_t extra_end;
	struct sort_writer w;
	struct sort_reader rd[SORT_FANIN + 1];
	unsigned char *scratch[2]; /* windows of two long lines being compared */
	int failed;      /* an error met inside a comparison */
};

/* Line comparison as LC_ALL=C sort with the state's options (-n, -r and
 * -u, which drops the whole-line tie-break of -n). */
int sort_compare(const struct sort_state *s, const unsigned char *a, size_t alen,
		 const unsigned char *b, size_t blen);

/* The parts: numbers at the start of the lines (sort -n), and bytes. */
int sort_numcmp(const unsigned char *a, size_t alen, const unsigned char *b,
		size_t blen);
int sort_bytecmp(const unsigned char *a, size_t alen, const unsigned char *b,
		 size_t blen);

/* Writes n bytes to out, copying straight into its space when they fit. */
int sort_out_put(struct sx_out *out, const unsigned char *p, size_t n);

/* sort_merge.c: makes room for one more run at a level (merging the
 * level when it is full), returns its file (-1 with the error on the
 * stage), and records a run written at its end. */
int sort_level_room(struct sort_state *s, unsigned level);
int sort_level_fd(struct sort_state *s, unsigned level);
void sort_level_add(struct sort_state *s, unsigned level, uint64_t off,
		    uint64_t len);
int sort_has_runs(const struct sort_state *s);

int sort_writer_start(struct sort_state *s, int fd, uint64_t off);
int sort_writer_put(struct sort_state *s, const void *p, size_t n);
int sort_writer_end(struct sort_state *s, uint64_t *end);

/* Merges every run and then recs[0..n) (the newest lines) to out. */
int sort_merge_final(struct sort_state *s, const struct sort_rec *recs,
		     size_t n, struct sx_out *out);

/* Frees the buffers and closes the temporaries. */
void sort_merge_release(struct sort_state *s);

#endif
