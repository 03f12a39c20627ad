/* spec.h - parsing a pipeline spec: 'gunzip | grep "a b" | gzip -9'. */
#ifndef SX_SPEC_H
#define SX_SPEC_H

#include <stddef.h>

#include "error.h"

/*
 * Rules, close to the shell's: stages are separated by `|`; words by
 * blanks (space, tab, carriage return, newline). Single quotes take everything literally up
 * to the next single quote. Double quotes group words; inside them a
 * backslash escapes only `"` and `\`. Outside quotes a backslash makes the
 * next character literal (so `\|` is a pipe character in an argument).
 * An empty stage (`a || b`, a leading or trailing `|`, a blank spec) and
 * an unclosed quote are errors that name the character position.
 */
struct sx_spec_stage {
	int argc;
	char **argv;      /* argv[argc] is NULL; argv[0] is the stage name */
	size_t position;  /* character offset of the stage's first word */
};

struct sx_spec {
	size_t count;
	struct sx_spec_stage *stages;
};

/* Parses text into spec. Returns SX_OK, or SX_EUSAGE / SX_ENOMEM with a
 * message in err and spec left empty. */
int sx_spec_parse(struct sx_spec *spec, const char *text, struct sx_error *err);

/* Frees what sx_spec_parse allocated and empties spec. */
void sx_spec_release(struct sx_spec *spec);

#endif
