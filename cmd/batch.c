/* batch.c - `streamx batch`: one pipeline over many files, N child runs at once. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "builtin.h"
#include "cli.h"
#include "pipeline.h"
#include "progress.h"
#include "registry.h"
#include "report.h"
#include "util.h"

/*
 * Each file is one child streamx run, `streamx -i IN -o OUT ... PIPELINE`,
 * exec'd from this very binary as compare does: the child already writes a
 * temporary and renames it into place, removes it on failure and on
 * SIGINT/SIGTERM/SIGHUP, and refuses to replace a file without -f. The
 * batch only names the outputs, keeps N children busy, and reports each
 * file as it ends. Memory is therefore N times one run's, plus a parent
 * that holds the list of input names, 16 bytes per file, one JSON line
 * at a time and, during the check before the first job, a table of 64 to
 * 128 bytes per file. The names and the 16 bytes are kept where children
 * do not inherit them (see struct region).
 *
 * Before any job starts, every input and every planned output is entered
 * in a hash table keyed by (directory device, directory inode, name), so
 * that two inputs mapping to one output, an output that is another input
 * of the batch (with --rm, one job would delete what another wrote) and an
 * output that is its own input are found whatever the spelling of the
 * paths, and refused for the later file only.
 *
 * A stop signal (SIGINT, SIGTERM, SIGHUP) starts no more jobs and sends
 * SIGTERM to the running children from the handler itself, so that a
 * wait4 that was about to block cannot miss it. Children that end are
 * reported as usual; then the summary is written and the batch dies of
 * the signal it got.
 */

#include "batch.h"

/* ---- options ---- */

static void print_batch_help(void)
{
	fputs("Usage: streamx batch [OPTIONS] 'PIPELINE' FILE...\n"
	      "Run PIPELINE over each FILE, each in its own streamx process, N at once.\n"
	      "Each output is written to a temporary and renamed into place when complete;\n"
	      "a failed file leaves nothing behind and the batch goes on.\n"
	      "\n"
	      "  -j, --jobs N          files at once (default: the number of online CPUs)\n"
	      "  -T, --threads N       threads for each file's run (default: CPUs / jobs,\n"
	      "                        at least 1)\n"
	      "  -O, --output-dir DIR  write outputs into DIR (made if missing), named by\n"
	      "                        the input's base name; default: beside each input\n"
	      "  -S, --suffix SUF      append SUF to output names (as gzip: --suffix .gz)\n"
	      "      --strip-suffix SUF  remove SUF from output names; an input without it\n"
	      "                        fails (as gunzip: --strip-suffix .gz)\n"
	      "      --files-from LIST more input names from LIST ('-': standard input),\n"
	      "                        one a line\n"
	      "  -0, --null            names in LIST end with NUL (find -print0)\n"
	      "  -f, --force           overwrite existing outputs\n"
	      "      --skip-existing   skip inputs whose output exists (resume a batch)\n"
	      "      --rm              remove each input once its output is flushed to disk\n"
	      "                        and in place (never after a failure)\n"
	      "      --report FILE     one JSON line per file as it ends, then a summary\n"
	      "                        line ('-': standard output)\n"
	      "      --stream, --naive  the mode of each run (default --stream)\n"
	      "  -b, --buffer-size N   stream buffer size of each run\n"
	      "      --mem-limit SIZE  tracked-memory budget of each run\n"
	      "      --max-output SIZE most bytes any stage of each run may write\n"
	      "      --progress        show a progress line on stderr (default: when it is\n"
	      "                        a terminal); --no-progress never shows it\n"
	      "  -h, --help            show this help\n"
	      "\n"
	      "Example: streamx batch -j 4 -O out --suffix .gz 'gzip -9' logs/*.log\n"
	      "Memory: N times one run's, the parent holding little more than the names.\n"
	      "Exit status: 0 every file done or skipped, 1 a file failed, 2 usage error;\n"
	      "after SIGINT, SIGTERM or SIGHUP, death by that signal.\n",
	      stdout);
}

static int batch_usage(const char *fmt, ...) SX_PRINTF(1, 2);

static int batch_usage(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_error("batch: %s (see 'streamx batch --help')", msg);
	return EXIT_USAGE;
}

static int parse_count(const char *what, const char *arg, unsigned *count)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 1 || v > MAX_JOBS)
		return batch_usage("invalid %s count '%s' (1 to %d)", what, arg, MAX_JOBS);
	*count = (unsigned)v;
	return -1;
}

