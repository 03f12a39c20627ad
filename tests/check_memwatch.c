/* check_memwatch.c - the memory monitor, snapshots (in process and from the binary) and snapdiff. */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "gen.h"
#include "memwatch.h"
#include "suites.h"
#include "test_sh.h"
#include "util.h"

/*
 * Snapshots are written in process from a real account, pool and
 * pipeline, checked field by field as text, checked as JSON by a small
 * validator of our own (independent of snapdiff's reader), and read back
 * by the binary's snapdiff. The monitor, --snapshot and SIGUSR1 are
 * exercised on the built binary (STREAMX), and snapdiff on synthetic
 * snapshots whose growth is known.
 *
 * Every test runs in a directory of its own, as test_sh.h says; the
 * in-process tests too, for the files they write.
 *
 * The in-process tests that call memwatch_start rely on Check running
 * each test in a forked process: start blocks SIGUSR1 for good.
 */

/* ---- helpers ---- */

/* stderr of the last command must be exactly one "streamx: " line
 * containing each of the needles (NULL-terminated). */
static void one_error_line(const char *needle, ...)
{
	const char *err;
	va_list ap;

	error_line();
	/* the whole stream: a needle may end with the newline */
	err = stderr_text();
	va_start(ap, needle);
	for (; needle; needle = va_arg(ap, const char *))
		assert_contains(err, needle);
	va_end(ap);
}

/* Waits up to ms for path to exist; returns whether it does. */
static int wait_file(const char *path, long ms)
{
	for (long waited = 0; !exists(path); waited += 5) {
		if (waited >= ms)
			return 0;
		sleep_ms(5);
	}
	return 1;
}

/* ---- a JSON checker, independent of snapdiff's reader ---- */

static const char *json_value(const char *s, int depth);

static const char *json_space(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return s;
}

static const char *json_str(const char *s)
{
	if (*s++ != '"')
		return NULL;
	for (; *s != '"'; s++) {
		if ((unsigned char)*s < 0x20)
			return NULL;
		if (*s != '\\')
			continue;
		s++;
		if (*s == 'u') {
			for (int i = 1; i <= 4; i++)
				if (!isxdigit((unsigned char)s[i]))
					return NULL;
			s += 4;
		} else if (!*s || !strchr("\"\\/bfnrt", *s)) {
			return NULL;
		}
	}
	return s + 1;
}

static const char *json_items(const char *s, char close, int depth)
{
	s = json_space(s + 1);
	if (*s == close)
		return s + 1;
	for (;;) {
		if (close == '}') {
			if (!(s = json_str(s)))
				return NULL;
			s = json_space(s);
			if (*s++ != ':')
				return NULL;
		}
		if (!(s = json_value(s, depth + 1)))
			return NULL;
		s = json_space(s);
		if (*s == close)
			return s + 1;
		if (*s != ',')
			return NULL;
		s = json_space(s + 1);
	}
}

static const char *json_value(const char *s, int depth)
{
	char *end;

	s = json_space(s);
	if (depth > 64)
		return NULL;
	if (*s == '{')
		return json_items(s, '}', depth);
	if (*s == '[')
		return json_items(s, ']', depth);
	if (*s == '"')
		return json_str(s);
	if (strncmp(s, "true", 4) == 0 || strncmp(s, "null", 4) == 0)
		return s + 4;
	if (strncmp(s, "false", 5) == 0)
		return s + 5;
	if (*s != '-' && !isdigit((unsigned char)*s))
		return NULL;
	strtod(s, &end);
	return end > s ? end : NULL;
}

static void assert_json(const char *text)
{
	const char *end = json_value(text, 0);

	ck_assert_msg(end && *json_space(end) == '\0', "not valid JSON: %s", text);
}

/* A snapshot that is exactly one JSON object on one line. */
static char *read_snapshot(const char *path)
{
	char *s = slurp(path, NULL);
	size_t len;

	ck_assert_msg(s != NULL, "%s: %s", path, strerror(errno));
	len = strlen(s);
	ck_assert_msg(len > 2 && s[0] == '{' && s[len - 1] == '\n' &&
		      strchr(s, '\n') == s + len - 1,
		      "%s is not one line: %s", path, s);
	assert_json(s);
	return s;
}

/* The unsigned number after "key": in text. */
static unsigned long long field(const char *text, const char *key)
{
	char pat[64];
	const char *at;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	at = strstr(text, pat);
	ck_assert_msg(at != NULL, "no %s in: %s", pat, text);
	return strtoull(at + strlen(pat), NULL, 10);
}

/* Appends an owner object to buf (a synthetic snapshot's owners). */
static void add_owner(char *buf, size_t size, const char *name,
		      unsigned long long current)
{
	size_t len = strlen(buf);

	snprintf(buf + len, size - len,
		 "%s{\"name\":\"%s\",\"current_bytes\":%llu,\"peak_bytes\":%llu,"
		 "\"allocs\":3,\"frees\":1}", len ? "," : "", name, current, current);
}

