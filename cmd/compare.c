/* compare.c - `streamx compare`: one pipeline in both modes, each in a fresh child, side by side. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "builtin.h"
#include "cli.h"
#include "compare.h"
#include "gen.h"
#include "io.h"
#include "output.h"
#include "pipeline.h"
#include "registry.h"
#include "util.h"

/*
 * Each mode runs in its own freshly exec'd streamx, so each peak RSS is
 * that run's alone (wait4's ru_maxrss) and neither inherits the other's
 * heap. The parent only watches: it reads the child's output through a
 * pipe in READ_CHUNK pieces, checksumming and counting it, and samples the
 * child's VmRSS between reads, with poll()'s timeout as the clock. It
 * never holds the input or an output, because a forked child's
 * ru_maxrss starts at the parent's private memory: a big parent would
 * raise the floor of the very figure we measure.
 *
 * Input the children cannot both read from the start (standard input, a
 * pipe) is spooled to a temporary file that is unlinked as soon as it is
 * made: it has no name to leave behind, whatever ends us.
 */

const char *const mode_name[] = { "naive", "stream" };
const char *const mode_flag[] = { "--naive", "--stream" };
const char *const mode_color[] = { "#d62728", "#1f77b4" };
const char *const kind_name[] = { "text", "log", "binary" };

static unsigned char chunk[READ_CHUNK];   /* spooling, generating, reading */

/* ---- options ---- */

static void print_compare_help(void)
{
	fputs("Usage: streamx compare [OPTIONS] 'PIPELINE'\n"
	      "Run PIPELINE in --naive and in --stream mode, each in its own process, over\n"
	      "the same input; check that the outputs are identical; print peak RSS, time\n"
	      "and throughput side by side.\n"
	      "\n"
	      "  -i, --input FILE      input file ('-' or absent: standard input; a pipe is\n"
	      "                        spooled to a temporary file in $TMPDIR or /tmp)\n"
	      "      --sizes LIST      instead of an input, generated data of each size\n"
	      "                        (1M,16M,256M,1G): peak RSS against input size\n"
	      "  -k, --kind KIND       what --sizes generates: text, log (default), binary\n"
	      "  -b, --buffer-size N   stream buffer size, passed on to both runs\n"
	      "      --interval MS     how often to sample RSS for the plot (default 20)\n"
	      "      --plot FILE.svg   an SVG chart: RSS over time, and with --sizes peak\n"
	      "                        RSS against input size\n"
	      "  -f, --force           overwrite an existing plot file\n"
	      "      --json            one JSON object (with --sizes, an array) instead of\n"
	      "                        the table\n"
	      "  -h, --help            show this help\n"
	      "\n"
	      "Example: streamx compare --sizes 1M,16M,256M --plot gzip.svg 'gzip'\n"
	      "Exit status: 0 both runs succeeded with identical outputs, 1 a run failed\n"
	      "or the outputs differ, 2 usage error.\n",
	      stdout);
}

static int compare_usage(const char *fmt, ...) SX_PRINTF(1, 2);

static int compare_usage(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_error("compare: %s (see 'streamx compare --help')", msg);
	return EXIT_USAGE;
}

/* Parses "1M,16M,1G" into o->sizes. Returns -1 to go on, else EXIT_USAGE. */
static int parse_sizes(const char *list, struct compare_options *o)
{
	const char *p = list;

	for (;;) {
		size_t len = strcspn(p, ",");
		char word[32];

		if (len == 0 || len >= sizeof(word))
			return compare_usage("invalid size '%.*s' in --sizes '%s'",
					     (int)(len < 32 ? len : 32), p, list);
		memcpy(word, p, len);
		word[len] = '\0';
		if (o->nsizes == MAX_SIZES)
			return compare_usage("too many sizes in --sizes (at most %d)", MAX_SIZES);
		if (sx_parse_size(word, &o->sizes[o->nsizes]) != 0 ||
		    o->sizes[o->nsizes] == 0)
			return compare_usage("invalid size '%s' in --sizes (1 byte or more, "
					     "K/M/G suffixes)", word);
		o->nsizes++;
		if (p[len] == '\0')
			return -1;
		p += len + 1;
	}
}

