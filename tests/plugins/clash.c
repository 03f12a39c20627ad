/* clash.c - a plugin that tries to redefine a built-in stage. */
#include "plugin.h"

static int pass(struct sx_stage *st, const unsigned char *in, size_t len,
		struct sx_out *out)
{
	(void)st;
	return sx_out_write(out, in, len);
}

static const struct sx_stage_ops gzip_ops = {
	.abi = SX_STAGE_ABI, .name = "gzip", .summary = "", .usage = "",
	.process = pass,
};

const struct sx_plugin streamx_plugin = {
	.abi = SX_STAGE_ABI,
	.name = "clash",
	.stages = (const struct sx_stage_ops *const[]){ &gzip_ops, NULL },
};
