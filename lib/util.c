/* util.c - size parsing, RSS figures, a monotonic clock. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>

static int suffix_shift(const char *s, unsigned *shift)
{
	static const char units[] = "KMGT";
	const char *u;

	if (*s == '\0') {
		*shift = 0;
		return 0;
	}
	u = strchr(units, toupper((unsigned char)*s));
	if (!u)
		return -1;
	*shift = 10 * (unsigned)(u - units + 1);
	s++;
	if (*s == '\0' || strcasecmp(s, "B") == 0 || strcasecmp(s, "iB") == 0)
		return 0;
	return -1;
}

int sx_parse_size(const char *text, uint64_t *out)
{
	unsigned long long n;
	unsigned shift;
	char *end;

	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	n = strtoull(text, &end, 10);
	if (errno || suffix_shift(end, &shift))
		return -1;
	if (shift && n > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)n << shift;
	return 0;
}

char *sx_format_size(uint64_t n, char *buf, size_t size)
{
	static const char *const units[] = { "TiB", "GiB", "MiB", "KiB" };

	for (unsigned i = 0; i < 4; i++) {
		unsigned shift = 10 * (4 - i);

		if (n && n % ((uint64_t)1 << shift) == 0) {
			snprintf(buf, size, "%llu %s", (unsigned long long)(n >> shift),
				 units[i]);
			return buf;
		}
	}
	snprintf(buf, size, "%llu byte%s", (unsigned long long)n, n == 1 ? "" : "s");
	return buf;
}

static int status_field(const char *line, const char *key, uint64_t *bytes)
{
	size_t klen = strlen(key);
	unsigned long long kib;

	if (strncmp(line, key, klen) != 0 || sscanf(line + klen, "%llu", &kib) != 1)
		return 0;
	*bytes = (uint64_t)kib * 1024;
	return 1;
}

int sx_mem_rss(uint64_t *current, uint64_t *peak)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	int found = 0;

	*current = *peak = 0;
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			found |= status_field(line, "VmRSS:", current);
			found |= status_field(line, "VmHWM:", peak) << 1;
		}
		fclose(f);
	}
	if (!(found & 2)) {
		struct rusage ru;

		if (getrusage(RUSAGE_SELF, &ru) != 0)
			return -1;
		*peak = (uint64_t)ru.ru_maxrss * 1024;
	}
	return 0;
}

double sx_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
