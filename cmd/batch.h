/* batch.h - what the parts of `streamx batch` share: options, files, jobs, results. */
#ifndef SX_CMD_BATCH_H
#define SX_CMD_BATCH_H

#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "progress.h"

#define MAX_JOBS 1024
#define MAX_BUFFER ((uint64_t)1 << 30)
#define ERROR_MAX 512
#define IN_FLIGHT_MAX 256

struct batch_options {
	const char *pipeline;
	const char *out_dir;        /* -O; NULL: beside each input */
	const char *suffix;         /* appended */
	const char *strip;          /* removed, and required */
	const char *files_from;
	const char *report;         /* "-": standard output */
	const char *buffer;         /* forwarded to the children as given */
	const char *mem_limit;
	const char *max_output;
	const char *mode;           /* "--naive", "--stream" or NULL */
	int null_sep, force, rm, skip_existing;
	unsigned jobs;
	unsigned threads;           /* per child; 0: CPUs / jobs */
	char threads_arg[12];       /* the children's -T value */
	enum progress_mode progress;
};

/* Why a file's output is refused before it runs, found by check_names. */
enum clash { CLASH_NONE, CLASH_SELF, CLASH_INPUT, CLASH_OUTPUT };

struct file {
	const char *in;             /* borrowed from argv or the list text */
	unsigned other;             /* the file it clashes with */
	unsigned char clash;        /* enum clash */
};

/* A running child; pid 0 when the slot is free. */
struct job {
	pid_t pid;
	size_t file;
	int err_fd;                 /* its stderr: an unlinked temporary */
	double started;
	uint64_t bytes_in;
	struct stat before;         /* the output's, st_nlink 0: there was none */
	char out[PATH_MAX];
};

/* What is reported of one file. */
struct result {
	const char *input, *output;  /* output NULL: none could be named */
	uint64_t bytes_in, bytes_out, rss_peak;
	double seconds;
	const char *status;          /* "ok", "failed", "skipped" */
	const char *error;           /* NULL unless failed */
};

/* Memory that children do not inherit: mappings marked MADV_DONTFORK,
 * for the names and the file table. A child's ru_maxrss counts what it
 * held between fork and exec, so with a list of a million names every
 * run's figure would start at tens of MiB. Without them, each figure is
 * that of one run alone, and forking is quicker too. */
struct region {
	void *p;
	size_t size;
};

struct batch {
	struct batch_options opt;
	struct file *files;         /* in file_table */
	size_t nfiles;
	struct region file_table;
	struct region list;         /* --files-from text; names point into it */
	struct job *jobs;           /* opt.jobs slots */
	unsigned running;
	const char *exe;
	int null_fd;
	FILE *report;
	struct progress *progress;
	int tty;                    /* stderr is a terminal */
	struct stat out_dir_sb;
	double started;
	uint64_t bytes_total, bytes_done, bytes_in, bytes_out, rss_peak;
	unsigned done, ok, failed, skipped;
};


/* batch_names.c: output names and the clash check before any job. */

/* What output_for returns. */
enum { NAME_OK, NAME_NO_SUFFIX, NAME_EMPTY, NAME_TOO_LONG };

const char *base_name(const char *path);
int output_for(const struct batch_options *o, const char *in, char *buf,
	       size_t size);
int check_names(struct batch *b);
int make_out_dir(struct batch *b);

#endif
