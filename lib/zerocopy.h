/* zerocopy.h - moving a source's bytes to a sink inside the kernel. */
#ifndef SX_ZEROCOPY_H
#define SX_ZEROCOPY_H

#include "io.h"

/*
 * For a pipeline that only copies (every stage SX_STAGE_COPIES), the
 * bytes need not pass through user space: copy_file_range between
 * regular files, splice into or out of a pipe, sendfile elsewhere.
 *
 * sx_zerocopy moves what it can from src->fd to sink->fd, advancing both
 * offsets as it goes. Returns SX_OK when the whole input has been moved,
 * a negative status with err set on a read or write failure (SX_EPIPE
 * when the reader went away), or SX_ZEROCOPY_NO when the kernel cannot
 * (or can no longer) move these bytes: the caller then goes on with
 * read and write from where it stopped (the file positions agree with
 * the offsets). Memory sources and sinks (fd < 0) always give
 * SX_ZEROCOPY_NO before anything is moved, and so does a regular file
 * that yields nothing at once: files in /proc say they are empty, and
 * some kernels copy them as nothing, so read decides. Only EPIPE, ENOSPC,
 * EDQUOT, EFBIG and EIO are failures; any other refusal (EINVAL, EXDEV,
 * EAGAIN, ...) gives SX_ZEROCOPY_NO.
 */
#define SX_ZEROCOPY_NO 2

int sx_zerocopy(struct sx_source *src, struct sx_sink *sink,
		struct sx_error *err);

/* sx_zerocopy moving at most max bytes: when it has moved that many it
 * stops with SX_ZEROCOPY_FULL, and the input may hold more. */
#define SX_ZEROCOPY_FULL 3

int sx_zerocopy_upto(struct sx_source *src, struct sx_sink *sink,
		     uint64_t max, struct sx_error *err);

#endif
