/* io.h - where a pipeline's bytes come from and go to: file descriptors or memory. */
#ifndef SX_IO_H
#define SX_IO_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/*
 * A source yields the input in chunks of whatever size it likes; a sink
 * takes the output. The fd versions retry on EINTR and short writes and
 * work on pipes (no seeking). The memory versions let a program, or a
 * test, run a pipeline over a buffer; the memory source can cap its chunk
 * size to exercise every split of the input.
 */
struct sx_source {
	/* Reads up to n bytes into buf. Returns the count (0 at end of input)
	 * or a negative status with err set. */
	ssize_t (*read)(struct sx_source *src, void *buf, size_t n,
			struct sx_error *err);
	int64_t size_hint;  /* total input size if known, else -1 */
	/* bytes read so far; atomic so a progress display may read it */
	atomic_uint_fast64_t offset;
	/* fd */
	int fd;
	const char *name;   /* for messages */
	/* memory */
	const unsigned char *mem;
	size_t mem_len;
	size_t max_chunk;
};

struct sx_sink {
	/* Writes all n bytes or returns a negative status with err set. */
	int (*write)(struct sx_sink *sink, const void *buf, size_t n,
		     struct sx_error *err);
	atomic_uint_fast64_t offset; /* bytes written so far */
	int fd;
	const char *name;
	/* memory: a growing buffer the caller frees */
	unsigned char *mem;
	size_t mem_len, mem_cap;
};

/* A source reading fd; name is used in messages. Sets size_hint for a
 * regular file. */
void sx_source_fd(struct sx_source *src, int fd, const char *name);

/* A source reading mem[0..len) in chunks of at most max_chunk (0: any). */
void sx_source_mem(struct sx_source *src, const void *mem, size_t len,
		   size_t max_chunk);

/* What sx_sink_fd asks a pipe to hold; Linux makes pipes of 64 KiB. The
 * writer of a 64 KiB pipe waits for its reader every 64 KiB, however much
 * one write carries; with the bigger pipe, writes of more than 64 KiB (a
 * larger buffer size, or sx_zerocopy's splice) mostly go through without
 * waiting, and the reader gets more per read. Writes of 64 KiB gain
 * little. */
#define SX_PIPE_SIZE (1 << 20)

/* A sink writing to fd. When fd is a pipe smaller than SX_PIPE_SIZE,
 * asks the kernel to make it that big; a refusal (a per-user limit, a
 * system without F_SETPIPE_SZ) is ignored, and a bigger pipe is left as
 * it is. The pipe is shared with its reader, who sees the change. */
void sx_sink_fd(struct sx_sink *sink, int fd, const char *name);

/* A sink collecting the output in sink->mem (free() it when done). */
void sx_sink_mem(struct sx_sink *sink);

/* Reads the whole source into one buffer charged to owner (*buf, *len;
 * the caller frees it with sx_free). Returns a status; on failure nothing
 * is left allocated. */
struct sx_mem_owner;
int sx_source_slurp(struct sx_source *src, struct sx_mem_owner *owner,
		    unsigned char **buf, size_t *len, struct sx_error *err);

#endif
