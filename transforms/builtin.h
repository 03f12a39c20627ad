/* builtin.h - the stages that ship with streamx. */
#ifndef SX_BUILTIN_H
#define SX_BUILTIN_H

#include "registry.h"
#include "stage.h"

/* bytes.c, text.c, tr.c: bytes and text */
extern const struct sx_stage_ops sx_stage_cat;
extern const struct sx_stage_ops sx_stage_upper;
extern const struct sx_stage_ops sx_stage_lower;
extern const struct sx_stage_ops sx_stage_rot13;
extern const struct sx_stage_ops sx_stage_tr;
extern const struct sx_stage_ops sx_stage_replace;
extern const struct sx_stage_ops sx_stage_crlf;
extern const struct sx_stage_ops sx_stage_lf;

/* gzip.c, encode.c: compression and encoding */
extern const struct sx_stage_ops sx_stage_gzip;
extern const struct sx_stage_ops sx_stage_gunzip;
extern const struct sx_stage_ops sx_stage_zlib;
extern const struct sx_stage_ops sx_stage_unzlib;
extern const struct sx_stage_ops sx_stage_deflate;
extern const struct sx_stage_ops sx_stage_inflate;
extern const struct sx_stage_ops sx_stage_base64;
extern const struct sx_stage_ops sx_stage_hex;

/* grep.c, lines.c, tail.c, sort.c: lines */
extern const struct sx_stage_ops sx_stage_grep;
extern const struct sx_stage_ops sx_stage_head;
extern const struct sx_stage_ops sx_stage_tail;
extern const struct sx_stage_ops sx_stage_nl;
extern const struct sx_stage_ops sx_stage_uniq;
extern const struct sx_stage_ops sx_stage_dedup;
extern const struct sx_stage_ops sx_stage_sort;

/* count.c, tee.c: counting, hashing, copying */
extern const struct sx_stage_ops sx_stage_wc;
extern const struct sx_stage_ops sx_stage_crc32;
extern const struct sx_stage_ops sx_stage_adler32;
extern const struct sx_stage_ops sx_stage_sha256;
extern const struct sx_stage_ops sx_stage_tee;

/* Adds every built-in stage to reg. Returns a status. */
int sx_builtin_register(struct sx_registry *reg, struct sx_error *err);

#endif
