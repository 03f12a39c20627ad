/* sort_merge.c - the sort stage's runs on disk: writing, levels, k-way merges. */
#include <string.h>
#include <unistd.h>

#include "sort.h"
#include "spill.h"

/*
 * A merge reads each run through one fixed buffer with pread and keeps
 * the inputs in a binary heap ordered by their current lines, ties going
 * to the older input (stable). A line longer than the buffer stays in
 * its file: the buffer holds its first bytes, and two such lines are
 * compared window by window from the files (two scratch buffers), as far
 * as they agree. Output streams through in buffer-sized pieces. For -n,
 * a line that long is compared by the number in its first buffer-full
 * (-S/64 bytes, at least 4 KiB): a number longer than that is cut there.
 *
 * With -u every input is already free of duplicates, so after the line
 * that goes out, the lines equal to it can only sit at the head of other
 * inputs: they are skipped there while it is still in its buffer.
 *
 * Temporaries are unlinked from the start (spill.h), so none survives
 * any exit; destroy closes them.
 */

static int sign(int c)
{
	return (c > 0) - (c < 0);
}

static size_t min_size(size_t a, uint64_t b)
{
	return b < a ? (size_t)b : a;
}

/* ---- writing runs ---- */

int sort_writer_start(struct sort_state *s, int fd, uint64_t off)
{
	struct sort_writer *w = &s->w;

	if (!w->buf && !(w->buf = sx_malloc(s->st->mem, s->bufsize)))
		return sx_mem_fail(s->st->mem, s->bufsize, &s->st->err);
	w->fd = fd;
	w->off = off;
	w->used = 0;
	return SX_OK;
}

static int writer_flush(struct sort_state *s)
{
	struct sort_writer *w = &s->w;
	int rc = sx_temp_write(w->fd, w->off, w->buf, w->used, &s->st->err);

	w->off += w->used;
	w->used = 0;
	return rc;
}

int sort_writer_put(struct sort_state *s, const void *p, size_t n)
{
	struct sort_writer *w = &s->w;
	int rc;

	if (w->used + n > s->bufsize) {
		if ((rc = writer_flush(s)))
			return rc;
		if (n >= s->bufsize) {
			rc = sx_temp_write(w->fd, w->off, p, n, &s->st->err);
			w->off += n;
			return rc;
		}
	}
	memcpy(w->buf + w->used, p, n);
	w->used += n;
	return SX_OK;
}

int sort_writer_end(struct sort_state *s, uint64_t *end)
{
	int rc = writer_flush(s);

	*end = s->w.off;
	return rc;
}

/* ---- reading runs ---- */

/* Makes the reader's next line current (line NULL at the end). */
static int reader_load(struct sort_state *s, struct sort_reader *r)
{
	if (r->fd < 0) {
		r->line = NULL;
		if (r->rec < r->rec_end) {
			r->line = s->arena + r->rec->off;
			r->len = r->rec->len;
		}
		return SX_OK;
	}
	for (;;) {
		unsigned char *p = r->buf + r->cur, *nl;
		size_t avail = r->have - r->cur, want;
		int rc;

		if ((nl = memchr(p, '\n', avail))) {
			r->line = p;
			r->len = (size_t)(nl - p);
			r->is_long = 0;
			return SX_OK;
		}
		if (avail == s->bufsize) {
			r->line = p;
			r->len = avail;
			r->is_long = 1;
			r->long_off = r->next - avail;
			return SX_OK;
		}
		if (r->next == r->end) {
			r->line = NULL;
			if (avail == 0)
				return SX_OK;
			return sx_stage_fail(s->st, SX_EIO,
					     "a temporary file of sorted lines ends inside a line");
		}
		memmove(r->buf, p, avail);
		r->cur = 0;
		r->have = avail;
		want = min_size(s->bufsize - avail, r->end - r->next);
		rc = sx_temp_read(r->fd, r->next, r->buf + avail, want, &s->st->err);
		if (rc)
			return rc;
		r->have += want;
		r->next += want;
	}
}

/* Writes bytes of a merge's output: to out, or to the writer. */
static int emit(struct sort_state *s, struct sx_out *out, const unsigned char *p,
		size_t n)
{
	return out ? sort_out_put(out, p, n) : sort_writer_put(s, p, n);
}

