/* snapdiff.c - `streamx snapdiff A B`: memory growth per owner between two snapshots. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "memwatch.h"
#include "report.h"

/*
 * The reader knows the subset of JSON that snapshots use, and checks it
 * strictly: objects, arrays, strings (escapes included), numbers, true,
 * false, null. It keeps only what the diff prints (the owners' current
 * bytes, rss, tracked bytes and the times) and skips every other value,
 * so fields a later version adds are read past. Nesting is bounded, so a
 * hostile file cannot run the stack out. A snapshot is a few kilobytes;
 * a file past MAX_FILE is not one.
 */

#define MAX_FILE (4 << 20)
#define MAX_DEPTH 32
#define SNAPSHOT_VERSION 1

struct owner {
	char *name;
	uint64_t current;
};

struct snapshot {
	const char *path;
	uint64_t pid;      /* 0 when not given */
	double time_unix, elapsed;
	int has_time;
	uint64_t rss, tracked;
	struct owner *owners;
	size_t count, cap;
};

struct reader {
	const char *text, *p, *end;
	char why[160];     /* what was wrong, for the message */
};

/* A signed growth, kept as sign and size so that no figure overflows. */
struct growth {
	int neg;
	uint64_t size;
};

/* ---- the reader ---- */

/* Records the first fault only: later ones follow from it. */
static int bad(struct reader *r, const char *what)
{
	if (r->why[0])
		return -1;
	if (r->p >= r->end)
		snprintf(r->why, sizeof(r->why), "%s, found the end of the file", what);
	else
		snprintf(r->why, sizeof(r->why), "%s at byte %td", what, r->p - r->text);
	return -1;
}

static void skip_space(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' ||
				 *r->p == '\r'))
		r->p++;
}

/* Consumes c after any blanks; returns 0, or -1 if it is not there. */
static int take(struct reader *r, char c)
{
	skip_space(r);
	if (r->p < r->end && *r->p == c) {
		r->p++;
		return 0;
	}
	return -1;
}

static int expect(struct reader *r, char c)
{
	char what[32];

	if (take(r, c) == 0)
		return 0;
	snprintf(what, sizeof(what), "expected '%c'", c);
	return bad(r, what);
}

static int hex4(struct reader *r, unsigned *out)
{
	*out = 0;
	for (int i = 0; i < 4; i++, r->p++) {
		char c = r->p < r->end ? *r->p : '\0';
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (unsigned)((c | 0x20) - 'a' + 10);
		else
			return bad(r, "bad \\u escape");
		*out = *out << 4 | d;
	}
	return 0;
}

/* Decodes \uXXXX (and its low surrogate, for a pair) into UTF-8 at out,
 * which has room for 4 bytes; returns the bytes written or -1. */
