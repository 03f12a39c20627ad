/* memwatch.c - the memory monitor thread, JSON memory snapshots and the SIGUSR1 snapshot thread. */
#include "memwatch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "report.h"
#include "util.h"

/*
 * Two threads of our own, both started before the driver runs:
 *
 * The monitor samples on a fixed schedule (deadlines advance by the
 * interval, so samples do not drift) and sleeps in a timed wait on a
 * condition variable, which memwatch_stop signals: stopping never waits
 * out an interval. It keeps /proc/self/status open and re-reads it with
 * pread, so a sample costs one system call and no allocation.
 *
 * The signal thread owns SIGUSR1. memwatch_start blocks the signal in the
 * calling thread before any other thread exists, so every thread inherits
 * the mask and the only way the signal is consumed is this thread's
 * sigwait: no handler, so nothing async-signal-unsafe. To stop it, the
 * stopping flag is set and the thread is sent a SIGUSR1 of its own.
 *
 * Snapshots read only atomic counters and fields fixed before the threads
 * started (names, sizes, limits), so they may run beside the driver.
 */

#define MIB (1024.0 * 1024.0)

/* When memwatch_start last ran, for elapsed_seconds; written before the
 * threads that read it are created. 0: never. */
static double origin;

/* Numbers the temporaries of snapshot files, which may be written by two
 * threads of the process at once. */
static atomic_uint temp_seq;

/* ---- snapshots ---- */

static void write_owners(const struct sx_mem_account *mem, FILE *f)
{
	unsigned n = mem ? sx_mem_owner_count(mem) : 0;

	fputs(",\"owners\":[", f);
	for (unsigned i = 0; i < n; i++) {
		const struct sx_mem_owner *o = &mem->owners[i];

		fputs(i ? ",{\"name\":" : "{\"name\":", f);
		json_string(f, o->name);
		fprintf(f, ",\"current_bytes\":%zu,\"peak_bytes\":%zu,"
			"\"allocs\":%llu,\"frees\":%llu}",
			(size_t)atomic_load(&o->current), (size_t)atomic_load(&o->peak),
			(unsigned long long)atomic_load(&o->allocs),
			(unsigned long long)atomic_load(&o->frees));
	}
	fputc(']', f);
}

static void write_pool(const struct sx_pool *pool, FILE *f)
{
	if (!pool) {
		fputs(",\"pool\":null", f);
		return;
	}
	fprintf(f, ",\"pool\":{\"buffer_size\":%zu,\"limit\":%u,\"made\":%u,"
		"\"in_use\":%u,\"reused\":%u,\"peak_in_use\":%u}",
		pool->buf_size, pool->limit, atomic_load(&pool->made),
		atomic_load(&pool->in_use), atomic_load(&pool->reused),
		atomic_load(&pool->peak_in_use));
}

static void write_stages(const struct sx_pipeline *pl, FILE *f)
{
	size_t n = pl ? pl->count : 0;

	fputs(",\"stages\":[", f);
	for (size_t i = 0; i < n; i++) {
		const struct sx_stage *st = &pl->stages[i];

		fprintf(f, "%s{\"index\":%zu,\"name\":", i ? "," : "", i + 1);
		json_string(f, st->ops->name);
		fprintf(f, ",\"bytes_in\":%llu,\"holds_bytes\":%zu}",
			(unsigned long long)atomic_load(&st->bytes_in),
			st->mem ? (size_t)atomic_load(&st->mem->current) : (size_t)0);
	}
	fputc(']', f);
}

