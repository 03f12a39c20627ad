/* shim.c - an LD_PRELOAD library that makes streamx's reads and writes fail, fall short or be interrupted. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

/*
 * The faults come from the environment, read once:
 *
 *   SXF_WRITE_FAIL=EIO|ENOSPC|EFBIG  writes to the target fail with it ...
 *   SXF_READ_FAIL=EIO                reads from the target fail with it ...
 *   SXF_AFTER=N                      ... once N bytes went through (default 0)
 *   SXF_SHORT=1                      writes move at most a third of what they
 *                                    are asked (and at least one byte)
 *   SXF_EINTR=1                      every other write or read on the target
 *                                    fails with EINTR, having done nothing
 *   SXF_FD=WHICH                     the target: a number; 'out' (standard
 *                                    output or an -o temporary, .streamx-*);
 *                                    'tmp' (a spill file, streamx-spill.* or an
 *                                    unnamed O_TMPFILE); 'path:TEXT' (an fd
 *                                    whose /proc/self/fd link contains TEXT).
 *                                    Default: 'out' for writes, 0 for reads.
 *   SXF_NO_TMPFILE=1                 open(O_TMPFILE) fails with EOPNOTSUPP,
 *                                    as on file systems without it, so that
 *                                    named temporaries are used instead
 *   SXF_SIGNAL_AT_UNLINK=TEXT        the first unlink of a path containing
 *                                    TEXT raises SIGTERM just before it, as
 *                                    if the signal came in that instant
 *
 * Every call that moves bytes is covered: write, writev, pwrite, read,
 * pread, and the zero-copy calls (copy_file_range, splice, sendfile),
 * where the fault applies to whichever end is the target. Only calls
 * through the dynamic symbols are seen; glibc's stdio writes to stderr
 * go straight to the kernel, so error messages are never disturbed.
 */

#define WANT_OUT 0
#define WANT_TMP 1
#define WANT_FD 2
#define WANT_PATH 3

struct target {
	int kind;
	int fd;
	const char *text;
};

static struct {
	int ready;
	int write_errno, read_errno;
	unsigned long long after;
	int shortw, eintr, no_tmpfile;
	struct target wt, rt;
} cfg;

static unsigned long long written, readb; /* bytes through the target */
static unsigned long calls;               /* for SXF_EINTR */

static int errno_named(const char *s)
{
	if (!s || !*s)
		return 0;
	if (strcmp(s, "EIO") == 0)
		return EIO;
	if (strcmp(s, "ENOSPC") == 0)
		return ENOSPC;
	if (strcmp(s, "EFBIG") == 0)
		return EFBIG;
	if (strcmp(s, "EDQUOT") == 0)
		return EDQUOT;
	return EIO;
}

static void parse_target(struct target *t, const char *s, int dflt_fd)
{
	t->text = NULL;
	if (!s || !*s) {
		t->kind = dflt_fd < 0 ? WANT_OUT : WANT_FD;
		t->fd = dflt_fd;
	} else if (strcmp(s, "out") == 0) {
		t->kind = WANT_OUT;
	} else if (strcmp(s, "tmp") == 0) {
		t->kind = WANT_TMP;
	} else if (strncmp(s, "path:", 5) == 0) {
		t->kind = WANT_PATH;
		t->text = s + 5;
	} else {
		t->kind = WANT_FD;
		t->fd = atoi(s);
	}
}

static void setup(void)
{
	const char *fd = getenv("SXF_FD");

	if (cfg.ready)
		return;
	cfg.write_errno = errno_named(getenv("SXF_WRITE_FAIL"));
	cfg.read_errno = errno_named(getenv("SXF_READ_FAIL"));
	cfg.after = getenv("SXF_AFTER") ? strtoull(getenv("SXF_AFTER"), NULL, 10) : 0;
	cfg.shortw = getenv("SXF_SHORT") && atoi(getenv("SXF_SHORT"));
	cfg.eintr = getenv("SXF_EINTR") && atoi(getenv("SXF_EINTR"));
	cfg.no_tmpfile = getenv("SXF_NO_TMPFILE") && atoi(getenv("SXF_NO_TMPFILE"));
	parse_target(&cfg.wt, fd, -1);
	parse_target(&cfg.rt, fd, 0);
	__atomic_store_n(&cfg.ready, 1, __ATOMIC_RELEASE);
}

