/* spill.c - byte stores that move to a temporary file past a memory limit. */
#include "spill.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

static const char *temp_dir(void)
{
	const char *dir = getenv("TMPDIR");

	return dir && *dir ? dir : "/tmp";
}

int sx_temp_open(struct sx_error *err)
{
	const char *dir = temp_dir();
	char path[4096];
	int fd = -1, slot;

#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
#endif
	if (fd >= 0)
		return fd;
	if (snprintf(path, sizeof(path), "%s/streamx-spill.XXXXXX", dir) >=
	    (int)sizeof(path)) {
		sx_error_set(err, SX_EIO, "temporary directory name too long: %s", dir);
		return -1;
	}
	/* Listed before it exists: a signal between mkstemp and unlink must
	 * not leave the file behind (mkstemp fills the name in first). */
	slot = sx_cleanup_add(path);
	fd = mkstemp(path);
	if (fd < 0) {
		sx_cleanup_forget(slot);
		sx_error_set(err, SX_EIO, "cannot make a temporary file in %s: %s",
			     dir, strerror(errno));
		return -1;
	}
	unlink(path);
	sx_cleanup_forget(slot);
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

int sx_temp_write(int fd, uint64_t off, const void *data, size_t n,
		  struct sx_error *err)
{
	const unsigned char *p = data;

	while (n > 0) {
		ssize_t put = pwrite(fd, p, n, (off_t)off);

		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0)
			return sx_error_set(err, SX_EIO,
					    "cannot write a temporary file in %s: %s",
					    temp_dir(), put < 0 ? strerror(errno) : "no progress");
		p += put;
		off += (uint64_t)put;
		n -= (size_t)put;
	}
	return SX_OK;
}

int sx_temp_read(int fd, uint64_t off, void *dst, size_t n, struct sx_error *err)
{
	unsigned char *p = dst;

	while (n > 0) {
		ssize_t got = pread(fd, p, n, (off_t)off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return sx_error_set(err, SX_EIO,
					    "cannot read back a temporary file: %s",
					    got < 0 ? strerror(errno) : "it is shorter than written");
		p += got;
		off += (uint64_t)got;
		n -= (size_t)got;
	}
	return SX_OK;
}

size_t sx_spill_default_limit(void)
{
	const char *text = getenv("STREAMX_LINE_MEM");
	uint64_t n;

	if (text && sx_parse_size(text, &n) == 0 && n > 0 && n <= SIZE_MAX / 2)
		return (size_t)n;
	return SX_SPILL_DEFAULT;
}

void sx_spill_init(struct sx_spill *sp, struct sx_mem_owner *mem, size_t limit)
{
	memset(sp, 0, sizeof(*sp));
	sp->mem = mem;
	sp->limit = limit ? limit : sx_spill_default_limit();
	sp->fd = -1;
}

/* Grows the memory buffer to hold need bytes (need <= limit). */
static int reserve(struct sx_spill *sp, size_t need, struct sx_error *err)
{
	size_t cap = sp->cap ? sp->cap : 256;
	unsigned char *p;

	if (need <= sp->cap)
		return SX_OK;
	while (cap < need)
		cap = cap > sp->limit / 2 ? sp->limit : cap * 2;
	p = sx_realloc(sp->mem, sp->buf, cap);
	if (!p)
		return sx_mem_fail(sp->mem, cap - sp->cap, err);
	sp->buf = p;
	sp->cap = cap;
	return SX_OK;
}

/* Moves the content from memory into the temporary. */
static int move_to_file(struct sx_spill *sp, struct sx_error *err)
{
	int rc;

	if (sp->fd < 0) {
		sp->fd = sx_temp_open(err);
		if (sp->fd < 0)
			return SX_EIO;
	}
	rc = sx_temp_write(sp->fd, 0, sp->buf, (size_t)sp->len, err);
	if (rc)
		return rc;
	sp->in_file = 1;
	sp->spills++;
	return SX_OK;
}

int sx_spill_append(struct sx_spill *sp, const void *data, size_t n,
		    struct sx_error *err)
{
	int rc;

	if (n == 0)
		return SX_OK;
	if (!sp->in_file && sp->len + n <= sp->limit) {
		rc = reserve(sp, (size_t)sp->len + n, err);
		if (rc)
			return rc;
		memcpy(sp->buf + sp->len, data, n);
		sp->len += n;
		return SX_OK;
	}
	if (!sp->in_file) {
		rc = move_to_file(sp, err);
		if (rc)
			return rc;
	}
	rc = sx_temp_write(sp->fd, sp->len, data, n, err);
	if (rc)
		return rc;
	sp->len += n;
	return SX_OK;
}

int sx_spill_read(const struct sx_spill *sp, uint64_t off, void *dst, size_t n,
		  struct sx_error *err)
{
	if (n == 0) /* an empty store may have no buffer: NULL + 0 is undefined */
		return SX_OK;
	if (!sp->in_file) {
		memcpy(dst, sp->buf + off, n);
		return SX_OK;
	}
	return sx_temp_read(sp->fd, off, dst, n, err);
}

int sx_spill_emit(const struct sx_spill *sp, uint64_t off, uint64_t n,
		  struct sx_out *out, struct sx_error *err)
{
	if (n == 0) /* as above */
		return SX_OK;
	if (!sp->in_file)
		return sx_out_write(out, sp->buf + off, (size_t)n);
	while (n > 0) {
		unsigned char *dst;
		size_t avail;
		int rc = sx_out_space(out, &dst, &avail);

		if (rc)
			return rc;
		if (avail > n)
			avail = (size_t)n;
		rc = sx_temp_read(sp->fd, off, dst, avail, err);
		if (rc)
			return rc;
		sx_out_commit(out, avail);
		off += avail;
		n -= avail;
	}
	return SX_OK;
}

void sx_spill_clear(struct sx_spill *sp)
{
	if (sp->in_file && ftruncate(sp->fd, 0) != 0) {
		/* A temporary that will not shrink is dropped instead. */
		close(sp->fd);
		sp->fd = -1;
	}
	sp->in_file = 0;
	sp->len = 0;
}

void sx_spill_swap(struct sx_spill *a, struct sx_spill *b)
{
	struct sx_spill t = *a;

	*a = *b;
	*b = t;
}

void sx_spill_release(struct sx_spill *sp)
{
	sx_free(sp->buf);
	if (sp->fd >= 0)
		close(sp->fd);
	sx_spill_init(sp, sp->mem, sp->limit);
}