/* Moves past a long line, passing it on piece by piece when keep. */
static int pass_long(struct sort_state *s, struct sort_reader *r,
		     struct sx_out *out, int keep)
{
	for (;;) {
		unsigned char *p = r->buf + r->cur;
		unsigned char *nl = memchr(p, '\n', r->have - r->cur);
		size_t n = nl ? (size_t)(nl - p) + 1 : r->have - r->cur, want;
		int rc;

		if (keep && n > 0 && (rc = emit(s, out, p, n)))
			return rc;
		r->cur += n;
		if (nl) {
			r->is_long = 0;
			return SX_OK;
		}
		if (r->next == r->end)
			return sx_stage_fail(s->st, SX_EIO,
					     "a temporary file of sorted lines ends inside a line");
		want = min_size(s->bufsize, r->end - r->next);
		if ((rc = sx_temp_read(r->fd, r->next, r->buf, want, &s->st->err)))
			return rc;
		r->have = want;
		r->cur = 0;
		r->next += want;
	}
}

/* Passes the current line on (keep) or drops it, and loads the next. */
static int reader_next(struct sort_state *s, struct sort_reader *r,
		       struct sx_out *out, int keep)
{
	int rc = SX_OK;

	if (r->is_long) {
		rc = pass_long(s, r, out, keep); /* leaves cur past the newline */
	} else {
		if (keep)
			rc = emit(s, out, r->line, r->len + 1);
		if (r->fd < 0)
			r->rec++;
		else
			r->cur += r->len + 1;
	}
	if (rc)
		return rc;
	return reader_load(s, r);
}

/* ---- comparing the current lines of two readers ---- */

struct window {
	const unsigned char *p;
	size_t n;
	int ended;    /* the line ends after p[n - 1] */
};

/* The current line from byte off on: in memory, or read from the file
 * into scratch when past a long line's buffered start. */
static int window_at(struct sort_state *s, const struct sort_reader *r,
		     uint64_t off, unsigned char *scratch, struct window *w)
{
	uint64_t at = r->long_off + off;
	unsigned char *nl;
	size_t want;
	int rc;

	if (!r->is_long || off < r->len) {
		w->p = r->line + off;
		w->n = r->len - (size_t)off;
		w->ended = !r->is_long;
		return SX_OK;
	}
	want = min_size(s->bufsize, r->end - at);
	if ((rc = sx_temp_read(r->fd, at, scratch, want, &s->st->err)))
		return rc;
	nl = memchr(scratch, '\n', want);
	w->p = scratch;
	w->n = nl ? (size_t)(nl - scratch) : want;
	w->ended = nl != NULL || want == 0;
	return SX_OK;
}

/* Bytes then length, through windows, when a line is long. */
static int long_bytecmp(struct sort_state *s, const struct sort_reader *a,
			const struct sort_reader *b, int *res)
{
	for (uint64_t off = 0;; ) {
		struct window x, y;
		size_t m;
		int rc = window_at(s, a, off, s->scratch[0], &x), c;

		if (!rc)
			rc = window_at(s, b, off, s->scratch[1], &y);
		if (rc)
			return rc;
		m = x.n < y.n ? x.n : y.n;
		if ((c = memcmp(x.p, y.p, m)) != 0) {
			*res = sign(c);
			return SX_OK;
		}
		if (x.n == m && x.ended) {
			*res = y.n == m && y.ended ? 0 : -1;
			return SX_OK;
		}
		if (y.n == m && y.ended) {
			*res = 1;
			return SX_OK;
		}
		off += m; /* m > 0: an empty window has ended */
	}
}

/* sort_compare on the current lines; an I/O error is kept in s->failed. */
static int line_cmp(struct sort_state *s, const struct sort_reader *a,
		    const struct sort_reader *b)
{
	int c = 0, rc;

	if (!a->is_long && !b->is_long)
		return sort_compare(s, a->line, a->len, b->line, b->len);
	if (s->numeric) /* on the first buffer-full of a long line */
		c = sort_numcmp(a->line, a->len, b->line, b->len);
	if (!c && !(s->numeric && s->unique) &&
	    (rc = long_bytecmp(s, a, b, &c)) != SX_OK) {
		s->failed = rc;
		c = 0;
	}
	return s->reverse ? -c : c;
}