/* Whether fd is the target; costs a readlink, which a test can afford. */
static int is_target(const struct target *t, int fd)
{
	char link[64], path[4096];
	ssize_t n;

	if (t->kind == WANT_FD)
		return fd == t->fd;
	if (t->kind == WANT_OUT && fd == STDOUT_FILENO)
		return 1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return 0;
	path[n] = '\0';
	if (t->kind == WANT_OUT)
		return strstr(path, ".streamx-") != NULL;
	if (t->kind == WANT_TMP)
		return strstr(path, "streamx-spill.") != NULL ||
		       (strstr(path, "/#") && strstr(path, "(deleted)"));
	return strstr(path, t->text) != NULL;
}

/* Decides a call of n bytes on the target: returns -1 with errno set to
 * fail it, else the bytes it may move (n or fewer). counter is the
 * direction's byte count, charged later by done(). */
static ssize_t decide(int err, const unsigned long long *counter, size_t n,
		      int is_write)
{
	unsigned long long sofar = __atomic_load_n(counter, __ATOMIC_RELAXED);

	if (err && sofar >= cfg.after) {
		errno = err;
		return -1;
	}
	if (err && n > cfg.after - sofar)
		n = (size_t)(cfg.after - sofar); /* up to the failure, then fail */
	if (is_write && cfg.shortw && n > 1)
		n = n / 3 ? n / 3 : 1;
	return (ssize_t)n;
}

static void done(unsigned long long *counter, ssize_t got)
{
	if (got > 0)
		__atomic_fetch_add(counter, (unsigned long long)got, __ATOMIC_RELAXED);
}

/* The next definition of name (libc's); a data pointer copied into a
 * function pointer, as POSIX allows and ISO C does not say. */
#define REAL(name) \
	static __typeof__(name) *real_##name; \
	if (!real_##name) { \
		void *sym = dlsym(RTLD_NEXT, #name); \
		memcpy(&real_##name, &sym, sizeof(sym)); \
	}

/* The faults for one call: write side when out_fd is the target, read
 * side when in_fd is (either may be -1). Returns the bytes allowed or
 * -1; *w and *r say which counters to charge. */
static ssize_t gate(int in_fd, int out_fd, size_t n, int *w, int *r)
{
	ssize_t allow = (ssize_t)n;

	setup();
	*w = out_fd >= 0 && (cfg.write_errno || cfg.shortw || cfg.eintr) &&
	     is_target(&cfg.wt, out_fd);
	*r = in_fd >= 0 && (cfg.read_errno || cfg.eintr) && is_target(&cfg.rt, in_fd);
	/* once per call, whichever ends are the target: a call interrupted
	 * every time would never get through */
	if ((*w || *r) && cfg.eintr &&
	    __atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED) % 2 == 0) {
		errno = EINTR;
		return -1;
	}
	if (*w)
		allow = decide(cfg.write_errno, &written, n, 1);
	if (allow >= 0 && *r)
		allow = decide(cfg.read_errno, &readb, (size_t)allow, 0);
	return allow;
}

static void charge(int w, int r, ssize_t got)
{
	if (w)
		done(&written, got);
	if (r)
		done(&readb, got);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	int w, r;
	ssize_t allow, got;

	REAL(write);
	allow = gate(-1, fd, n, &w, &r);
	if (allow < 0)
		return -1;
	got = real_write(fd, buf, (size_t)allow);
	charge(w, r, got);
	return got;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	int w, r;
	ssize_t allow, got;

	REAL(pwrite);
	allow = gate(-1, fd, n, &w, &r);
	if (allow < 0)
		return -1;
	got = real_pwrite(fd, buf, (size_t)allow, off);
	charge(w, r, got);
	return got;
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	return pwrite(fd, buf, n, off);
}

/* writev as one write of its first vector, which is a short write. */
ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	int w, r;
	ssize_t allow, got;
	size_t n = 0;

	REAL(writev);
	for (int i = 0; i < cnt; i++)
		n += iov[i].iov_len;
	allow = gate(-1, fd, n, &w, &r);
	if (allow < 0)
		return -1;
	if ((size_t)allow < n && cnt > 0) {
		REAL(write);
		got = real_write(fd, iov[0].iov_base,
				 (size_t)allow < iov[0].iov_len ? (size_t)allow : iov[0].iov_len);
	} else {
		got = real_writev(fd, iov, cnt);
	}
	charge(w, r, got);
	return got;
}