static int unicode_escape(struct reader *r, char *out)
{
	unsigned cp, lo;
	int n = 0;

	if (hex4(r, &cp))
		return -1;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return bad(r, "lone low surrogate");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
			return bad(r, "lone high surrogate");
		r->p += 2;
		if (hex4(r, &lo) || lo < 0xdc00 || lo > 0xdfff)
			return bad(r, "bad surrogate pair");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp < 0x80) {
		out[n++] = (char)cp;
	} else if (cp < 0x800) {
		out[n++] = (char)(0xc0 | cp >> 6);
		out[n++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[n++] = (char)(0xe0 | cp >> 12);
		out[n++] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[n++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[n++] = (char)(0xf0 | cp >> 18);
		out[n++] = (char)(0x80 | (cp >> 12 & 0x3f));
		out[n++] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[n++] = (char)(0x80 | (cp & 0x3f));
	}
	return n;
}

/* One escape after the backslash; returns the bytes written to out. */
static int escape(struct reader *r, char *out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *at;

	if (r->p >= r->end)
		return bad(r, "unterminated string");
	if (*r->p == 'u') {
		r->p++;
		return unicode_escape(r, out);
	}
	at = *r->p ? strchr(from, *r->p) : NULL;
	if (!at)
		return bad(r, "bad escape in string");
	r->p++;
	*out = to[at - from];
	return 1;
}

/* Reads a string; with out non-NULL, returns it malloc'd and NUL-ended
 * (a "\u0000" in it ends it early). Returns 0 or -1. */
static int read_string(struct reader *r, char **out)
{
	size_t cap = 32, len = 0;
	char *s = NULL;

	if (expect(r, '"'))
		return -1;
	if (out && !(s = malloc(cap)))
		return bad(r, "out of memory");
	while (r->p < r->end && *r->p != '"') {
		char utf8[4];
		int n = 1;

		if ((unsigned char)*r->p < 0x20) {
			bad(r, "control character in string");
			goto fail;
		}
		if (*r->p == '\\') {
			r->p++;
			if ((n = escape(r, utf8)) < 0)
				goto fail;
		} else {
			utf8[0] = *r->p++;
		}
		if (!s)
			continue;
		if (len + 5 > cap) {
			char *more = realloc(s, cap *= 2);

			if (!more) {
				bad(r, "out of memory");
				goto fail;
			}
			s = more;
		}
		memcpy(s + len, utf8, (size_t)n);
		len += (size_t)n;
	}
	if (r->p >= r->end) {
		bad(r, "unterminated string");
		goto fail;
	}
	r->p++;
	if (s) {
		s[len] = '\0';
		*out = s;
	}
	return 0;
fail:
	free(s);
	return -1;
}

/* Checks a number's JSON form and copies it to buf; returns 0 or -1. */
static int number_text(struct reader *r, char *buf, size_t size)
{
	const char *start, *q;

	skip_space(r);
	start = q = r->p;
	if (q < r->end && *q == '-')
		q++;
	if (q >= r->end || *q < '0' || *q > '9')
		return bad(r, "expected a number");
	if (*q == '0')
		q++; /* no leading zeros */
	else
		while (q < r->end && *q >= '0' && *q <= '9')
			q++;
	if (q < r->end && *q == '.') {
		if (++q >= r->end || *q < '0' || *q > '9')
			return bad(r, "bad number");
		while (q < r->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < r->end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < r->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= r->end || *q < '0' || *q > '9')
			return bad(r, "bad number");
		while (q < r->end && *q >= '0' && *q <= '9')
			q++;
	}
	if ((size_t)(q - start) >= size)
		return bad(r, "number too long");
	memcpy(buf, start, (size_t)(q - start));
	buf[q - start] = '\0';
	r->p = q;
	return 0;
}

static int read_double(struct reader *r, double *out)
{
	char buf[64];

	if (number_text(r, buf, sizeof(buf)))
		return -1;
	*out = strtod(buf, NULL);
	if (!isfinite(*out))
		return bad(r, "number out of range");
	return 0;
}

/* A byte count: a whole number from 0 to 2^64 - 1. */
static int read_bytes(struct reader *r, uint64_t *out)
{
	char buf[64];
	const char *at = r->p;

	if (number_text(r, buf, sizeof(buf)))
		return -1;
	errno = 0;
	*out = strtoull(buf, NULL, 10);
	if (strspn(buf, "0123456789") != strlen(buf) || errno) {
		r->p = at;
		return bad(r, "expected a byte count");
	}
	return 0;
}

static int skip_value(struct reader *r, int depth);

/* Calls item for each element of an array, or for each member of an
 * object with its key; returns 0 or -1. */
static int read_items(struct reader *r, char open, int depth,
		      int (*item)(struct reader *r, const char *key, void *ctx, int depth),
		      void *ctx)
{
	char close = open == '{' ? '}' : ']';

	if (depth > MAX_DEPTH)
		return bad(r, "nested too deep");
	if (expect(r, open))
		return -1;
	if (take(r, close) == 0)
		return 0;
	do {
		char *key = NULL;
		int rc;

		if (open == '{' && (read_string(r, &key) || expect(r, ':'))) {
			free(key);
			return -1;
		}
		rc = item(r, key, ctx, depth + 1);
		free(key);
		if (rc)
			return -1;
	} while (take(r, ',') == 0);
	if (take(r, close) == 0)
		return 0;
	return bad(r, open == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
}

static int skip_item(struct reader *r, const char *key, void *ctx, int depth)
{
	(void)key;
	(void)ctx;
	return skip_value(r, depth);
}

static int skip_word(struct reader *r, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return bad(r, "unexpected character");
	r->p += n;
	return 0;
}

static int skip_value(struct reader *r, int depth)
{
	char buf[512];

	skip_space(r);
	if (r->p >= r->end)
		return bad(r, "expected a value");
	switch (*r->p) {
	case '{': return read_items(r, '{', depth, skip_item, NULL);
	case '[': return read_items(r, '[', depth, skip_item, NULL);
	case '"': return read_string(r, NULL);
	case 't': return skip_word(r, "true");
	case 'f': return skip_word(r, "false");
	case 'n': return skip_word(r, "null");
	default: return number_text(r, buf, sizeof(buf));
	}
}

/* One owner object: its name and current bytes, both required. */
struct owner_fields {
	char *name;
	uint64_t current;
	int has_current;
};

static int owner_item(struct reader *r, const char *key, void *ctx, int depth)
{
	struct owner_fields *o = ctx;

	if (strcmp(key, "name") == 0) {
		free(o->name);
		o->name = NULL;
		return read_string(r, &o->name);
	}
	if (strcmp(key, "current_bytes") == 0) {
		o->has_current = 1;
		return read_bytes(r, &o->current);
	}
	return skip_value(r, depth);
}

static int add_owner(struct reader *r, struct snapshot *s, char *name,
		     uint64_t current)
{
	if (s->count == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct owner *more = realloc(s->owners, cap * sizeof(*more));

		if (!more) {
			free(name);
			return bad(r, "out of memory");
		}
		s->owners = more;
		s->cap = cap;
	}
	s->owners[s->count++] = (struct owner){ name, current };
	return 0;
}

static int owners_item(struct reader *r, const char *key, void *ctx, int depth)
{
	struct owner_fields o = { NULL, 0, 0 };
	const char *at;

	(void)key;
	skip_space(r);
	at = r->p;
	if (r->p >= r->end || *r->p != '{')
		return bad(r, "expected an owner object");
	if (read_items(r, '{', depth, owner_item, &o)) {
		free(o.name);
		return -1;
	}
	if (!o.name || !o.has_current) {
		free(o.name);
		r->p = at;
		return bad(r, "owner without \"name\" or \"current_bytes\"");
	}
	return add_owner(r, ctx, o.name, o.current);
}

/* Which of the required fields were seen. */
enum {
	SEEN_VERSION = 1, SEEN_RSS = 2, SEEN_TRACKED = 4, SEEN_ELAPSED = 8,
	SEEN_OWNERS = 16, SEEN_ALL = 31
};

struct top {
	struct snapshot *s;
	int seen;
};

static int top_item(struct reader *r, const char *key, void *ctx, int depth)
{
	struct top *t = ctx;
	struct snapshot *s = t->s;
	const char *at = r->p;
	uint64_t version;

	if (strcmp(key, "version") == 0) {
		t->seen |= SEEN_VERSION;
		if (read_bytes(r, &version))
			return -1;
		if (version != SNAPSHOT_VERSION) {
			r->p = at;
			return bad(r, "unsupported snapshot version");
		}
		return 0;
	}
	if (strcmp(key, "pid") == 0)
		return read_bytes(r, &s->pid);
	if (strcmp(key, "time_unix") == 0) {
		s->has_time = 1;
		return read_double(r, &s->time_unix);
	}
	if (strcmp(key, "elapsed_seconds") == 0) {
		t->seen |= SEEN_ELAPSED;
		return read_double(r, &s->elapsed);
	}
	if (strcmp(key, "rss_bytes") == 0) {
		t->seen |= SEEN_RSS;
		return read_bytes(r, &s->rss);
	}
	if (strcmp(key, "tracked_bytes") == 0) {
		t->seen |= SEEN_TRACKED;
		return read_bytes(r, &s->tracked);
	}
	if (strcmp(key, "owners") == 0) {
		t->seen |= SEEN_OWNERS;
		skip_space(r);
		if (r->p >= r->end || *r->p != '[')
			return bad(r, "\"owners\" is not an array");
		return read_items(r, '[', depth, owners_item, s);
	}
	return skip_value(r, depth);
}

static const char *missing_field(int seen)
{
	if (!(seen & SEEN_VERSION))
		return "version";
	if (!(seen & SEEN_RSS))
		return "rss_bytes";
	if (!(seen & SEEN_TRACKED))
		return "tracked_bytes";
	if (!(seen & SEEN_ELAPSED))
		return "elapsed_seconds";
	return "owners";
}

static int parse_snapshot(struct reader *r, struct snapshot *s)
{
	struct top t = { s, 0 };

	skip_space(r);
	if (r->p >= r->end) {
		snprintf(r->why, sizeof(r->why), "empty file");
		return -1;
	}
	if (*r->p != '{')
		return bad(r, "expected a JSON object");
	if (read_items(r, '{', 0, top_item, &t))
		return -1;
	skip_space(r);
	if (r->p < r->end)
		return bad(r, "unexpected text after the snapshot");
	if (t.seen != SEEN_ALL) {
		snprintf(r->why, sizeof(r->why), "no \"%s\" field", missing_field(t.seen));
		return -1;
	}
	return 0;
}

static void release_snapshot(struct snapshot *s)
{
	for (size_t i = 0; i < s->count; i++)
		free(s->owners[i].name);
	free(s->owners);
	s->owners = NULL;
	s->count = s->cap = 0;
}

/* The whole file, malloc'd, in *text and *len; -1 after a message. */
static int slurp(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 0, used = 0, got;
	const char *why = NULL;
	char *buf = NULL;

	if (!f)
		return cli_error("%s: cannot open: %s", path, strerror(errno));
	do {
		if (used == cap) {
			char *more = cap < MAX_FILE ? realloc(buf, cap = cap ? cap * 2 : 16384)
						    : NULL;

			if (!more) {
				why = cap < MAX_FILE ? "out of memory" : "larger than 4 MiB";
				break;
			}
			buf = more;
		}
		got = fread(buf + used, 1, cap - used, f);
		used += got;
	} while (got > 0);
	if (!why && ferror(f))
		why = strerror(errno);
	fclose(f);
	if (why) {
		free(buf);
		return cli_error("%s: cannot read: %s", path, why);
	}
	*text = buf;
	*len = used;
	return 0;
}

/* Reads the snapshot at path into s; -1 after a message naming the file. */
static int load_snapshot(const char *path, struct snapshot *s)
{
	struct reader r = { 0 };
	char *text = NULL;
	size_t len = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	s->path = path;
	if (slurp(path, &text, &len))
		return -1;
	r.text = r.p = text;
	r.end = text + len;
	rc = parse_snapshot(&r, s);
	free(text);
	if (rc == 0)
		return 0;
	release_snapshot(s);
	return cli_error("%s: not a valid streamx snapshot: %s", path, r.why);
}

/* ---- the diff ---- */

struct row {
	const char *name;
	uint64_t a, b;
	struct growth g;
	size_t order;   /* first seen in A, then B: ties keep this order */
};

static struct growth growth_of(uint64_t a, uint64_t b)
{
	return b >= a ? (struct growth){ 0, b - a } : (struct growth){ 1, a - b };
}

/* Largest growth first; shrinking owners last, the most shrunk at the end. */
static int by_growth(const void *pa, const void *pb)
{
	const struct row *x = pa, *y = pb;

	if (x->g.neg != y->g.neg)
		return x->g.neg ? 1 : -1;
	if (x->g.size != y->g.size) {
		int larger_first = x->g.size > y->g.size ? -1 : 1;

		return x->g.neg ? -larger_first : larger_first;
	}
	return x->order < y->order ? -1 : x->order > y->order;
}

static struct row *find_row(struct row *rows, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].name, name) == 0)
			return &rows[i];
	return NULL;
}

