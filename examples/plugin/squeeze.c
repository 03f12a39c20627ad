/* squeeze.c - a streamx plugin: `squeeze` folds runs of blank lines into one, like cat -s. */
#include "plugin.h"
#include "stage.h"

/*
 * The whole state is how many newlines came in a row just before the
 * current byte; the start of the input counts as one, so blank lines at
 * the very start are folded too (as cat -s does). A third newline in a
 * row would make a second blank line: it is dropped. Everything else is
 * copied, a span at a time, so the stage works on any chunking and holds
 * nothing back.
 */
struct squeeze_state {
	unsigned newlines; /* newlines just before the current byte, up to 2 */
};

static int squeeze_init(struct sx_stage *st, int argc, char **argv)
{
	struct squeeze_state *s = st->priv;

	if (argc > 1)
		return sx_stage_fail(st, SX_EUSAGE, "unknown argument '%s'", argv[1]);
	s->newlines = 1;
	return SX_OK;
}

static int squeeze_process(struct sx_stage *st, const unsigned char *in,
			   size_t len, struct sx_out *out)
{
	struct squeeze_state *s = st->priv;
	size_t span = 0; /* start of the bytes kept but not yet written */

	for (size_t i = 0; i < len; i++) {
		if (in[i] != '\n') {
			s->newlines = 0;
			continue;
		}
		if (s->newlines < 2) {
			s->newlines++;
			continue;
		}
		/* a dropped newline: write what came before it */
		int rc = sx_out_write(out, in + span, i - span);
		if (rc)
			return rc;
		span = i + 1;
	}
	return sx_out_write(out, in + span, len - span);
}

static const struct sx_stage_ops squeeze_ops = {
	.abi = SX_STAGE_ABI,
	.name = "squeeze",
	.summary = "fold runs of blank lines into one (like cat -s)",
	.usage = "squeeze\n"
		 "  Never writes two blank lines in a row.\n"
		 "  Example: streamx --plugin ./squeeze.so -i notes.txt 'squeeze'",
	.priv_size = sizeof(struct squeeze_state),
	.init = squeeze_init,
	.process = squeeze_process,
};

const struct sx_plugin streamx_plugin = {
	.abi = SX_STAGE_ABI,
	.name = "squeeze",
	.stages = (const struct sx_stage_ops *const[]){ &squeeze_ops, NULL },
};
