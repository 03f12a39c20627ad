/* spec.c - the pipeline spec parser: stages split on `|`, words shell-like. */
#include "spec.h"

#include <stdlib.h>
#include <string.h>

/* A word being built, and the words and stages built so far. */
struct parser {
	const char *text;
	size_t pos;
	char *word;          /* current word, NUL-terminated while building */
	size_t word_len, word_cap;
	int in_word;         /* a word has started (even if empty: '') */
	struct sx_spec_stage cur;
	struct sx_spec *spec;
	struct sx_error *err;
};

static int nomem(struct parser *p)
{
	return sx_error_set(p->err, SX_ENOMEM, "out of memory parsing the pipeline");
}

static int put_char(struct parser *p, char c)
{
	if (p->word_len + 1 >= p->word_cap) {
		size_t cap = p->word_cap ? p->word_cap * 2 : 32;
		char *grown = realloc(p->word, cap);

		if (!grown)
			return nomem(p);
		p->word = grown;
		p->word_cap = cap;
	}
	p->word[p->word_len++] = c;
	p->word[p->word_len] = '\0';
	p->in_word = 1;
	return SX_OK;
}

static int end_word(struct parser *p)
{
	char **grown;

	if (!p->in_word)
		return SX_OK;
	grown = realloc(p->cur.argv, (size_t)(p->cur.argc + 2) * sizeof(char *));
	if (!grown)
		return nomem(p);
	p->cur.argv = grown;
	p->cur.argv[p->cur.argc] = p->word ? p->word : strdup("");
	if (!p->cur.argv[p->cur.argc])
		return nomem(p);
	p->cur.argv[++p->cur.argc] = NULL;
	p->word = NULL;
	p->word_len = p->word_cap = 0;
	p->in_word = 0;
	return SX_OK;
}

static void free_argv(struct sx_spec_stage *st)
{
	for (int i = 0; i < st->argc; i++)
		free(st->argv[i]);
	free(st->argv);
	st->argv = NULL;
	st->argc = 0;
}

static int end_stage(struct parser *p)
{
	struct sx_spec_stage *grown;
	int rc = end_word(p);

	if (rc)
		return rc;
	if (p->cur.argc == 0 && p->spec->count == 0 && p->text[p->pos] == '\0')
		return sx_error_set(p->err, SX_EUSAGE, "empty pipeline");
	if (p->cur.argc == 0)
		return sx_error_set(p->err, SX_EUSAGE,
				    "empty stage at character %zu of the pipeline",
				    p->pos + 1);
	grown = realloc(p->spec->stages,
			(p->spec->count + 1) * sizeof(*grown));
	if (!grown)
		return nomem(p);
	p->spec->stages = grown;
	p->spec->stages[p->spec->count++] = p->cur;
	memset(&p->cur, 0, sizeof(p->cur));
	return SX_OK;
}

static int quoted(struct parser *p, char quote)
{
	size_t start = p->pos;
	int rc;

	p->in_word = 1;
	for (p->pos++; p->text[p->pos] != quote; p->pos++) {
		char c = p->text[p->pos];

		if (c == '\0')
			return sx_error_set(p->err, SX_EUSAGE,
					    "unclosed %c quote at character %zu of the pipeline",
					    quote, start + 1);
		if (quote == '"' && c == '\\' &&
		    (p->text[p->pos + 1] == '"' || p->text[p->pos + 1] == '\\'))
			c = p->text[++p->pos];
		rc = put_char(p, c);
		if (rc)
			return rc;
	}
	return SX_OK;
}

static int step(struct parser *p)
{
	char c = p->text[p->pos];

	if (c == '|')
		return end_stage(p);
	if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
		return end_word(p);
	if (!p->in_word && p->cur.argc == 0)
		p->cur.position = p->pos;
	if (c == '\'' || c == '"')
		return quoted(p, c);
	if (c == '\\' && p->text[p->pos + 1] != '\0')
		c = p->text[++p->pos];
	return put_char(p, c);
}

int sx_spec_parse(struct sx_spec *spec, const char *text, struct sx_error *err)
{
	struct parser p = { .text = text, .spec = spec, .err = err };
	int rc = SX_OK;

	spec->count = 0;
	spec->stages = NULL;
	for (; rc == SX_OK && text[p.pos] != '\0'; p.pos++)
		rc = step(&p);
	if (rc == SX_OK)
		rc = end_stage(&p);
	free(p.word);
	free_argv(&p.cur);
	if (rc)
		sx_spec_release(spec);
	return rc;
}

void sx_spec_release(struct sx_spec *spec)
{
	for (size_t i = 0; i < spec->count; i++)
		free_argv(&spec->stages[i]);
	free(spec->stages);
	spec->stages = NULL;
	spec->count = 0;
}
