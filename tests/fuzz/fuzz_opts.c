/* fuzz_opts.c - every stage's argument parsing (lib/opts.c and each init) on argument vectors from the input. */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "pipeline.h"

/*
 * Input: a byte choosing the stage (any registered one but tee, which
 * creates its file as it starts), then its arguments separated by NUL
 * bytes (for grep, none with stacked repetitions: see fz_regex_ok). A pipeline that builds then runs over a few lines in naive mode,
 * so that what init set up is used once.
 */

#define MAX_WORDS 12

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char sample[] = "one 1\ntwo 22\n\nthree 333\nabcABC\tx\n0x10 -5\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct sx_registry *reg = fz_registry();
	struct fz_input in = { data, size };
	const char *name = reg->ops[fz_byte(&in) % reg->count]->name;
	char spec[1200], word[64];
	struct fz_run r;
	int n;

	if (strcmp(name, "tee") == 0)
		return 0;
	snprintf(spec, sizeof(spec), "%s", name);
	for (n = 0; n < MAX_WORDS && in.len > 0; n++) {
		fz_word(&in, 0, word, sizeof(word));
		if (strcmp(name, "grep") == 0 && !fz_regex_ok(word))
			return 0;
		FZ_CHECK(fz_quote(spec, sizeof(spec), word) == 0);
	}
	fz_run(&r, spec, sample, sizeof(sample) - 1, NULL);
	/* usage errors come from building; running the sample may only fail on data */
	FZ_CHECK(r.status >= 0 || r.status == SX_EUSAGE || r.status == SX_EDATA);
	fz_run_free(&r);
	return 0;
}