ssize_t read(int fd, void *buf, size_t n)
{
	int w, r;
	ssize_t allow, got;

	REAL(read);
	allow = gate(fd, -1, n, &w, &r);
	if (allow < 0)
		return -1;
	/* a read cut to 0 would look like end of file: let it fail instead */
	if (allow == 0 && n > 0 && r && cfg.read_errno) {
		errno = cfg.read_errno;
		return -1;
	}
	got = real_read(fd, buf, (size_t)allow);
	charge(w, r, got);
	return got;
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	int w, r;
	ssize_t allow, got;

	REAL(pread);
	allow = gate(fd, -1, n, &w, &r);
	if (allow < 0)
		return -1;
	if (allow == 0 && n > 0 && r && cfg.read_errno) {
		errno = cfg.read_errno;
		return -1;
	}
	got = real_pread(fd, buf, (size_t)allow, off);
	charge(w, r, got);
	return got;
}

ssize_t pread64(int fd, void *buf, size_t n, off_t off)
{
	return pread(fd, buf, n, off);
}

/* The zero-copy calls: a cut to 0 bytes fails instead, as for read. */
static ssize_t zero_gate(int in_fd, int out_fd, size_t n, int *w, int *r)
{
	ssize_t allow = gate(in_fd, out_fd, n, w, r);

	if (allow == 0 && n > 0) {
		errno = *w && cfg.write_errno ? cfg.write_errno : cfg.read_errno;
		return -1;
	}
	return allow;
}

ssize_t copy_file_range(int in, off_t *in_off, int out, off_t *out_off,
			size_t n, unsigned int flags)
{
	int w, r;
	ssize_t allow, got;

	REAL(copy_file_range);
	allow = zero_gate(in, out, n, &w, &r);
	if (allow < 0)
		return -1;
	got = real_copy_file_range(in, in_off, out, out_off, (size_t)allow, flags);
	charge(w, r, got);
	return got;
}

ssize_t splice(int in, off_t *in_off, int out, off_t *out_off, size_t n,
	       unsigned int flags)
{
	int w, r;
	ssize_t allow, got;

	REAL(splice);
	allow = zero_gate(in, out, n, &w, &r);
	if (allow < 0)
		return -1;
	got = real_splice(in, in_off, out, out_off, (size_t)allow, flags);
	charge(w, r, got);
	return got;
}

ssize_t sendfile(int out, int in, off_t *off, size_t n)
{
	int w, r;
	ssize_t allow, got;

	REAL(sendfile);
	allow = zero_gate(in, out, n, &w, &r);
	if (allow < 0)
		return -1;
	got = real_sendfile(out, in, off, (size_t)allow);
	charge(w, r, got);
	return got;
}

ssize_t sendfile64(int out, int in, off_t *off, size_t n)
{
	return sendfile(out, in, off, n);
}

/* O_TMPFILE refused on request; every other open passes through. */
static int open_with(const char *path, int flags, va_list ap)
{
	mode_t mode = 0;

	REAL(open);
	setup();
	if (flags & (O_CREAT | O_TMPFILE))
		mode = (mode_t)va_arg(ap, int);
	if (cfg.no_tmpfile && (flags & O_TMPFILE) == O_TMPFILE) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return real_open(path, flags, mode);
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	int fd;

	va_start(ap, flags);
	fd = open_with(path, flags, ap);
	va_end(ap);
	return fd;
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	int fd;

	va_start(ap, flags);
	fd = open_with(path, flags, ap);
	va_end(ap);
	return fd;
}

/* A signal at the worst moment, on request: before a temporary's unlink. */
int unlink(const char *path)
{
	static int fired;
	const char *at = getenv("SXF_SIGNAL_AT_UNLINK");

	REAL(unlink);
	if (at && *at && strstr(path, at) &&
	    !__atomic_exchange_n(&fired, 1, __ATOMIC_RELAXED))
		raise(SIGTERM);
	return real_unlink(path);
}