/* Writes a snapshot as streamx would, with the given owners text. */
static void put_snapshot(const char *path, double time_unix, double elapsed,
			 unsigned long long rss, unsigned long long tracked,
			 const char *owners)
{
	char text[8192];

	snprintf(text, sizeof(text),
		 "{\"version\":1,\"pid\":4242,\"time_unix\":%.3f,\"elapsed_seconds\":%.3f,"
		 "\"mode\":\"stream\",\"pipeline\":\"gunzip | upper\",\"rss_bytes\":%llu,"
		 "\"rss_peak_bytes\":%llu,\"tracked_bytes\":%llu,\"tracked_peak_bytes\":%llu,"
		 "\"mem_limit\":0,\"owners\":[%s],\"pool\":{\"buffer_size\":65536,"
		 "\"limit\":3,\"made\":3,\"in_use\":0,\"reused\":7,\"peak_in_use\":3},"
		 "\"stages\":[{\"index\":1,\"name\":\"gunzip\",\"bytes_in\":100,"
		 "\"holds_bytes\":0}]}\n",
		 time_unix, elapsed, rss, rss, tracked, tracked, owners);
	put_text(path, text);
}

/* ---- snapshots in process ---- */

/* One owner as the snapshot must show it. */
static void expect_owner(const char *text, const char *json_name,
			 const struct sx_mem_owner *o)
{
	char want[512];

	snprintf(want, sizeof(want),
		 "{\"name\":%s,\"current_bytes\":%zu,\"peak_bytes\":%zu,"
		 "\"allocs\":%llu,\"frees\":%llu}",
		 json_name, (size_t)atomic_load(&o->current), (size_t)atomic_load(&o->peak),
		 (unsigned long long)atomic_load(&o->allocs),
		 (unsigned long long)atomic_load(&o->frees));
	assert_contains(text, want);
}

/* A real account, pool and two-stage pipeline after a run over 300000
 * bytes, with one pool buffer still out and an owner whose name needs
 * escapes: every figure in the snapshot must be the counters' own, and
 * snapdiff must read them back. */
