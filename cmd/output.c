/* output.c - safe output files: temporary, rename on success, cleanup on signals. */
#define _GNU_SOURCE
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"

/* The temporary a signal handler must remove: one output per process. */
static char doomed[PATH_MAX];

static void on_fatal_signal(int sig)
{
	if (doomed[0])
		unlink(doomed);
	sx_cleanup_now(); /* the stages' temporaries (tee) */
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Installs the handlers that remove the temporary named in doomed. */
static void arm_cleanup(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* Forgets the temporary with the signals held, so that no handler runs
 * between a rename or unlink and the forgetting. */
static void disarm_cleanup(void)
{
	sigset_t all, old;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	doomed[0] = '\0';
	sigprocmask(SIG_SETMASK, &old, NULL);
}

const char *output_name(const struct output *out)
{
	return out->path ? out->path : "standard output";
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static int open_stdout(struct output *out, const struct stat *input)
{
	struct stat sb;

	out->fd = STDOUT_FILENO;
	if (input && fstat(out->fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    same_file(&sb, input))
		return cli_error("standard output: input file is output file");
	return 0;
}

/* Splits path into its directory and base name for the temporary. */
static int temp_name(struct output *out)
{
	const char *slash = strrchr(out->path, '/');
	int dirlen = slash ? (int)(slash - out->path + 1) : 0;
	const char *base = slash ? slash + 1 : out->path;
	int n = snprintf(out->tmp, sizeof(out->tmp), "%.*s.%s.streamx-XXXXXX",
			 dirlen, out->path, base);

	if (n < 0 || (size_t)n >= sizeof(out->tmp))
		return cli_error("%s: file name too long", out->path);
	return 0;
}

static int open_temp(struct output *out)
{
	sigset_t all, old;
	mode_t mask;
	int e;

	if (temp_name(out))
		return -1;
	/* Signals held from before the file exists until doomed names it: a
	 * handler in between would unlink the XXXXXX template instead. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	arm_cleanup();
	out->fd = mkstemp(out->tmp);
	e = errno;
	snprintf(doomed, sizeof(doomed), "%s", out->fd >= 0 ? out->tmp : "");
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (out->fd < 0) {
		out->tmp[0] = '\0';
		return cli_error("%s: cannot create: %s", out->path, strerror(e));
	}
	mask = umask(0);
	umask(mask);
	fchmod(out->fd, 0666 & ~mask);
	return 0;
}

int output_open(struct output *out, const char *path, int force,
		const struct stat *input)
{
	struct stat sb;

	memset(out, 0, sizeof(*out));
	out->force = force;
	arm_cleanup(); /* for the stages' temporaries, whatever the output */
	if (!path || strcmp(path, "-") == 0)
		return open_stdout(out, input);
	out->path = path;
	if (stat(path, &sb) == 0) {
		/* /dev/null in and out is fine: only a file's data can be lost */
		if (input && S_ISREG(sb.st_mode) && same_file(&sb, input))
			return cli_error("%s: input and output are the same file", path);
		if (S_ISDIR(sb.st_mode))
			return cli_error("%s: is a directory", path);
		if (!S_ISREG(sb.st_mode)) {
			out->fd = open(path, O_WRONLY | O_CLOEXEC);
			if (out->fd < 0)
				return cli_error("%s: cannot open: %s", path, strerror(errno));
			return 0;
		}
		if (!force)
			return cli_error("%s: already exists; not overwritten (use -f to overwrite)",
					 path);
	}
	return open_temp(out);
}

static int put_in_place(struct output *out)
{
	if (out->force)
		return rename(out->tmp, out->path);
	/* Fails with EEXIST rather than replace a file that appeared since. */
	if (renameat2(AT_FDCWD, out->tmp, AT_FDCWD, out->path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (link(out->tmp, out->path) != 0)
		return -1;
	return unlink(out->tmp);
}

/* After a rename, the directory entry is durable only once the directory
 * is flushed too. Best effort: some file systems refuse. */
static void sync_directory(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	int fd;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path + 1) : 1,
		 slash ? path : ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int output_commit(struct output *out)
{
	int rc = 0;

	if (!out->tmp[0])
		return 0;
	if (out->sync && fsync(out->fd) != 0) {
		rc = cli_error("%s: cannot flush to disk: %s", out->path, strerror(errno));
		close(out->fd);
	} else if (close(out->fd) != 0) {
		rc = cli_error("%s: write error: %s", out->path, strerror(errno));
	} else if (put_in_place(out) != 0) {
		if (errno == EEXIST)
			rc = cli_error("%s: already exists; not overwritten (use -f to overwrite)",
				       out->path);
		else
			rc = cli_error("%s: cannot rename into place: %s", out->path,
				       strerror(errno));
	}
	out->fd = -1;
	if (rc)
		unlink(out->tmp);
	else if (out->sync)
		sync_directory(out->path);
	disarm_cleanup();
	out->tmp[0] = '\0';
	return rc;
}

void output_abort(struct output *out)
{
	if (out->tmp[0]) {
		if (out->fd >= 0)
			close(out->fd);
		unlink(out->tmp);
		disarm_cleanup();
		out->tmp[0] = '\0';
		out->fd = -1;
	}
}
