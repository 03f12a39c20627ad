/* main.c - the streamx command: parse options, run a pipeline, report. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "cli.h"
#include "inflate_isal.h"
#include "memwatch.h"
#include "output.h"
#include "progress.h"
#include "pipeline.h"
#include "registry.h"
#include "spec.h"
#include "report.h"
#include "util.h"
#include "version.h"

#define DEFAULT_BUFFER (64 * 1024)
#define MAX_BUFFER ((uint64_t)1 << 30)

struct options {
	const char *input;
	const char *output;
	const char *pipeline;
	int naive;
	int force;
	int leak_check;
	int sync;
	int hadoop_counters;
	enum progress_mode progress;
	enum stats_format stats;
	size_t buffer_size;
	unsigned threads;
	uint64_t mem_limit;
	uint64_t max_output;
	struct memwatch_config watch;
};

static void print_help(void)
{
	fputs("Usage: streamx [OPTIONS] 'STAGE [ARGS] | STAGE [ARGS] | ...'\n"
	      "       streamx list | help [STAGE] | gen --size N [--kind K] [--seed S]\n"
	      "Run a chain of transform stages over a file of any size.\n"
	      "\n"
	      "  -i, --input FILE      input file ('-' or absent: standard input)\n"
	      "  -o, --output FILE     output file ('-' or absent: standard output)\n"
	      "      --stream          fixed-buffer streaming in constant memory (default)\n"
	      "      --naive           read the whole input, transform it whole, write it\n"
	      "  -b, --buffer-size N   stream buffer size, K/M/G suffixes (default 64K)\n"
	      "  -T, --threads N       run stages in up to N threads, and let gzip compress\n"
	      "                        with N (default: the number of online CPUs; 1: one\n"
	      "                        thread; the output is the same for every N)\n"
	      "  -f, --force           overwrite an existing output file\n"
	      "      --stats[=FORMAT]  report bytes, time, throughput, peak RSS and tracked\n"
	      "                        memory per owner on stderr at the end (text|json)\n"
	      "      --mem-limit SIZE  a memory budget for tracked allocations: naive mode\n"
	      "                        refuses an input that cannot fit, any allocation\n"
	      "                        past it fails cleanly, naming its owner\n"
	      "      --max-output SIZE no stage may write more than SIZE bytes: a\n"
	      "                        decompression bomb stops at the stage that expands\n"
	      "                        it, in bounded memory, with exit status 1\n"
	      "      --monitor[=MS]    sample RSS and tracked bytes every MS ms (1000)\n"
	      "      --monitor-log F   write the samples to F as CSV\n"
	      "      --warn-growth N   warn once when RSS grows N bytes past its start\n"
	      "      --snapshot FILE   write a JSON memory snapshot at the end; SIGUSR1\n"
	      "                        writes FILE.1, FILE.2, ... while running\n"
	      "      --leak-check      at exit, list owners still holding tracked memory\n"
	      "                        and fail if any do (also STREAMX_LEAK_CHECK=1)\n"
	      "      --progress        show a progress line on stderr (default: when it\n"
	      "                        is a terminal); --no-progress never shows it\n"
	      "      --sync            flush the output file to disk before it is renamed\n"
	      "                        into place\n"
	      "      --hadoop-counters at the end, write Hadoop Streaming counter lines\n"
	      "                        (reporter:counter:streamx,NAME,N) to stderr\n"
	      "      --plugin FILE.so  load the stages of a plugin (repeatable; before a\n"
	      "                        command such as list or batch, it applies to it);\n"
	      "                        STREAMX_PLUGIN_PATH=DIR:DIR loads every *.so there\n"
	      "  -h, --help            show this help\n"
	      "  -V, --version         show the version\n"
	      "\n"
	      "Commands:\n"
	      "  list                  the stages, one line each\n"
	      "  help STAGE            a stage's usage and an example\n"
	      "  gen --size N          deterministic sample data (-k, --kind text|log|binary;\n"
	      "                        -S, --seed S; -o FILE; -f)\n"
	      "  compare PIPELINE      run both modes in child processes, check the outputs\n"
	      "                        match, and show their memory and speed side by side\n"
	      "  snapdiff A B          growth per owner between two --snapshot files\n"
	      "  batch PIPELINE FILE...  the pipeline over many files, N jobs at once\n"
	      "  help COMMAND          a command's options (gen, compare, batch, snapdiff)\n"
	      "\n"
	      "Options are also read from STREAMX_OPTIONS, before those on the command line.\n"
	      "\n"
	      "Example: streamx -i access.log.gz -o out.gz 'gunzip | upper | gzip -9'\n"
	      "Exit status: 0 success, 1 data or I/O failure, 2 usage error.\n",
	      stdout);
}

/* Where the options being parsed come from, for messages: "" for the
 * command line, "STREAMX_OPTIONS: " for the environment. */
