/* output.h - the output file: a temporary renamed into place on success. */
#ifndef SX_CMD_OUTPUT_H
#define SX_CMD_OUTPUT_H

#include <limits.h>
#include <sys/stat.h>

/*
 * A regular output file is written as a hidden temporary in the same
 * directory and renamed over the real name only when the run succeeded, so
 * the name never holds a partial file. The temporary is removed on
 * failure and by SIGINT, SIGTERM and SIGHUP. Without `force`, an existing
 * file is never replaced, even one that appears while we run. Standard
 * output and non-regular files (/dev/null, a FIFO) are written directly.
 */
struct output {
	int fd;
	const char *path;      /* NULL for standard output */
	char tmp[PATH_MAX];    /* the temporary's name, empty when direct */
	int force;
	int sync;              /* fsync the file (and its directory) on commit */
};

/* Opens the output at path (NULL or "-": standard output). input is the
 * input's stat, or NULL: writing onto the input is refused. Prints a
 * message and returns -1 on failure. */
int output_open(struct output *out, const char *path, int force,
		const struct stat *input);

/* Makes the output final (renames the temporary into place). Prints a
 * message, removes the temporary and returns -1 on failure. */
int output_commit(struct output *out);

/* Removes the temporary, if any, and closes the output. */
void output_abort(struct output *out);

/* The name to use in messages. */
const char *output_name(const struct output *out);

#endif
