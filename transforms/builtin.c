/* builtin.c - the list of built-in stages, in the order `streamx list` shows. */
#include "builtin.h"

static const struct sx_stage_ops *const builtins[] = {
	&sx_stage_cat,
	&sx_stage_upper,
	&sx_stage_lower,
	&sx_stage_rot13,
	&sx_stage_tr,
	&sx_stage_replace,
	&sx_stage_crlf,
	&sx_stage_lf,
	&sx_stage_gzip,
	&sx_stage_gunzip,
	&sx_stage_zlib,
	&sx_stage_unzlib,
	&sx_stage_deflate,
	&sx_stage_inflate,
	&sx_stage_base64,
	&sx_stage_hex,
	&sx_stage_grep,
	&sx_stage_head,
	&sx_stage_tail,
	&sx_stage_nl,
	&sx_stage_uniq,
	&sx_stage_dedup,
	&sx_stage_sort,
	&sx_stage_wc,
	&sx_stage_crc32,
	&sx_stage_adler32,
	&sx_stage_sha256,
	&sx_stage_tee,
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