void memwatch_snapshot(const struct memwatch_view *view, FILE *f)
{
	const struct sx_mem_account *mem = view->mem;
	uint64_t rss = 0, rss_peak = 0;
	struct timespec now;

	sx_mem_rss(&rss, &rss_peak);
	clock_gettime(CLOCK_REALTIME, &now);
	fprintf(f, "{\"version\":1,\"pid\":%ld,\"time_unix\":%lld.%03ld,"
		"\"elapsed_seconds\":%.3f,\"mode\":", (long)getpid(),
		(long long)now.tv_sec, now.tv_nsec / 1000000L,
		origin > 0 ? sx_now() - origin : 0.0);
	json_string(f, view->mode ? view->mode : "stream");
	fputs(",\"pipeline\":", f);
	json_string(f, view->pipeline ? view->pipeline : "");
	fprintf(f, ",\"rss_bytes\":%llu,\"rss_peak_bytes\":%llu,\"tracked_bytes\":%zu,"
		"\"tracked_peak_bytes\":%zu,\"mem_limit\":%zu",
		(unsigned long long)rss, (unsigned long long)rss_peak,
		mem ? (size_t)atomic_load(&mem->current) : (size_t)0,
		mem ? (size_t)atomic_load(&mem->peak) : (size_t)0,
		mem ? mem->limit : (size_t)0);
	write_owners(mem, f);
	write_pool(view->pool, f);
	write_stages(view->pl, f);
	fputs("}\n", f);
}

/* The temporary for path: ".BASE.streamx-PID-N" beside it, as output.c
 * names its own. Returns -1 when the name does not fit. */
static int temp_name(const char *path, char *tmp, size_t size)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	int n = snprintf(tmp, size, "%.*s.%s.streamx-%ld-%u", dirlen, path,
			 slash ? slash + 1 : path, (long)getpid(),
			 atomic_fetch_add(&temp_seq, 1));

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Writes view's snapshot to path through a temporary in the same
 * directory, renamed into place, so a reader never sees half a file.
 * Returns 0, or -1 after a message, with the temporary removed and any
 * earlier file at path left as it was. */
static int write_snapshot(const struct memwatch_view *view, const char *path)
{
	char tmp[PATH_MAX];
	FILE *f = NULL;
	int fd, e;

	if (temp_name(path, tmp, sizeof(tmp)))
		return cli_error("%s: cannot write snapshot: file name too long", path);
	/* O_EXCL: never write through a link someone planted there */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0)
		return cli_error("%s: cannot write snapshot: %s", path, strerror(errno));
	f = fdopen(fd, "w");
	if (!f) {
		e = errno;
		close(fd);
		goto fail;
	}
	memwatch_snapshot(view, f);
	errno = EIO; /* what a stream error without errno means */
	if (fflush(f) != 0 || ferror(f)) {
		e = errno;
		fclose(f);
		goto fail;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		e = errno;
		goto fail;
	}
	return 0;
fail:
	unlink(tmp);
	return cli_error("%s: cannot write snapshot: %s", path, strerror(e));
}

/* ---- the monitor ---- */

/* The kB figure after key in a /proc status text, in bytes; 0 if absent. */
static uint64_t status_kib(const char *text, const char *key)
{
	const char *at = strstr(text, key);

	return at ? strtoull(at + strlen(key), NULL, 10) * 1024 : 0;
}

/* Current and peak RSS, from the open status file when there is one. */
static void read_rss(int status_fd, uint64_t *rss, uint64_t *peak)
{
	char text[4096];
	ssize_t n = status_fd >= 0 ? pread(status_fd, text, sizeof(text) - 1, 0) : -1;

	*rss = *peak = 0;
	if (n > 0) {
		text[n] = '\0';
		*rss = status_kib(text, "\nVmRSS:");
		*peak = status_kib(text, "\nVmHWM:");
	}
	if (!*rss)
		sx_mem_rss(rss, peak);
}

/* n bytes as the shortest exact K/M/G figure, the way one would type it. */
static void format_size(uint64_t n, char *buf, size_t size)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (u < 3 && n >= 1024 && n % 1024 == 0) {
		n /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, size, "%llu", (unsigned long long)n);
	else
		snprintf(buf, size, "%llu%c", (unsigned long long)n, units[u]);
}

static void warn_growth(struct memwatch *w, uint64_t rss, double seconds)
{
	char limit[32];

	format_size(w->cfg.warn_growth, limit, sizeof(limit));
	cli_error("warning: RSS grew by %.1f MiB to %.1f MiB after %.1f s (--warn-growth %s)",
		 (double)(rss - w->base_rss) / MIB, (double)rss / MIB, seconds, limit);
	w->warned = 1;
}

