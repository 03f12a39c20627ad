/* builtin.h - the stages that ship with streamx. */
#ifndef SX_BUILTIN_H
#define SX_BUILTIN_H

#include "registry.h"
#include "stage.h"

extern const struct sx_stage_ops sx_stage_cat;
extern const struct sx_stage_ops sx_stage_upper;
extern const struct sx_stage_ops sx_stage_lower;
extern const struct sx_stage_ops sx_stage_gzip;
extern const struct sx_stage_ops sx_stage_gunzip;
extern const struct sx_stage_ops sx_stage_sort;
extern const struct sx_stage_ops sx_stage_tail;

/* Adds every built-in stage to reg. Returns a status. */
int sx_builtin_register(struct sx_registry *reg, struct sx_error *err);

#endif