/* The owners of both, merged by name (absent counts as 0) and sorted;
 * the names are borrowed from a and b. NULL when out of memory. */
static struct row *merge(const struct snapshot *a, const struct snapshot *b,
			 size_t *count)
{
	struct row *rows = calloc(a->count + b->count + 1, sizeof(*rows));
	size_t n = 0;

	if (!rows)
		return NULL;
	for (size_t i = 0; i < a->count; i++) {
		struct row *r = find_row(rows, n, a->owners[i].name);

		if (!r) {
			r = &rows[n];
			*r = (struct row){ .name = a->owners[i].name, .order = n };
			n++;
		}
		r->a += a->owners[i].current;
	}
	for (size_t i = 0; i < b->count; i++) {
		struct row *r = find_row(rows, n, b->owners[i].name);

		if (!r) {
			r = &rows[n];
			*r = (struct row){ .name = b->owners[i].name, .order = n };
			n++;
		}
		r->b += b->owners[i].current;
	}
	for (size_t i = 0; i < n; i++)
		rows[i].g = growth_of(rows[i].a, rows[i].b);
	qsort(rows, n, sizeof(*rows), by_growth);
	*count = n;
	return rows;
}

/* Wall time from A to B: by the clock when both say when they were
 * taken, else by their runs' elapsed times. */
