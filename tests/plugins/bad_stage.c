/* bad_stage.c - a plugin whose second stage table has another ABI, and a clash. */
#include "plugin.h"

static int pass(struct sx_stage *st, const unsigned char *in, size_t len,
		struct sx_out *out)
{
	(void)st;
	return sx_out_write(out, in, len);
}

static const struct sx_stage_ops good_ops = {
	.abi = SX_STAGE_ABI, .name = "good", .summary = "passes bytes", .usage = "good",
	.process = pass,
};

static const struct sx_stage_ops old_ops = {
	.abi = SX_STAGE_ABI - 1, .name = "old", .summary = "", .usage = "",
	.process = pass,
};

const struct sx_plugin streamx_plugin = {
	.abi = SX_STAGE_ABI,
	.name = "bad_stage",
	.stages = (const struct sx_stage_ops *const[]){ &good_ops, &old_ops, NULL },
};
