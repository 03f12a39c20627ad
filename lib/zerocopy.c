/* zerocopy.c - moving a source's bytes to a sink inside the kernel. */
#include "zerocopy.h"

int sx_zerocopy(struct sx_source *src, struct sx_sink *sink, struct sx_error *err)
{
	(void)src, (void)sink, (void)err;
	return SX_ZEROCOPY_NO;
}