/* Takes one sample: a log line, and the growth check. Only the monitor
 * thread calls it, so the fields it updates need no lock. */
static void sample(struct memwatch *w, int status_fd)
{
	const struct sx_mem_account *mem = w->view.mem;
	double seconds = sx_now() - w->started;
	uint64_t rss, peak;

	read_rss(status_fd, &rss, &peak);
	if (w->log) {
		fprintf(w->log, "%.3f,%llu,%llu,%zu,%zu\n", seconds,
			(unsigned long long)rss, (unsigned long long)peak,
			mem ? (size_t)atomic_load(&mem->current) : (size_t)0,
			mem ? (size_t)atomic_load(&mem->peak) : (size_t)0);
		/* a live file: someone may be tailing it */
		fflush(w->log);
	}
	if (!w->base_rss) {
		w->base_rss = rss;
		return;
	}
	if (w->cfg.warn_growth && !w->warned && rss > w->base_rss &&
	    rss - w->base_rss > w->cfg.warn_growth)
		warn_growth(w, rss, seconds);
}

/* Moves *due on by ms, past now when sampling fell behind: late samples
 * are skipped, not taken in a burst. */
static void advance(struct timespec *due, long ms)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	do {
		due->tv_sec += ms / 1000;
		due->tv_nsec += (ms % 1000) * 1000000L;
		if (due->tv_nsec >= 1000000000L) {
			due->tv_sec++;
			due->tv_nsec -= 1000000000L;
		}
	} while (due->tv_sec < now.tv_sec ||
		 (due->tv_sec == now.tv_sec && due->tv_nsec <= now.tv_nsec));
}

/* Sleeps until due or until memwatch_stop wakes us; returns non-zero when
 * it is time to stop. */
static int sleep_until(struct memwatch *w, const struct timespec *due)
{
	int stop, rc = 0;

	pthread_mutex_lock(&w->lock);
	while (!w->stopping && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&w->wake, &w->lock, due);
	stop = w->stopping;
	pthread_mutex_unlock(&w->lock);
	return stop;
}

static void *monitor_main(void *arg)
{
	struct memwatch *w = arg;
	int status_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	struct timespec due;

	clock_gettime(CLOCK_MONOTONIC, &due);
	do {
		sample(w, status_fd);
		advance(&due, w->cfg.monitor_ms);
	} while (!sleep_until(w, &due));
	sample(w, status_fd); /* the last word, at stop */
	if (status_fd >= 0)
		close(status_fd);
	return NULL;
}

/* Opens the CSV log and writes its header. Directly, not through a
 * temporary: it is a live file that users tail while the run goes on. */
static int open_log(struct memwatch *w)
{
	const char *path = w->cfg.monitor_log;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

	if (fd < 0 || !(w->log = fdopen(fd, "w"))) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return cli_error("%s: cannot open monitor log: %s", path, strerror(e));
	}
	fputs("seconds,rss_bytes,rss_peak_bytes,tracked_bytes,tracked_peak_bytes\n",
	      w->log);
	/* a full disk shows now, before the run, rather than at its end */
	if (fflush(w->log) != 0) {
		int e = errno;

		fclose(w->log);
		w->log = NULL;
		return cli_error("%s: cannot write monitor log: %s", path, strerror(e));
	}
	return 0;
}

/* Closes the log; returns -1 after a message if any write to it failed.
 * The error of a write during the run is gone by now; fclose's is not. */
static int close_log(struct memwatch *w)
{
	int failed = ferror(w->log);

	if (fclose(w->log) != 0)
		return cli_error("%s: cannot write monitor log: %s", w->cfg.monitor_log,
				strerror(errno));
	if (failed)
		return cli_error("%s: cannot write monitor log: a write failed during the run",
				w->cfg.monitor_log);
	return 0;
}

/* ---- SIGUSR1 ---- */

