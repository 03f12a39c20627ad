/* compare_report.c - `streamx compare` results as a table, as JSON, and as an SVG plot. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "compare.h"
#include "report.h"
#include "svg.h"

/* ---- the report ---- */

static double throughput(uint64_t bytes, const struct run *r)
{
	return r->seconds > 0 ? (double)bytes / 1e6 / r->seconds : 0;
}

static void put_ratio(char *buf, size_t size, double a, double b)
{
	if (b > 0)
		snprintf(buf, size, a / b < 10 ? "%.2fx" : "%.1fx", a / b);
	else
		snprintf(buf, size, "-");
}

/* A row of the side-by-side table; fmt formats one value. */
static void table_row(const char *label, const char *fmt, double naive, double stream)
{
	char a[32], b[32], r[32];

	snprintf(a, sizeof(a), fmt, naive);
	snprintf(b, sizeof(b), fmt, stream);
	put_ratio(r, sizeof(r), naive, stream);
	printf("%-12s %15s %15s %13s\n", label, a, b, r);
}

/* "1 GiB", "16 MiB", "229.1 MiB", "100 B": the largest unit that fits,
 * with a decimal when it does not divide evenly. */
void human_size(char *buf, size_t size, uint64_t n)
{
	static const char *const units[] = { "GiB", "MiB", "KiB" };

	for (int u = 0; u < 3; u++) {
		uint64_t one = (uint64_t)1 << (10 * (3 - u));

		if (n >= one && n % one == 0)
			snprintf(buf, size, "%llu %s", (unsigned long long)(n / one), units[u]);
		else if (n >= one)
			snprintf(buf, size, "%.1f %s", (double)n / (double)one, units[u]);
		if (n >= one)
			return;
	}
	snprintf(buf, size, "%llu B", (unsigned long long)n);
}

static void print_table_one(const struct compare *c, const struct result *res)
{
	const struct run *n = &res->run[NAIVE], *s = &res->run[STREAM];

	printf("pipeline  %s\n", c->opt.pipeline);
	printf("input     %s, %llu bytes (%.1f MiB)\n", c->in.name,
	       (unsigned long long)res->input_bytes, (double)res->input_bytes / MIB);
	if (same_output(res))
		printf("outputs   identical: %llu bytes, crc32 %08lx, adler32 %08lx\n",
		       (unsigned long long)n->out_bytes, n->crc, n->adler);
	else
		printf("outputs   DIFFERENT (see the message on standard error)\n");
	printf("\n%-12s %15s %15s %13s\n", "", "naive", "stream", "naive/stream");
	table_row("peak RSS", "%.1f MiB", (double)n->rss_peak / MIB,
		  (double)s->rss_peak / MIB);
	table_row("wall time", "%.3f s", n->seconds, s->seconds);
	table_row("CPU time", "%.3f s", n->user + n->sys, s->user + s->sys);
	table_row("throughput", "%.1f MB/s", throughput(res->input_bytes, n),
		  throughput(res->input_bytes, s));
	table_row("output size", "%.0f B", (double)n->out_bytes, (double)s->out_bytes);
	printf("\npeak RSS: each run's ru_maxrss; throughput: input MB/s (10^6 bytes/s)\n"
	       "compare itself: peak RSS %.1f MiB\n", (double)res->self_peak / MIB);
}

static void print_table_sizes(const struct compare *c)
{
	const struct result *last = &c->results[c->nresults - 1];

	printf("pipeline  %s\n", c->opt.pipeline);
	printf("input     generated %s data (streamx gen --kind %s), one pair of runs "
	       "per size\n", kind_name[c->opt.kind], kind_name[c->opt.kind]);
	if (!same_output(last))
		printf("outputs   DIFFERENT at the last size (see standard error)\n");
	else if (c->nresults < c->opt.nsizes)
		printf("outputs   identical at each size below; the next size failed\n");
	else
		printf("outputs   identical at every size\n");
	printf("\n%10s %13s %13s %13s %11s %11s\n", "input", "naive RSS", "stream RSS",
	       "naive/stream", "naive MB/s", "stream MB/s");
	for (size_t i = 0; i < c->nresults; i++) {
		const struct result *res = &c->results[i];
		const struct run *n = &res->run[NAIVE], *s = &res->run[STREAM];
		char size[32], a[32], b[32], r[32];

		human_size(size, sizeof(size), res->input_bytes);
		snprintf(a, sizeof(a), "%.1f MiB", (double)n->rss_peak / MIB);
		snprintf(b, sizeof(b), "%.1f MiB", (double)s->rss_peak / MIB);
		put_ratio(r, sizeof(r), (double)n->rss_peak, (double)s->rss_peak);
		printf("%10s %13s %13s %13s %11.1f %11.1f\n", size, a, b, r,
		       throughput(res->input_bytes, n), throughput(res->input_bytes, s));
	}
	printf("\npeak RSS: each run's ru_maxrss; MB/s: input bytes / 10^6 / wall time\n"
	       "compare itself: peak RSS %.1f MiB\n", (double)last->self_peak / MIB);
}