static int parse_interval(const char *arg, int *ms)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 1 || v > 60000)
		return compare_usage("invalid interval '%s' (milliseconds, 1 to 60000)", arg);
	*ms = (int)v;
	return -1;
}

static int parse_buffer(const char *arg, struct compare_options *o)
{
	uint64_t n;

	if (sx_parse_size(arg, &n) != 0 || n == 0 || n > MAX_BUFFER)
		return compare_usage("invalid buffer size '%s' (1 byte to 1G)", arg);
	o->buffer = arg;
	return -1;
}

enum { OPT_JSON = 256, OPT_PLOT, OPT_SIZES, OPT_INTERVAL };

/* Returns -1 to go on, else the exit status to end with. */
static int parse_compare_option(int c, struct compare_options *o, char **argv)
{
	switch (c) {
	case 'i': o->input = optarg; return -1;
	case 'f': o->force = 1; return -1;
	case OPT_JSON: o->json = 1; return -1;
	case OPT_PLOT: o->plot = optarg; return -1;
	case 'b': return parse_buffer(optarg, o);
	case OPT_SIZES: return parse_sizes(optarg, o);
	case OPT_INTERVAL: return parse_interval(optarg, &o->interval_ms);
	case 'k':
		if (sx_gen_kind_parse(optarg, &o->kind) != 0)
			return compare_usage("unknown kind '%s' (text, log or binary)", optarg);
		o->have_kind = 1;
		return -1;
	case 'h': print_compare_help(); return EXIT_OK;
	case ':': return compare_usage("option '%s' needs a value", argv[optind - 1]);
	default:
		if (optopt)
			return compare_usage("unknown option '-%c'", optopt);
		return compare_usage("unknown option '%s'", argv[optind - 1]);
	}
}

static int parse_compare(int argc, char **argv, struct compare_options *o)
{
	static const struct option opts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "plot", required_argument, NULL, OPT_PLOT },
		{ "sizes", required_argument, NULL, OPT_SIZES },
		{ "kind", required_argument, NULL, 'k' },
		{ "buffer-size", required_argument, NULL, 'b' },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, rc;

	o->kind = SX_GEN_LOG;
	o->interval_ms = DEFAULT_INTERVAL_MS;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:b:k:fh", opts, NULL)) != -1)
		if ((rc = parse_compare_option(c, o, argv)) >= 0)
			return rc;
	if (optind == argc)
		return compare_usage("no pipeline given");
	if (optind + 1 < argc)
		return compare_usage("unexpected argument '%s' (quote the whole pipeline "
				     "as one argument)", argv[optind + 1]);
	if (o->nsizes && o->input)
		return compare_usage("--sizes generates its own input; it does not go with -i");
	if (o->have_kind && !o->nsizes)
		return compare_usage("--kind applies to --sizes only");
	if (o->plot && strcmp(o->plot, "-") == 0)
		return compare_usage("--plot needs a file name, not standard output");
	o->pipeline = argv[optind];
	return -1;
}

/* ---- temporaries, signals ---- */

#define NSIGNALS 3
static const int fatal_signals[NSIGNALS] = { SIGINT, SIGTERM, SIGHUP };
static struct sigaction chained[NSIGNALS];
static volatile sig_atomic_t running_child;   /* its pid; 0: none */

/* Stops the child, then lets the handler we found (output.c's, which
 * removes the plot's temporary) or the default action end us. */
static void on_fatal_signal(int sig)
{
	pid_t pid = (pid_t)running_child;

	if (pid > 0)
		kill(pid, SIGTERM);
	for (int i = 0; i < NSIGNALS; i++)
		if (fatal_signals[i] == sig && !(chained[i].sa_flags & SA_SIGINFO) &&
		    chained[i].sa_handler != SIG_DFL && chained[i].sa_handler != SIG_IGN)
			chained[i].sa_handler(sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Catches the fatal signals, except one ignored from the start (nohup, a
 * background job), which stays ignored. */
static void arm_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < NSIGNALS; i++)
		if (sigaction(fatal_signals[i], NULL, &chained[i]) == 0 &&
		    chained[i].sa_handler != SIG_IGN)
			sigaction(fatal_signals[i], &sa, NULL);
}

/* An unlinked temporary file in $TMPDIR or /tmp. Returns its fd, or -1
 * with a message. */
