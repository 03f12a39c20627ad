/* test_sh.h - running the built binary and shell commands from Check tests. */
#ifndef SX_TESTS_TEST_SH_H
#define SX_TESTS_TEST_SH_H

#include <check.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/*
 * A TCase made by sh_tcase() gets a directory in /tmp that the runner
 * itself makes and removes: a failed or timed-out test ends its forked
 * process without the checked teardown, so each test's own directory
 * lives inside it. That test directory is the current directory while
 * the test runs, so commands use short relative names; it starts with
 * an empty subdirectory o/ for outputs that must vanish on failure.
 *
 * Commands run under bash with pipefail and stdin from /dev/null (a
 * streamx reading stdin by mistake must not wait for a terminal);
 * stdout goes to out_path (sh.out) and stderr to err_path (sh.err),
 * both absolute so that a test may chdir. The command's text stays in
 * last_cmd, for failure messages. The binary is SX in commands: the
 * shell expands "$STREAMX", so no path is ever quoted by hand.
 *
 * Helpers assert (ck_assert) instead of returning errors, unless they
 * say otherwise. Strings from captured(), stderr_text() and error_line()
 * are static and overwritten by later calls; slurp()'s belong to the
 * caller, who frees them.
 */

#define SX "\"$STREAMX\""
#define SH_CMD_MAX 8192
#define SH_PATH_MAX 144

extern char last_cmd[SH_CMD_MAX];
extern char out_path[SH_PATH_MAX], err_path[SH_PATH_MAX];

/* A TCase of s with the directories above and a 60 s timeout. */
TCase *sh_tcase(Suite *s, const char *name);

/* Whether $STREAMX runs the binary under valgrind (make valgrind sets
 * STREAMX_UNDER_VALGRIND=1): its peak RSS and timing are then valgrind's,
 * and the few assertions about them are left to make check. */
int under_valgrind(void);

/* The path in $STREAMX; fails the test if it is not an executable. */
const char *streamx_bin(void);

/* Runs the command under bash; returns its exit status, or 128 + the
 * signal that killed it. */
int sh(const char *fmt, ...) SX_PRINTF(1, 2);

/* Like sh, and the command must succeed. */
void ok(const char *fmt, ...) SX_PRINTF(1, 2);

/* Runs the command; it must exit with want and print one error line
 * containing needle (NULL: any). Returns the line, as error_line(). */
const char *fails(int want, const char *needle, const char *fmt, ...)
	SX_PRINTF(3, 4);

/* Asserts that stderr is exactly one line "streamx: ..." and returns it
 * without the newline. */
const char *error_line(void);

/* The start of what the last command wrote to path, or "(nothing)";
 * two buffers in turn, so one message may quote both streams. */
const char *captured(const char *path);

/* captured(err_path). */
const char *stderr_text(void);

/* The file's bytes, NUL-terminated (*len, if not NULL, excludes the
 * NUL), or NULL if it cannot be read. */
char *slurp(const char *path, size_t *len);

void put_file(const char *path, const void *data, size_t len);
void put_text(const char *path, const char *text);

/* The size of path, or -1 if it cannot be stat'ed. */
long long file_size(const char *path);

/* Whether path exists; a dangling link does. */
int exists(const char *path);

/* Entries of dir other than . and ..; with a non-NULL part, only those
 * whose name contains it. */
int count_entries(const char *dir, const char *part);

void assert_contains(const char *hay, const char *needle);

/* In a forked child: stdin from in_fd (-1: /dev/null), stdout to the
 * file out, stderr to err_path. Exits 126 if one cannot be opened. */
void child_stdio(int in_fd, const char *out);

/* Waits for pid; returns the raw wait status (see status_of). */
int wait_for(pid_t pid);

/* A wait status as a shell reports it: the exit code, 128 + signal. */
int status_of(int wstatus);

/* Writes all of data to fd, across short writes and EINTR. */
void write_all(int fd, const void *data, size_t len);

void sleep_ms(long ms);

/* The modes and buffer sizes a data error is checked in: the message
 * must be the same in each. */
struct run_mode {
	const char *mode;   /* --stream or --naive */
	const char *buf;    /* the -b value */
};
#define N_ERROR_MODES 5
extern const struct run_mode error_modes[N_ERROR_MODES];

/* The N of "byte N" in a message, or -1. */
long long message_byte(const char *msg);

#endif