static void json_ratio(const char *key, double a, double b)
{
	if (b > 0)
		printf("\"%s\":%.4f", key, a / b);
	else
		printf("\"%s\":null", key);
}

static void print_json_run(const struct run *r, uint64_t input_bytes)
{
	printf("{\"rss_peak_bytes\":%llu,\"rss_sampled_peak_bytes\":%llu,\"samples\":%lu,"
	       "\"seconds\":%.6f,\"cpu_seconds\":%.6f,\"user_seconds\":%.6f,"
	       "\"sys_seconds\":%.6f,\"throughput_mb_s\":%.3f,\"output_bytes\":%llu,"
	       "\"crc32\":\"%08lx\",\"adler32\":\"%08lx\"}",
	       (unsigned long long)r->rss_peak, (unsigned long long)r->rss_sampled,
	       r->samples, r->seconds, r->user + r->sys, r->user, r->sys,
	       throughput(input_bytes, r), (unsigned long long)r->out_bytes, r->crc,
	       r->adler);
}

static void print_json_one(const struct compare *c, const struct result *res)
{
	const struct run *n = &res->run[NAIVE], *s = &res->run[STREAM];

	fputs("{\"pipeline\":", stdout);
	json_string(stdout, c->opt.pipeline);
	fputs(",\"input\":", stdout);
	json_string(stdout, c->opt.nsizes ? "generated" : c->in.name);
	if (c->opt.nsizes) {
		fputs(",\"kind\":", stdout);
		json_string(stdout, kind_name[c->opt.kind]);
	}
	printf(",\"input_bytes\":%llu,\"identical\":%s,\"interval_ms\":%d,\"buffer_size\":",
	       (unsigned long long)res->input_bytes, same_output(res) ? "true" : "false",
	       c->opt.interval_ms);
	if (c->opt.buffer)
		json_string(stdout, c->opt.buffer);
	else
		fputs("null", stdout);
	fputs(",\"naive\":", stdout);
	print_json_run(n, res->input_bytes);
	fputs(",\"stream\":", stdout);
	print_json_run(s, res->input_bytes);
	fputs(",\"ratio\":{", stdout);
	json_ratio("rss_peak", (double)n->rss_peak, (double)s->rss_peak);
	putchar(',');
	json_ratio("seconds", n->seconds, s->seconds);
	putchar(',');
	json_ratio("cpu_seconds", n->user + n->sys, s->user + s->sys);
	putchar(',');
	json_ratio("throughput", throughput(res->input_bytes, n),
		   throughput(res->input_bytes, s));
	putchar(',');
	json_ratio("output_bytes", (double)n->out_bytes, (double)s->out_bytes);
	printf("},\"compare_rss_peak_bytes\":%llu}", (unsigned long long)res->self_peak);
}

/* Prints the table or the JSON on standard output. Returns 0, or -1 with
 * a message when it could not be written. */