static const char *options_source = "";

static int usage_error(const char *fmt, ...) SX_PRINTF(1, 2);

static int usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_error("%s%s (see 'streamx --help')", options_source, msg);
	return EXIT_USAGE;
}

static int parse_buffer_size(const char *arg, size_t *out)
{
	uint64_t n;

	if (sx_parse_size(arg, &n) != 0 || n == 0 || n > MAX_BUFFER)
		return usage_error("invalid buffer size '%s' (1 byte to 1G)", arg);
	*out = (size_t)n;
	return 0;
}

#define MAX_THREADS 256

static int parse_threads(const char *arg, unsigned *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno || end == arg || *end || n < 1 || n > MAX_THREADS)
		return usage_error("invalid thread count '%s' (1 to %d)", arg, MAX_THREADS);
	*out = (unsigned)n;
	return 0;
}

static unsigned online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

static int parse_size_option(const char *opt, const char *arg, uint64_t *out)
{
	if (sx_parse_size(arg, out) != 0 || *out == 0)
		return usage_error("invalid size '%s' for --%s", arg, opt);
	return 0;
}

static int parse_monitor(const char *arg, long *ms)
{
	char *end;

	*ms = 1000;
	if (!arg)
		return 0;
	*ms = strtol(arg, &end, 10);
	if (*end || *ms < 1 || *ms > 3600000)
		return usage_error("invalid interval '%s' for --monitor (1 to 3600000 ms)", arg);
	return 0;
}

static int parse_stats(const char *arg, enum stats_format *out)
{
	if (!arg || strcmp(arg, "text") == 0)
		*out = STATS_TEXT;
	else if (strcmp(arg, "json") == 0)
		*out = STATS_JSON;
	else
		return usage_error("invalid stats format '%s' (text or json)", arg);
	return 0;
}

enum {
	OPT_STREAM = 256, OPT_NAIVE, OPT_STATS, OPT_MEM_LIMIT, OPT_LEAK_CHECK,
	OPT_MONITOR, OPT_MONITOR_LOG, OPT_WARN_GROWTH, OPT_SNAPSHOT,
	OPT_PROGRESS, OPT_NO_PROGRESS, OPT_SYNC, OPT_HADOOP, OPT_PLUGIN,
	OPT_MAX_OUTPUT
};

static const struct option long_options[] = {
	{ "input", required_argument, NULL, 'i' },
	{ "output", required_argument, NULL, 'o' },
	{ "stream", no_argument, NULL, OPT_STREAM },
	{ "naive", no_argument, NULL, OPT_NAIVE },
	{ "buffer-size", required_argument, NULL, 'b' },
	{ "threads", required_argument, NULL, 'T' },
	{ "force", no_argument, NULL, 'f' },
	{ "stats", optional_argument, NULL, OPT_STATS },
	{ "mem-limit", required_argument, NULL, OPT_MEM_LIMIT },
	{ "max-output", required_argument, NULL, OPT_MAX_OUTPUT },
	{ "leak-check", no_argument, NULL, OPT_LEAK_CHECK },
	{ "monitor", optional_argument, NULL, OPT_MONITOR },
	{ "monitor-log", required_argument, NULL, OPT_MONITOR_LOG },
	{ "warn-growth", required_argument, NULL, OPT_WARN_GROWTH },
	{ "snapshot", required_argument, NULL, OPT_SNAPSHOT },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "sync", no_argument, NULL, OPT_SYNC },
	{ "hadoop-counters", no_argument, NULL, OPT_HADOOP },
	{ "plugin", required_argument, NULL, OPT_PLUGIN },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/* Returns -1 to go on, else the exit status to end with. */
