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
extern const struct sx_stage_ops sx_stage_deflate;
extern const struct sx_stage_ops sx_stage_inflate;
extern const struct sx_stage_ops sx_stage_zlib;
extern const struct sx_stage_ops sx_stage_unzlib;
extern const struct sx_stage_ops sx_stage_base64;
extern const struct sx_stage_ops sx_stage_hex;

/* Adds every built-in stage to reg. Returns a status. */
int sx_builtin_register(struct sx_registry *reg, struct sx_error *err);

#endif
