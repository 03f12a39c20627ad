/* io.c - file-descriptor and memory sources and sinks. */
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#include "io.h"

#include "mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static ssize_t fd_read(struct sx_source *src, void *buf, size_t n,
		       struct sx_error *err)
{
	for (;;) {
		ssize_t got;

		got = read(src->fd, buf, n);
		if (got >= 0) {
			src->offset += (uint64_t)got;
			return got;
		}
		if (errno != EINTR)
			return sx_error_set(err, SX_EIO,
					    "%s: read error at byte %llu: %s",
					    src->name,
					    (unsigned long long)src->offset,
					    strerror(errno));
	}
}

void sx_source_fd(struct sx_source *src, int fd, const char *name)
{
	struct stat sb;

	memset(src, 0, sizeof(*src));
	src->read = fd_read;
	src->fd = fd;
	src->name = name;
	src->size_hint = -1;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))
		src->size_hint = sb.st_size;
}

static ssize_t mem_read(struct sx_source *src, void *buf, size_t n,
			struct sx_error *err)
{
	size_t left = src->mem_len - src->offset;

	(void)err;
	if (src->max_chunk && n > src->max_chunk)
		n = src->max_chunk;
	if (n > left)
		n = left;
	if (n == 0)
		return 0; /* mem may be NULL for an empty source */
	memcpy(buf, src->mem + src->offset, n);
	src->offset += n;
	return (ssize_t)n;
}

void sx_source_mem(struct sx_source *src, const void *mem, size_t len,
		   size_t max_chunk)
{
	memset(src, 0, sizeof(*src));
	src->read = mem_read;
	src->fd = -1;
	src->name = "memory";
	src->mem = mem;
	src->mem_len = len;
	src->max_chunk = max_chunk;
	src->size_hint = (int64_t)len;
}

static int fd_write(struct sx_sink *sink, const void *buf, size_t n,
		    struct sx_error *err)
{
	const unsigned char *p = buf;

	while (n > 0) {
		ssize_t put = write(sink->fd, p, n);

		if (put < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE)
				return sx_error_set(err, SX_EPIPE,
						    "%s: broken pipe",
						    sink->name);
			return sx_error_set(err, SX_EIO,
					    "%s: write error at byte %llu: %s",
					    sink->name,
					    (unsigned long long)sink->offset,
					    strerror(errno));
		}
		p += put;
		n -= (size_t)put;
		sink->offset += (uint64_t)put;
	}
	return SX_OK;
}

/* A pipe's default 64 KiB makes the writer wait for the reader every
 * 64 KiB; a bigger one lets both run longer. Failure is harmless. */
static void widen_pipe(int fd)
{
#ifdef F_SETPIPE_SZ
	struct stat sb;
	int size;

	if (fstat(fd, &sb) || !S_ISFIFO(sb.st_mode))
		return;
	size = fcntl(fd, F_GETPIPE_SZ);
	if (size >= 0 && size < SX_PIPE_SIZE)
		(void)fcntl(fd, F_SETPIPE_SZ, SX_PIPE_SIZE);
#else
	(void)fd;
#endif
}

void sx_sink_fd(struct sx_sink *sink, int fd, const char *name)
{
	widen_pipe(fd);
	memset(sink, 0, sizeof(*sink));
	sink->write = fd_write;
	sink->fd = fd;
	sink->name = name;
}

static int mem_write(struct sx_sink *sink, const void *buf, size_t n,
		     struct sx_error *err)
{
	if (n > sink->mem_cap - sink->mem_len) {
		size_t cap = sink->mem_cap ? sink->mem_cap : 4096;
		unsigned char *grown;

		while (cap - sink->mem_len < n)
			cap *= 2;
		grown = realloc(sink->mem, cap);
		if (!grown)
			return sx_error_set(err, SX_ENOMEM,
					    "out of memory collecting output");
		sink->mem = grown;
		sink->mem_cap = cap;
	}
	memcpy(sink->mem + sink->mem_len, buf, n);
	sink->mem_len += n;
	sink->offset += n;
	return SX_OK;
}

void sx_sink_mem(struct sx_sink *sink)
{
	memset(sink, 0, sizeof(*sink));
	sink->write = mem_write;
	sink->fd = -1;
	sink->name = "memory";
}

/* Room for the whole input: its known size plus one byte, so that end of
 * file is seen without growing; else a start that doubles. */
static size_t first_capacity(const struct sx_source *src)
{
	if (src->size_hint >= 0 && (uint64_t)src->size_hint < SIZE_MAX - 1)
		return (size_t)src->size_hint + 1;
	return 64 * 1024;
}

int sx_source_slurp(struct sx_source *src, struct sx_mem_owner *owner,
		    unsigned char **buf, size_t *len, struct sx_error *err)
{
	size_t cap = first_capacity(src), used = 0;
	unsigned char *data = sx_malloc(owner, cap);

	if (!data)
		return sx_mem_fail(owner, cap, err);
	for (;;) {
		ssize_t got;

		if (used == cap) {
			unsigned char *grown = NULL;

			if (cap <= SIZE_MAX / 2)
				grown = sx_realloc(owner, data, cap * 2);
			if (!grown) {
				sx_free(data);
				return sx_mem_fail(owner, cap * 2, err);
			}
			data = grown;
			cap *= 2;
		}
		got = src->read(src, data + used, cap - used, err);
		if (got < 0) {
			sx_free(data);
			return (int)got;
		}
		if (got == 0)
			break;
		used += (size_t)got;
	}
	*buf = data;
	*len = used;
	return SX_OK;
}