static double seconds_between(const struct snapshot *a, const struct snapshot *b)
{
	if (a->has_time && b->has_time)
		return b->time_unix - a->time_unix;
	return b->elapsed - a->elapsed;
}

static void growth_text(struct growth g, char *buf, size_t size)
{
	snprintf(buf, size, "%c%" PRIu64, g.neg ? '-' : '+', g.size);
}

static void print_line(int width, const char *name, uint64_t a, uint64_t b)
{
	char g[32];

	growth_text(growth_of(a, b), g, sizeof(g));
	printf("%-*s %15" PRIu64 " %15" PRIu64 " %15s\n", width, name, a, b, g);
}

static void print_text(const struct snapshot *a, const struct snapshot *b,
		       const struct row *rows, size_t n)
{
	int width = 16;

	for (size_t i = 0; i < n; i++)
		if ((int)strlen(rows[i].name) > width)
			width = (int)strlen(rows[i].name);
	printf("%-*s %15s %15s %15s\n", width, "owner", "A bytes", "B bytes", "growth");
	for (size_t i = 0; i < n; i++)
		print_line(width, rows[i].name, rows[i].a, rows[i].b);
	putchar('\n');
	print_line(width, "rss_bytes", a->rss, b->rss);
	print_line(width, "tracked_bytes", a->tracked, b->tracked);
	printf("%-*s %13.3f s %13.3f s %+13.3f s between%s\n", width, "elapsed",
	       a->elapsed, b->elapsed, seconds_between(a, b),
	       a->pid == b->pid ? "" : " (different runs)");
}