static int make_temp(void)
{
	const char *dir = getenv("TMPDIR");
	char path[PATH_MAX];
	sigset_t all, old;
	int fd, e;

	if (!dir || !dir[0])
		dir = "/tmp";
	if ((size_t)snprintf(path, sizeof(path), "%s/streamx-compare-XXXXXX", dir) >=
	    sizeof(path))
		return cli_error("compare: %s: directory name too long", dir);
	/* no signal between making the name and removing it */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	fd = mkstemp(path);
	e = errno;
	if (fd >= 0)
		unlink(path);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (fd < 0)
		return cli_error("compare: cannot make a temporary file in %s: %s", dir,
				 strerror(e));
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

/* ---- input ---- */

/* Looks at the input. A regular file, named by -i or on standard input
 * from its start, is read in place by both runs; anything else (a pipe,
 * a FIFO, a terminal) is left open in in->src for spool_input. sb gets
 * its stat, to keep the plot from overwriting it. Returns 0, or -1 with a
 * message. */
static int stat_input(const struct compare_options *o, struct input *in,
		      struct stat *sb)
{
	int stdin_ = !o->input || strcmp(o->input, "-") == 0;
	int fd = stdin_ ? STDIN_FILENO : open(o->input, O_RDONLY | O_CLOEXEC);

	in->name = stdin_ ? "standard input" : o->input;
	if (fd < 0)
		return cli_error("compare: %s: cannot open: %s", in->name, strerror(errno));
	in->src = fd;
	if (fstat(fd, sb) != 0)
		return cli_error("compare: %s: cannot stat: %s", in->name, strerror(errno));
	if (S_ISDIR(sb->st_mode))
		return cli_error("compare: %s: is a directory", in->name);
	if (!S_ISREG(sb->st_mode) || lseek(fd, 0, SEEK_CUR) != 0)
		return 0;
	in->bytes = (uint64_t)sb->st_size;
	in->src = -1;
	if (stdin_) {
		in->fd = STDIN_FILENO;
	} else {
		in->path = o->input;
		close(fd);
	}
	return 0;
}

/* Copies in->src to an unlinked temporary, which becomes the input.
 * Returns 0, or -1 with a message. */
static int spool_input(struct input *in)
{
	struct sx_source src;
	struct sx_sink sink;
	struct sx_error err;

	in->fd = make_temp();
	if (in->fd < 0)
		return -1;
	sx_source_fd(&src, in->src, in->name);
	sx_sink_fd(&sink, in->fd, "the spooled input");
	for (;;) {
		ssize_t n = src.read(&src, chunk, sizeof(chunk), &err);

		if (n == 0)
			return 0;
		if (n < 0 || sink.write(&sink, chunk, (size_t)n, &err) != SX_OK)
			return cli_error("compare: %s", err.msg);
		in->bytes += (uint64_t)n;
	}
}

/* Writes size bytes of generated data to a new temporary. Returns 0, or
 * -1 with a message. */
static int generate_input(struct input *in, uint64_t size, enum sx_gen_kind kind)
{
	static char name[64];
	struct sx_gen gen;
	struct sx_sink sink;
	struct sx_error err;
	uint64_t left = size;

	if (in->fd >= 0)
		close(in->fd);
	in->fd = make_temp();
	if (in->fd < 0)
		return -1;
	snprintf(name, sizeof(name), "generated %s data", kind_name[kind]);
	in->name = name;
	in->bytes = size;
	sx_gen_init(&gen, kind, 1);
	sx_sink_fd(&sink, in->fd, "the generated input");
	while (left > 0) {
		size_t n = left < sizeof(chunk) ? (size_t)left : sizeof(chunk);

		sx_gen_fill(&gen, chunk, n);
		if (sink.write(&sink, chunk, n, &err) != SX_OK)
			return cli_error("compare: %s", err.msg);
		left -= n;
	}
	return 0;
}

/* ---- RSS traces ---- */

static void trace_init(struct trace *tr)
{
	memset(tr, 0, sizeof(*tr));
	tr->stride = 1;
}

static void trace_push(struct trace *tr)
{
	tr->t[tr->n] = tr->bucket_t;
	tr->rss[tr->n] = tr->bucket_max;
	tr->n++;
	tr->pending = 0;
	if (tr->n < MAX_SAMPLES)
		return;
	for (size_t i = 0; i < MAX_SAMPLES / 2; i++) {
		uint64_t a = tr->rss[2 * i], b = tr->rss[2 * i + 1];

		tr->t[i] = tr->t[2 * i];
		tr->rss[i] = a > b ? a : b;
	}
	tr->n = MAX_SAMPLES / 2;
	tr->stride *= 2;
}

static void trace_add(struct trace *tr, double t, uint64_t rss)
{
	if (tr->pending == 0) {
		tr->bucket_t = t;
		tr->bucket_max = 0;
	}
	if (rss > tr->bucket_max)
		tr->bucket_max = rss;
	if (rss > tr->peak)
		tr->peak = rss;
	tr->taken++;
	if (++tr->pending == tr->stride)
		trace_push(tr);
}

static void trace_finish(struct trace *tr)
{
	if (tr->pending)
		trace_push(tr);
}

/* The VmRSS of pid in bytes, or 0 when it has none (it exited) or
 * /proc does not answer. */
static uint64_t read_vmrss(pid_t pid)
{
	char path[64], text[4096];
	const char *at;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	at = strstr(text, "\nVmRSS:");
	return at ? strtoull(at + 7, NULL, 10) * 1024 : 0;
}

/* ---- one child ---- */

/* The binary to run: the testing hook STREAMX_COMPARE_EXE, or this one. */
static const char *streamx_path(void)
{
	const char *hook = getenv("STREAMX_COMPARE_EXE");

	return hook && hook[0] ? hook : cli_self_path();
}

/* In the child: signals, stdin, stdout, stderr, then exec. mask is the
 * signal mask to run with. Never returns. */
static void exec_child(const struct compare *c, int mode, int out_fd, int err_fd,
		       sigset_t *mask)
{
	const char *exe = streamx_path();
	char *argv[10 + 2 * CLI_PLUGINS_MAX];
	char msg[PATH_MAX + 64];
	int n = 0, in_fd = c->in.fd;

	argv[n++] = "streamx";
	argv[n++] = (char *)mode_flag[mode];
	if (c->in.path) {
		argv[n++] = "-i";
		argv[n++] = (char *)c->in.path;
		in_fd = open("/dev/null", O_RDONLY);
	}
	if (c->opt.buffer) {
		argv[n++] = "-b";
		argv[n++] = (char *)c->opt.buffer;
	}
	n = cli_plugin_args(argv, n);
	argv[n++] = "--";
	argv[n++] = (char *)c->opt.pipeline;
	argv[n] = NULL;
	/* until exec, our handler would act in the child: default it first */
	for (int i = 0; i < NSIGNALS; i++) {
		struct sigaction now;

		if (sigaction(fatal_signals[i], NULL, &now) == 0 &&
		    now.sa_handler == on_fatal_signal)
			signal(fatal_signals[i], SIG_DFL);
	}
	cli_hold_stop_signals(SIG_SETMASK, mask);
	if (in_fd < 0 || dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
	    dup2(err_fd, STDERR_FILENO) < 0)
		_exit(126);
	/* dup2 onto itself keeps close-on-exec: clear it on all three */
	for (int fd = 0; fd < 3; fd++)
		fcntl(fd, F_SETFD, 0);
	if (!c->in.path)
		lseek(STDIN_FILENO, 0, SEEK_SET);
	/* the child's options are exactly these: none from the environment */
	unsetenv("STREAMX_OPTIONS");
	execv(exe, argv);
	n = snprintf(msg, sizeof(msg), "streamx: cannot run %s: %s\n", exe, strerror(errno));
	if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
		_exit(127);
	_exit(127);
}

/* Reads the child's output to its end, checksumming it, and samples the
 * child's RSS every interval meanwhile. Returns 0, or -1 on a read error. */
static int watch_output(int fd, pid_t pid, double start, int interval_ms,
			struct run *r, struct trace *tr)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	double interval = interval_ms / 1000.0, next = start + interval;

	r->crc = crc32(0L, Z_NULL, 0);
	r->adler = adler32(0L, Z_NULL, 0);
	for (;;) {
		double now = sx_now();
		ssize_t got;

		if (now >= next) {
			uint64_t rss = read_vmrss(pid);

			if (rss)
				trace_add(tr, now - start, rss);
			next = now + interval;
		}
		switch (poll(&pfd, 1, (int)((next - now) * 1000) + 1)) {
		case -1:
			if (errno != EINTR)
				return -1;
			continue;
		case 0:
			continue;   /* time to sample */
		}
		got = read(fd, chunk, sizeof(chunk));
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0)
			return got == 0 ? 0 : -1;
		r->out_bytes += (uint64_t)got;
		r->crc = crc32(r->crc, chunk, (uInt)got);
		r->adler = adler32(r->adler, chunk, (uInt)got);
	}
}

