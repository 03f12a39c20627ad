/* fuzz_diff.c - a stage or a short chain from the input, stream mode (any reads, buffers, threads) against naive mode. */
#include <string.h>

#include "fuzz.h"

/*
 * Input: a byte for the length of the chain (1 to 3 stages), a byte per
 * stage choosing it from the table, three bytes for the stream run's
 * shape, then the data. Both modes must succeed or fail alike and, when
 * they succeed, give the same bytes; only after a stage that stops
 * reading (head, tail) may stream mode succeed where naive mode fails.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	const char *spec;
	int stops;        /* may return SX_DONE */
} stages[] = {
	{ "cat", 0 }, { "upper", 0 }, { "lower", 0 }, { "rot13", 0 },
	{ "tr a-z A-Z", 0 }, { "tr -d aeiou", 0 }, { "tr -s ' \\n'", 0 },
	{ "tr -c -d '[:alnum:]\\n'", 0 },
	{ "replace ab XY", 0 }, { "replace '\\n' ''", 0 }, { "replace aa a", 0 },
	{ "crlf", 0 }, { "lf", 0 }, { "lf -k", 0 }, { "crlf -r", 0 },
	{ "gzip -1", 0 }, { "gunzip", 0 }, { "zlib", 0 }, { "unzlib", 0 },
	{ "deflate", 0 }, { "inflate", 0 },
	{ "base64", 0 }, { "base64 -d", 0 }, { "base64 -w 7", 0 },
	{ "hex", 0 }, { "hex -d", 0 }, { "hex -c 3", 0 },
	{ "grep -F a", 0 }, { "grep -v -E '^[0-9]+'", 0 }, { "grep -i -c error", 0 },
	{ "grep -E 'x|y$'", 0 },
	{ "head -n 3", 1 }, { "head -c 100", 1 }, { "tail -n 2", 1 },
	{ "tail -c 50", 1 }, { "tail -n +3", 1 }, { "tail -n 0", 1 },
	{ "nl", 0 }, { "uniq", 0 }, { "uniq -c", 0 }, { "dedup", 0 }, { "dedup -w 2", 0 },
	{ "sort -S 1K", 0 }, { "sort -n -S 1K", 0 }, { "sort -u -r", 0 },
	{ "wc", 0 }, { "wc -l", 0 }, { "crc32", 0 }, { "adler32", 0 }, { "sha256", 0 },
};

#define NSTAGES (sizeof(stages) / sizeof(stages[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_input in = { data, size };
	struct fz_shape shape;
	char spec[256] = "";
	unsigned n = 1 + fz_byte(&in) % 3, i;
	int stops = 0;

	for (i = 0; i < n; i++) {
		unsigned k = fz_byte(&in) % NSTAGES;

		if (i)
			strcat(spec, " | ");
		strcat(spec, stages[k].spec);
		if (i && stages[k].stops)
			stops = 1;
	}
	fz_shape_take(&shape, &in, 3);
	fz_same(spec, in.p, in.len, &shape, stops);
	return 0;
}