static void json_growth(const char *key, uint64_t a, uint64_t b)
{
	struct growth g = growth_of(a, b);

	printf("\"%s\":{\"a\":%" PRIu64 ",\"b\":%" PRIu64 ",\"growth\":%s%" PRIu64 "}",
	       key, a, b, g.neg ? "-" : "", g.size);
}

static void print_json(const struct snapshot *a, const struct snapshot *b,
		       const struct row *rows, size_t n)
{
	fputs("{\"a\":", stdout);
	json_string(stdout, a->path);
	fputs(",\"b\":", stdout);
	json_string(stdout, b->path);
	printf(",\"same_run\":%s,\"elapsed_seconds\":{\"a\":%.3f,\"b\":%.3f},"
	       "\"seconds_between\":%.3f,", a->pid == b->pid ? "true" : "false",
	       a->elapsed, b->elapsed, seconds_between(a, b));
	json_growth("rss_bytes", a->rss, b->rss);
	putchar(',');
	json_growth("tracked_bytes", a->tracked, b->tracked);
	fputs(",\"owners\":[", stdout);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ",{\"name\":" : "{\"name\":", stdout);
		json_string(stdout, rows[i].name);
		printf(",\"a_bytes\":%" PRIu64 ",\"b_bytes\":%" PRIu64 ",\"growth\":%s%" PRIu64 "}",
		       rows[i].a, rows[i].b, rows[i].g.neg ? "-" : "", rows[i].g.size);
	}
	fputs("]}\n", stdout);
}

static int snapdiff_usage(const char *why)
{
	cli_error("%s (usage: streamx snapdiff [--json] A.json B.json)", why);
	return EXIT_USAGE;
}

/* Sorts out the arguments; returns -1 to go on, else an exit status. */
static int parse_args(int argc, char **argv, int *json, const char **paths)
{
	int n = 0, options = 1;

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (options && strcmp(arg, "--") == 0) {
			options = 0;
		} else if (options && strcmp(arg, "--json") == 0) {
			*json = 1;
		} else if (options && (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)) {
			puts("Usage: streamx snapdiff [--json] A.json B.json\n"
			     "Memory growth per owner from snapshot A to snapshot B, largest first.");
			return EXIT_OK;
		} else if (options && arg[0] == '-' && arg[1]) {
			char why[256];

			snprintf(why, sizeof(why), "unknown option '%s'", arg);
			return snapdiff_usage(why);
		} else if (n == 2) {
			return snapdiff_usage("too many arguments");
		} else {
			paths[n++] = arg;
		}
	}
	if (n < 2)
		return snapdiff_usage("two snapshot files needed");
	return -1;
}

int cmd_snapdiff(int argc, char **argv)
{
	struct snapshot a, b;
	const char *paths[2];
	struct row *rows;
	size_t n = 0;
	int json = 0, rc = parse_args(argc, argv, &json, paths);

	if (rc >= 0)
		return rc;
	if (load_snapshot(paths[0], &a))
		return EXIT_FAILURE_;
	if (load_snapshot(paths[1], &b)) {
		release_snapshot(&a);
		return EXIT_FAILURE_;
	}
	rc = EXIT_OK;
	rows = merge(&a, &b, &n);
	if (!rows) {
		cli_error("out of memory");
		rc = EXIT_FAILURE_;
	} else if (json) {
		print_json(&a, &b, rows, n);
	} else {
		print_text(&a, &b, rows, n);
	}
	if (rc == EXIT_OK && (fflush(stdout) != 0 || ferror(stdout))) {
		cli_error("standard output: %s", strerror(errno));
		rc = EXIT_FAILURE_;
	}
	free(rows);
	release_snapshot(&a);
	release_snapshot(&b);
	return rc;
}
