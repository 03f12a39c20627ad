/* bad_abi.c - a plugin that claims a stage ABI from the future. */
#include "plugin.h"

static int pass(struct sx_stage *st, const unsigned char *in, size_t len,
		struct sx_out *out)
{
	(void)st;
	return sx_out_write(out, in, len);
}

static const struct sx_stage_ops future_ops = {
	.abi = SX_STAGE_ABI + 1, .name = "future", .summary = "", .usage = "",
	.process = pass,
};

const struct sx_plugin streamx_plugin = {
	.abi = SX_STAGE_ABI + 1,
	.name = "future",
	.stages = (const struct sx_stage_ops *const[]){ &future_ops, NULL },
};
