/* sort.c - the sort stage: an external merge sort of lines (like LC_ALL=C sort). */
#include <string.h>

#include "builtin.h"
#include "opts.h"
#include "sort.h"

/*
 * Lines are copied into an arena of at most -S bytes: their bytes from
 * the front, a record per line (an 8-byte key, offset, length) from the
 * back, and room between for the merge sort's scratch half. When the
 * next line does not fit, the records are sorted (a stable merge sort on
 * the keys first) and the lines written out as a sorted run to a level
 * file (sort_merge.c); the line being read moves to the front and
 * reading goes on. A line too long for an empty arena is written
 * straight to a run of its own as it arrives, so no line is ever held
 * whole. At the end, if nothing was written out, the arena is sorted and
 * emitted; otherwise the runs and the sorted arena are merged.
 *
 * Ordering is LC_ALL=C sort's: bytes as unsigned (memcmp), then length.
 * -n compares a leading number (blanks, '-', digits, '.' and a fraction;
 * no thousands separators in the C locale; no number is zero) and breaks
 * ties by the whole line, as GNU sort's last-resort comparison does; -r
 * reverses both. -u drops lines equal to an earlier one (numerically
 * equal with -n, with no tie-break), keeping the first in input order:
 * the sorts and merges are stable.
 *
 * Memory: the arena (-S, default 64 MiB, at least 1 KiB, grown as lines
 * arrive) plus, once runs exist, SORT_FANIN + 3 buffers of -S/64 bytes
 * (4 KiB to 256 KiB) for the merges: never the input's size.
 */

#define SORT_DEFAULT ((size_t)64 << 20)
#define SORT_MIN ((size_t)1 << 10)
#define SORT_MAX ((uint64_t)1 << 40)
#define ARENA_FIRST ((size_t)64 << 10)
#define BUF_MIN ((size_t)4 << 10)
#define BUF_MAX ((size_t)256 << 10)
#define REC sizeof(struct sort_rec)
#define ALIGN8(n) (((n) + 7) & ~(size_t)7)

/* ---- comparison ---- */

static int sign(int c)
{
	return (c > 0) - (c < 0);
}

int sort_bytecmp(const unsigned char *a, size_t alen, const unsigned char *b,
		 size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return sign(c);
	return (alen > blen) - (alen < blen);
}

/* A number as sort -n reads it: sign, integer digits without leading
 * zeros, fraction digits without trailing zeros. Zero is never negative. */
struct num {
	int neg;
	const unsigned char *ip, *fp;
	size_t ilen, flen;
};

static int is_digit(unsigned char c)
{
	return (unsigned)(c - '0') <= 9;
}

static void num_parse(const unsigned char *p, size_t len, struct num *n)
{
	const unsigned char *e = p + len, *last;

	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	n->neg = p < e && *p == '-';
	if (n->neg)
		p++;
	while (p < e && *p == '0')
		p++;
	for (n->ip = p; p < e && is_digit(*p); p++)
		;
	n->ilen = (size_t)(p - n->ip);
	n->fp = p;
	n->flen = 0;
	if (p < e && *p == '.') {
		n->fp = ++p;
		for (last = p; p < e && is_digit(*p); p++)
			if (*p != '0')
				last = p + 1;
		n->flen = (size_t)(last - n->fp);
	}
	if (n->ilen == 0 && n->flen == 0)
		n->neg = 0;
}

int sort_numcmp(const unsigned char *a, size_t alen, const unsigned char *b,
		size_t blen)
{
	struct num x, y;
	int c;

	num_parse(a, alen, &x);
	num_parse(b, blen, &y);
	if (x.neg != y.neg)
		return x.neg ? -1 : 1;
	if (x.ilen != y.ilen)
		c = x.ilen < y.ilen ? -1 : 1;
	else if (!(c = sign(memcmp(x.ip, y.ip, x.ilen))))
		c = sort_bytecmp(x.fp, x.flen, y.fp, y.flen);
	return x.neg ? -c : c;
}

