/* gen.c - the sample data generator: text, log lines or random bytes. */
#include "gen.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const words[64] = {
	"the", "of", "and", "memory", "stream", "buffer", "to", "in",
	"a", "is", "that", "for", "heap", "it", "with", "as",
	"pool", "on", "be", "at", "by", "this", "had", "not",
	"are", "but", "from", "or", "have", "an", "they", "which",
	"Leak", "one", "you", "were", "her", "all", "she", "there",
	"would", "their", "we", "him", "been", "has", "when", "who",
	"Snapshot", "will", "more", "no", "if", "out", "so", "said",
	"what", "up", "its", "about", "into", "than", "them", "ERROR"
};

static const char *const paths[8] = {
	"/api/v1/items", "/api/v1/users", "/static/app.js", "/login",
	"/api/v2/orders", "/healthz", "/search", "/img/logo.png"
};

/* splitmix64: small state, good enough statistics for sample data. */
static uint64_t next(struct sx_gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned below(struct sx_gen *g, unsigned n)
{
	return (unsigned)(next(g) % n);
}

int sx_gen_kind_parse(const char *name, enum sx_gen_kind *kind)
{
	if (strcmp(name, "text") == 0)
		*kind = SX_GEN_TEXT;
	else if (strcmp(name, "log") == 0)
		*kind = SX_GEN_LOG;
	else if (strcmp(name, "binary") == 0)
		*kind = SX_GEN_BINARY;
	else
		return -1;
	return 0;
}

void sx_gen_init(struct sx_gen *g, enum sx_gen_kind kind, uint64_t seed)
{
	g->kind = kind;
	g->rng = seed;
	g->clock_ms = 1795000000000ULL; /* late 2026 */
	g->pos = g->len = 0;
}

static size_t text_line(struct sx_gen *g, char *p)
{
	unsigned n = below(g, 16);
	size_t len = 0;

	for (unsigned i = 0; i < n; i++) {
		const char *w = words[below(g, 64)];
		size_t wl = strlen(w);

		if (i)
			p[len++] = ' ';
		memcpy(p + len, w, wl);
		len += wl;
	}
	if (n && below(g, 4) == 0)
		p[len++] = '.';
	p[len++] = '\n';
	return len;
}

static const char *level(struct sx_gen *g)
{
	unsigned r = below(g, 100);

	return r < 80 ? "INFO" : r < 90 ? "DEBUG" : r < 97 ? "WARN" : "ERROR";
}

static size_t log_line(struct sx_gen *g, char *p)
{
	static const unsigned codes[6] = { 200, 200, 200, 304, 404, 500 };
	time_t secs;
	struct tm tm;
	int n;

	g->clock_ms += below(g, 250);
	secs = (time_t)(g->clock_ms / 1000);
	gmtime_r(&secs, &tm);
	n = snprintf(p, 256,
		     "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ web-%02u api[%u]: %s "
		     "GET %s/%u status=%u bytes=%u ms=%u user=u%u\n",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec, (unsigned)(g->clock_ms % 1000),
		     below(g, 16), 1000 + below(g, 9000), level(g),
		     paths[below(g, 8)], below(g, 100000), codes[below(g, 6)],
		     below(g, 65536), below(g, 2000), below(g, 50000));
	return (size_t)n;
}

/* Refills unit with whole lines (or random bytes): at most SX_GEN_UNIT. */
static void refill(struct sx_gen *g)
{
	size_t len = 0;

	if (g->kind == SX_GEN_BINARY) {
		for (; len + 8 <= SX_GEN_UNIT; len += 8) {
			uint64_t r = next(g);
			for (unsigned b = 0; b < 8; b++) /* same bytes on any host */
				g->unit[len + b] = (char)(r >> (8 * b));
		}
	} else {
		/* A line is at most 256 bytes; stop while one more surely fits. */
		while (len + 256 <= SX_GEN_UNIT)
			len += g->kind == SX_GEN_LOG ? log_line(g, g->unit + len)
						     : text_line(g, g->unit + len);
	}
	g->pos = 0;
	g->len = len;
}

void sx_gen_fill(struct sx_gen *g, unsigned char *buf, size_t n)
{
	while (n > 0) {
		size_t take;

		if (g->pos == g->len)
			refill(g);
		take = g->len - g->pos;
		if (take > n)
			take = n;
		memcpy(buf, g->unit + g->pos, take);
		g->pos += take;
		buf += take;
		n -= take;
	}
}
