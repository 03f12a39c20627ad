/* compare.h - what the parts of `streamx compare` share: its runs, results and options. */
#ifndef SX_CMD_COMPARE_H
#define SX_CMD_COMPARE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "gen.h"
#include "output.h"

#define READ_CHUNK (64 * 1024)
#define MAX_SIZES 32
#define MAX_SAMPLES 512         /* per trace; then resolution halves */
#define DEFAULT_INTERVAL_MS 20
#define MAX_BUFFER ((uint64_t)1 << 30)
#define MIB (1024.0 * 1024.0)

enum { NAIVE, STREAM };
/* by mode: NAIVE, STREAM */
extern const char *const mode_name[];
extern const char *const mode_flag[];
extern const char *const mode_color[];
extern const char *const kind_name[];

/* RSS over time in bounded memory: raw samples are grouped `stride` at a
 * time into one stored point (their first time, their highest RSS); when
 * the store fills, neighbours merge in pairs and the stride doubles. */
struct trace {
	double t[MAX_SAMPLES];       /* seconds since the child started */
	uint64_t rss[MAX_SAMPLES];   /* bytes */
	size_t n;
	unsigned stride, pending;
	double bucket_t;
	uint64_t bucket_max;
	uint64_t peak;               /* highest sample */
	unsigned long taken;         /* raw samples */
};

/* One child's figures. */
struct run {
	uint64_t rss_peak;           /* ru_maxrss, bytes */
	uint64_t rss_sampled;        /* highest VmRSS sample */
	unsigned long samples;
	double seconds, user, sys;
	uint64_t out_bytes;
	unsigned long crc, adler;
};

/* One comparison: both modes over one input. */
struct result {
	uint64_t input_bytes;
	struct run run[2];
	uint64_t self_peak;          /* our own VmHWM when it ended */
};

struct compare_options {
	const char *input;           /* NULL or "-": standard input */
	const char *plot;
	const char *pipeline;
	const char *buffer;          /* -b as given, passed on */
	uint64_t sizes[MAX_SIZES];
	size_t nsizes;
	enum sx_gen_kind kind;
	int have_kind, json, force, interval_ms;
};

/* What the children read: -i path, or fd from its start as standard input. */
struct input {
	const char *path;            /* NULL: fd */
	int fd;
	int src;                     /* to spool from first; -1: nothing */
	const char *name;            /* for the report */
	uint64_t bytes;
};

struct compare {
	struct compare_options opt;
	struct input in;
	struct result results[MAX_SIZES];
	size_t nresults;
	struct trace cur[2];         /* the comparison running now */
	struct trace kept[2];        /* the largest input's, for the plot */
	size_t kept_result;          /* index into results; MAX_SIZES: none */
	struct output plot;
	int plot_open;
};


/* compare.c: whether a result's two outputs matched. */
int same_output(const struct result *res);

/* compare_report.c: the table or JSON on stdout, and the SVG plot. */
int print_report(const struct compare *c);
int write_plot(struct compare *c);
void human_size(char *buf, size_t size, uint64_t n);

#endif
