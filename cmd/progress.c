/* progress.c - the pv-style progress line: a thread that redraws it on stderr. */
#include "progress.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "util.h"

/*
 * One thread per display. It sleeps in a timed wait on a condition
 * variable, which progress_stop signals, so stopping never waits out a
 * tick; every tick it reads the counters, builds the whole line and
 * writes it with one write(2) on fd 2, never through stdout. Ticks come
 * TICK_MS apart, so the line is redrawn at most 1000 / TICK_MS times a
 * second.
 *
 * On a terminal each update is "\r" + text + "\033[K" (erase the rest of
 * the previous, longer one), and stop erases the line. Forced onto a
 * file or pipe (--progress), updates are plain "\r" + text with no
 * escape code, and stop writes one last update and a newline so the log
 * ends readable. No colour is ever used, so NO_COLOR holds by itself.
 *
 * The rate of a run is taken over the last RATE_SAMPLES ticks (a few
 * seconds), so it follows the input when it speeds up or stalls. A
 * batch counts bytes only as files finish, which makes a short window
 * jump between zero and bursts, so its rate is the average since start.
 *
 * The line fits the terminal's width, read again at every tick so a
 * resize takes effect. The figures are never cut while there is room
 * for them: the label of a run (or the list of files in flight of a
 * batch) gives way first, keeping its tail (the file name) or its head,
 * then the bar shrinks and goes. Names are copied with control bytes
 * replaced, so a file name cannot send escape sequences to the terminal.
 *
 * Locking: the batch figures and the stop flag are under lock; the run's
 * byte count is an atomic the driver advances. Everything else is the
 * thread's own until progress_stop has joined it.
 */

#define TICK_MS 250        /* at most 4 redraws a second */
#define RATE_SAMPLES 12    /* ticks in a run's rate window: 3 s */
#define LINE_CAP 1024      /* longest line drawn, in bytes */
#define NAME_CAP 256       /* a label or list of names kept, in bytes */
#define DEFAULT_COLS 80
#define LABEL_MIN 8        /* columns below which a clipped label goes */
#define BAR_MIN 10         /* cells inside the brackets */
#define BAR_MAX 40

struct sample {
	double t;
	uint64_t bytes;
};

/* What one tick draws, read under lock for a batch. */
struct view {
	uint64_t bytes;
	unsigned files_done;
	char names[NAME_CAP];
};

struct progress {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stopping;                  /* under lock */
	int tty;                       /* stderr is a terminal */
	int broken;                    /* a write failed: draw no more */
	int drawn;                     /* a line is on the screen */
	unsigned env_cols;             /* $COLUMNS, read once; 0: unset */
	double start;
	struct sample ring[RATE_SAMPLES];
	unsigned ring_next, ring_count;

	/* a run */
	char label[NAME_CAP];
	const atomic_uint_fast64_t *done;
	int64_t total;

	/* a batch; files_done, bytes_done and names under lock */
	int batch;
	unsigned files_total, files_done;
	uint64_t bytes_done;
	char names[NAME_CAP];
};

/* ---- text ---- */

struct line {
	char s[LINE_CAP];
	size_t len;
};

static void add(struct line *l, const char *s, size_t n)
{
	if (n > sizeof(l->s) - 1 - l->len)
		n = sizeof(l->s) - 1 - l->len;
	memcpy(l->s + l->len, s, n);
	l->len += n;
	l->s[l->len] = '\0';
}

static void addf(struct line *l, const char *fmt, ...) SX_PRINTF(2, 3);