int sort_compare(const struct sort_state *s, const unsigned char *a, size_t alen,
		 const unsigned char *b, size_t blen)
{
	int c = 0;

	if (s->numeric)
		c = sort_numcmp(a, alen, b, blen);
	if (!c && !(s->numeric && s->unique))
		c = sort_bytecmp(a, alen, b, blen);
	return s->reverse ? -c : c;
}

/* The first 8 bytes big-endian, zero padded: keys that differ order
 * their lines as memcmp would. */
static uint64_t key_of(const unsigned char *p, size_t len)
{
	uint64_t k = 0;

	for (size_t i = 0; i < 8; i++)
		k = k << 8 | (i < len ? p[i] : 0);
	return k;
}

static int rec_cmp(const struct sort_state *s, const struct sort_rec *x,
		   const struct sort_rec *y)
{
	const unsigned char *a = s->arena + x->off, *b = s->arena + y->off;
	int c;

	if (s->numeric)
		return sort_compare(s, a, x->len, b, y->len);
	if (x->key != y->key)
		c = x->key < y->key ? -1 : 1;
	else if (x->len > 8 && y->len > 8)
		c = sort_bytecmp(a + 8, x->len - 8, b + 8, y->len - 8);
	else /* equal keys cover the shorter line: it is a prefix */
		c = (x->len > y->len) - (x->len < y->len);
	return s->reverse ? -c : c;
}

/* ---- sorting the arena ---- */

