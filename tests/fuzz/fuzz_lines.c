/* fuzz_lines.c - grep, replace, tr and sort with patterns and sets from the input, stream against naive. */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"

/*
 * Input: a byte choosing the command, three for the stream run's shape,
 * then one or two words ending at newlines (the pattern, FROM and TO, the
 * sets), then the lines the stage reads. Words reach the stage as they
 * are, quoted for the spec parser (-E patterns: see fz_regex_ok).
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	const char *cmd;  /* options; the words follow */
	int words;
} cmds[] = {
	{ "grep -F -e", 1 },
	{ "grep -E -e", 1 },
	{ "grep -v -e", 1 },
	{ "grep -i -e", 1 },
	{ "grep -v -i -E -e", 1 },
	{ "grep -c -F -i -e", 1 },
	{ "replace --", 2 },
	{ "tr --", 2 },
	{ "tr -d --", 1 },
	{ "tr -s --", 2 },
	{ "tr -c -d --", 1 },
	{ "tr -t --", 2 },
	{ "tr -c -s --", 2 },
	{ "sort -S 1K", 0 },
	{ "sort -n -u -S 1K", 0 },
	{ "sort -r -u -S 2K", 0 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_input in = { data, size };
	struct fz_shape shape;
	char spec[600], word[128];
	unsigned which = fz_byte(&in) % (sizeof(cmds) / sizeof(cmds[0]));
	int i;

	fz_shape_take(&shape, &in, 1);
	snprintf(spec, sizeof(spec), "%s", cmds[which].cmd);
	for (i = 0; i < cmds[which].words; i++) {
		fz_word(&in, '\n', word, sizeof(word));
		if (strstr(cmds[which].cmd, "-E") && !fz_regex_ok(word))
			return 0;
		FZ_CHECK(fz_quote(spec, sizeof(spec), word) == 0);
	}
	fz_same(spec, in.p, in.len, &shape, 0);
	return 0;
}