static int before(struct sort_state *s, const struct sort_reader *a,
		  const struct sort_reader *b)
{
	int c = line_cmp(s, a, b);

	return c ? c < 0 : a->age < b->age;
}

/* ---- the heap ---- */

static void sift_down(struct sort_state *s, struct sort_reader **h, unsigned k,
		      unsigned i)
{
	for (;;) {
		unsigned l = 2 * i + 1, m = i;
		struct sort_reader *t;

		if (l < k && before(s, h[l], h[m]))
			m = l;
		if (l + 1 < k && before(s, h[l + 1], h[m]))
			m = l + 1;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void sift_up(struct sort_state *s, struct sort_reader **h, unsigned i)
{
	while (i > 0) {
		unsigned p = (i - 1) / 2;
		struct sort_reader *t;

		if (!before(s, h[i], h[p]))
			return;
		t = h[i];
		h[i] = h[p];
		h[p] = t;
		i = p;
	}
}

/* Takes the head's line out (keep: to the output) and restores the heap;
 * returns the heap's new size, or -1 with the status in *rc. */
static int advance_head(struct sort_state *s, struct sort_reader **h, unsigned k,
			struct sx_out *out, int keep, int *rc)
{
	struct sort_reader *r = h[0];

	if ((*rc = reader_next(s, r, out, keep)))
		return -1;
	if (!r->line)
		h[0] = h[--k];
	if (k > 0)
		sift_down(s, h, k, 0);
	return (int)k;
}

static int alloc_buffers(struct sort_state *s, unsigned n)
{
	for (unsigned i = 0; i < n + 2; i++) {
		unsigned char **p = i < n ? &s->rd[i].buf : &s->scratch[i - n];

		if (!*p && !(*p = sx_malloc(s->st->mem, s->bufsize)))
			return sx_mem_fail(s->st->mem, s->bufsize, &s->st->err);
	}
	return SX_OK;
}

/* Merges runs[0..n) (oldest first) and then recs[0..nrec) to out, or to
 * the writer when out is NULL. */
static int merge(struct sort_state *s, const struct sort_run *runs, unsigned n,
		 const struct sort_rec *recs, size_t nrec, struct sx_out *out)
{
	struct sort_reader *h[SORT_FANIN + 1];
	unsigned k = 0;
	int rc = alloc_buffers(s, n);

	for (unsigned i = 0; i <= n && !rc; i++) {
		struct sort_reader *r = &s->rd[i];

		if (i == n && nrec == 0)
			break;
		r->fd = i < n ? runs[i].fd : -1;
		r->next = i < n ? runs[i].off : 0;
		r->end = i < n ? runs[i].off + runs[i].len : 0;
		r->have = r->cur = 0;
		if (i == n) {
			r->rec = recs;
			r->rec_end = recs + nrec;
		}
		r->is_long = 0;
		r->age = i;
		if (!(rc = reader_load(s, r)) && r->line)
			h[k++] = r;
	}
	s->failed = SX_OK;
	for (unsigned i = k / 2; i-- > 0;)
		sift_down(s, h, k, i);
	while (k > 0 && !rc && !s->failed) {
		struct sort_reader *r = h[0];
		int left;

		if (!s->unique) {
			left = advance_head(s, h, k, out, 1, &rc);
			k = left < 0 ? 0 : (unsigned)left;
			continue;
		}
		/* out of the heap while its equals elsewhere are dropped */
		h[0] = h[--k];
		if (k > 0)
			sift_down(s, h, k, 0);
		while (k > 0 && !rc && !s->failed && line_cmp(s, h[0], r) == 0) {
			left = advance_head(s, h, k, out, 0, &rc);
			k = left < 0 ? 0 : (unsigned)left;
		}
		if (!rc && !s->failed && !(rc = reader_next(s, r, out, 1)) && r->line) {
			h[k++] = r;
			sift_up(s, h, k - 1);
		}
	}
	return rc ? rc : s->failed;
}

/* ---- levels ---- */

int sort_level_fd(struct sort_state *s, unsigned level)
{
	struct sort_level *l = &s->levels[level];

	if (l->fd < 0)
		l->fd = sx_temp_open(&s->st->err);
	return l->fd;
}

void sort_level_add(struct sort_state *s, unsigned level, uint64_t off,
		    uint64_t len)
{
	struct sort_level *l = &s->levels[level];

	l->runs[l->n].fd = l->fd;
	l->runs[l->n].off = off;
	l->runs[l->n].len = len;
	l->n++;
	l->end = off + len;
}

int sort_has_runs(const struct sort_state *s)
{
	for (unsigned i = 0; i < SORT_LEVELS; i++)
		if (s->levels[i].n > 0)
			return 1;
	return 0;
}

/* Merges the full level into one run of the next and empties it. */
static int merge_level(struct sort_state *s, unsigned level)
{
	struct sort_level *l = &s->levels[level];
	uint64_t start, end;
	int rc = sort_level_room(s, level + 1), fd;

	if (rc)
		return rc;
	if ((fd = sort_level_fd(s, level + 1)) < 0)
		return SX_EIO;
	start = s->levels[level + 1].end;
	rc = sort_writer_start(s, fd, start);
	if (!rc)
		rc = merge(s, l->runs, l->n, NULL, 0, NULL);
	if (!rc)
		rc = sort_writer_end(s, &end);
	if (rc)
		return rc;
	sort_level_add(s, level + 1, start, end - start);
	if (ftruncate(l->fd, 0) != 0) {
		/* A temporary that will not shrink is dropped instead. */
		close(l->fd);
		l->fd = -1;
	}
	l->n = 0;
	l->end = 0;
	return SX_OK;
}

int sort_level_room(struct sort_state *s, unsigned level)
{
	if (level >= SORT_LEVELS)
		return sx_stage_fail(s->st, SX_EIO, "too many sorted runs to merge");
	if (s->levels[level].n < SORT_FANIN)
		return SX_OK;
	return merge_level(s, level);
}

/*
 * Every run, oldest (highest level) first. While there are more than
 * SORT_FANIN, the newest ones (the smallest) are merged into one, just
 * enough of them to leave SORT_FANIN; then one merge with the arena's
 * lines, the newest of all, writes the output.
 */
int sort_merge_final(struct sort_state *s, const struct sort_rec *recs,
		     size_t n, struct sx_out *out)
{
	struct sort_run list[SORT_LEVELS * SORT_FANIN];
	unsigned count = 0;
	int rc;

	for (unsigned l = SORT_LEVELS; l-- > 0;)
		for (unsigned i = 0; i < s->levels[l].n; i++)
			list[count++] = s->levels[l].runs[i];
	while (count > SORT_FANIN) {
		unsigned k = count - SORT_FANIN + 1;
		uint64_t start = s->extra_end, end;

		if (k > SORT_FANIN)
			k = SORT_FANIN;
		if (s->extra_fd < 0 && (s->extra_fd = sx_temp_open(&s->st->err)) < 0)
			return SX_EIO;
		rc = sort_writer_start(s, s->extra_fd, start);
		if (!rc)
			rc = merge(s, list + count - k, k, NULL, 0, NULL);
		if (!rc)
			rc = sort_writer_end(s, &end);
		if (rc)
			return rc;
		count -= k - 1;
		list[count - 1].fd = s->extra_fd;
		list[count - 1].off = start;
		list[count - 1].len = end - start;
		s->extra_end = end;
	}
	return merge(s, list, count, recs, n, out);
}

void sort_merge_release(struct sort_state *s)
{
	for (unsigned i = 0; i < SORT_LEVELS; i++)
		if (s->levels[i].fd >= 0)
			close(s->levels[i].fd);
	if (s->extra_fd >= 0)
		close(s->extra_fd);
	for (unsigned i = 0; i <= SORT_FANIN; i++)
		sx_free(s->rd[i].buf);
	sx_free(s->scratch[0]);
	sx_free(s->scratch[1]);
	sx_free(s->w.buf);
}
