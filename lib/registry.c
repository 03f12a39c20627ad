/* registry.c - looking stages up by name, with a suggestion for near misses. */
#include "registry.h"

#include <string.h>

void sx_registry_init(struct sx_registry *reg)
{
	reg->count = 0;
}

int sx_registry_add(struct sx_registry *reg, const struct sx_stage_ops *ops,
		    struct sx_error *err)
{
	const char *name = ops->name ? ops->name : "(unnamed)";

	if (ops->abi != SX_STAGE_ABI)
		return sx_error_set(err, SX_EUSAGE,
				    "stage '%s' was built for stage ABI %u, this streamx has ABI %u",
				    name, ops->abi, SX_STAGE_ABI);
	if (!ops->name || !ops->name[0] || !ops->process)
		return sx_error_set(err, SX_EUSAGE,
				    "stage '%s' lacks a name or a process function",
				    name);
	if (sx_registry_find(reg, ops->name))
		return sx_error_set(err, SX_EUSAGE,
				    "stage '%s' is already defined", name);
	if (reg->count == SX_REGISTRY_MAX)
		return sx_error_set(err, SX_EUSAGE,
				    "too many stages (at most %d)", SX_REGISTRY_MAX);
	reg->ops[reg->count++] = ops;
	return SX_OK;
}

const struct sx_stage_ops *sx_registry_find(const struct sx_registry *reg,
					    const char *name)
{
	for (size_t i = 0; i < reg->count; i++)
		if (strcmp(reg->ops[i]->name, name) == 0)
			return reg->ops[i];
	return NULL;
}

/* Levenshtein distance of two short words, capped at 9. */
static unsigned distance(const char *a, const char *b)
{
	unsigned row[33], la = (unsigned)strlen(a), lb = (unsigned)strlen(b);

	if (la > 32 || lb > 32)
		return 9;
	for (unsigned j = 0; j <= lb; j++)
		row[j] = j;
	for (unsigned i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = i;
		for (unsigned j = 1; j <= lb; j++) {
			unsigned up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb] > 9 ? 9 : row[lb];
}

const char *sx_registry_suggest(const struct sx_registry *reg,
				const char *name)
{
	const char *best = NULL;
	size_t len = strlen(name);
	/* two edits turn any short word into any other: fewer for those */
	unsigned best_d = len <= 2 ? 2 : 3;

	for (size_t i = 0; i < reg->count; i++) {
		const char *cand = reg->ops[i]->name;
		size_t clen = strlen(cand);
		unsigned d = distance(name, cand);

		/* a prefix either way counts as near: gun, sha256sum */
		if (((len >= 2 && strncmp(cand, name, len) == 0) ||
		     (clen >= 2 && strncmp(name, cand, clen) == 0)) && d > 1)
			d = 2;
		if (d < best_d) {
			best_d = d;
			best = cand;
		}
	}
	return best;
}