START_TEST(test_snapshot_in_process)
{
	const size_t len = 300000;
	unsigned char *in = make_input(SX_GEN_LOG, len, 9);
	static const char odd_json[] = "\"odd \\\"owner\\\"\\u0009\\\\\"";
	struct memwatch_view view;
	struct sx_mem_account acct;
	struct sx_mem_owner *odd;
	struct sx_pipeline *pl;
	struct sx_source src;
	struct sx_sink sink;
	struct sx_error err;
	struct sx_pool pool;
	struct sx_buf *held;
	char want[1024], *text, *diff;
	void *blob;
	FILE *f;

	sx_mem_account_init(&acct, (size_t)64 << 20);
	ck_assert_int_eq(sx_pipeline_new(&pl, test_registry(), "upper | gzip -1",
					 &acct, &err), SX_OK);
	sx_pool_init(&pool, 4096, (unsigned)sx_pipeline_buffers(pl) + 1);
	pool.mem = sx_mem_owner_new(&acct, "pool");
	sx_source_mem(&src, in, len, 1000);
	sx_sink_mem(&sink);
	ck_assert_int_eq(sx_pipeline_stream(pl, &src, &sink, &pool, &err), SX_OK);
	held = sx_pool_acquire(&pool);
	ck_assert_ptr_nonnull(held);
	odd = sx_mem_owner_new(&acct, "odd \"owner\"\t\\");
	blob = sx_malloc(odd, 12345);
	ck_assert_ptr_nonnull(blob);

	view = (struct memwatch_view){ "stream", "upper | gzip -1", &acct, &pool, pl };
	f = fopen("snap.json", "w");
	ck_assert_ptr_nonnull(f);
	memwatch_snapshot(&view, f);
	ck_assert_int_eq(fclose(f), 0);
	text = read_snapshot("snap.json");

	snprintf(want, sizeof(want), "{\"version\":1,\"pid\":%ld,\"time_unix\":",
		 (long)getpid());
	ck_assert_msg(strncmp(text, want, strlen(want)) == 0, "starts wrong: %s", text);
	assert_contains(text, "\"mode\":\"stream\",\"pipeline\":\"upper | gzip -1\",");
	ck_assert_uint_gt(field(text, "rss_bytes"), 0);
	ck_assert_uint_ge(field(text, "rss_peak_bytes"), field(text, "rss_bytes"));
	snprintf(want, sizeof(want), "\"tracked_bytes\":%zu,\"tracked_peak_bytes\":%zu,"
		 "\"mem_limit\":%zu,\"owners\":[{\"name\":\"pipeline\",",
		 (size_t)atomic_load(&acct.current), (size_t)atomic_load(&acct.peak),
		 (size_t)64 << 20);
	assert_contains(text, want);
	expect_owner(text, "\"pipeline\"", pl->owner);
	expect_owner(text, "\"input\"", pl->input);
	expect_owner(text, "\"upper (stage 1)\"", pl->stages[0].mem);
	expect_owner(text, "\"gzip (stage 2)\"", pl->stages[1].mem);
	expect_owner(text, "\"pool\"", pool.mem);
	expect_owner(text, odd_json, odd);
	ck_assert_uint_eq(atomic_load(&odd->current), 12345);
	snprintf(want, sizeof(want), "\"pool\":{\"buffer_size\":4096,\"limit\":%u,"
		 "\"made\":%u,\"in_use\":1,\"reused\":%u,\"peak_in_use\":%u}", pool.limit,
		 atomic_load(&pool.made), atomic_load(&pool.reused),
		 atomic_load(&pool.peak_in_use));
	assert_contains(text, want);
	snprintf(want, sizeof(want),
		 "\"stages\":[{\"index\":1,\"name\":\"upper\",\"bytes_in\":%zu,\"holds_bytes\":%zu},"
		 "{\"index\":2,\"name\":\"gzip\",\"bytes_in\":%zu,\"holds_bytes\":%zu}]}\n",
		 len, (size_t)atomic_load(&pl->stages[0].mem->current), len,
		 (size_t)atomic_load(&pl->stages[1].mem->current));
	assert_contains(text, want);
	ck_assert_uint_gt(atomic_load(&pl->stages[1].mem->current), 100000); /* zlib */

	/* read back: from an empty snapshot, every owner grew by its bytes */
	put_snapshot("zero.json", 0, 0, 0, 0, "");
	ok(SX " snapdiff --json zero.json snap.json");
	diff = slurp(out_path, NULL);
	assert_json(diff);
	snprintf(want, sizeof(want), "\"rss_bytes\":{\"a\":0,\"b\":%llu,\"growth\":%llu}",
		 field(text, "rss_bytes"), field(text, "rss_bytes"));
	assert_contains(diff, want);
	snprintf(want, sizeof(want), "\"tracked_bytes\":{\"a\":0,\"b\":%zu,\"growth\":%zu}",
		 (size_t)atomic_load(&acct.current), (size_t)atomic_load(&acct.current));
	assert_contains(diff, want);
	for (unsigned i = 0; i < sx_mem_owner_count(&acct); i++) {
		const struct sx_mem_owner *o = &acct.owners[i];
		size_t cur = atomic_load(&o->current);
		char name[128];

		/* the other names need no escapes */
		snprintf(name, sizeof(name), "\"%s\"", o->name);
		snprintf(want, sizeof(want), "{\"name\":%s,\"a_bytes\":0,\"b_bytes\":%zu,"
			 "\"growth\":%zu}", o == odd ? odd_json : name, cur, cur);
		assert_contains(diff, want);
	}

	sx_free(blob);
	sx_pool_release(&pool, held);
	sx_pipeline_free(pl);
	ck_assert_uint_eq(sx_pool_drain(&pool), 0);
	ck_assert_uint_eq(sx_mem_leaks(&acct, NULL, NULL), 0);
	free(sink.mem);
	free(in);
	free(text);
	free(diff);
}
END_TEST

/* Naive mode has no pool; a view with nothing in it still makes a whole
 * snapshot. */
START_TEST(test_snapshot_naive_and_empty)
{
	struct sx_mem_account acct;
	struct memwatch_view view = { "naive", "cat", &acct, NULL, NULL };
	static const char *const paths[] = { "naive.json", "empty.json" };
	char *text;
	FILE *f;

	sx_mem_account_init(&acct, 0);
	for (int i = 0; i < 2; i++) {
		f = fopen(paths[i], "w");
		ck_assert_ptr_nonnull(f);
		memwatch_snapshot(&view, f);
		ck_assert_int_eq(fclose(f), 0);
		text = read_snapshot(paths[i]);
		assert_contains(text, i ? "\"mode\":\"stream\",\"pipeline\":\"\","
				: "\"mode\":\"naive\",\"pipeline\":\"cat\",");
		assert_contains(text, "\"tracked_bytes\":0,\"tracked_peak_bytes\":0,"
				"\"mem_limit\":0,\"owners\":[],\"pool\":null,\"stages\":[]}");
		free(text);
		view = (struct memwatch_view){ NULL, NULL, NULL, NULL, NULL };
	}
}
END_TEST

START_TEST(test_stop_without_start)
{
	struct memwatch *w = calloc(1, sizeof(*w));

	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(memwatch_stop(w), 0);
	ck_assert_int_eq(memwatch_stop(w), 0);
	free(w);
}
END_TEST

/* An interval of a minute must not hold stop up; the log gets its header,
 * the first sample and the one taken at stop; the final snapshot is
 * renamed into place; a SIGUSR1 to the process writes FILE.1. */
