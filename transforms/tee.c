/* tee.c - the tee stage: copies the stream into a file and passes it on unchanged. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "builtin.h"
#include "cleanup.h"
#include "opts.h"

/*
 * FILE is replaced whole or not at all. The copy is written to a
 * temporary beside it, made at init so that an unwritable place is
 * reported before a byte is read; finish, at the end of tee's input,
 * renames it over FILE. Where the system allows (O_TMPFILE, /proc), the
 * temporary has no name until finish links it as ".NAME.streamx-XXXXXX"
 * (the name streamx -o uses) just before the rename, so a process killed
 * even by SIGKILL leaves nothing behind; elsewhere it is named from the
 * start. A named temporary is on the signal cleanup list (cleanup.h)
 * while it exists, so SIGINT, SIGTERM and SIGHUP remove it. A run
 * that fails before then reaches destroy with the temporary still there:
 * it is removed and FILE is left as it was. A failure of a later stage
 * after that point (in its finish, or anywhere in naive mode, which runs
 * tee to its end before the next stage starts) no longer undoes FILE:
 * tee learns how its own input ended, not how the run does.
 *
 * The temporary is opened with O_CREAT | O_EXCL and mode 0666 under a
 * name made here, rather than by mkstemp (0600) and fchmod: the kernel
 * then applies the umask, and a directory's default ACL, exactly as for
 * tee's own open, and nothing calls umask(), which would change the mask
 * of the whole process for a moment while pipelines in other threads
 * create files. A FILE that exists keeps its permission bits, as it does
 * under tee, which writes into the same file.
 *
 * A symbolic link is followed: the file it points to is replaced, not the
 * link. A FILE that exists and is not a regular file (/dev/null, a FIFO,
 * a terminal) is opened and written directly, as tee does: there is
 * nothing to replace.
 *
 * The bytes go from the input chunk to write() without a copy. When a
 * later stage needs no more input (head), tee still copies the rest of
 * its input into FILE, as `tee -p` does, and does not pass SX_DONE up:
 * the file then holds the whole stream in both modes (naive mode gives
 * tee all of its input before a later stage runs at all).
 */
#define WRITE_PIECE ((size_t)1 << 30)
#define TEMP_TRIES 100

struct tee_state {
	int fd;              /* the temporary, or FILE itself; -1: none */
	char *path;          /* the file to replace or write (links followed) */
	char *tmp;           /* the temporary's name while it exists, else NULL */
	int unnamed;         /* the temporary has no name yet (O_TMPFILE) */
	int cleanup_slot;    /* tmp's place on the signal cleanup list, or -1 */
	uint64_t written;    /* bytes written to fd */
	int downstream_done; /* a later stage needs no more input */
};

/* A copy of s charged to the stage, or NULL. */
static char *copy_string(struct sx_stage *st, const char *s)
{
	size_t n = strlen(s);
	char *p = sx_malloc(st->mem, n + 1);

	if (p)
		memcpy(p, s, n + 1);
	return p;
}

/* Six name characters that differ between processes, stages and tries;
 * O_EXCL settles the rest. */
