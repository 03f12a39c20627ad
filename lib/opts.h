/* opts.h - a reentrant option parser for stage arguments. */
#ifndef SX_OPTS_H
#define SX_OPTS_H

#include <stdint.h>

#include "stage.h"

/*
 * Stages parse their own words (argv[0] is the stage name) in the style
 * of the tool they mirror. getopt cannot serve: it keeps global state,
 * and pipelines are built side by side. This parser keeps everything in
 * a struct sx_opts on the caller's stack.
 *
 * Short options may be grouped (-vi), and take their argument attached
 * or as the next word (-n5, -n 5). Long options take theirs after '='
 * or as the next word (--width=8, --width 8). "--" ends the options; so
 * does the first word that is not an option (no reordering: options come
 * before operands). A lone "-" is an operand.
 *
 * Errors are recorded on the stage (sx_stage_fail with SX_EUSAGE), so a
 * stage's init simply returns SX_EUSAGE when sx_opts_next does.
 */

struct sx_opt_long {
	const char *name; /* without the leading "--" */
	int has_arg;      /* 0 or 1 */
	int val;          /* what sx_opts_next returns for it */
};

struct sx_opts {
	struct sx_stage *st;
	int argc;
	char **argv;
	int ind;          /* the next word to look at; after the end: first operand */
	const char *next; /* rest of a group of short options, or NULL */
	const char *arg;  /* the current option's argument, or NULL */
	const char *word; /* the current option as written, for messages */
};

/* Starts parsing argv[1..argc). */
void sx_opts_init(struct sx_opts *o, struct sx_stage *st, int argc, char **argv);

/*
 * Returns the next option: a character of shortopts (a letter followed
 * by ':' takes an argument) or a long option's val; 0 when the options
 * end (o->ind is then the first operand); SX_EUSAGE on an unknown option
 * or a missing argument, recorded on the stage. longopts ends with a
 * NULL name and may be NULL.
 */
int sx_opts_next(struct sx_opts *o, const char *shortopts,
		 const struct sx_opt_long *longopts);

/* The operands left: argc - ind. */
int sx_opts_operands(const struct sx_opts *o);

/* Parses o->arg as a count in [0, max]: decimal digits with an optional
 * K/M/G/T suffix when sizes is non-zero. Returns SX_EUSAGE, recorded on
 * the stage and naming the option, when it is not one. */
int sx_opts_count(struct sx_opts *o, uint64_t max, int sizes, uint64_t *out);

/* Fails with "missing operand" or "extra operand 'X'" unless the number
 * of operands lies in [min, max]; returns a status. */
int sx_opts_want(struct sx_opts *o, int min, int max, const char *what);

#endif
