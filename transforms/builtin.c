/* builtin.c - the list of built-in stages, in the order `streamx list` shows. */
#include "builtin.h"

static const struct sx_stage_ops *const builtins[] = {
	&sx_stage_cat,
	&sx_stage_upper,
	&sx_stage_lower,
	&sx_stage_gzip,
	&sx_stage_gunzip,
	&sx_stage_sort,
	&sx_stage_tail,
	NULL
};

int sx_builtin_register(struct sx_registry *reg, struct sx_error *err)
{
	for (size_t i = 0; builtins[i]; i++) {
		int rc = sx_registry_add(reg, builtins[i], err);
		if (rc)
			return rc;
	}
	return SX_OK;
}