static int parse_option(int c, struct options *o, char **argv)
{
	switch (c) {
	case 'i': o->input = optarg; break;
	case 'o': o->output = optarg; break;
	case OPT_STREAM: o->naive = 0; break;
	case OPT_NAIVE: o->naive = 1; break;
	case 'f': o->force = 1; break;
	case 'b': return parse_buffer_size(optarg, &o->buffer_size) ? EXIT_USAGE : -1;
	case 'T': return parse_threads(optarg, &o->threads) ? EXIT_USAGE : -1;
	case OPT_STATS: return parse_stats(optarg, &o->stats) ? EXIT_USAGE : -1;
	case OPT_MEM_LIMIT:
		return parse_size_option("mem-limit", optarg, &o->mem_limit) ? EXIT_USAGE : -1;
	case OPT_MAX_OUTPUT:
		return parse_size_option("max-output", optarg, &o->max_output) ? EXIT_USAGE : -1;
	case OPT_LEAK_CHECK: o->leak_check = 1; break;
	case OPT_MONITOR:
		return parse_monitor(optarg, &o->watch.monitor_ms) ? EXIT_USAGE : -1;
	case OPT_MONITOR_LOG: o->watch.monitor_log = optarg; break;
	case OPT_WARN_GROWTH:
		return parse_size_option("warn-growth", optarg, &o->watch.warn_growth) ? EXIT_USAGE : -1;
	case OPT_SNAPSHOT: o->watch.snapshot = optarg; break;
	case OPT_PROGRESS: o->progress = PROGRESS_ON; break;
	case OPT_NO_PROGRESS: o->progress = PROGRESS_OFF; break;
	case OPT_SYNC: o->sync = 1; break;
	case OPT_HADOOP: o->hadoop_counters = 1; break;
	case OPT_PLUGIN: return cli_add_plugin(optarg);
	case 'h': print_help(); return EXIT_OK;
	case 'V':
		printf("streamx %s (inflate: %s)\n", SX_VERSION, sx_isal_inflate_engine());
		return EXIT_OK;
	case ':': return usage_error("option '%s' needs a value", argv[optind - 1]);
	default:
		if (optopt)
			return usage_error("unknown option '-%c'", optopt);
		return usage_error("unknown option '%s'", argv[optind - 1]);
	}
	return -1;
}

/* Runs getopt over argv from the start. Returns -1 to go on, else an
 * exit status. */
static int parse_options(int argc, char **argv, struct options *o)
{
	int c;

	opterr = 0;
	optind = 0; /* glibc: start afresh, even after an earlier pass */
	while ((c = getopt_long(argc, argv, ":i:o:b:T:fhV", long_options, NULL)) != -1) {
		int rc = parse_option(c, o, argv);
		if (rc >= 0)
			return rc;
	}
	return -1;
}

/* The words of STREAMX_OPTIONS, split and quoted as pipeline words are,
 * behind a copy of argv[0]: kept until exit, as options point into them. */
static struct sx_spec env_words;
static char **env_argv;

/* Default options from STREAMX_OPTIONS (as pigz reads PIGZ), parsed before
 * the command line so that the command line wins. Options only. Returns
 * -1 to go on, else an exit status. */
static int parse_env_options(struct options *o, char *argv0)
{
	const char *text = getenv("STREAMX_OPTIONS");
	struct sx_error err;
	int rc, n;

	if (!text || strspn(text, " \t\r\n") == strlen(text))
		return -1;
	options_source = "STREAMX_OPTIONS: ";
	if (sx_spec_parse(&env_words, text, &err) != SX_OK)
		return usage_error("%s", err.msg);
	if (env_words.count != 1)
		return usage_error("options only, no '|'");
	n = env_words.stages[0].argc;
	env_argv = calloc((size_t)n + 2, sizeof(char *));
	if (!env_argv)
		return cli_error("out of memory"), EXIT_FAILURE_;
	env_argv[0] = argv0;
	memcpy(env_argv + 1, env_words.stages[0].argv, (size_t)n * sizeof(char *));
	rc = parse_options(n + 1, env_argv, o);
	if (rc < 0 && optind <= n)
		rc = usage_error("unexpected argument '%s' (options only)", env_argv[optind]);
	options_source = "";
	return rc;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	int rc;

	o->buffer_size = DEFAULT_BUFFER;
	o->threads = online_cpus();
	o->leak_check = getenv("STREAMX_LEAK_CHECK") &&
			strcmp(getenv("STREAMX_LEAK_CHECK"), "1") == 0;
	rc = parse_env_options(o, argv[0]);
	if (rc < 0)
		rc = parse_options(argc, argv, o);
	if (rc >= 0)
		return rc;
	if (optind == argc)
		return usage_error("no pipeline given");
	if (optind + 1 < argc)
		return usage_error("unexpected argument '%s' (quote the whole pipeline as one argument)",
				   argv[optind + 1]);
	o->pipeline = argv[optind];
	if ((o->watch.monitor_log || o->watch.warn_growth) && !o->watch.monitor_ms)
		o->watch.monitor_ms = 1000; /* a log or a warning implies sampling */
	return -1;
}

/* Takes the --plugin options before a command's own words; returns the
 * index of the first other word, or -(exit status + 1). */