static int parse_suffix(const char *opt, const char *arg, const char **out)
{
	if (!arg[0] || strchr(arg, '/'))
		return batch_usage("invalid suffix '%s' for --%s (not empty, no '/')", arg, opt);
	*out = arg;
	return -1;
}

static int parse_size_arg(const char *opt, const char *arg, uint64_t max,
			  const char **out)
{
	uint64_t n;

	if (sx_parse_size(arg, &n) != 0 || n == 0 || (max && n > max))
		return batch_usage("invalid size '%s' for --%s", arg, opt);
	*out = arg;
	return -1;
}

enum {
	OPT_STRIP = 256, OPT_FILES_FROM, OPT_RM, OPT_SKIP, OPT_REPORT, OPT_NAIVE,
	OPT_STREAM, OPT_MEM_LIMIT, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_MAX_OUTPUT
};

/* Returns -1 to go on, else the exit status to end with. */
static int parse_batch_option(int c, struct batch_options *o, char **argv)
{
	switch (c) {
	case 'j': return parse_count("job", optarg, &o->jobs);
	case 'T': return parse_count("thread", optarg, &o->threads);
	case 'O': o->out_dir = optarg; return -1;
	case 'S': return parse_suffix("suffix", optarg, &o->suffix);
	case OPT_STRIP: return parse_suffix("strip-suffix", optarg, &o->strip);
	case OPT_FILES_FROM: o->files_from = optarg; return -1;
	case '0': o->null_sep = 1; return -1;
	case 'f': o->force = 1; return -1;
	case OPT_SKIP: o->skip_existing = 1; return -1;
	case OPT_RM: o->rm = 1; return -1;
	case OPT_REPORT: o->report = optarg; return -1;
	case OPT_NAIVE: o->mode = "--naive"; return -1;
	case OPT_STREAM: o->mode = "--stream"; return -1;
	case 'b': return parse_size_arg("buffer-size", optarg, MAX_BUFFER, &o->buffer);
	case OPT_MEM_LIMIT: return parse_size_arg("mem-limit", optarg, 0, &o->mem_limit);
	case OPT_MAX_OUTPUT: return parse_size_arg("max-output", optarg, 0, &o->max_output);
	case OPT_PROGRESS: o->progress = PROGRESS_ON; return -1;
	case OPT_NO_PROGRESS: o->progress = PROGRESS_OFF; return -1;
	case 'h': print_batch_help(); return EXIT_OK;
	case ':': return batch_usage("option '%s' needs a value", argv[optind - 1]);
	default:
		if (optopt)
			return batch_usage("unknown option '-%c'", optopt);
		return batch_usage("unknown option '%s'", argv[optind - 1]);
	}
}

static unsigned online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > MAX_JOBS ? MAX_JOBS : (unsigned)n;
}

/* Leaves the file arguments at argv[optind..argc). Returns -1 to go on,
 * else the exit status. */
static int parse_batch(int argc, char **argv, struct batch_options *o)
{
	static const struct option opts[] = {
		{ "jobs", required_argument, NULL, 'j' },
		{ "threads", required_argument, NULL, 'T' },
		{ "output-dir", required_argument, NULL, 'O' },
		{ "suffix", required_argument, NULL, 'S' },
		{ "strip-suffix", required_argument, NULL, OPT_STRIP },
		{ "files-from", required_argument, NULL, OPT_FILES_FROM },
		{ "null", no_argument, NULL, '0' },
		{ "force", no_argument, NULL, 'f' },
		{ "skip-existing", no_argument, NULL, OPT_SKIP },
		{ "rm", no_argument, NULL, OPT_RM },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "naive", no_argument, NULL, OPT_NAIVE },
		{ "stream", no_argument, NULL, OPT_STREAM },
		{ "buffer-size", required_argument, NULL, 'b' },
		{ "mem-limit", required_argument, NULL, OPT_MEM_LIMIT },
		{ "max-output", required_argument, NULL, OPT_MAX_OUTPUT },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, rc;

	o->jobs = online_cpus();
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":j:T:O:S:0fb:h", opts, NULL)) != -1)
		if ((rc = parse_batch_option(c, o, argv)) >= 0)
			return rc;
	if (optind == argc)
		return batch_usage("no pipeline given");
	o->pipeline = argv[optind++];
	if (optind == argc && !o->files_from)
		return batch_usage("no files given: FILE... or --files-from LIST");
	if (o->null_sep && !o->files_from)
		return batch_usage("-0 applies to --files-from only");
	if (o->force && o->skip_existing)
		return batch_usage("-f and --skip-existing contradict each other");
	if (o->out_dir && !o->out_dir[0])
		return batch_usage("empty directory name for -O");
	if (!o->threads)
		o->threads = online_cpus() / o->jobs ? online_cpus() / o->jobs : 1;
	snprintf(o->threads_arg, sizeof(o->threads_arg), "%u", o->threads);
	return -1;
}