START_TEST(test_start_stop_in_process)
{
	struct memwatch_config cfg = { 60000, "mon.csv", 0, "final.json" };
	struct sx_mem_account acct;
	struct memwatch_view view = { "stream", "gzip", &acct, NULL, NULL };
	struct memwatch w;
	char *log, *line, *text;
	double t0;
	int lines = 0;

	sx_mem_account_init(&acct, 0);
	ck_assert_int_eq(memwatch_start(&w, &cfg, &view), 0);
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	ck_assert_msg(wait_file("final.json.1", 10000), "SIGUSR1 wrote no final.json.1");
	sleep_ms(20);
	t0 = sx_now();
	ck_assert_int_eq(memwatch_stop(&w), 0);
	ck_assert_msg(sx_now() - t0 < 0.5, "stop took %.3f s", sx_now() - t0);

	log = slurp("mon.csv", NULL);
	ck_assert_ptr_nonnull(log);
	ck_assert_msg(strncmp(log, "seconds,rss_bytes,rss_peak_bytes,tracked_bytes,"
			      "tracked_peak_bytes\n", 66) == 0, "bad header: %s", log);
	for (line = strchr(log, '\n'); line && line[1]; line = strchr(line + 1, '\n'))
		lines++;
	ck_assert_msg(lines == 2, "want 2 samples, got %d: %s", lines, log);
	free(log);
	text = read_snapshot("final.json");
	assert_contains(text, "\"pipeline\":\"gzip\"");
	free(text);
	free(read_snapshot("final.json.1"));
	ck_assert_int_eq(count_entries(".", ".streamx-"), 0);
}
END_TEST

/* A log that cannot be opened fails start (and stop is then a no-op); a
 * snapshot that cannot be written fails stop; each says so in one line. */
START_TEST(test_unwritable_in_process)
{
	struct memwatch_config bad_log = { 10, "nodir/mon.csv", 0, NULL };
	struct memwatch_config bad_snap = { 0, NULL, 0, "nodir/snap.json" };
	struct sx_mem_account acct;
	struct memwatch_view view = { "stream", "cat", &acct, NULL, NULL };
	struct memwatch w;

	sx_mem_account_init(&acct, 0);
	ck_assert_ptr_nonnull(freopen(err_path, "w", stderr));
	ck_assert_int_eq(memwatch_start(&w, &bad_log, &view), -1);
	ck_assert_int_eq(memwatch_stop(&w), 0);
	fflush(stderr);
	snprintf(last_cmd, sizeof(last_cmd), "memwatch_start with a bad log");
	one_error_line("nodir/mon.csv: cannot open monitor log: No such file", NULL);

	ck_assert_ptr_nonnull(freopen(err_path, "w", stderr));
	ck_assert_int_eq(memwatch_start(&w, &bad_snap, &view), 0);
	ck_assert_int_eq(memwatch_stop(&w), -1);
	fflush(stderr);
	snprintf(last_cmd, sizeof(last_cmd), "memwatch_stop with a bad snapshot path");
	one_error_line("nodir/snap.json: cannot write snapshot: No such file", NULL);
}
END_TEST

/* ---- the monitor, on the binary ---- */

START_TEST(test_monitor_log)
{
	double last = -1;
	char *log, *line, *next;
	int samples = 0;

	ok(SX " gen --size 64M | " SX " --monitor=20 --monitor-log mon.csv 'gzip -1' "
	   "> /dev/null");
	log = slurp("mon.csv", NULL);
	ck_assert_ptr_nonnull(log);
	line = strchr(log, '\n');
	ck_assert_ptr_nonnull(line);
	*line++ = '\0';
	ck_assert_str_eq(log, "seconds,rss_bytes,rss_peak_bytes,tracked_bytes,"
			 "tracked_peak_bytes");
	for (; *line; line = next) {
		double sec;
		unsigned long long rss, peak, tracked, tpeak;
		int used = 0;

		next = strchr(line, '\n');
		ck_assert_msg(next != NULL, "unterminated sample: %s", line);
		*next++ = '\0';
		ck_assert_msg(sscanf(line, "%lf,%llu,%llu,%llu,%llu%n", &sec, &rss, &peak,
				     &tracked, &tpeak, &used) == 5 && line[used] == '\0',
			      "bad sample: %s", line);
		ck_assert_msg(sec >= last, "seconds went back: %s after %.3f", line, last);
		ck_assert_msg(rss > 0 && peak >= rss, "bad RSS: %s", line);
		ck_assert_msg(tracked > 0 && tpeak >= tracked, "bad tracked: %s", line);
		last = sec;
		samples++;
	}
	ck_assert_msg(samples >= 5, "only %d samples", samples);
	ck_assert_msg(last > 0.1, "the last sample is at %.3f s", last);
	free(log);
}
END_TEST

/* A log that cannot be opened or written stops the run before it starts,
 * with no output left behind. */