static int plugin_words(int argc, char **argv)
{
	int i = 1;

	while (i < argc) {
		const char *path = NULL;

		if (strcmp(argv[i], "--plugin") == 0 && i + 1 < argc)
			path = argv[i + 1], i += 2;
		else if (strncmp(argv[i], "--plugin=", 9) == 0)
			path = argv[i] + 9, i++;
		else
			break;
		int rc = cli_add_plugin(path);
		if (rc >= 0)
			return -(rc + 1);
	}
	return i;
}

static int cmd_list(int argc, char **argv)
{
	struct sx_registry reg;
	int first = plugin_words(argc, argv), rc;

	if (first < 0)
		return -first - 1;
	if (first < argc) {
		cli_error("list: unexpected argument '%s'", argv[first]);
		return EXIT_USAGE;
	}
	rc = cli_registry(&reg);
	if (rc >= 0)
		return rc;
	for (size_t i = 0; i < reg.count; i++)
		printf("%-10s %s\n", reg.ops[i]->name, reg.ops[i]->summary);
	return EXIT_OK;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "gen", cmd_gen },
	{ "compare", cmd_compare },
	{ "snapdiff", cmd_snapdiff },
	{ "batch", cmd_batch },
};

static int is_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return 1;
	return 0;
}

static int run_command(const char *name, int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return commands[i].run(argc, argv);
	return EXIT_USAGE;
}

static int cmd_help(int argc, char **argv)
{
	struct sx_registry reg;
	const struct sx_stage_ops *ops;
	int first = plugin_words(argc, argv), rc;
	const char *name;

	if (first < 0)
		return -first - 1;
	if (first >= argc) {
		print_help();
		return EXIT_OK;
	}
	name = argv[first];
	if (is_command(name))
		return run_command(name, 2, (char *[]){ (char *)name, "--help", NULL });
	rc = cli_registry(&reg);
	if (rc >= 0)
		return rc;
	ops = sx_registry_find(&reg, name);
	if (!ops) {
		const char *near = sx_registry_suggest(&reg, name);
		if (near)
			cli_error("unknown stage '%s' (did you mean '%s'?)", name, near);
		else
			cli_error("unknown stage '%s' (see 'streamx list')", name);
		return EXIT_USAGE;
	}
	printf("%s - %s\n\nUsage: %s\n", ops->name, ops->summary, ops->usage);
	return EXIT_OK;
}

static int open_input(const char *path, int *fd, struct stat *sb)
{
	*fd = STDIN_FILENO;
	if (path && strcmp(path, "-") != 0) {
		*fd = open(path, O_RDONLY | O_CLOEXEC);
		if (*fd < 0)
			return cli_error("%s: cannot open: %s", path, strerror(errno));
	}
	if (fstat(*fd, sb) != 0)
		return cli_error("%s: cannot stat: %s", path ? path : "standard input",
				 strerror(errno));
	if (S_ISDIR(sb->st_mode))
		return cli_error("%s: is a directory", path ? path : "standard input");
	return 0;
}

/* Held from the start, so a SIGUSR1 that comes before the snapshot
 * thread is waiting for it stays pending instead of killing us. */