/* ---- memory the children do not inherit ---- */

/* Returns 0, with size zeroed bytes at r->p, or -1. */
static int region_alloc(struct region *r, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return -1;
	madvise(p, size, MADV_DONTFORK);
	r->p = p;
	r->size = size;
	return 0;
}

static void region_free(struct region *r)
{
	if (r->p)
		munmap(r->p, r->size);
	r->p = NULL;
	r->size = 0;
}

/* Doubles r, keeping its first used bytes. Returns 0, or -1 with r
 * untouched. */
static int region_double(struct region *r, size_t used)
{
	struct region bigger;

	if (r->size > SIZE_MAX / 2 || region_alloc(&bigger, r->size * 2) != 0)
		return -1;
	memcpy(bigger.p, r->p, used);
	region_free(r);
	*r = bigger;
	return 0;
}

/* ---- the list of files ---- */

/* Reads all of fd into b->list, NUL-terminated. Returns 0, or -1 with
 * errno set. */
static int read_all(struct batch *b, int fd, size_t *len)
{
	size_t used = 0;

	if (region_alloc(&b->list, 64 * 1024) != 0)
		return -1;
	for (;;) {
		char *text = b->list.p;
		ssize_t n;

		if (b->list.size - used < 4096 && region_double(&b->list, used) != 0)
			return -1;
		text = b->list.p;
		n = read(fd, text + used, b->list.size - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			text[used] = '\0';
			*len = used;
			return 0;
		}
		used += (size_t)n;
	}
}

/* Reads the --files-from list into b->list. Returns 0, or -1 with a
 * message. */
static int read_list(struct batch *b, size_t *len)
{
	const char *path = b->opt.files_from;
	int stdin_ = strcmp(path, "-") == 0;
	int fd = stdin_ ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	int rc, e;

	if (fd < 0)
		return cli_error("batch: %s: cannot open: %s", path, strerror(errno));
	rc = read_all(b, fd, len);
	e = errno;
	if (!stdin_)
		close(fd);
	if (rc != 0)
		return cli_error("batch: %s: cannot read: %s",
				 stdin_ ? "standard input" : path, strerror(e));
	return 0;
}

/* Counts the names in the list, or puts them in files when it is not
 * NULL. Empty names (blank lines, a final separator) are no names. */
static size_t split_list(char *text, size_t len, char sep, struct file *files)
{
	size_t n = 0;
	char *p = text, *end = text + len;

	while (p < end) {
		char *stop = memchr(p, sep, (size_t)(end - p));

		if (!stop)
			stop = end;
		if (stop > p) {
			if (files) {
				*stop = '\0';
				files[n].in = p;
			}
			n++;
		}
		p = stop + 1;
	}
	return n;
}

/* The inputs: the arguments, then the list. Returns -1 to go on, else
 * the exit status. */
static int collect_files(struct batch *b, int argc, char **argv)
{
	size_t nargs = (size_t)(argc - optind), nlist = 0, len = 0;
	char sep = b->opt.null_sep ? '\0' : '\n';

	if (b->opt.files_from) {
		if (read_list(b, &len))
			return EXIT_FAILURE_;
		/* a name cannot hold a NUL: that is a find -print0 list */
		if (!b->opt.null_sep && memchr(b->list.p, '\0', len))
			return batch_usage("%s holds NUL bytes: use -0 for a NUL-separated "
					   "list", b->opt.files_from);
		nlist = split_list(b->list.p, len, sep, NULL);
	}
	b->nfiles = nargs + nlist;
	if (b->nfiles >= UINT_MAX)
		return cli_error("batch: too many files (%zu)", b->nfiles), EXIT_FAILURE_;
	if (region_alloc(&b->file_table, (b->nfiles ? b->nfiles : 1) * sizeof(*b->files)))
		return cli_error("batch: out of memory for %zu file names", b->nfiles),
		       EXIT_FAILURE_;
	b->files = b->file_table.p;
	for (size_t i = 0; i < nargs; i++)
		b->files[i].in = argv[optind + (int)i];
	if (nlist)
		split_list(b->list.p, len, sep, b->files + nargs);
	return -1;
}