static void temp_suffix(const void *self, unsigned attempt, char out[7])
{
	static const char digits[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	struct timespec ts;
	uint64_t x;

	clock_gettime(CLOCK_REALTIME, &ts);
	x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
	    ((uint64_t)getpid() << 40) ^ (uint64_t)(uintptr_t)self ^
	    (uint64_t)attempt * 0x9e3779b97f4a7c15ULL;
	/* splitmix64's finalizer: every input bit moves every output bit */
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	x ^= x >> 31;
	for (int i = 0; i < 6; i++, x /= 62)
		out[i] = digits[x % 62];
	out[6] = '\0';
}

static int set_mode(struct sx_stage *st, int mode)
{
	struct tee_state *s = st->priv;

	if (fchmod(s->fd, (mode_t)mode) != 0)
		return sx_stage_fail(st, SX_EIO, "%s: cannot set the mode of the copy: %s",
				     s->path, strerror(errno));
	return SX_OK;
}

/* An unnamed file in the directory of path (its first dirlen bytes),
 * where the system has O_TMPFILE and /proc to name it later; else -1.
 * Nothing is left to remove if the process dies before finish. */
static int open_unnamed(const char *path, int dirlen)
{
#ifdef O_TMPFILE
	char dir[4096];

	if (access("/proc/self/fd", X_OK) != 0 || dirlen >= (int)sizeof(dir))
		return -1;
	snprintf(dir, sizeof(dir), "%.*s", dirlen ? dirlen : 1, dirlen ? path : ".");
	return open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
#else
	(void)path;
	(void)dirlen;
	return -1;
#endif
}

/* Gives the unnamed temporary a hidden name beside s->path, for the
 * rename; returns 0 or an errno value. */
static int name_unnamed(struct sx_stage *st, int fd)
{
	struct tee_state *s = st->priv;
	const char *slash = strrchr(s->path, '/');
	int dirlen = slash ? (int)(slash - s->path + 1) : 0;
	const char *base = slash ? slash + 1 : s->path;
	size_t size = strlen(s->path) + sizeof("..streamx-XXXXXX");
	char proc[64];
	int e = EEXIST;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	for (unsigned i = 0; i < TEMP_TRIES && e == EEXIST; i++) {
		char suffix[7];

		temp_suffix(s, i, suffix);
		snprintf(s->tmp, size, "%.*s.%s.streamx-%s", dirlen, s->path, base,
			 suffix);
		e = linkat(AT_FDCWD, proc, AT_FDCWD, s->tmp, AT_SYMLINK_FOLLOW) == 0 ? 0 : errno;
	}
	s->unnamed = e != 0;
	if (!e)
		s->cleanup_slot = sx_cleanup_add(s->tmp);
	return e;
}

/* Creates the temporary beside s->path; mode is FILE's permission bits
 * to copy, or -1 for a new file. */
static int make_temp(struct sx_stage *st, int mode)
{
	struct tee_state *s = st->priv;
	const char *slash = strrchr(s->path, '/');
	int dirlen = slash ? (int)(slash - s->path + 1) : 0;
	const char *base = slash ? slash + 1 : s->path;
	size_t size = strlen(s->path) + sizeof("..streamx-XXXXXX");
	int e = EEXIST;

	s->tmp = sx_malloc(st->mem, size);
	if (!s->tmp)
		return sx_mem_fail(st->mem, size, &st->err);
	s->fd = open_unnamed(s->path, dirlen);
	if (s->fd >= 0) {
		s->unnamed = 1;
		return mode >= 0 ? set_mode(st, mode) : SX_OK;
	}
	for (unsigned i = 0; i < TEMP_TRIES && e == EEXIST; i++) {
		char suffix[7];

		temp_suffix(s, i, suffix);
		snprintf(s->tmp, size, "%.*s.%s.streamx-%s", dirlen, s->path, base,
			 suffix);
		s->fd = open(s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			     O_CLOEXEC, 0666);
		e = s->fd < 0 ? errno : 0;
	}
	if (s->fd < 0) {
		sx_free(s->tmp);
		s->tmp = NULL;
		return sx_stage_fail(st, SX_EIO, "%s: cannot create: %s", s->path,
				     strerror(e));
	}
	s->cleanup_slot = sx_cleanup_add(s->tmp);
	return mode >= 0 ? set_mode(st, mode) : SX_OK;
}

/* Decides where the copy goes and opens it. */
static int open_copy(struct sx_stage *st, const char *name)
{
	struct tee_state *s = st->priv;
	struct stat sb;
	char *real = NULL;

	if (lstat(name, &sb) == 0 && S_ISLNK(sb.st_mode))
		real = realpath(name, NULL); /* NULL when dangling: replace the link */
	s->path = copy_string(st, real ? real : name);
	free(real);
	if (!s->path)
		return sx_mem_fail(st->mem, strlen(name) + 1, &st->err);
	if (stat(s->path, &sb) != 0)
		return make_temp(st, -1); /* a missing directory is reported there */
	if (S_ISDIR(sb.st_mode))
		return sx_stage_fail(st, SX_EIO, "%s: is a directory", s->path);
	if (S_ISREG(sb.st_mode))
		return make_temp(st, (int)(sb.st_mode & 07777));
	s->fd = open(s->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (s->fd < 0)
		return sx_stage_fail(st, SX_EIO, "%s: cannot open: %s", s->path,
				     strerror(errno));
	return SX_OK;
}

static int tee_init(struct sx_stage *st, int argc, char **argv)
{
	struct tee_state *s = st->priv;
	struct sx_opts o;
	const char *name;
	int rc;

	s->fd = -1;
	s->cleanup_slot = -1;
	sx_opts_init(&o, st, argc, argv);
	rc = sx_opts_next(&o, "", NULL);
	if (rc < 0)
		return rc;
	rc = sx_opts_want(&o, 1, 1, "FILE");
	if (rc)
		return rc;
	name = argv[o.ind];
	if (!name[0])
		return sx_stage_fail(st, SX_EUSAGE, "empty file name");
	if (strcmp(name, "-") == 0)
		return sx_stage_fail(st, SX_EUSAGE,
				     "'-' is not a file: the stream already goes on to the next stage; name a FILE");
	return open_copy(st, name);
}

/* Writes all of p[0..n) to the copy, across short writes and EINTR. */
static int copy_out(struct sx_stage *st, const unsigned char *p, size_t n)
{
	struct tee_state *s = st->priv;

	while (n > 0) {
		ssize_t put = write(s->fd, p, n < WRITE_PIECE ? n : WRITE_PIECE);

		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0)
			return sx_stage_fail(st, SX_EIO, "%s: write error at byte %llu: %s",
					     s->path, (unsigned long long)s->written,
					     put < 0 ? strerror(errno) : "nothing written");
		p += put;
		n -= (size_t)put;
		s->written += (uint64_t)put;
	}
	return SX_OK;
}

static int tee_process(struct sx_stage *st, const unsigned char *in,
		       size_t len, struct sx_out *out)
{
	struct tee_state *s = st->priv;
	int rc = copy_out(st, in, len);

	if (rc || s->downstream_done)
		return rc;
	rc = sx_out_write(out, in, len);
	if (rc == SX_DONE) {
		s->downstream_done = 1;
		rc = SX_OK;
	}
	return rc;
}

static int tee_finish(struct sx_stage *st, struct sx_out *out)
{
	struct tee_state *s = st->priv;
	int fd = s->fd, e;

	(void)out;
	if (s->unnamed && (e = name_unnamed(st, fd)) != 0)
		return sx_stage_fail(st, SX_EIO, "%s: cannot name the copy: %s",
				     s->path, strerror(e));
	s->fd = -1;
	/* Linux has closed the descriptor even when close says EINTR. */
	if (close(fd) != 0 && errno != EINTR)
		return sx_stage_fail(st, SX_EIO, "%s: write error at byte %llu: %s",
				     s->path, (unsigned long long)s->written,
				     strerror(errno));
	if (!s->tmp)
		return SX_OK;
	if (rename(s->tmp, s->path) != 0)
		return sx_stage_fail(st, SX_EIO, "%s: cannot rename into place: %s",
				     s->path, strerror(errno));
	/* forgotten after the rename: a signal in between unlinks a name
	 * that is already gone, never the copy */
	sx_cleanup_forget(s->cleanup_slot);
	s->cleanup_slot = -1;
	sx_free(s->tmp);
	s->tmp = NULL;
	return SX_OK;
}

static void tee_destroy(struct sx_stage *st)
{
	struct tee_state *s = st->priv;

	if (s->fd >= 0)
		close(s->fd);
	if (s->tmp && !s->unnamed)
		unlink(s->tmp);
	sx_cleanup_forget(s->cleanup_slot);
	sx_free(s->tmp);
	sx_free(s->path);
	s->fd = -1;
	s->tmp = s->path = NULL;
}

const struct sx_stage_ops sx_stage_tee = {
	.abi = SX_STAGE_ABI,
	.name = "tee",
	.summary = "copy the stream into a file and pass it on unchanged (like tee)",
	.usage = "tee FILE\n"
		 "  Writes everything that passes into FILE. FILE is replaced only once\n"
		 "  tee has seen the end of its input: a run that fails before then\n"
		 "  leaves it as it was. A new FILE gets mode 0666 less the umask; an\n"
		 "  existing one keeps its mode. When a later stage stops early\n"
		 "  (head), the rest of the input is still copied, as with tee -p.\n"
		 "  Example: streamx -i app.log.gz 'gunzip | tee app.log | wc -l'",
	.priv_size = sizeof(struct tee_state),
	.init = tee_init,
	.process = tee_process,
	.finish = tee_finish,
	.destroy = tee_destroy,
};
