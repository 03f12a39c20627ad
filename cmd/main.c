/* main.c - the streamx command: parse options, run a pipeline, report. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "cli.h"
#include "output.h"
#include "pipeline.h"
#include "registry.h"
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
	enum stats_format stats;
	size_t buffer_size;
};

int cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("streamx: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

int cli_exit_status(int status)
{
	if (status == SX_OK || status == SX_DONE)
		return EXIT_OK;
	return status == SX_EUSAGE ? EXIT_USAGE : EXIT_FAILURE_;
}

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
	      "  -f, --force           overwrite an existing output file\n"
	      "      --stats[=FORMAT]  report bytes, time, throughput and peak RSS on\n"
	      "                        stderr at the end; FORMAT is text or json\n"
	      "  -h, --help            show this help\n"
	      "  -V, --version         show the version\n"
	      "\n"
	      "Commands:\n"
	      "  list                  the stages, one line each\n"
	      "  help STAGE            a stage's usage and an example\n"
	      "  gen --size N          deterministic sample data (-k, --kind text|log|binary;\n"
	      "                        -S, --seed S; -o FILE; -f)\n"
	      "\n"
	      "Example: streamx -i access.log.gz -o out.gz 'gunzip | upper | gzip -9'\n"
	      "Exit status: 0 success, 1 data or I/O failure, 2 usage error.\n",
	      stdout);
}

static int usage_error(const char *fmt, ...) SX_PRINTF(1, 2);

static int usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_error("%s (see 'streamx --help')", msg);
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

enum { OPT_STREAM = 256, OPT_NAIVE, OPT_STATS };

static const struct option long_options[] = {
	{ "input", required_argument, NULL, 'i' },
	{ "output", required_argument, NULL, 'o' },
	{ "stream", no_argument, NULL, OPT_STREAM },
	{ "naive", no_argument, NULL, OPT_NAIVE },
	{ "buffer-size", required_argument, NULL, 'b' },
	{ "force", no_argument, NULL, 'f' },
	{ "stats", optional_argument, NULL, OPT_STATS },
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
	case OPT_STATS: return parse_stats(optarg, &o->stats) ? EXIT_USAGE : -1;
	case 'h': print_help(); return EXIT_OK;
	case 'V': printf("streamx %s\n", SX_VERSION); return EXIT_OK;
	case ':': return usage_error("option '%s' needs a value", argv[optind - 1]);
	default:
		if (optopt)
			return usage_error("unknown option '-%c'", optopt);
		return usage_error("unknown option '%s'", argv[optind - 1]);
	}
	return -1;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	int c;

	o->buffer_size = DEFAULT_BUFFER;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:o:b:fhV", long_options, NULL)) != -1) {
		int rc = parse_option(c, o, argv);
		if (rc >= 0)
			return rc;
	}
	if (optind == argc)
		return usage_error("no pipeline given");
	if (optind + 1 < argc)
		return usage_error("unexpected argument '%s' (quote the whole pipeline as one argument)",
				   argv[optind + 1]);
	o->pipeline = argv[optind];
	return -1;
}

static int load_registry(struct sx_registry *reg)
{
	struct sx_error err;

	sx_registry_init(reg);
	if (sx_builtin_register(reg, &err) != SX_OK)
		return cli_error("%s", err.msg);
	return 0;
}

static int cmd_list(void)
{
	struct sx_registry reg;

	if (load_registry(&reg))
		return EXIT_FAILURE_;
	for (size_t i = 0; i < reg.count; i++)
		printf("%-10s %s\n", reg.ops[i]->name, reg.ops[i]->summary);
	return EXIT_OK;
}

static int cmd_help(int argc, char **argv)
{
	struct sx_registry reg;
	const struct sx_stage_ops *ops;

	if (argc < 2) {
		print_help();
		return EXIT_OK;
	}
	if (load_registry(&reg))
		return EXIT_FAILURE_;
	ops = sx_registry_find(&reg, argv[1]);
	if (!ops) {
		const char *near = sx_registry_suggest(&reg, argv[1]);
		if (near)
			cli_error("unknown stage '%s' (did you mean '%s'?)", argv[1], near);
		else
			cli_error("unknown stage '%s' (see 'streamx list')", argv[1]);
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

static int run_pipeline(const struct options *o, struct sx_pipeline *pl,
			int in_fd, struct output *out, struct report *rep)
{
	struct sx_source src;
	struct sx_sink sink;
	struct sx_pool pool;
	struct sx_error err;
	int rc;

	sx_error_clear(&err);
	sx_source_fd(&src, in_fd, o->input && strcmp(o->input, "-") ? o->input
								     : "standard input");
	sx_sink_fd(&sink, out->fd, output_name(out));
	sx_pool_init(&pool, o->buffer_size, (unsigned)sx_pipeline_buffers(pl));
	rep->started = sx_now();
	if (o->naive)
		rc = sx_pipeline_naive(pl, &src, &sink, &err);
	else
		rc = sx_pipeline_stream(pl, &src, &sink, &pool, &err);
	rep->seconds = sx_now() - rep->started;
	rep->bytes_in = src.offset;
	rep->bytes_out = sink.offset;
	rep->pool = pool;
	sx_pool_drain(&pool);
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

static int run(const struct options *o)
{
	struct sx_registry reg;
	struct sx_pipeline *pl = NULL;
	struct sx_error err;
	struct report rep = { .pipeline = o->pipeline, .naive = o->naive,
			      .buffer_size = o->buffer_size };
	struct output out;
	struct stat in_sb;
	int in_fd, rc;

	if (load_registry(&reg))
		return EXIT_FAILURE_;
	if (sx_pipeline_new(&pl, &reg, o->pipeline, &err) != SX_OK) {
		cli_error("%s", err.msg);
		return cli_exit_status(err.status);
	}
	rep.stages = pl->count;
	if (open_input(o->input, &in_fd, &in_sb) ||
	    output_open(&out, o->output, o->force, &in_sb)) {
		sx_pipeline_free(pl);
		return EXIT_FAILURE_;
	}
	/* EPIPE instead of death, so the temporary can be cleaned up first */
	signal(SIGPIPE, SIG_IGN);
	rc = run_pipeline(o, pl, in_fd, &out, &rep);
	sx_pipeline_free(pl);
	if (rc >= 0 && output_commit(&out) != 0)
		rc = SX_EIO;
	if (rc < 0)
		output_abort(&out);
	if (rc == SX_EPIPE)
		die_of_sigpipe();
	rep.status = rc;
	if (o->stats != STATS_NONE)
		report_print(&rep, o->stats, stderr);
	return cli_exit_status(rc);
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	int rc;

	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return cmd_list();
	if (argc >= 2 && strcmp(argv[1], "help") == 0)
		return cmd_help(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "gen") == 0)
		return cmd_gen(argc - 1, argv + 1);
	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	return run(&o);
}