/* Shows a failed child's messages as ours, or how it ended when it said
 * nothing. */
static void show_failure(int err_fd, int mode, int wstatus)
{
	char text[4096], *line, *nl;
	ssize_t n;
	int shown = 0;

	n = lseek(err_fd, 0, SEEK_SET) == 0 ? read(err_fd, text, sizeof(text) - 1) : -1;
	text[n > 0 ? n : 0] = '\0';
	for (line = text; *line && shown < 8; line = nl ? nl + 1 : line + strlen(line)) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(line, "streamx: ", 9) == 0)
			line += 9;
		if (*line) {
			cli_error("compare: %s run: %s", mode_name[mode], line);
			shown++;
		}
	}
	if (shown)
		return;
	if (WIFSIGNALED(wstatus))
		cli_error("compare: %s run killed by signal %d (%s)", mode_name[mode],
			  WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
	else
		cli_error("compare: %s run exited with status %d", mode_name[mode],
			  WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
}

static double seconds_of(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Runs one mode to its end and fills r and tr. Returns 0 when the child
 * succeeded, else -1 with its messages shown. */
static int run_mode(struct compare *c, int mode, struct run *r, struct trace *tr)
{
	int pipefd[2], err_fd = make_temp(), wstatus = 0, rc, e;
	struct rusage ru;
	sigset_t mask;
	double start;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	memset(&ru, 0, sizeof(ru));
	trace_init(tr);
	if (err_fd < 0)
		return -1;
	if (pipe(pipefd) != 0) {
		close(err_fd);
		return cli_error("compare: cannot make a pipe: %s", strerror(errno));
	}
	fcntl(pipefd[0], F_SETFD, FD_CLOEXEC);
	fcntl(pipefd[1], F_SETFD, FD_CLOEXEC);
	streamx_path();   /* resolved before the fork, not in each child */
	/* held so that a signal never finds a child we do not know of */
	cli_hold_stop_signals(SIG_BLOCK, &mask);
	start = sx_now();
	pid = fork();
	if (pid == 0)
		exec_child(c, mode, pipefd[1], err_fd, &mask);
	e = errno;
	running_child = (sig_atomic_t)(pid > 0 ? pid : 0);
	cli_hold_stop_signals(SIG_SETMASK, &mask);
	close(pipefd[1]);
	if (pid < 0) {
		close(pipefd[0]);
		close(err_fd);
		return cli_error("compare: cannot start the %s run: %s", mode_name[mode],
				 strerror(e));
	}
	rc = watch_output(pipefd[0], pid, start, c->opt.interval_ms, r, tr);
	e = errno;
	close(pipefd[0]);   /* after a read error, this stops the child */
	while (wait4(pid, &wstatus, 0, &ru) < 0 && errno == EINTR)
		;
	running_child = 0;
	r->seconds = sx_now() - start;
	r->user = seconds_of(ru.ru_utime);
	r->sys = seconds_of(ru.ru_stime);
	r->rss_peak = (uint64_t)ru.ru_maxrss * 1024;   /* Linux counts KiB */
	trace_finish(tr);
	r->rss_sampled = tr->peak;
	r->samples = tr->taken;
	if (rc != 0) {
		cli_error("compare: reading the %s run's output: %s", mode_name[mode],
			  strerror(e));
	} else if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
		show_failure(err_fd, mode, wstatus);
		rc = -1;
	}
	close(err_fd);
	return rc;
}

int same_output(const struct result *res)
{
	const struct run *a = &res->run[NAIVE], *b = &res->run[STREAM];

	return a->out_bytes == b->out_bytes && a->crc == b->crc && a->adler == b->adler;
}

/* Both modes over the current input into the next result. Returns 0, or
 * -1 when a run failed (its messages shown). */
static int compare_once(struct compare *c)
{
	struct result *res = &c->results[c->nresults];
	uint64_t now;

	memset(res, 0, sizeof(*res));
	res->input_bytes = c->in.bytes;
	for (int m = NAIVE; m <= STREAM; m++)
		if (run_mode(c, m, &res->run[m], &c->cur[m]) != 0)
			return -1;
	sx_mem_rss(&now, &res->self_peak);
	if (c->kept_result == MAX_SIZES ||
	    res->input_bytes >= c->results[c->kept_result].input_bytes) {
		memcpy(c->kept, c->cur, sizeof(c->kept));
		c->kept_result = c->nresults;
	}
	c->nresults++;
	return 0;
}


/* Says on stderr which of size and checksums differ. */
static void report_difference(const struct compare *c, const struct result *res)
{
	const struct run *a = &res->run[NAIVE], *b = &res->run[STREAM];
	char at[48] = "", size[32];

	if (c->opt.nsizes) {
		human_size(size, sizeof(size), res->input_bytes);
		snprintf(at, sizeof(at), " at %s of input", size);
	}
	cli_error("compare: outputs differ%s (%s%s%s): naive %llu bytes, crc32 %08lx, "
		  "adler32 %08lx; stream %llu bytes, crc32 %08lx, adler32 %08lx", at,
		  a->out_bytes != b->out_bytes ? "size " : "",
		  a->crc != b->crc ? "crc32 " : "", a->adler != b->adler ? "adler32" : "",
		  (unsigned long long)a->out_bytes, a->crc, a->adler,
		  (unsigned long long)b->out_bytes, b->crc, b->adler);
}

/* Runs every comparison asked for. Returns EXIT_OK, or EXIT_FAILURE_
 * after a failed run or different outputs (which end the series). */
static int run_all(struct compare *c)
{
	size_t count = c->opt.nsizes ? c->opt.nsizes : 1;

	c->kept_result = MAX_SIZES;
	for (size_t i = 0; i < count; i++) {
		if (c->opt.nsizes &&
		    generate_input(&c->in, c->opt.sizes[i], c->opt.kind) != 0)
			return EXIT_FAILURE_;
		if (compare_once(c) != 0)
			return EXIT_FAILURE_;
		if (!same_output(&c->results[c->nresults - 1])) {
			report_difference(c, &c->results[c->nresults - 1]);
			return EXIT_FAILURE_;
		}
	}
	return EXIT_OK;
}

/* ---- the command ---- */

static int open_plot(struct compare *c, const struct stat *input)
{
	if (!c->opt.plot)
		return 0;
	if (output_open(&c->plot, c->opt.plot, c->opt.force, input) != 0)
		return -1;
	fcntl(c->plot.fd, F_SETFD, FD_CLOEXEC);
	c->plot_open = 1;
	return 0;
}

int cmd_compare(int argc, char **argv)
{
	static struct compare c;
	struct stat sb;
	int rc = parse_compare(argc, argv, &c.opt);

	if (rc < 0)
		rc = cli_check_pipeline(c.opt.pipeline, "compare");
	if (rc >= 0)
		return rc;
	c.in.fd = c.in.src = -1;
	rc = EXIT_FAILURE_;
	if (!c.opt.nsizes && stat_input(&c.opt, &c.in, &sb) != 0)
		goto out;
	if (open_plot(&c, c.opt.nsizes ? NULL : &sb) != 0)
		goto out;
	arm_signals();
	if (c.in.src >= 0 && spool_input(&c.in) != 0)
		goto out;
	rc = run_all(&c);
	/* the plot is in place before the report, which may meet SIGPIPE */
	if (c.nresults > 0 && c.plot_open && write_plot(&c) != 0)
		rc = EXIT_FAILURE_;
	if (c.nresults > 0 && print_report(&c) != 0)
		rc = EXIT_FAILURE_;
out:
	if (c.plot_open)
		output_abort(&c.plot);
	if (c.in.src > STDERR_FILENO)
		close(c.in.src);
	if (c.in.fd > STDERR_FILENO)
		close(c.in.fd);
	return rc;
}