static void addf(struct line *l, const char *fmt, ...)
{
	char tmp[LINE_CAP];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		add(l, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static int is_continuation(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

/* Screen columns of UTF-8 text, one per character. */
static size_t columns(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += !is_continuation(*s);
	return n;
}

/* Copies src into dst[cap] with control bytes made '?', cut short on a
 * character boundary if it does not fit. */
static void copy_name(char *dst, size_t cap, const char *src)
{
	size_t n = 0;

	for (; src && src[n] && n < cap - 1; n++) {
		unsigned char c = (unsigned char)src[n];
		dst[n] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (src && is_continuation(src[n]))
		while (n > 0 && is_continuation(src[n]))
			n--;  /* and the lead byte of the character cut in two */
	dst[n] = '\0';
}

/* Adds s in at most max columns (max > 3): whole if it fits, else its
 * tail (keep_tail) or its head, with "..." where the rest was. */
static void add_clipped(struct line *l, const char *s, size_t max, int keep_tail)
{
	size_t want = max - 3, c = 0;
	const char *cut;

	if (columns(s) <= max) {
		add(l, s, strlen(s));
		return;
	}
	if (keep_tail) {
		for (cut = s + strlen(s); c < want; )
			c += !is_continuation(*--cut);
		add(l, "...", 3);
		add(l, cut, strlen(cut));
		return;
	}
	for (cut = s; *cut; cut++) {
		if (!is_continuation(*cut) && c++ == want)
			break;
	}
	add(l, s, (size_t)(cut - s));
	add(l, "...", 3);
}

/* "512B", "123.4MiB", "1.2GiB"; a rate ("/s") drops the decimal from 10
 * up: "95MiB/s", "4.2KiB/s". */
static void format_size(char *buf, size_t size, double v, int rate)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned u = 0;

	while (v >= 999.5 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, u == 0 || (rate && v >= 9.95) ? "%.0f%s%s" : "%.1f%s%s",
		 v, units[u], rate ? "/s" : "");
}

/* "0:00:03", "12:34:56". */
static void format_time(char *buf, size_t size, double secs)
{
	unsigned long s = secs > 0 && secs < 3.6e8 ? (unsigned long)secs : 0;

	snprintf(buf, size, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
}

/* "  ETA 0:00:04": left bytes at rate; unknown while nothing moves. */
static void format_eta(char *buf, size_t size, double frac, double left, double rate)
{
	char t[24] = "-:--:--";

	if (frac >= 1)
		format_time(t, sizeof(t), 0);
	else if (rate > 0)
		format_time(t, sizeof(t), left / rate + 0.5);
	snprintf(buf, size, "  ETA %s", t);
}

/* ---- figures ---- */

static void add_sample(struct progress *p, double t, uint64_t bytes)
{
	p->ring[p->ring_next] = (struct sample){ t, bytes };
	p->ring_next = (p->ring_next + 1) % RATE_SAMPLES;
	if (p->ring_count < RATE_SAMPLES)
		p->ring_count++;
}

/* Bytes a second: a run's over the samples in the ring, a batch's since
 * it started. 0 before there is time to measure. */
static double rate_of(const struct progress *p, double now, uint64_t bytes)
{
	struct sample old = p->ring[0];
	double dt;

	if (p->batch)
		old = (struct sample){ p->start, 0 };
	else if (p->ring_count == RATE_SAMPLES)
		old = p->ring[p->ring_next];  /* the oldest, next to be replaced */
	dt = now - old.t;
	if (dt < 1e-3 || bytes < old.bytes)
		return 0;
	return (double)(bytes - old.bytes) / dt;
}

/* Columns for a name that needs overhead more besides itself, out of
 * room: all it wants, else what is left if that is LABEL_MIN or more,
 * else none. */
static size_t name_columns(const char *name, size_t room, size_t overhead)
{
	size_t want = columns(name);

	if (want == 0 || room <= overhead)
		return 0;
	room -= overhead;
	if (want <= room)
		return want;
	return room >= LABEL_MIN ? room : 0;
}

/* [label  ]123.4MiB 45%[  [==>   ]]  210MiB/s  0:00:03  ETA 0:00:04 */
static void compose_run(const struct progress *p, const struct view *v,
			double now, size_t width, struct line *l)
{
	char size[16], speed[24], elapsed[24], eta[32] = "", head[48], tail[96];
	double rate = rate_of(p, now, v->bytes), frac = 1;
	size_t fixed, room, bar = 0, label;
	int known = p->total >= 0;

	format_size(size, sizeof(size), (double)v->bytes, 0);
	format_size(speed, sizeof(speed), rate, 1);
	format_time(elapsed, sizeof(elapsed), now - p->start);
	if (known && p->total > 0 && v->bytes < (uint64_t)p->total)
		frac = (double)v->bytes / (double)p->total;
	if (known)
		format_eta(eta, sizeof(eta), frac, (double)p->total - (double)v->bytes, rate);
	if (known)
		snprintf(head, sizeof(head), "%s %d%%", size, (int)(frac * 100));
	else
		snprintf(head, sizeof(head), "%s", size);
	snprintf(tail, sizeof(tail), "  %s  %s%s", speed, elapsed, eta);

	fixed = strlen(head) + strlen(tail);
	room = width > fixed ? width - fixed : 0;
	if (known && room >= BAR_MIN + 4)
		bar = BAR_MIN + 4;  /* kept before the label gets the rest */
	label = name_columns(p->label, room - bar, 2);
	if (label) {
		add_clipped(l, p->label, label, 1);
		add(l, "  ", 2);
		room -= label + 2;
	}
	add(l, head, strlen(head));
	if (bar) {
		size_t cells = room - 4 < BAR_MAX ? room - 4 : BAR_MAX;
		size_t full = (size_t)(frac * (double)cells);

		add(l, "  [", 3);
		for (size_t i = 0; i < cells; i++)
			add(l, i < full ? "=" : i == full ? ">" : " ", 1);
		add(l, "]", 1);
	}
	add(l, tail, strlen(tail));
}

/* files 12/200  1.2GiB  95MiB/s  0:00:13[  [a.log, b.log]] */
static void compose_batch(const struct progress *p, const struct view *v,
			  double now, size_t width, struct line *l)
{
	char size[16], speed[24], elapsed[24];
	size_t names;

	format_size(size, sizeof(size), (double)v->bytes, 0);
	format_size(speed, sizeof(speed), rate_of(p, now, v->bytes), 1);
	format_time(elapsed, sizeof(elapsed), now - p->start);
	addf(l, "files %u/%u  %s  %s  %s", v->files_done, p->files_total, size,
	     speed, elapsed);
	names = name_columns(v->names, width > l->len ? width - l->len : 0, 4);
	if (names) {
		add(l, "  [", 3);
		add_clipped(l, v->names, names, 0);
		add(l, "]", 1);
	}
}

/* ---- the terminal ---- */

/* Columns we may draw in: one less than the terminal's, so the cursor
 * never sits in the last column where some terminals wrap. */
static size_t line_width(const struct progress *p)
{
	struct winsize ws;
	unsigned cols = p->env_cols ? p->env_cols : DEFAULT_COLS;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		cols = ws.ws_col;
	if (cols > LINE_CAP / 2)
		cols = LINE_CAP / 2;
	return cols > 1 ? cols - 1 : 1;
}

/* Whether we may draw: a job in the background keeps off the terminal. */
static int in_foreground(const struct progress *p)
{
	pid_t fg;

	if (!p->tty)
		return 1;
	fg = tcgetpgrp(STDERR_FILENO);
	return fg < 0 || fg == getpgrp();
}

static void put(struct progress *p, const char *s, size_t n)
{
	while (n > 0 && !p->broken) {
		ssize_t w = write(STDERR_FILENO, s, n);

		if (w > 0) {
			s += w;
			n -= (size_t)w;
		} else if (w < 0 && errno != EINTR) {
			p->broken = 1;  /* closed or full: give up quietly */
		}
	}
}

static void take_view(struct progress *p, struct view *v)
{
	if (!p->batch) {
		v->bytes = atomic_load_explicit(p->done, memory_order_relaxed);
		v->files_done = 0;
		v->names[0] = '\0';
		return;
	}
	pthread_mutex_lock(&p->lock);
	v->bytes = p->bytes_done;
	v->files_done = p->files_done;
	memcpy(v->names, p->names, sizeof(v->names));
	pthread_mutex_unlock(&p->lock);
}

/* Cuts l to max columns. */
static void cut_columns(struct line *l, size_t max)
{
	size_t i, c = 0;

	for (i = 0; i < l->len; i++)
		if (!is_continuation(l->s[i]) && c++ == max)
			break;
	l->len = i;
	l->s[i] = '\0';
}

/* Takes a sample and redraws the line. */
static void tick(struct progress *p)
{
	struct line text = { .len = 0 }, out = { .len = 0 };
	struct view v;
	double now = sx_now();
	size_t width = line_width(p);

	take_view(p, &v);
	add_sample(p, now, v.bytes);
	if (p->broken || !in_foreground(p))
		return;
	if (p->batch)
		compose_batch(p, &v, now, width, &text);
	else
		compose_run(p, &v, now, width, &text);
	cut_columns(&text, width);  /* the figures alone may overflow */
	add(&out, "\r", 1);
	add(&out, text.s, text.len);
	if (p->tty)
		add(&out, "\033[K", 3);
	put(p, out.s, out.len);
	p->drawn = 1;
}

/* ---- the thread ---- */

static void deadline_in(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += ms % 1000 * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *display(void *arg)
{
	struct progress *p = arg;
	struct timespec due;

	pthread_mutex_lock(&p->lock);
	while (!p->stopping) {
		/* from now, not from the last deadline: a slow terminal
		 * must not cause a burst of redraws to catch up */
		deadline_in(&due, TICK_MS);
		while (!p->stopping &&
		       pthread_cond_timedwait(&p->wake, &p->lock, &due) == 0)
			;
		if (p->stopping)
			break;
		pthread_mutex_unlock(&p->lock);
		tick(p);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Whether a display shows in this mode. */
static int shown(enum progress_mode mode)
{
	if (mode == PROGRESS_AUTO)
		return isatty(STDERR_FILENO);
	return mode == PROGRESS_ON;
}

static struct progress *new_progress(enum progress_mode mode)
{
	struct progress *p;
	const char *cols = getenv("COLUMNS");

	if (!shown(mode) || !(p = calloc(1, sizeof(*p))))
		return NULL;
	p->tty = isatty(STDERR_FILENO);
	if (cols && atoi(cols) > 0)
		p->env_cols = (unsigned)atoi(cols);
	p->start = sx_now();
	return p;
}

/* Starts p's thread with every signal blocked in it, so that signals go
 * to the threads that handle them. Returns p, or NULL having freed it. */
static struct progress *launch(struct progress *p)
{
	pthread_condattr_t attr;
	sigset_t all, old;
	int rc = -1;

	add_sample(p, p->start, p->batch ? 0 : atomic_load(p->done));
	if (pthread_mutex_init(&p->lock, NULL) != 0)
		goto no_lock;
	if (pthread_condattr_init(&attr) == 0) {
		pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
		rc = pthread_cond_init(&p->wake, &attr);
		pthread_condattr_destroy(&attr);
	}
	if (rc != 0)
		goto no_cond;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&p->thread, NULL, display, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0)
		return p;
	pthread_cond_destroy(&p->wake);
no_cond:
	pthread_mutex_destroy(&p->lock);
no_lock:
	free(p);
	return NULL;
}

struct progress *progress_start_run(enum progress_mode mode, const char *label,
				    const atomic_uint_fast64_t *done,
				    int64_t total)
{
	struct progress *p;

	if (!done || !(p = new_progress(mode)))
		return NULL;
	copy_name(p->label, sizeof(p->label), label);
	p->done = done;
	p->total = total < 0 ? -1 : total;
	return launch(p);
}

struct progress *progress_start_batch(enum progress_mode mode,
				      unsigned files_total, uint64_t bytes_total)
{
	struct progress *p = new_progress(mode);

	if (!p)
		return NULL;
	(void)bytes_total;  /* the line counts files against their total */
	p->batch = 1;
	p->files_total = files_total;
	return launch(p);
}

void progress_batch_update(struct progress *p, unsigned files_done,
			   uint64_t bytes_done, const char *in_flight)
{
	if (!p || !p->batch)
		return;
	pthread_mutex_lock(&p->lock);
	p->files_done = files_done;
	p->bytes_done = bytes_done;
	copy_name(p->names, sizeof(p->names), in_flight);
	pthread_mutex_unlock(&p->lock);
}

void progress_stop(struct progress *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	if (p->tty && p->drawn) {
		put(p, "\r\033[K", 4);
	} else if (!p->tty) {
		tick(p);  /* the final figures stay in the log */
		put(p, "\n", 1);
	}
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
