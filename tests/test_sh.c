/* test_sh.c - per-test directories, bash commands and their captured output. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_sh.h"

#define TIMEOUT 60

char last_cmd[SH_CMD_MAX];
char out_path[SH_PATH_MAX], err_path[SH_PATH_MAX];

static char basedir[64];        /* per TCase, made in the runner */
static char tmpdir[128];        /* per test, inside basedir */

/* ---- directories ---- */

static void remove_dir(char *dir)
{
	char cmd[PATH_MAX + 32];

	if (!dir[0] || chdir("/") != 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_sh: could not remove %s\n", dir);
	dir[0] = '\0';
}

static void tcase_setup(void)
{
	snprintf(basedir, sizeof(basedir), "/tmp/streamx-test-XXXXXX");
	if (!mkdtemp(basedir))
		basedir[0] = '\0'; /* setup() reports it, in a test */
}

static void tcase_teardown(void)
{
	remove_dir(basedir);
}

static void setup(void)
{
	ck_assert_msg(basedir[0], "cannot make a directory in /tmp");
	snprintf(tmpdir, sizeof(tmpdir), "%s/test-XXXXXX", basedir);
	ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp: %s", strerror(errno));
	ck_assert_int_eq(chdir(tmpdir), 0);
	snprintf(out_path, sizeof(out_path), "%s/sh.out", tmpdir);
	snprintf(err_path, sizeof(err_path), "%s/sh.err", tmpdir);
	ck_assert_int_eq(mkdir("o", 0777), 0);
}

static void teardown(void)
{
	remove_dir(tmpdir);
}

TCase *sh_tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_unchecked_fixture(tc, tcase_setup, tcase_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, TIMEOUT);
	suite_add_tcase(s, tc);
	return tc;
}

/* ---- running commands ---- */

int under_valgrind(void)
{
	const char *v = getenv("STREAMX_UNDER_VALGRIND");

	return v && strcmp(v, "1") == 0;
}

const char *streamx_bin(void)
{
	const char *bin = getenv("STREAMX");

	ck_assert_msg(bin && bin[0],
		      "STREAMX is not set: it must hold the absolute path of the "
		      "built binary (make check sets it)");
	ck_assert_msg(access(bin, X_OK) == 0, "STREAMX=%s is not executable", bin);
	return bin;
}

void child_stdio(int in_fd, const char *out)
{
	int null = open("/dev/null", O_RDONLY);
	int ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	int efd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0666);

	if (null < 0 || ofd < 0 || efd < 0)
		_exit(126);
	if (dup2(in_fd >= 0 ? in_fd : null, STDIN_FILENO) < 0 ||
	    dup2(ofd, STDOUT_FILENO) < 0 || dup2(efd, STDERR_FILENO) < 0)
		_exit(126);
	/* any of them may have landed on 0-2 when those were closed */
	if (null > STDERR_FILENO)
		close(null);
	if (ofd > STDERR_FILENO)
		close(ofd);
	if (efd > STDERR_FILENO)
		close(efd);
}

int wait_for(pid_t pid)
{
	int wstatus;

	while (waitpid(pid, &wstatus, 0) < 0)
		ck_assert_msg(errno == EINTR, "waitpid: %s", strerror(errno));
	return wstatus;
}

int status_of(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return -1;
}

static int vsh(const char *fmt, va_list ap)
{
	char script[sizeof(last_cmd) + 32];
	int n = vsnprintf(last_cmd, sizeof(last_cmd), fmt, ap);
	pid_t pid;

	/* here rather than in setup: tests that run no command need no binary */
	streamx_bin();
	ck_assert_msg(n >= 0 && (size_t)n < sizeof(last_cmd), "command too long");
	snprintf(script, sizeof(script), "set -o pipefail\n%s", last_cmd);
	pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		child_stdio(-1, out_path);
		execl("/bin/bash", "bash", "-c", script, (char *)NULL);
		_exit(127);
	}
	return status_of(wait_for(pid));
}

int sh(const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vsh(fmt, ap);
	va_end(ap);
	return rc;
}

void ok(const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vsh(fmt, ap);
	va_end(ap);
	ck_assert_msg(rc == 0, "`%s` exited %d; stdout: %s; stderr: %s", last_cmd,
		      rc, captured(out_path), stderr_text());
}

const char *fails(int want, const char *needle, const char *fmt, ...)
{
	const char *line;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vsh(fmt, ap);
	va_end(ap);
	ck_assert_msg(rc == want, "`%s` exited %d, not %d; stderr: %s", last_cmd,
		      rc, want, stderr_text());
	line = error_line();
	if (needle)
		assert_contains(line, needle);
	return line;
}

/* ---- what commands left ---- */

char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, used = 0, got;

	if (!f)
		return NULL;
	do {
		if (cap - used < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		got = fread(buf + used, 1, cap - used - 1, f);
		used += got;
	} while (got > 0);
	fclose(f);
	buf[used] = '\0';
	if (len)
		*len = used;
	return buf;
}

const char *captured(const char *path)
{
	static char text[2][4096];
	static int which;
	char *s = slurp(path, NULL);

	which = !which;
	snprintf(text[which], sizeof(text[which]), "%s", s ? s : "(nothing)");
	free(s);
	return text[which];
}

const char *stderr_text(void)
{
	return captured(err_path);
}

const char *error_line(void)
{
	static char line[4096];
	size_t len;
	char *s = slurp(err_path, &len);

	ck_assert_ptr_nonnull(s);
	ck_assert_msg(len > 0, "`%s`: nothing on stderr", last_cmd);
	ck_assert_msg(strncmp(s, "streamx: ", 9) == 0,
		      "`%s`: stderr does not start with 'streamx: ': %s", last_cmd, s);
	ck_assert_msg(s[len - 1] == '\n' && memchr(s, '\n', len) == s + len - 1,
		      "`%s`: stderr is not exactly one line: %s", last_cmd, s);
	s[len - 1] = '\0';
	snprintf(line, sizeof(line), "%s", s);
	free(s);
	return line;
}

void assert_contains(const char *hay, const char *needle)
{
	ck_assert_msg(strstr(hay, needle) != NULL,
		      "`%s`: expected \"%s\" in: %s", last_cmd, needle, hay);
}

/* ---- files ---- */

void put_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

void put_text(const char *path, const char *text)
{
	put_file(path, text, strlen(text));
}

long long file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

int exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

int count_entries(const char *dir, const char *part)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_msg(d != NULL, "%s: %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (!part || strstr(e->d_name, part))
			n++;
	}
	closedir(d);
	return n;
}

/* ---- time and pipes ---- */

void write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		ck_assert_msg(n > 0 || errno == EINTR, "write: %s", strerror(errno));
		if (n > 0) {
			p += n;
			len -= (size_t)n;
		}
	}
}

void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

const struct run_mode error_modes[N_ERROR_MODES] = {
	{ "--stream", "1" }, { "--stream", "7" }, { "--stream", "65536" },
	{ "--naive", "1" }, { "--naive", "65536" },
};

long long message_byte(const char *msg)
{
	const char *p = strstr(msg, "byte ");

	if (!p || p[5] < '0' || p[5] > '9')
		return -1;
	return strtoll(p + 5, NULL, 10);
}
