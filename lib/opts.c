/* opts.c - a reentrant option parser for stage arguments. */
#include "opts.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void sx_opts_init(struct sx_opts *o, struct sx_stage *st, int argc, char **argv)
{
	memset(o, 0, sizeof(*o));
	o->st = st;
	o->argc = argc;
	o->argv = argv;
	o->ind = 1;
}

static int fail(struct sx_opts *o, const char *why, const char *what)
{
	return sx_stage_fail(o->st, SX_EUSAGE, "%s '%s'", why, what);
}

static int long_option(struct sx_opts *o, const char *word,
		       const struct sx_opt_long *longopts)
{
	const char *name = word + 2;
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);

	for (; longopts && longopts->name; longopts++) {
		if (strlen(longopts->name) != len ||
		    strncmp(longopts->name, name, len) != 0)
			continue;
		if (!longopts->has_arg && eq)
			return fail(o, "option takes no argument:", word);
		if (longopts->has_arg && eq)
			o->arg = eq + 1;
		else if (longopts->has_arg && o->ind < o->argc)
			o->arg = o->argv[o->ind++];
		else if (longopts->has_arg)
			return fail(o, "option needs an argument:", word);
		return longopts->val;
	}
	return fail(o, "unknown option", word);
}

static int short_option(struct sx_opts *o, const char *shortopts)
{
	char c = *o->next++;
	const char *spec = c != ':' ? strchr(shortopts, c) : NULL;
	char shown[3] = { '-', c, '\0' };

	o->word = NULL;
	if (!spec)
		return fail(o, "unknown option", shown);
	if (spec[1] == ':') {
		if (*o->next)
			o->arg = o->next;
		else if (o->ind < o->argc)
			o->arg = o->argv[o->ind++];
		else
			return fail(o, "option needs an argument:", shown);
		o->next = NULL;
	}
	if (o->next && !*o->next)
		o->next = NULL;
	return (unsigned char)c;
}

int sx_opts_next(struct sx_opts *o, const char *shortopts,
		 const struct sx_opt_long *longopts)
{
	const char *word;

	o->arg = NULL;
	if (o->next)
		return short_option(o, shortopts);
	if (o->ind >= o->argc)
		return 0;
	word = o->argv[o->ind];
	if (word[0] != '-' || word[1] == '\0')
		return 0;
	o->ind++;
	if (strcmp(word, "--") == 0)
		return 0;
	o->word = word;
	if (word[1] == '-')
		return long_option(o, word, longopts);
	o->next = word + 1;
	return short_option(o, shortopts);
}

int sx_opts_operands(const struct sx_opts *o)
{
	return o->argc - o->ind;
}

int sx_opts_count(struct sx_opts *o, uint64_t max, int sizes, uint64_t *out)
{
	const char *a = o->arg ? o->arg : "";
	uint64_t n;
	int bad;

	if (sizes) {
		bad = sx_parse_size(a, &n) != 0;
	} else {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(a, &end, 10);
		bad = !isdigit((unsigned char)a[0]) || *end || errno;
		n = v;
	}
	if (bad || n > max)
		return sx_stage_fail(o->st, SX_EUSAGE,
				     "invalid number '%s' (a whole number from 0 to %llu%s)",
				     a, (unsigned long long)max,
				     sizes ? ", optionally with K, M, G or T" : "");
	*out = n;
	return SX_OK;
}

int sx_opts_want(struct sx_opts *o, int min, int max, const char *what)
{
	int n = sx_opts_operands(o);

	if (n < min)
		return sx_stage_fail(o->st, SX_EUSAGE, "missing operand: %s", what);
	if (n > max)
		return sx_stage_fail(o->st, SX_EUSAGE, "extra operand '%s'",
				     o->argv[o->ind + max]);
	return SX_OK;
}