static void block_sigusr1(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* Everything one run of a pipeline holds, from parsing to exit. */
struct job {
	const struct options *o;
	struct sx_registry reg;
	struct sx_mem_account mem;
	struct sx_pool pool;
	struct sx_pipeline *pl;
	struct sx_source src;
	struct sx_sink sink;
	struct output out;
	struct report rep;
	struct memwatch watch;
	struct progress *progress;
	int in_fd;
};

static int drive(struct job *j)
{
	struct sx_error err;
	int rc;

	sx_error_clear(&err);
	j->rep.started = sx_now();
	j->progress = progress_start_run(j->o->progress, j->src.name, &j->src.offset,
					 j->src.size_hint);
	if (j->o->naive)
		rc = sx_pipeline_naive(j->pl, &j->src, &j->sink, &err);
	else
		rc = sx_pipeline_stream(j->pl, &j->src, &j->sink, &j->pool, &err);
	progress_stop(j->progress); /* erased before any message is printed */
	j->progress = NULL;
	j->rep.seconds = sx_now() - j->rep.started;
	j->rep.bytes_in = j->src.offset;
	j->rep.bytes_out = j->sink.offset;
	if (rc < 0 && rc != SX_EPIPE)
		cli_error("%s", err.msg);
	return rc;
}

/* A reader that went away ends us the way it ends cat: quietly, by
 * SIGPIPE. */
static void die_of_sigpipe(void)
{
	signal(SIGPIPE, SIG_DFL);
	raise(SIGPIPE);
	exit(EXIT_FAILURE_);
}

static void report_leak(const struct sx_mem_owner *o, void *ctx)
{
	(void)ctx;
	cli_error("leak check: %s still holds %zu bytes in %llu blocks", o->name,
		  (size_t)atomic_load(&o->current),
		  (unsigned long long)(atomic_load(&o->allocs) - atomic_load(&o->frees)));
}

/* Builds the pipeline and opens the files. Returns an exit status, or -1
 * to go on. */
static int prepare(struct job *j)
{
	const struct options *o = j->o;
	struct sx_error err;
	struct stat in_sb;

	int rc = cli_registry(&j->reg);

	if (rc >= 0)
		return rc;
	sx_mem_account_init(&j->mem, (size_t)o->mem_limit);
	if (sx_pipeline_new(&j->pl, &j->reg, o->pipeline, &j->mem, &err) != SX_OK) {
		cli_error("%s", err.msg);
		return cli_exit_status(err.status);
	}
	sx_pipeline_set_threads(j->pl, o->threads);
	sx_pipeline_set_max_output(j->pl, o->max_output);
	if (open_input(o->input, &j->in_fd, &in_sb) ||
	    output_open(&j->out, o->output, o->force, &in_sb))
		return EXIT_FAILURE_;
	j->out.sync = o->sync;
	sx_source_fd(&j->src, j->in_fd, o->input && strcmp(o->input, "-") ? o->input
									   : "standard input");
	sx_sink_fd(&j->sink, j->out.fd, output_name(&j->out));
	sx_pool_init(&j->pool, o->buffer_size, (unsigned)sx_pipeline_buffers(j->pl));
	if (!o->naive)
		j->pool.mem = sx_mem_owner_new(&j->mem, "pool");
	return -1;
}

static int start_watch(struct job *j)
{
	struct memwatch_view view = {
		.mode = j->o->naive ? "naive" : "stream",
		.pipeline = j->o->pipeline,
		.mem = &j->mem,
		.pool = j->o->naive ? NULL : &j->pool,
		.pl = j->pl,
	};

	return memwatch_start(&j->watch, &j->o->watch, &view);
}

/* Tears the run down; the figures for --stats survive in rep and mem. */
static int finish(struct job *j, int rc)
{
	if (memwatch_stop(&j->watch) != 0 && rc >= 0)
		rc = SX_EIO;
	sx_pipeline_free(j->pl);
	j->pl = NULL;
	report_take_pool(&j->rep, &j->pool);
	sx_pool_drain(&j->pool);
	if (rc >= 0 && output_commit(&j->out) != 0)
		rc = SX_EIO;
	if (rc < 0)
		output_abort(&j->out);
	if (rc == SX_EPIPE)
		die_of_sigpipe();
	return rc;
}

static int run(const struct options *o)
{
	struct job *j = calloc(1, sizeof(*j));
	int rc;

	if (!j)
		return cli_error("out of memory"), EXIT_FAILURE_;
	block_sigusr1();
	j->o = o;
	j->rep = (struct report){ .pipeline = o->pipeline, .naive = o->naive,
				  .buffer_size = o->buffer_size, .mem = &j->mem };
	rc = prepare(j);
	if (rc >= 0) {
		sx_pipeline_free(j->pl);
		free(j);
		return rc;
	}
	j->rep.stages = j->pl->count;
	/* EPIPE instead of death, so the temporary can be cleaned up first */
	signal(SIGPIPE, SIG_IGN);
	rc = start_watch(j) ? SX_EIO : drive(j);
	rc = finish(j, rc);
	j->rep.status = rc;
	if (o->stats != STATS_NONE)
		report_print(&j->rep, o->stats, stderr);
	if (o->leak_check && sx_mem_leaks(&j->mem, report_leak, NULL) > 0 && rc >= 0)
		rc = SX_ENOMEM;
	j->rep.status = rc;
	if (o->hadoop_counters)
		report_hadoop_counters(&j->rep, stderr);
	free(j);
	return cli_exit_status(rc);
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	int rc;

	/* --plugin may come before a command, and is then kept for it */
	int first = plugin_words(argc, argv);

	if (first < 0)
		return -first - 1;
	if (first < argc && strcmp(argv[first], "list") == 0)
		return cmd_list(argc - first, argv + first);
	if (first < argc && strcmp(argv[first], "help") == 0)
		return cmd_help(argc - first, argv + first);
	if (first < argc && is_command(argv[first]))
		return run_command(argv[first], argc - first, argv + first);
	rc = parse_args(argc, argv, &o);
	if (rc < 0)
		rc = run(&o);
	free(env_argv);
	sx_spec_release(&env_words);
	return rc;
}