START_TEST(test_monitor_log_unwritable)
{
	ck_assert_int_eq(sh("echo hi | " SX " --monitor-log nodir/m.csv -o o/out cat"), 1);
	one_error_line("streamx: nodir/m.csv: cannot open monitor log: No such file", NULL);
	if (exists("/dev/full")) {
		ck_assert_int_eq(sh("echo hi | " SX " --monitor-log /dev/full -o o/out cat"), 1);
		one_error_line("streamx: /dev/full: cannot write monitor log: No space", NULL);
	}
	ck_assert_msg(count_entries("o", "out") == 0, "the output of a failed run was kept");
}
END_TEST

/* Naive mode holds 64 MiB: one warning, however many samples see it. */
START_TEST(test_warn_growth_naive)
{
	double grew, to;
	char *err, *at;

	ok(SX " gen --size 64M | " SX " --naive --monitor=10 --warn-growth 4M 'gzip -1' "
	   "> /dev/null");
	one_error_line("streamx: warning: RSS grew by ", " MiB after ",
		       " s (--warn-growth 4M)\n", NULL);
	err = slurp(err_path, NULL);
	at = strstr(err, "grew by ");
	ck_assert_int_eq(sscanf(at, "grew by %lf MiB to %lf MiB", &grew, &to), 2);
	ck_assert_msg(grew > 1 && to > grew, "odd figures: %s", err);
	free(err);
}
END_TEST

START_TEST(test_warn_growth_stream)
{
	char *err;

	ok(SX " gen --size 64M | " SX " --monitor=10 --warn-growth 4M 'gzip -1' > /dev/null");
	err = slurp(err_path, NULL);
	ck_assert_msg(err && !err[0], "stream mode warned: %s", err);
	free(err);
}
END_TEST

/* ---- snapshots from the binary ---- */

START_TEST(test_snapshot_at_end)
{
	char *text;

	ok(SX " gen --size 1M | " SX " -T 1 --snapshot snap.json 'upper | gzip -1' > out.gz");
	text = read_snapshot("snap.json");
	assert_contains(text, "\"mode\":\"stream\",\"pipeline\":\"upper | gzip -1\",");
	assert_contains(text, "\"stages\":[{\"index\":1,\"name\":\"upper\",\"bytes_in\":1048576,");
	assert_contains(text, "{\"index\":2,\"name\":\"gzip\",\"bytes_in\":1048576,");
	assert_contains(text, "{\"name\":\"gzip (stage 2)\",\"current_bytes\":");
	assert_contains(text, "\"pool\":{\"buffer_size\":65536,\"limit\":3,");
	ck_assert_uint_gt(field(text, "rss_bytes"), 0);
	free(text);
	/* two threads: 3 buffers and 3 more for the queue between them */
	ok(SX " gen --size 1M | " SX " -T 2 --snapshot snap2.json 'upper | gzip -1' > out.gz");
	text = read_snapshot("snap2.json");
	assert_contains(text, "\"pool\":{\"buffer_size\":65536,\"limit\":6,");
	free(text);
	ck_assert_int_eq(count_entries(".", ".streamx-"), 0);
	ok(SX " snapdiff snap.json snap.json");

	ok(SX " gen --size 1M | " SX " --naive --snapshot naive.json upper > out");
	text = read_snapshot("naive.json");
	assert_contains(text, "\"mode\":\"naive\"");
	assert_contains(text, "\"pool\":null,\"stages\":[{\"index\":1,\"name\":\"upper\","
			"\"bytes_in\":1048576,");
	free(text);
}
END_TEST

/* A snapshot that cannot be written fails the run, and its output goes. */
START_TEST(test_snapshot_unwritable)
{
	ck_assert_int_eq(sh(SX " gen --size 100K | " SX " --snapshot nodir/s.json -o o/out gzip"), 1);
	one_error_line("nodir/s.json: cannot write snapshot", NULL);
	ck_assert_msg(count_entries("o", "out") == 0, "the output of a failed run was kept");
}
END_TEST

/* SIGUSR1 twice in a run fed through a pipe we hold: FILE.1 and FILE.2
 * (_i 0), or streamx-PID-N.json (_i 1), and the run goes on to succeed.
 * Once the first 2 MiB are written, far past what a pipe holds, streamx
 * is reading, so memwatch_start has run and SIGUSR1 is in its hands. */
