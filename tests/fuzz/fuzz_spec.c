/* fuzz_spec.c - the pipeline spec parser: no crash, and a spec rebuilt from what it parsed parses the same. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Each word quoted again, stages joined by pipes. */
static char *rebuild(const struct sx_spec *sp)
{
	size_t cap = 4, i;
	int j;
	char *text;

	for (i = 0; i < sp->count; i++)
		for (j = 0; j < sp->stages[i].argc; j++)
			cap += 2 * strlen(sp->stages[i].argv[j]) + 6;
	text = malloc(cap);
	FZ_CHECK(text != NULL);
	text[0] = '\0';
	for (i = 0; i < sp->count; i++) {
		if (i)
			strcat(text, " |");
		for (j = 0; j < sp->stages[i].argc; j++)
			FZ_CHECK(fz_quote(text, cap, sp->stages[i].argv[j]) == 0);
	}
	return text;
}

static void check_same(const struct sx_spec *a, const struct sx_spec *b)
{
	size_t i;
	int j;

	FZ_CHECK(a->count == b->count);
	for (i = 0; i < a->count; i++) {
		FZ_CHECK(a->stages[i].argc == b->stages[i].argc);
		for (j = 0; j < a->stages[i].argc; j++)
			FZ_CHECK(strcmp(a->stages[i].argv[j], b->stages[i].argv[j]) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sx_spec sp, again;
	struct sx_error err;
	char *text = malloc(size + 1), *redo;
	size_t i;
	int j;

	FZ_CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	sx_error_clear(&err);
	if (sx_spec_parse(&sp, text, &err) != SX_OK) {
		FZ_CHECK(err.msg[0] != '\0');
		FZ_CHECK(sp.count == 0);
		free(text);
		return 0;
	}
	FZ_CHECK(sp.count >= 1);
	for (i = 0; i < sp.count; i++) {
		FZ_CHECK(sp.stages[i].argc >= 1);
		FZ_CHECK(sp.stages[i].argv[sp.stages[i].argc] == NULL);
		FZ_CHECK(sp.stages[i].position < strlen(text));
		for (j = 0; j < sp.stages[i].argc; j++)
			FZ_CHECK(sp.stages[i].argv[j] != NULL);
	}
	redo = rebuild(&sp);
	FZ_CHECK(sx_spec_parse(&again, redo, &err) == SX_OK);
	check_same(&sp, &again);
	sx_spec_release(&again);
	sx_spec_release(&sp);
	FZ_CHECK(sp.count == 0);
	free(redo);
	free(text);
	return 0;
}
