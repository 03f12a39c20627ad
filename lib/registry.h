/* registry.h - the table of known stage kinds, searched by name. */
#ifndef SX_REGISTRY_H
#define SX_REGISTRY_H

#include <stddef.h>

#include "error.h"
#include "stage.h"

#define SX_REGISTRY_MAX 256

/* Holds pointers to const stage tables; it owns none of them. Filled at
 * start-up, read-only while pipelines run. */
struct sx_registry {
	size_t count;
	const struct sx_stage_ops *ops[SX_REGISTRY_MAX];
};

/* Empties reg; allocates nothing. */
void sx_registry_init(struct sx_registry *reg);

/* Adds a stage kind. Returns SX_EUSAGE (reg unchanged) when its ABI
 * version differs, its name is taken, its table lacks process, or the
 * registry is full. */
int sx_registry_add(struct sx_registry *reg, const struct sx_stage_ops *ops,
		    struct sx_error *err);

/* The stage kind called name, or NULL. */
const struct sx_stage_ops *sx_registry_find(const struct sx_registry *reg,
					    const char *name);

/* The known name closest to name (edit distance at most 2, 1 for names
 * of one or two letters, or a prefix either way), or NULL when none is
 * close. */
const char *sx_registry_suggest(const struct sx_registry *reg,
				const char *name);

#endif