static void insertion_sort(const struct sort_state *s, struct sort_rec *a,
			   size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct sort_rec x = a[i];
		size_t j = i;

		for (; j > 0 && rec_cmp(s, &a[j - 1], &x) > 0; j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
}

/* Stable: sorts a[0..n) using tmp[0..n/2). Equal records keep their
 * order because the left one is taken on a tie. */
static void merge_sort(const struct sort_state *s, struct sort_rec *a,
		       struct sort_rec *tmp, size_t n)
{
	size_t h = n / 2, i = 0, j = h, k = 0;

	if (n <= 12) {
		insertion_sort(s, a, n);
		return;
	}
	merge_sort(s, a, tmp, h);
	merge_sort(s, a + h, tmp, n - h);
	if (rec_cmp(s, &a[h - 1], &a[h]) <= 0)
		return;
	memcpy(tmp, a, h * REC);
	while (i < h && j < n)
		a[k++] = rec_cmp(s, &a[j], &tmp[i]) < 0 ? a[j++] : tmp[i++];
	while (i < h)
		a[k++] = tmp[i++];
}

static struct sort_rec *recs_of(struct sort_state *s)
{
	return (struct sort_rec *)(void *)(s->arena + s->cap) - s->nrec;
}

/* Sorts the complete lines; with -u keeps the first of each equal group.
 * Returns their number, the records in *out. */
static size_t sort_arena(struct sort_state *s, struct sort_rec **out)
{
	struct sort_rec *a, *tmp;
	size_t n = s->nrec, kept = 1;

	*out = NULL;
	if (n == 0)
		return 0;
	a = recs_of(s);
	tmp = (struct sort_rec *)(void *)(s->arena + ALIGN8(s->used));
	for (size_t i = 0; i < n / 2; i++) { /* newest-first to input order */
		struct sort_rec t = a[i];

		a[i] = a[n - 1 - i];
		a[n - 1 - i] = t;
	}
	merge_sort(s, a, tmp, n);
	*out = a;
	if (!s->unique)
		return n;
	for (size_t i = 1; i < n; i++)
		if (rec_cmp(s, &a[kept - 1], &a[i]) != 0)
			a[kept++] = a[i];
	return kept;
}

/* ---- the arena ---- */

/* Whether bytes more line bytes and recs more records fit, leaving room
 * for the merge sort's scratch (half the records). */
static int fits(const struct sort_state *s, size_t bytes, size_t recs)
{
	size_t n = s->nrec + recs;

	return bytes <= s->cap &&
	       ALIGN8(s->used + bytes) + (n + n / 2 + 1) * REC <= s->cap;
}

static int grow(struct sort_state *s)
{
	size_t cap = s->cap ? s->cap * 2 : ARENA_FIRST, tail = s->nrec * REC;
	unsigned char *p;

	if (cap > s->size)
		cap = s->size;
	p = sx_realloc(s->st->mem, s->arena, cap);
	if (!p)
		return sx_mem_fail(s->st->mem, cap, &s->st->err);
	memmove(p + cap - tail, p + s->cap - tail, tail);
	s->arena = p;
	s->cap = cap;
	return SX_OK;
}

static void add_record(struct sort_state *s)
{
	struct sort_rec *r = recs_of(s) - 1;

	r->off = s->line_start;
	r->len = s->used - 1 - s->line_start;
	r->key = key_of(s->arena + r->off, r->len);
	s->nrec++;
	s->line_start = s->used;
}

/* Writes the sorted complete lines as a run at level 0 and moves the
 * line being read to the front. */
static int flush_run(struct sort_state *s)
{
	struct sort_rec *recs;
	size_t n, part = s->used - s->line_start;
	uint64_t start, end;
	int rc = sort_level_room(s, 0), fd;

	if (rc)
		return rc;
	if ((fd = sort_level_fd(s, 0)) < 0)
		return SX_EIO;
	n = sort_arena(s, &recs);
	start = s->levels[0].end;
	rc = sort_writer_start(s, fd, start);
	for (size_t i = 0; i < n && !rc; i++)
		rc = sort_writer_put(s, s->arena + recs[i].off, recs[i].len + 1);
	if (!rc)
		rc = sort_writer_end(s, &end);
	if (rc)
		return rc;
	sort_level_add(s, 0, start, end - start);
	memmove(s->arena, s->arena + s->line_start, part);
	s->used = part;
	s->line_start = 0;
	s->nrec = 0;
	return SX_OK;
}

/* The line being read cannot fit in an empty arena: its bytes so far
 * start a run of their own, and the rest follows them there. */
static int start_direct(struct sort_state *s)
{
	int rc = sort_level_room(s, 0), fd;

	if (rc)
		return rc;
	if ((fd = sort_level_fd(s, 0)) < 0)
		return SX_EIO;
	s->direct_off = s->levels[0].end;
	rc = sort_writer_start(s, fd, s->direct_off);
	if (!rc)
		rc = sort_writer_put(s, s->arena, s->used);
	s->used = s->line_start = 0;
	s->direct = 1;
	return rc;
}

static int direct_put(struct sort_state *s, const unsigned char *p, size_t n,
		      int line_ends)
{
	uint64_t end;
	int rc = sort_writer_put(s, p, n);

	if (rc || !line_ends)
		return rc;
	if ((rc = sort_writer_end(s, &end)))
		return rc;
	sort_level_add(s, 0, s->direct_off, end - s->direct_off);
	s->direct = 0;
	return SX_OK;
}

/* Makes room for n more bytes of the current line (and its record when
 * they end it): grows the arena, writes a run, or goes direct. */
static int make_space(struct sort_state *s, size_t n, int line_ends)
{
	while (!fits(s, n, line_ends != 0)) {
		int rc;

		if (s->cap < s->size)
			rc = grow(s);
		else if (s->nrec > 0)
			rc = flush_run(s);
		else
			return start_direct(s);
		if (rc)
			return rc;
	}
	return SX_OK;
}

/* ---- the stage ---- */

int sort_out_put(struct sx_out *out, const unsigned char *p, size_t n)
{
	unsigned char *dst;
	size_t avail;
	int rc = sx_out_space(out, &dst, &avail);

	if (rc)
		return rc;
	if (avail < n)
		return sx_out_write(out, p, n);
	memcpy(dst, p, n);
	sx_out_commit(out, n);
	return SX_OK;
}

static int sort_init(struct sx_stage *st, int argc, char **argv)
{
	static const struct sx_opt_long longs[] = {
		{ "reverse", 0, 'r' }, { "unique", 0, 'u' },
		{ "numeric-sort", 0, 'n' }, { "buffer-size", 1, 'S' },
		{ NULL, 0, 0 }
	};
	struct sort_state *s = st->priv;
	struct sx_opts o;
	uint64_t size = SORT_DEFAULT;
	int c, rc;

	s->st = st;
	s->extra_fd = s->w.fd = -1;
	for (size_t i = 0; i < SORT_LEVELS; i++)
		s->levels[i].fd = -1;
	for (size_t i = 0; i <= SORT_FANIN; i++)
		s->rd[i].fd = -1;
	sx_opts_init(&o, st, argc, argv);
	while ((c = sx_opts_next(&o, "runS:", longs)) > 0) {
		if (c == 'r')
			s->reverse = 1;
		else if (c == 'u')
			s->unique = 1;
		else if (c == 'n')
			s->numeric = 1;
		else if ((rc = sx_opts_count(&o, SORT_MAX, 1, &size)))
			return rc;
	}
	if (c < 0)
		return c;
	if ((rc = sx_opts_want(&o, 0, 0, "")))
		return rc;
	/* Like GNU sort, a size too small to work with is raised. */
	s->size = size < SORT_MIN ? SORT_MIN : (size_t)size & ~(size_t)7;
	s->bufsize = s->size / 64;
	if (s->bufsize < BUF_MIN)
		s->bufsize = BUF_MIN;
	if (s->bufsize > BUF_MAX)
		s->bufsize = BUF_MAX;
	return SX_OK;
}

static int sort_process(struct sx_stage *st, const unsigned char *in,
			size_t len, struct sx_out *out)
{
	struct sort_state *s = st->priv;

	(void)out;
	while (len > 0) {
		const unsigned char *nl = memchr(in, '\n', len);
		size_t n = nl ? (size_t)(nl - in) + 1 : len;
		int rc = SX_OK;

		if (!s->direct && !fits(s, n, nl != NULL))
			rc = make_space(s, n, nl != NULL);
		if (!rc && s->direct) {
			rc = direct_put(s, in, n, nl != NULL);
		} else if (!rc) {
			memcpy(s->arena + s->used, in, n);
			s->used += n;
			if (nl)
				add_record(s);
		}
		if (rc)
			return rc;
		in += n;
		len -= n;
	}
	return SX_OK;
}

static int sort_finish(struct sx_stage *st, struct sx_out *out)
{
	struct sort_state *s = st->priv;
	struct sort_rec *recs;
	size_t n;
	int rc;

	/* A last line without a newline gets one, as sort gives it. */
	if (s->direct || s->used > s->line_start) {
		rc = sort_process(st, (const unsigned char *)"\n", 1, out);
		if (rc)
			return rc;
	}
	n = sort_arena(s, &recs);
	if (sort_has_runs(s))
		return sort_merge_final(s, recs, n, out);
	for (size_t i = 0; i < n; i++) {
		rc = sort_out_put(out, s->arena + recs[i].off, recs[i].len + 1);
		if (rc)
			return rc;
	}
	return SX_OK;
}

static void sort_destroy(struct sx_stage *st)
{
	struct sort_state *s = st->priv;

	sx_free(s->arena);
	sort_merge_release(s);
}

const struct sx_stage_ops sx_stage_sort = {
	.abi = SX_STAGE_ABI,
	.name = "sort",
	.summary = "sort lines in bounded memory, spilling sorted runs to disk (like LC_ALL=C sort)",
	.usage = "sort [-r] [-u] [-n] [-S SIZE]\n"
		 "  -r, --reverse        reverse the order\n"
		 "  -u, --unique         keep only the first of equal lines (equal numbers with -n)\n"
		 "  -n, --numeric-sort   by the leading number, then by the whole line\n"
		 "  -S, --buffer-size=SIZE  memory for lines, K/M/G suffixes (default 64M,\n"
		 "                       at least 1K); past it, sorted runs go to $TMPDIR\n"
		 "  Example: streamx -i access.log 'sort -u'",
	.priv_size = sizeof(struct sort_state),
	.init = sort_init,
	.process = sort_process,
	.finish = sort_finish,
	.destroy = sort_destroy,
};