START_TEST(test_sigusr1)
{
	const size_t half = 2 << 20;
	char path[2][64], *input, *text;
	int fds[2];
	pid_t pid;

	ok(SX " gen --size 4M --kind log > in");
	input = slurp("in", NULL);
	ck_assert_ptr_nonnull(input);
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[1]);
		child_stdio(fds[0], "out.gz");
		if (_i == 0)
			execl(streamx_bin(), "streamx", "--snapshot", "snap.json", "gzip -1",
			      (char *)NULL);
		else
			execl(streamx_bin(), "streamx", "gzip -1", (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	for (int n = 0; n < 2; n++) {
		if (_i == 0)
			snprintf(path[n], sizeof(path[n]), "snap.json.%d", n + 1);
		else
			snprintf(path[n], sizeof(path[n]), "streamx-%ld-%d.json", (long)pid, n + 1);
	}
	write_all(fds[1], input, half);
	for (int n = 0; n < 2; n++) {
		ck_assert_int_eq(kill(pid, SIGUSR1), 0);
		ck_assert_msg(wait_file(path[n], 10000), "no %s after SIGUSR1", path[n]);
	}
	write_all(fds[1], input + half, half);
	close(fds[1]);
	ck_assert_int_eq(status_of(wait_for(pid)), 0);
	for (int n = 0; n < 2; n++) {
		char want[64];

		text = read_snapshot(path[n]);
		snprintf(want, sizeof(want), "\"pid\":%ld,", (long)pid);
		assert_contains(text, want);
		assert_contains(text, "\"name\":\"gzip\"");
		free(text);
	}
	ck_assert_int_eq(count_entries(".", ".streamx-"), 0);
	ck_assert_int_eq(count_entries(".", "json"), 2 + (_i == 0));
	if (_i == 0)
		ok(SX " snapdiff %s snap.json", path[0]);
	ok("gzip -dc < out.gz | cmp - in");
	free(input);
}
END_TEST

/* ---- snapdiff ---- */

static void make_pair(void)
{
	char owners[2048] = "";

	add_owner(owners, sizeof(owners), "pipeline", 560);
	add_owner(owners, sizeof(owners), "input", 0);
	add_owner(owners, sizeof(owners), "gzip (stage 1)", 300000);
	add_owner(owners, sizeof(owners), "pool", 131120);
	add_owner(owners, sizeof(owners), "gone", 5000);
	put_snapshot("a.json", 1000.0, 0.5, 2000000, 436680, owners);
	owners[0] = '\0';
	add_owner(owners, sizeof(owners), "pool", 131120);
	add_owner(owners, sizeof(owners), "gzip (stage 1)", 268216);
	add_owner(owners, sizeof(owners), "input", 67108864);
	add_owner(owners, sizeof(owners), "pipeline", 560);
	add_owner(owners, sizeof(owners), "new one", 1000);
	put_snapshot("b.json", 1002.75, 3.25, 75000000, 67509760, owners);
}

/* The line must be name then the three figures, space-separated. */
static void expect_row(const char *line, const char *name, unsigned long long a,
		       unsigned long long b, const char *growth)
{
	unsigned long long ga, gb;
	char g[32];
	int used = 0;

	ck_assert_msg(strncmp(line, name, strlen(name)) == 0 &&
		      line[strlen(name)] == ' ', "want %s first: %s", name, line);
	ck_assert_msg(sscanf(line + strlen(name), " %llu %llu %31s%n", &ga, &gb, g,
			     &used) == 3 && line[strlen(name) + (size_t)used] == '\0',
		      "bad row: %s", line);
	ck_assert_msg(ga == a && gb == b && strcmp(g, growth) == 0,
		      "want %s %llu %llu %s: %s", name, a, b, growth, line);
}

START_TEST(test_snapdiff_text)
{
	static const struct {
		const char *name;
		unsigned long long a, b;
		const char *growth;
	} rows[] = {
		{ "input", 0, 67108864, "+67108864" },
		{ "new one", 0, 1000, "+1000" },
		{ "pipeline", 560, 560, "+0" },
		{ "pool", 131120, 131120, "+0" },
		{ "gone", 5000, 0, "-5000" },
		{ "gzip (stage 1)", 300000, 268216, "-31784" },
	};
	char *out, *line, *lines[16];
	size_t n = 0;

	make_pair();
	ok(SX " snapdiff a.json b.json");
	out = slurp(out_path, NULL);
	for (line = strtok(out, "\n"); line && n < 16; line = strtok(NULL, "\n"))
		lines[n++] = line;
	ck_assert_msg(n == 10, "want 10 lines, got %zu", n);
	ck_assert_msg(strncmp(lines[0], "owner ", 6) == 0 && strstr(lines[0], "A bytes") &&
		      strstr(lines[0], "B bytes") && strstr(lines[0], "growth"),
		      "bad header: %s", lines[0]);
	for (size_t i = 0; i < 6; i++)
		expect_row(lines[1 + i], rows[i].name, rows[i].a, rows[i].b, rows[i].growth);
	expect_row(lines[7], "rss_bytes", 2000000, 75000000, "+73000000");
	expect_row(lines[8], "tracked_bytes", 436680, 67509760, "+67073080");
	ck_assert_msg(strncmp(lines[9], "elapsed ", 8) == 0 && strstr(lines[9], "0.500 s") &&
		      strstr(lines[9], "3.250 s") && strstr(lines[9], "+2.750 s between"),
		      "bad elapsed line: %s", lines[9]);
	free(out);

	/* the other way round, everything shrinks: the order flips */
	ok(SX " snapdiff b.json a.json | sed -n 2p | grep -q '^gzip (stage 1) .* +31784$'");
	ok("sed 's/\"pid\":4242/\"pid\":99/' b.json > c.json && " SX " snapdiff a.json c.json "
	   "| grep -q ' +2.750 s between (different runs)$'");
}
END_TEST

START_TEST(test_snapdiff_json)
{
	char *out;

	make_pair();
	ok(SX " snapdiff --json a.json b.json");
	out = slurp(out_path, NULL);
	assert_json(out);
	ck_assert_msg(strchr(out, '\n') == out + strlen(out) - 1, "not one line: %s", out);
	assert_contains(out, "{\"a\":\"a.json\",\"b\":\"b.json\",\"same_run\":true,");
	assert_contains(out, "\"elapsed_seconds\":{\"a\":0.500,\"b\":3.250},"
			"\"seconds_between\":2.750,");
	assert_contains(out, "\"rss_bytes\":{\"a\":2000000,\"b\":75000000,\"growth\":73000000}");
	assert_contains(out, "\"tracked_bytes\":{\"a\":436680,\"b\":67509760,"
			"\"growth\":67073080}");
	assert_contains(out, "\"owners\":["
			"{\"name\":\"input\",\"a_bytes\":0,\"b_bytes\":67108864,\"growth\":67108864},"
			"{\"name\":\"new one\",\"a_bytes\":0,\"b_bytes\":1000,\"growth\":1000},"
			"{\"name\":\"pipeline\",\"a_bytes\":560,\"b_bytes\":560,\"growth\":0},"
			"{\"name\":\"pool\",\"a_bytes\":131120,\"b_bytes\":131120,\"growth\":0},"
			"{\"name\":\"gone\",\"a_bytes\":5000,\"b_bytes\":0,\"growth\":-5000},"
			"{\"name\":\"gzip (stage 1)\",\"a_bytes\":300000,\"b_bytes\":268216,"
			"\"growth\":-31784}]}\n");
	free(out);
}
END_TEST

#define GOOD_HEAD "{\"version\":1,\"elapsed_seconds\":1,\"rss_bytes\":1,\"tracked_bytes\":1,"

static const struct {
	const char *text;   /* NULL: no such file */
	const char *why;
} malformed[] = {
	{ NULL, "cannot open" },
	{ "", "empty file" },
	{ "\n  \n", "empty file" },
	{ "not json", "expected a JSON object" },
	{ "[1,2]", "expected a JSON object" },
	{ "{", "expected '\"', found the end of the file" },
	{ GOOD_HEAD "\"owners\":[", "found the end of the file" },
	{ GOOD_HEAD "\"owners\":[]", "expected ',' or '}', found the end of the file" },
	{ GOOD_HEAD "\"owners\":[{\"name\":\"x", "unterminated string, found the end" },
	{ GOOD_HEAD "\"owners\":[]} trailing", "unexpected text after the snapshot" },
	{ GOOD_HEAD "\"owners\":[]}{}", "unexpected text after the snapshot" },
	{ GOOD_HEAD "\"owners\":{}}", "\"owners\" is not an array" },
	{ GOOD_HEAD "\"owners\":[{\"name\":\"x\"}]}", "owner without" },
	{ GOOD_HEAD "\"owners\":[{\"current_bytes\":1}]}", "owner without" },
	{ GOOD_HEAD "\"owners\":[{\"name\":\"x\",\"current_bytes\":-1}]}", "expected a byte count" },
	{ GOOD_HEAD "\"owners\":[{\"name\":\"x\",\"current_bytes\":1.5}]}", "expected a byte count" },
	{ GOOD_HEAD "\"owners\":[{\"name\":\"x\",\"current_bytes\":99999999999999999999}]}",
	  "expected a byte count" },
	{ GOOD_HEAD "\"owners\":[{\"name\":\"a\\qb\",\"current_bytes\":1}]}", "bad escape" },
	{ GOOD_HEAD "\"owners\":[{\"name\":\"a\\ud800\",\"current_bytes\":1}]}", "surrogate" },
	{ GOOD_HEAD "\"owners\":[{\"name\":\"a\nb\",\"current_bytes\":1}]}", "control character" },
	{ GOOD_HEAD "\"owners\":[],\"x\":01}", "expected ',' or '}'" },
	{ GOOD_HEAD "\"owners\":[],\"x\":tru}", "unexpected character" },
	{ GOOD_HEAD "\"owners\":[],}", "expected '\"'" },
	{ GOOD_HEAD "\"owners\":[] \"x\":1}", "expected ',' or '}'" },
	{ GOOD_HEAD "\"owners\":[],\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
	  "nested too deep" },
	{ "{\"version\":1,\"elapsed_seconds\":1e999,\"rss_bytes\":1,\"tracked_bytes\":1,"
	  "\"owners\":[]}", "number out of range" },
	{ "{\"version\":2,\"elapsed_seconds\":1,\"rss_bytes\":1,\"tracked_bytes\":1,\"owners\":[]}",
	  "unsupported snapshot version" },
	{ "{\"elapsed_seconds\":1,\"rss_bytes\":1,\"tracked_bytes\":1,\"owners\":[]}",
	  "no \"version\" field" },
	{ "{\"version\":1,\"elapsed_seconds\":1,\"rss_bytes\":1,\"tracked_bytes\":1}",
	  "no \"owners\" field" },
	{ "{\"version\":1,\"elapsed_seconds\":1,\"tracked_bytes\":1,\"owners\":[]}",
	  "no \"rss_bytes\" field" },
};

/* Each bad file, as A or as B: exit 1, one line naming it and the fault. */
START_TEST(test_snapdiff_malformed)
{
	const char *bad = "bad.json";

	make_pair();
	if (malformed[_i].text)
		put_text(bad, malformed[_i].text);
	ck_assert_int_eq(sh(SX " snapdiff %s a.json", bad), 1);
	one_error_line("streamx: bad.json: ", malformed[_i].why, NULL);
	ck_assert_int_eq(sh(SX " snapdiff a.json %s", bad), 1);
	one_error_line("streamx: bad.json: ", malformed[_i].why, NULL);
}
END_TEST

/* Unknown fields, other whitespace and escapes are read past or decoded. */
START_TEST(test_snapdiff_lenient)
{
	put_text("odd.json", " {\r\n\t\"owners\" : [ { \"peak_bytes\" : 1e3, \"name\" : "
		 "\"caf\\u00e9 \\ud83d\\ude00\\/\", \"extra\" : {\"deep\":[true,false,null,-1.5E+2]},"
		 " \"current_bytes\" : 7 } ] , \"version\" : 1 , \"rss_bytes\":0,"
		 "\"tracked_bytes\":7,\"elapsed_seconds\":0.25,\"future\":\"x\"}\n\n");
	ok(SX " snapdiff --json odd.json odd.json");
	assert_contains(captured(out_path), "{\"name\":\"caf\xc3\xa9 \xf0\x9f\x98\x80/\","
			"\"a_bytes\":7,\"b_bytes\":7,\"growth\":0}");
	/* without time_unix, the time between is the elapsed difference */
	assert_contains(captured(out_path), "\"seconds_between\":0.000,");
}
END_TEST

static const char *const usage_cases[] = {
	"", "a.json", "a.json b.json c.json", "--bogus a.json b.json", "-x a.json b.json",
	"--json", "--json a.json",
};

START_TEST(test_snapdiff_usage)
{
	make_pair();
	ck_assert_int_eq(sh(SX " snapdiff %s", usage_cases[_i]), 2);
	one_error_line("usage: streamx snapdiff [--json] A.json B.json", NULL);
}
END_TEST

START_TEST(test_snapdiff_args)
{
	make_pair();
	ok(SX " snapdiff --json a.json b.json > first");
	ok(SX " snapdiff a.json b.json --json | cmp - first");
	ok(SX " snapdiff -- a.json b.json | head -1 | grep -q '^owner '");
	ok(SX " snapdiff --help | grep -q 'Usage: streamx snapdiff'");
}
END_TEST

/* ---- the suite ---- */

Suite *memwatch_suite(void)
{
	Suite *s = suite_create("memwatch");
	TCase *tc;

	tc = sh_tcase(s, "in_process");
	tcase_add_test(tc, test_snapshot_in_process);
	tcase_add_test(tc, test_snapshot_naive_and_empty);
	tcase_add_test(tc, test_stop_without_start);
	tcase_add_test(tc, test_start_stop_in_process);
	tcase_add_test(tc, test_unwritable_in_process);

	tc = sh_tcase(s, "monitor");
	tcase_add_test(tc, test_monitor_log);
	tcase_add_test(tc, test_monitor_log_unwritable);
	tcase_add_test(tc, test_warn_growth_naive);
	tcase_add_test(tc, test_warn_growth_stream);

	tc = sh_tcase(s, "snapshot");
	tcase_add_test(tc, test_snapshot_at_end);
	tcase_add_test(tc, test_snapshot_unwritable);
	tcase_add_loop_test(tc, test_sigusr1, 0, 2);

	tc = sh_tcase(s, "snapdiff");
	tcase_add_test(tc, test_snapdiff_text);
	tcase_add_test(tc, test_snapdiff_json);
	tcase_add_loop_test(tc, test_snapdiff_malformed, 0,
			    (int)(sizeof(malformed) / sizeof(malformed[0])));
	tcase_add_test(tc, test_snapdiff_lenient);
	tcase_add_loop_test(tc, test_snapdiff_usage, 0,
			    (int)(sizeof(usage_cases) / sizeof(usage_cases[0])));
	tcase_add_test(tc, test_snapdiff_args);
	return s;
}
