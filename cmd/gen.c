/* gen.c - `streamx gen`: deterministic sample data of any size, in constant memory. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gen.h"
#include "io.h"
#include "output.h"
#include "util.h"

#define GEN_CHUNK (256 * 1024)

struct gen_options {
	uint64_t size;
	uint64_t seed;
	enum sx_gen_kind kind;
	const char *output;
	int force;
	int have_size;
};

static int gen_usage(const char *what, const char *arg)
{
	cli_error("gen: %s '%s' (usage: streamx gen --size N [--kind text|log|binary] "
		  "[--seed S] [-o FILE] [-f])", what, arg);
	return EXIT_USAGE;
}

static void print_gen_help(void)
{
	fputs("Usage: streamx gen --size N [--kind text|log|binary] [--seed S] [-o FILE] [-f]\n"
	      "Write N bytes of deterministic sample data (the same seed, the same bytes)\n"
	      "in constant memory.\n"
	      "\n"
	      "  -s, --size N          how many bytes, with K/M/G/T suffixes\n"
	      "  -k, --kind KIND       text (lines of words), log (access-log lines with\n"
	      "                        INFO/DEBUG/WARN/ERROR levels, the default) or binary\n"
	      "  -S, --seed S          the generator's seed (default 1)\n"
	      "  -o, --output FILE     write FILE (temporary + rename) instead of stdout\n"
	      "  -f, --force           overwrite an existing FILE\n"
	      "  -h, --help            show this help\n",
	      stdout);
}

static int parse_gen(int argc, char **argv, struct gen_options *g)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "kind", required_argument, NULL, 'k' },
		{ "seed", required_argument, NULL, 'S' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	g->kind = SX_GEN_LOG;
	g->seed = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:k:S:o:fh", opts, NULL)) != -1) {
		if (c == 'h') {
			print_gen_help();
			return EXIT_OK;
		} else if (c == 's' && sx_parse_size(optarg, &g->size) == 0)
			g->have_size = 1;
		else if (c == 's')
			return gen_usage("invalid size", optarg);
		else if (c == 'k' && sx_gen_kind_parse(optarg, &g->kind) != 0)
			return gen_usage("unknown kind", optarg);
		else if (c == 'S' && sx_parse_size(optarg, &g->seed) != 0)
			return gen_usage("invalid seed", optarg);
		else if (c == 'o')
			g->output = optarg;
		else if (c == 'f')
			g->force = 1;
		else if (c == ':' || c == '?')
			return gen_usage(c == ':' ? "missing value for" : "unknown option",
					 argv[optind - 1]);
	}
	if (optind < argc)
		return gen_usage("unexpected argument", argv[optind]);
	if (!g->have_size) {
		cli_error("gen: --size is required (usage: streamx gen --size N ...)");
		return EXIT_USAGE;
	}
	return -1;
}

static int generate(const struct gen_options *g, struct sx_sink *sink,
		    struct sx_error *err)
{
	unsigned char *buf = malloc(GEN_CHUNK);
	struct sx_gen gen;
	uint64_t left = g->size;
	int rc = SX_OK;

	if (!buf)
		return sx_error_set(err, SX_ENOMEM, "out of memory");
	sx_gen_init(&gen, g->kind, g->seed);
	while (left > 0 && rc == SX_OK) {
		size_t n = left < GEN_CHUNK ? (size_t)left : GEN_CHUNK;

		sx_gen_fill(&gen, buf, n);
		rc = sink->write(sink, buf, n, err);
		left -= n;
	}
	free(buf);
	return rc;
}

int cmd_gen(int argc, char **argv)
{
	struct gen_options g = { 0 };
	struct output out;
	struct sx_sink sink;
	struct sx_error err;
	int rc = parse_gen(argc, argv, &g);

	if (rc >= 0)
		return rc;
	if (output_open(&out, g.output, g.force, NULL))
		return EXIT_FAILURE_;
	signal(SIGPIPE, SIG_IGN);
	sx_sink_fd(&sink, out.fd, output_name(&out));
	rc = generate(&g, &sink, &err);
	if (rc == SX_OK && output_commit(&out) != 0)
		return EXIT_FAILURE_;
	if (rc == SX_OK)
		return EXIT_OK;
	output_abort(&out);
	if (rc == SX_EPIPE) {
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	cli_error("gen: %s", err.msg);
	return EXIT_FAILURE_;
}