/* ---- the report ---- */

static const char *signal_name(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP";
}

static int open_report(struct batch *b)
{
	const char *path = b->opt.report;
	int fd;

	if (!path)
		return 0;
	if (strcmp(path, "-") == 0) {
		b->report = stdout;
		return 0;
	}
	/* directly, not through a temporary: it is a live log, and it must
	 * keep the lines of a batch that dies of a signal */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0 || !(b->report = fdopen(fd, "w"))) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return cli_error("batch: %s: cannot open report: %s", path, strerror(e));
	}
	return 0;
}

/* Closes the report. Returns 0, or -1 with a message if a write failed. */
static int close_report(struct batch *b)
{
	const char *name = b->report == stdout ? "standard output" : b->opt.report;
	int failed;

	if (!b->report)
		return 0;
	failed = fflush(b->report) != 0 || ferror(b->report);
	if (b->report != stdout && fclose(b->report) != 0)
		failed = 1;
	b->report = NULL;
	if (failed)
		return cli_error("batch: %s: cannot write the report: %s", name,
				 strerror(errno ? errno : EIO));
	return 0;
}

static void json_or_null(FILE *f, const char *s)
{
	if (s)
		json_string(f, s);
	else
		fputs("null", f);
}

static void write_result(FILE *f, const struct result *r)
{
	fputs("{\"input\":", f);
	json_string(f, r->input);
	fputs(",\"output\":", f);
	json_or_null(f, r->output);
	fprintf(f, ",\"bytes_in\":%llu,\"bytes_out\":%llu,\"seconds\":%.6f,"
		"\"rss_peak_bytes\":%llu,\"status\":\"%s\",\"error\":",
		(unsigned long long)r->bytes_in, (unsigned long long)r->bytes_out,
		r->seconds, (unsigned long long)r->rss_peak, r->status);
	json_or_null(f, r->error);
	fputs("}\n", f);
	fflush(f);   /* a line per file as it ends, for whoever tails it */
}

/* The summary counts every file of the batch: files = ok + failed +
 * skipped + not_run, and its bytes are the sums of the lines above. */
static void write_summary(struct batch *b, int sig)
{
	FILE *f = b->report;

	if (!f)
		return;
	fprintf(f, "{\"summary\":true,\"files\":%zu,\"ok\":%u,\"failed\":%u,"
		"\"skipped\":%u,\"not_run\":%zu,\"bytes_in\":%llu,\"bytes_out\":%llu,"
		"\"seconds\":%.6f,\"rss_peak_bytes\":%llu,\"signal\":",
		b->nfiles, b->ok, b->failed, b->skipped, b->nfiles - b->done,
		(unsigned long long)b->bytes_in, (unsigned long long)b->bytes_out,
		sx_now() - b->started, (unsigned long long)b->rss_peak);
	json_or_null(f, sig ? signal_name(sig) : NULL);
	fputs("}\n", f);
	fflush(f);
}

/* The names of the files in flight, for the progress line. */
static void update_progress(struct batch *b)
{
	char names[IN_FLIGHT_MAX] = "";
	size_t used = 0;

	if (!b->progress)
		return;
	for (unsigned s = 0; s < b->opt.jobs && used < sizeof(names); s++) {
		if (!b->jobs[s].pid)
			continue;
		used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
					 used ? ", " : "",
					 base_name(b->files[b->jobs[s].file].in));
	}
	progress_batch_update(b->progress, b->done, b->bytes_done, names);
}