int print_report(const struct compare *c)
{
	if (c->opt.json && c->opt.nsizes) {
		fputs("[\n", stdout);
		for (size_t i = 0; i < c->nresults; i++) {
			print_json_one(c, &c->results[i]);
			fputs(i + 1 < c->nresults ? ",\n" : "\n", stdout);
		}
		fputs("]\n", stdout);
	} else if (c->opt.json) {
		print_json_one(c, &c->results[0]);
		putchar('\n');
	} else if (c->opt.nsizes) {
		print_table_sizes(c);
	} else {
		print_table_one(c, &c->results[0]);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		return cli_error("compare: standard output: write error: %s", strerror(errno));
	return 0;
}

/* ---- the plot ---- */

/* Panel 1 from the kept traces: seconds against MiB. */
static void time_panel(const struct compare *c, struct svg_panel *p,
		       struct svg_series *se, double (*xy)[2][MAX_SAMPLES],
		       char (*names)[96], char *title, size_t title_size)
{
	const struct result *res = &c->results[c->kept_result];
	char size[32];

	human_size(size, sizeof(size), res->input_bytes);
	snprintf(title, title_size, "RSS over time, %s input (VmRSS every %d ms)", size,
		 c->opt.interval_ms);
	for (int m = NAIVE; m <= STREAM; m++) {
		const struct trace *tr = &c->kept[m];

		for (size_t i = 0; i < tr->n; i++) {
			xy[m][0][i] = tr->t[i];
			xy[m][1][i] = (double)tr->rss[i] / MIB;
		}
		snprintf(names[m], sizeof(names[m]), "%s (peak %.1f MiB, %.2f s)",
			 mode_name[m], (double)res->run[m].rss_peak / MIB,
			 res->run[m].seconds);
		se[m] = (struct svg_series){ .name = names[m], .color = mode_color[m],
					     .x = xy[m][0], .y = xy[m][1], .n = tr->n,
					     .markers = tr->n < 40 };
	}
	*p = (struct svg_panel){
		.title = title, .x_label = "time since the run started (s)",
		.y_label = "RSS (MiB)", .series = se, .nseries = 2,
		.empty_note = "no samples: each run took less than the sampling interval",
	};
}

/* A size axis tick from MiB: "1 KiB", "64 MiB", "1 GiB" (powers of two,
 * so %g is exact). */
static void size_tick(char *buf, size_t size, double mib)
{
	if (mib >= 1024)
		snprintf(buf, size, "%g GiB", mib / 1024);
	else if (mib >= 1)
		snprintf(buf, size, "%g MiB", mib);
	else if (mib >= 1.0 / 1024)
		snprintf(buf, size, "%g KiB", mib * 1024);
	else
		snprintf(buf, size, "%g B", mib * MIB);
}

/* Panel 2 from every result, in order of input size: MiB against MiB. */
static void size_panel(const struct compare *c, struct svg_panel *p,
		       struct svg_series *se, double (*xy)[MAX_SIZES])
{
	size_t order[MAX_SIZES];

	for (size_t i = 0; i < c->nresults; i++) {
		size_t j = i;

		for (; j > 0 && c->results[order[j - 1]].input_bytes >
				c->results[i].input_bytes; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	for (size_t i = 0; i < c->nresults; i++) {
		const struct result *res = &c->results[order[i]];

		xy[0][i] = (double)res->input_bytes / MIB;
		xy[1][i] = (double)res->run[NAIVE].rss_peak / MIB;
		xy[2][i] = (double)res->run[STREAM].rss_peak / MIB;
	}
	for (int m = NAIVE; m <= STREAM; m++)
		se[m] = (struct svg_series){ .name = mode_name[m], .color = mode_color[m],
					     .x = xy[0], .y = xy[1 + m], .n = c->nresults,
					     .markers = 1 };
	*p = (struct svg_panel){
		.title = "Peak RSS against input size (ru_maxrss, log-log)",
		.x_label = "input size (log scale)", .y_label = "peak RSS (MiB, log scale)",
		.x_log = 1, .y_log = 1, .x_tick = size_tick, .series = se, .nseries = 2,
	};
}

/* Writes the chart into the plot's temporary and renames it into place.
 * Returns 0, or -1 with a message (the temporary removed). */
int write_plot(struct compare *c)
{
	static double txy[2][2][MAX_SAMPLES], sxy[3][MAX_SIZES];
	static char names[2][96], title[256], time_title[128];
	struct svg_series series[4];
	struct svg_panel panels[2];
	int fd = dup(c->plot.fd), rc = -1;
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	c->plot_open = 0;
	if (!f) {
		if (fd >= 0)
			close(fd);
		output_abort(&c->plot);
		return cli_error("compare: %s: %s", c->opt.plot, strerror(errno));
	}
	snprintf(title, sizeof(title), "streamx compare '%s' on %s", c->opt.pipeline,
		 c->in.name);
	time_panel(c, &panels[0], series, txy, names, time_title, sizeof(time_title));
	if (c->opt.nsizes)
		size_panel(c, &panels[1], series + 2, sxy);
	rc = svg_write(f, title, panels, c->opt.nsizes ? 2 : 1);
	if (fclose(f) != 0)
		rc = -1;
	if (rc != 0) {
		cli_error("compare: %s: write error: %s", c->opt.plot, strerror(errno));
		output_abort(&c->plot);
		return -1;
	}
	return output_commit(&c->plot);
}