/* The path of the n-th SIGUSR1 snapshot; -1 when it does not fit. */
static int numbered_path(const struct memwatch *w, unsigned n, char *buf,
			 size_t size)
{
	int len;

	if (w->cfg.snapshot)
		len = snprintf(buf, size, "%s.%u", w->cfg.snapshot, n);
	else
		len = snprintf(buf, size, "streamx-%ld-%u.json", (long)getpid(), n);
	return len < 0 || (size_t)len >= size ? -1 : 0;
}

static int is_stopping(struct memwatch *w)
{
	int stop;

	pthread_mutex_lock(&w->lock);
	stop = w->stopping;
	pthread_mutex_unlock(&w->lock);
	return stop;
}

/* A snapshot asked for that cannot be written is reported, but does not
 * fail the run: it was a look, not part of the job. */
static void *signals_main(void *arg)
{
	struct memwatch *w = arg;
	char path[PATH_MAX];
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (is_stopping(w))
			break;
		if (numbered_path(w, ++w->snapshots, path, sizeof(path)))
			cli_error("%s.%u: cannot write snapshot: file name too long",
				 w->cfg.snapshot, w->snapshots);
		else
			write_snapshot(&w->view, path);
	}
	return NULL;
}

/* ---- start and stop ---- */

static int init_sync(struct memwatch *w)
{
	pthread_condattr_t attr;
	int rc;

	if ((rc = pthread_mutex_init(&w->lock, NULL)) != 0)
		return rc;
	if ((rc = pthread_condattr_init(&attr)) != 0)
		goto fail;
	/* deadlines on the monotonic clock: a clock step must not stall us */
	rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (rc == 0)
		rc = pthread_cond_init(&w->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (rc == 0)
		return 0;
fail:
	pthread_mutex_destroy(&w->lock);
	return rc;
}

/* Stops whichever threads run and waits for them. */
static void stop_threads(struct memwatch *w)
{
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	if (w->monitor_running) {
		pthread_join(w->monitor, NULL);
		w->monitor_running = 0;
	}
	if (w->signals_running) {
		/* pending until its sigwait, so it cannot be missed */
		pthread_kill(w->signals, SIGUSR1);
		pthread_join(w->signals, NULL);
		w->signals_running = 0;
	}
}

static int start_threads(struct memwatch *w)
{
	int rc = pthread_create(&w->signals, NULL, signals_main, w);

	if (rc != 0)
		return cli_error("cannot start the snapshot thread: %s", strerror(rc));
	w->signals_running = 1;
	if (w->cfg.monitor_ms <= 0)
		return 0;
	rc = pthread_create(&w->monitor, NULL, monitor_main, w);
	if (rc != 0)
		return cli_error("cannot start the memory monitor: %s", strerror(rc));
	w->monitor_running = 1;
	return 0;
}

int memwatch_start(struct memwatch *w, const struct memwatch_config *cfg,
		   const struct memwatch_view *view)
{
	sigset_t set, old;
	int rc;

	memset(w, 0, sizeof(*w));
	w->cfg = *cfg;
	w->view = *view;
	if ((rc = init_sync(w)) != 0)
		return cli_error("cannot set up the memory monitor: %s", strerror(rc));
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	w->started = origin = sx_now();
	if ((cfg->monitor_ms > 0 && cfg->monitor_log && open_log(w)) ||
	    start_threads(w)) {
		stop_threads(w);
		if (w->log)
			fclose(w->log);
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		memset(w, 0, sizeof(*w)); /* as if never started, for stop */
		return -1;
	}
	return 0;
}

int memwatch_stop(struct memwatch *w)
{
	int rc = 0;

	/* started is set only by a start that succeeded; calloc leaves 0 */
	if (w->started <= 0)
		return 0;
	stop_threads(w);
	if (w->log && close_log(w))
		rc = -1;
	w->log = NULL;
	if (w->cfg.snapshot && write_snapshot(&w->view, w->cfg.snapshot))
		rc = -1;
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	w->started = 0;
	return rc;
}