/* Reports one file that ended, one way or another. */
static void settle(struct batch *b, const struct result *r)
{
	if (strcmp(r->status, "ok") == 0)
		b->ok++;
	else if (strcmp(r->status, "skipped") == 0)
		b->skipped++;
	else
		b->failed++;
	if (r->error)
		/* one write, on a line of its own: the progress line is erased
		 * on a terminal, ended in a log */
		fprintf(stderr, "%sstreamx: batch: %s: %s\n",
			!b->progress ? "" : b->tty ? "\r\033[K" : "\n", r->input, r->error);
	b->done++;
	b->bytes_done += r->bytes_in;
	b->bytes_in += r->bytes_in;
	b->bytes_out += r->bytes_out;
	if (r->rss_peak > b->rss_peak)
		b->rss_peak = r->rss_peak;
	if (b->report)
		write_result(b->report, r);
	update_progress(b);
}

static void settle_failed(struct batch *b, struct result *r, const char *fmt, ...)
	SX_PRINTF(3, 4);

static void settle_failed(struct batch *b, struct result *r, const char *fmt, ...)
{
	char msg[ERROR_MAX + PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->status = "failed";
	r->error = msg;
	settle(b, r);
}

/* ---- signals ---- */

#define NSIGNALS 3
static const int stop_signals[NSIGNALS] = { SIGINT, SIGTERM, SIGHUP };
static volatile sig_atomic_t stop_signal;       /* the first one we got */
static volatile sig_atomic_t *child_pids;       /* by job slot; 0: free */
static unsigned child_slots;

/* Stops the children from here, so that a wait4 about to block cannot
 * miss the signal: it returns when they end. */
static void on_stop_signal(int sig)
{
	int e = errno;

	if (!stop_signal)
		stop_signal = sig;
	for (unsigned i = 0; i < child_slots; i++)
		if (child_pids[i] > 0)
			kill((pid_t)child_pids[i], SIGTERM);
	errno = e;
}

/* Catches the stop signals, except one ignored from the start (nohup, a
 * background job), which stays ignored, in the children too. No
 * SA_RESTART: wait4 must return to the loop. */
static void arm_signals(void)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < NSIGNALS; i++)
		sigaddset(&sa.sa_mask, stop_signals[i]);
	for (int i = 0; i < NSIGNALS; i++)
		if (sigaction(stop_signals[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(stop_signals[i], &sa, NULL);
	/* a reader of --report - that goes away is a write error, not death */
	signal(SIGPIPE, SIG_IGN);
}

/* Dies of sig, as an interrupted tool should, so that a shell loop or
 * make sees the interruption. */
static void die_of(int sig)
{
	sigset_t set;

	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	exit(128 + sig);
}

/* ---- children ---- */

/* An unlinked temporary for a child's stderr. Returns its fd, or -1. */
static int make_err_file(void)
{
	const char *dir = getenv("TMPDIR");
	char path[PATH_MAX];
	sigset_t all, old;
	int fd;

	if (!dir || !dir[0])
		dir = "/tmp";
	if ((size_t)snprintf(path, sizeof(path), "%s/streamx-batch-XXXXXX", dir) >=
	    sizeof(path))
		return -1;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);   /* no name left behind */
	fd = mkstemp(path);
	if (fd >= 0)
		unlink(path);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (fd >= 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

/* "-" would mean a standard stream to the child. */
static const char *as_path(const char *name, char *buf, size_t size)
{
	if (strcmp(name, "-") != 0)
		return name;
	snprintf(buf, size, "./-");
	return buf;
}

/* The child's command line, built before the fork. */
static void child_argv(const struct batch *b, const char *in, const char *out,
		       char **argv, char bufs[2][8])
{
	const struct batch_options *o = &b->opt;
	int n = 0;

	argv[n++] = "streamx";
	argv[n++] = "--no-progress";
	argv[n++] = "-i";
	argv[n++] = (char *)as_path(in, bufs[0], sizeof(bufs[0]));
	argv[n++] = "-o";
	argv[n++] = (char *)as_path(out, bufs[1], sizeof(bufs[1]));
	argv[n++] = "-T";
	argv[n++] = (char *)o->threads_arg;
	if (o->force)
		argv[n++] = "-f";
	if (o->mode)
		argv[n++] = (char *)o->mode;
	if (o->buffer) {
		argv[n++] = "-b";
		argv[n++] = (char *)o->buffer;
	}
	if (o->mem_limit) {
		argv[n++] = "--mem-limit";
		argv[n++] = (char *)o->mem_limit;
	}
	if (o->max_output) {
		argv[n++] = "--max-output";
		argv[n++] = (char *)o->max_output;
	}
	if (o->rm)
		argv[n++] = "--sync";   /* the input goes only once this is on disk */
	n = cli_plugin_args(argv, n);
	argv[n++] = "--";
	argv[n++] = (char *)o->pipeline;
	argv[n] = NULL;
}

/* Writes s to fd; after fork, where stdio is no longer safe. */
static void put(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		return;
}

/* In the child: default signals, standard streams, exec. Never returns.
 * A thread (the progress line) may hold a lock at fork, so only
 * async-signal-safe calls are made here. */
static void exec_child(const struct batch *b, int err_fd, char **argv, sigset_t *mask)
{
	struct sigaction dfl;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (int i = 0; i < NSIGNALS; i++) {
		struct sigaction now;

		if (sigaction(stop_signals[i], NULL, &now) == 0 &&
		    now.sa_handler == on_stop_signal)
			sigaction(stop_signals[i], &dfl, NULL);
	}
	sigaction(SIGPIPE, &dfl, NULL);
	cli_hold_stop_signals(SIG_SETMASK, mask);
	if (dup2(b->null_fd, STDIN_FILENO) < 0 || dup2(b->null_fd, STDOUT_FILENO) < 0 ||
	    dup2(err_fd, STDERR_FILENO) < 0)
		_exit(126);
	for (int fd = 0; fd < 3; fd++)
		fcntl(fd, F_SETFD, 0);
	execv(b->exe, argv);
	put(STDERR_FILENO, "streamx: cannot run ");
	put(STDERR_FILENO, b->exe);
	put(STDERR_FILENO, "\n");
	_exit(127);
}

/* Starts file i's run in slot s, made ready by precheck. Returns 0, or 1
 * when a stop signal came first (nothing started), or -1 with errno when
 * fork failed. */
static int spawn(struct batch *b, size_t i, unsigned s)
{
	struct job *j = &b->jobs[s];
	char *argv[22 + 2 * CLI_PLUGINS_MAX], bufs[2][8], in[PATH_MAX];
	sigset_t mask;
	pid_t pid;

	/* copied: the child has no list of names (see struct region) */
	if ((size_t)snprintf(in, sizeof(in), "%s", b->files[i].in) >= sizeof(in)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	child_argv(b, in, j->out, argv, bufs);
	/* held so that a signal never finds a child we do not know of */
	cli_hold_stop_signals(SIG_BLOCK, &mask);
	if (stop_signal) {
		cli_hold_stop_signals(SIG_SETMASK, &mask);
		return 1;
	}
	j->started = sx_now();
	pid = fork();
	if (pid == 0)
		exec_child(b, j->err_fd, argv, &mask);
	if (pid > 0) {
		j->pid = pid;
		j->file = i;
		child_pids[s] = pid;
		b->running++;
	}
	cli_hold_stop_signals(SIG_SETMASK, &mask);
	return pid > 0 ? 0 : -1;
}

/* Sees file i through the checks that need no child: input, name,
 * clashes, an existing output. Returns 1 when it is settled (failed or
 * skipped), 0 to run it with j ready. */
static int precheck(struct batch *b, size_t i, struct job *j, struct result *r)
{
	const struct file *f = &b->files[i];
	struct stat in_sb, *out_sb = &j->before;
	const char *strip = b->opt.strip;
	char *out = j->out;

	if (stat(f->in, &in_sb) != 0)
		return settle_failed(b, r, "cannot open: %s", strerror(errno)), 1;
	if (!S_ISREG(in_sb.st_mode))
		return settle_failed(b, r, S_ISDIR(in_sb.st_mode) ? "is a directory"
								  : "not a regular file"), 1;
	r->bytes_in = j->bytes_in = (uint64_t)in_sb.st_size;
	switch (output_for(&b->opt, f->in, out, sizeof(j->out))) {
	case NAME_NO_SUFFIX:
		return settle_failed(b, r, "unknown suffix: the name does not end in "
				     "'%s'", strip), 1;
	case NAME_EMPTY:
		return settle_failed(b, r, "unknown suffix: nothing is left of the name "
				     "without '%s'", strip), 1;
	case NAME_TOO_LONG:
		return settle_failed(b, r, "output name too long"), 1;
	}
	r->output = out;
	if (f->clash == CLASH_SELF)
		return settle_failed(b, r, "the output would be the input itself "
				     "(use --suffix, --strip-suffix or -O)"), 1;
	if (f->clash == CLASH_INPUT)
		return settle_failed(b, r, "output %s is also an input of this batch",
				     out), 1;
	if (f->clash == CLASH_OUTPUT)
		return settle_failed(b, r, "output %s is also the output of %s", out,
				     b->files[f->other].in), 1;
	if (stat(out, out_sb) != 0) {
		memset(out_sb, 0, sizeof(*out_sb));
		return 0;
	}
	if (out_sb->st_dev == in_sb.st_dev && out_sb->st_ino == in_sb.st_ino)
		return settle_failed(b, r, "%s: input and output are the same file", out), 1;
	if (b->opt.skip_existing) {
		r->status = "skipped";
		r->bytes_out = (uint64_t)out_sb->st_size;
		return settle(b, r), 1;
	}
	if (!b->opt.force && S_ISREG(out_sb->st_mode))
		return settle_failed(b, r, "%s: already exists; not overwritten "
				     "(use -f to overwrite)", out), 1;
	return 0;
}

/* Starts file i, or settles it at once. Returns 0, or 1 when a stop
 * signal came first and it was not started. */
static int start_file(struct batch *b, size_t i)
{
	struct result r = { .input = b->files[i].in };
	unsigned s = 0;
	int rc;

	while (b->jobs[s].pid)   /* there is a free slot: running < jobs */
		s++;
	if (precheck(b, i, &b->jobs[s], &r))
		return 0;
	rc = spawn(b, i, s);
	if (rc < 0)
		settle_failed(b, &r, "cannot start a run: %s", strerror(errno));
	else
		update_progress(b);
	return rc > 0;
}

/* The first line the child wrote, without "streamx: ", into buf; or how
 * it ended when it said nothing. */
static const char *child_error(int err_fd, int wstatus, char *buf, size_t size)
{
	ssize_t n = pread(err_fd, buf, size - 1, 0);
	char *line = buf;

	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (strncmp(line, "streamx: ", 9) == 0)
		memmove(line, line + 9, strlen(line + 9) + 1);
	if (line[0])
		return line;
	if (WIFSIGNALED(wstatus) && stop_signal)
		snprintf(buf, size, "interrupted (the batch got %s)",
			 signal_name(stop_signal));
	else if (WIFSIGNALED(wstatus))
		snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(wstatus),
			 strsignal(WTERMSIG(wstatus)));
	else
		snprintf(buf, size, "exited with status %d",
			 WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
	return buf;
}

/* Whether the output, of stat sb, is not what was there before j: its
 * child renamed it into place. The child renames only a complete output,
 * so one stopped after that left a good one. */
static int is_new(const struct job *j, const struct stat *sb)
{
	return j->before.st_nlink == 0 || sb->st_dev != j->before.st_dev ||
	       sb->st_ino != j->before.st_ino;
}

/* Reports the job that ended with wstatus and frees its slot. */
static void finish_job(struct batch *b, unsigned s, int wstatus,
		       const struct rusage *ru)
{
	struct job *j = &b->jobs[s];
	struct result r = { .input = b->files[j->file].in, .output = j->out,
			    .bytes_in = j->bytes_in, .status = "ok" };
	char msg[ERROR_MAX];
	struct stat sb;
	int have;

	r.seconds = sx_now() - j->started;
	r.rss_peak = (uint64_t)ru->ru_maxrss * 1024;   /* Linux counts KiB */
	child_pids[s] = 0;
	j->pid = 0;
	b->running--;
	have = stat(j->out, &sb) == 0;
	r.bytes_out = have ? (uint64_t)sb.st_size : 0;
	if (WIFSIGNALED(wstatus) && stop_signal && have && is_new(j, &sb)) {
		/* stopped on its way out: the output is whole, the input kept */
	} else if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
		r.status = "failed";
		r.error = child_error(j->err_fd, wstatus, msg, sizeof(msg));
		r.bytes_out = 0;
	} else {
		if (b->opt.rm && unlink(r.input) != 0) {
			snprintf(msg, sizeof(msg), "output complete, but the input "
				 "cannot be removed: %s", strerror(errno));
			r.status = "failed";
			r.error = msg;
		}
	}
	/* emptied for the next child, which shares our offset: rewind too */
	if (ftruncate(j->err_fd, 0) != 0 || lseek(j->err_fd, 0, SEEK_SET) != 0)
		cli_error("batch: cannot reuse a temporary file: %s", strerror(errno));
	settle(b, &r);
}

/* Waits for one child and reports it. A stop signal interrupts the wait;
 * the handler has already told the children to stop. */
static void reap_one(struct batch *b)
{
	struct rusage ru;
	int wstatus;
	pid_t pid;

	memset(&ru, 0, sizeof(ru));
	pid = wait4(-1, &wstatus, 0, &ru);
	if (pid < 0) {
		if (errno == ECHILD)   /* cannot happen: we keep count */
			b->running = 0;
		return;
	}
	for (unsigned s = 0; s < b->opt.jobs; s++) {
		if (b->jobs[s].pid == pid) {
			finish_job(b, s, wstatus, &ru);
			return;
		}
	}
}

/* Runs every file, opt.jobs at once, until done or stopped. */
static void run_files(struct batch *b)
{
	size_t next = 0;

	while ((next < b->nfiles && !stop_signal) || b->running > 0) {
		while (next < b->nfiles && !stop_signal && b->running < b->opt.jobs) {
			if (start_file(b, next) != 0)
				break;
			next++;
		}
		if (b->running > 0)
			reap_one(b);
	}
}

/* ---- the command ---- */

/* Everything the jobs need: slots with their stderr files, /dev/null,
 * the program. Returns 0, or -1 with a message. */
static int prepare_jobs(struct batch *b)
{
	if (b->opt.jobs > b->nfiles)
		b->opt.jobs = b->nfiles ? (unsigned)b->nfiles : 1;
	b->jobs = calloc(b->opt.jobs, sizeof(*b->jobs));
	if (!b->jobs)
		return cli_error("batch: out of memory");
	for (unsigned s = 0; s < b->opt.jobs; s++)
		b->jobs[s].err_fd = -1;
	child_pids = calloc(b->opt.jobs, sizeof(*child_pids));
	if (!child_pids)
		return cli_error("batch: out of memory");
	child_slots = b->opt.jobs;
	for (unsigned s = 0; s < b->opt.jobs; s++)
		if ((b->jobs[s].err_fd = make_err_file()) < 0)
			return cli_error("batch: cannot make a temporary file: %s",
					 strerror(errno));
	b->null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (b->null_fd < 0)
		return cli_error("batch: /dev/null: %s", strerror(errno));
	b->exe = cli_self_path();
	/* the children get their options from us, none from the environment */
	unsetenv("STREAMX_OPTIONS");
	return 0;
}

static void release(struct batch *b)
{
	if (b->jobs)
		for (unsigned s = 0; s < b->opt.jobs; s++)
			if (b->jobs[s].err_fd >= 0)
				close(b->jobs[s].err_fd);
	if (b->null_fd > STDERR_FILENO)
		close(b->null_fd);
	free(b->jobs);
	free((void *)child_pids);
	child_pids = NULL;
	child_slots = 0;
	region_free(&b->file_table);
	region_free(&b->list);
}

/* Parsing and everything before the first job. Returns -1 to go on, else
 * the exit status. */
static int setup(struct batch *b, int argc, char **argv)
{
	int rc = parse_batch(argc, argv, &b->opt);

	if (rc < 0)
		rc = cli_check_pipeline(b->opt.pipeline, "batch");
	if (rc >= 0 || (rc = collect_files(b, argc, argv)) >= 0)
		return rc;
	if ((b->opt.out_dir && make_out_dir(b)) ||
	    check_names(b) || prepare_jobs(b) || open_report(b))
		return EXIT_FAILURE_;
	return -1;
}

int cmd_batch(int argc, char **argv)
{
	struct batch b = { .null_fd = -1 };
	int rc = setup(&b, argc, argv), sig;

	if (rc >= 0) {
		if (b.report && b.report != stdout)
			fclose(b.report);
		release(&b);
		return rc;
	}
	arm_signals();
	b.started = sx_now();
	b.tty = isatty(STDERR_FILENO);
	b.progress = progress_start_batch(b.opt.progress, (unsigned)b.nfiles,
					  b.bytes_total);
	run_files(&b);
	progress_stop(b.progress);
	b.progress = NULL;
	sig = stop_signal;
	write_summary(&b, sig);
	rc = b.failed ? EXIT_FAILURE_ : EXIT_OK;
	if (close_report(&b) != 0)
		rc = EXIT_FAILURE_;
	release(&b);
	if (sig)
		die_of(sig);
	return rc;
}
