/* zerocopy.c - copy_file_range, splice and sendfile from a source to a sink. */
#define _GNU_SOURCE
#include "zerocopy.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Every call passes NULL offsets, so the kernel advances the file
 * positions by exactly what it moved: when it refuses half way, read and
 * write carry on from there. A pipe takes at most its capacity per call
 * (sx_sink_fd raises it to 1 MiB); between files a call may move more.
 */
#define SPLICE_MAX ((size_t)1 << 20)
#define FILE_MAX ((size_t)16 << 20)

typedef ssize_t (*move_fn)(int in, int out, size_t n);

static ssize_t by_copy_range(int in, int out, size_t n)
{
	return copy_file_range(in, NULL, out, NULL, n, 0);
}

static ssize_t by_sendfile(int in, int out, size_t n)
{
	return sendfile(out, in, NULL, n);
}

static ssize_t by_splice(int in, int out, size_t n)
{
	return splice(in, NULL, out, NULL, n, 0);
}

struct ends {
	mode_t in, out;  /* S_IFMT bits */
	move_fn move[3]; /* in order of preference, NULL-terminated */
	size_t max;      /* bytes asked for per call */
};

/* Picks the calls that can move in's bytes to out. Returns 0, or -1 when
 * none can. */
static int pick(int in_fd, int out_fd, struct ends *e)
{
	struct stat in, out;

	if (fstat(in_fd, &in) || fstat(out_fd, &out))
		return -1;
	memset(e, 0, sizeof(*e));
	e->in = in.st_mode & S_IFMT;
	e->out = out.st_mode & S_IFMT;
	if (S_ISFIFO(in.st_mode) || S_ISFIFO(out.st_mode)) {
		e->move[0] = by_splice;
		e->max = SPLICE_MAX;
	} else if (S_ISREG(in.st_mode) && S_ISREG(out.st_mode)) {
		/* copy_file_range stays within one file system */
		e->move[0] = by_copy_range;
		e->move[1] = by_sendfile;
		e->max = FILE_MAX;
	} else if (S_ISREG(in.st_mode)) {
		e->move[0] = by_sendfile;
		e->max = FILE_MAX;
	}
	return e->move[0] ? 0 : -1;
}

/* Records a failure that read and write would meet too. Which end failed:
 * only writes run out of room, a pipe fails to be read never and to be
 * written only when its reader is gone; else both ends are named. */
static int failed(const struct ends *e, struct sx_source *src,
		  struct sx_sink *sink, struct sx_error *err)
{
	int werr = errno == ENOSPC || errno == EDQUOT || errno == EFBIG;

	if (errno == EPIPE)
		return sx_error_set(err, SX_EPIPE, "%s: broken pipe", sink->name);
	if (werr || e->in == S_IFIFO)
		return sx_error_set(err, SX_EIO, "%s: write error at byte %llu: %s",
				    sink->name, (unsigned long long)sink->offset,
				    strerror(errno));
	if (e->out != S_IFREG)
		return sx_error_set(err, SX_EIO, "%s: read error at byte %llu: %s",
				    src->name, (unsigned long long)src->offset,
				    strerror(errno));
	return sx_error_set(err, SX_EIO, "%s: error copying to %s at byte %llu: %s",
			    src->name, sink->name,
			    (unsigned long long)sink->offset, strerror(errno));
}

int sx_zerocopy(struct sx_source *src, struct sx_sink *sink,
		struct sx_error *err)
{
	return sx_zerocopy_upto(src, sink, UINT64_MAX, err);
}

int sx_zerocopy_upto(struct sx_source *src, struct sx_sink *sink,
		     uint64_t max, struct sx_error *err)
{
	struct ends e;
	uint64_t moved = 0;
	int m = 0;

	if (src->fd < 0 || sink->fd < 0 || pick(src->fd, sink->fd, &e))
		return SX_ZEROCOPY_NO;
	for (;;) {
		size_t n = max - moved < e.max ? (size_t)(max - moved) : e.max;
		ssize_t got;

		if (n == 0)
			return SX_ZEROCOPY_FULL;
		got = e.move[m](src->fd, sink->fd, n);

		if (got > 0) {
			moved += (uint64_t)got;
			src->offset += (uint64_t)got;
			sink->offset += (uint64_t)got;
			continue;
		}
		if (got == 0)
			/* A file that seems empty may be one of /proc's, which
			 * some kernels copy as nothing: read() decides. */
			return moved == 0 && e.in == S_IFREG ? SX_ZEROCOPY_NO : SX_OK;
		if (errno == EINTR)
			continue;
		if (errno == EPIPE || errno == ENOSPC || errno == EDQUOT ||
		    errno == EFBIG || errno == EIO)
			return failed(&e, src, sink, err);
		/* refused (EINVAL, EXDEV, ENOSYS, EAGAIN, ...): the next
		 * kind of call if there is one, else read and write */
		if (!e.move[++m])
			return SX_ZEROCOPY_NO;
	}
}
