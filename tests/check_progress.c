/* check_progress.c - the progress line: in process on files and a pty, the binary in tmux. */
#define _XOPEN_SOURCE 700  /* posix_openpt, grantpt, unlockpt, ptsname */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "progress.h"
#include "suites.h"
#include "test_sh.h"
#include "util.h"

/*
 * Three groups. "display" calls progress.c in this process with stderr
 * pointed at a file (forced on: plain updates) or at a pseudo-terminal
 * whose size we set (auto: escapes, fitting, erasing). "redirected" runs
 * the binary with stderr to a file. "terminal" runs the binary in a real
 * terminal: a detached tmux server of our own (socket in the test's
 * directory), whose pane we read with capture-pane while the run goes on
 * and after it ends. tmux is required, not optional: without it these
 * tests fail, saying so.
 *
 * Runs are made slow by feeding a pipe 64 KiB at a time, or by draining
 * the output 64 KiB at a time, so that a line is drawn (every 250 ms)
 * before they end; each takes one to three seconds. A drained run needs
 * 2 MiB of input: streamx widens its output pipe to 1 MiB.
 */

#define MIB (1024 * 1024)

/* bash: 64 KiB chunks 0..LAST of FILE, one every 100 ms */
#define FEED(file, last) \
	"(for i in $(seq 0 " #last "); do dd if=" file " bs=64k skip=$i count=1 " \
	"status=none; sleep 0.1; done)"
/* bash: reads its stdin 64 KiB every 100 ms */
#define SLOW_READER \
	"while [ \"$(head -c 65536 | wc -c)\" -gt 0 ]; do sleep 0.1; done"

/* ---- text of captured updates ---- */

static size_t count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

/* The text after the last carriage return, without a final newline
 * (static). */
static const char *last_update(const char *text)
{
	static char line[1024];
	const char *cr = strrchr(text, '\r');

	snprintf(line, sizeof(line), "%s", cr ? cr + 1 : text);
	line[strcspn(line, "\n")] = '\0';
	return line;
}

/* The rate an update shows, in bytes a second; -1 if none. */
static double rate_in(const char *update)
{
	static const char *const units[] = { "B/s", "KiB/s", "MiB/s", "GiB/s" };
	const char *end = strstr(update, "/s"), *p;
	char unit[8];
	double v;

	if (!end)
		return -1;
	for (p = end; p > update && p[-1] != ' '; p--)
		;
	if (sscanf(p, "%lf%7s", &v, unit) != 2)
		return -1;
	for (size_t i = 0; i < 4; i++, v *= 1024)
		if (strcmp(unit, units[i]) == 0)
			return v;
	return -1;
}

/* ---- in process: where stderr goes ---- */

/* Points stderr at fd; returns the old one for stderr_back. */
static int stderr_to_fd(int fd)
{
	int saved = dup(STDERR_FILENO);

	ck_assert_int_ge(saved, 0);
	ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	return saved;
}

static int stderr_to_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	int saved;

	ck_assert_int_ge(fd, 0);
	saved = stderr_to_fd(fd);
	close(fd);
	return saved;
}

static void stderr_back(int saved)
{
	ck_assert_int_eq(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
}

struct pty {
	int master, slave;
};

/* A pseudo-terminal cols wide; the slave is not our controlling one. */
static void pty_open(struct pty *t, unsigned short cols)
{
	struct winsize ws = { .ws_row = 24, .ws_col = cols };

	t->master = posix_openpt(O_RDWR | O_NOCTTY);
	ck_assert_msg(t->master >= 0, "posix_openpt: %s", strerror(errno));
	ck_assert_int_eq(grantpt(t->master), 0);
	ck_assert_int_eq(unlockpt(t->master), 0);
	t->slave = open(ptsname(t->master), O_RDWR | O_NOCTTY);
	ck_assert_msg(t->slave >= 0, "open pty slave: %s", strerror(errno));
	ck_assert_int_eq(ioctl(t->slave, TIOCSWINSZ, &ws), 0);
}

/* Everything written to the slave so far, NUL-terminated (static); the
 * pty is closed. */
static const char *pty_close(struct pty *t)
{
	static char text[65536];
	struct pollfd pfd = { .fd = t->master, .events = POLLIN };
	size_t len = 0;
	ssize_t n;

	close(t->slave);
	/* the line discipline hands output on a little later */
	while (len < sizeof(text) - 1 && poll(&pfd, 1, 200) > 0) {
		n = read(t->master, text + len, sizeof(text) - 1 - len);
		if (n <= 0)
			break;  /* EIO: the slave is closed and all is read */
		len += (size_t)n;
	}
	close(t->master);
	text[len] = '\0';
	return text;
}

/* ---- in process ---- */

/* A file has no width: the display falls back to $COLUMNS. */
static void fixed_columns(void)
{
	setenv("COLUMNS", "80", 1);
}

/* Off, auto and on against a file and a terminal; NULL is harmless. */
START_TEST(test_modes)
{
	atomic_uint_fast64_t done = 0;
	struct progress *p;
	struct pty t;
	char *text;
	int saved;

	saved = stderr_to_file("err");
	ck_assert_ptr_null(progress_start_run(PROGRESS_AUTO, "x", &done, 10));
	ck_assert_ptr_null(progress_start_run(PROGRESS_OFF, "x", &done, 10));
	ck_assert_ptr_null(progress_start_batch(PROGRESS_AUTO, 3, 10));
	ck_assert_ptr_null(progress_start_batch(PROGRESS_OFF, 3, 10));
	p = progress_start_run(PROGRESS_ON, "x", &done, 10);
	ck_assert_ptr_nonnull(p);
	progress_stop(p);
	progress_batch_update(NULL, 1, 1, "a");
	progress_stop(NULL);
	stderr_back(saved);
	text = slurp("err", NULL);
	ck_assert_ptr_nonnull(text);
	/* 79 columns of $COLUMNS 80, the bar filling what the label leaves */
	ck_assert_msg(strlen(text) == 81 && strncmp(text, "\rx  0B 0%  [>   ", 16) == 0 &&
		      strcmp(text + 49, "  ]  0B/s  0:00:00  ETA -:--:--\n") == 0,
		      "%s", text);
	free(text);

	pty_open(&t, 80);
	saved = stderr_to_fd(t.slave);
	ck_assert_ptr_null(progress_start_run(PROGRESS_OFF, "x", &done, 10));
	p = progress_start_run(PROGRESS_AUTO, "x", &done, 10);
	ck_assert_ptr_nonnull(p);
	progress_stop(p);  /* before the first tick: nothing drawn, nothing erased */
	p = progress_start_batch(PROGRESS_AUTO, 3, 10);
	ck_assert_ptr_nonnull(p);
	progress_stop(p);
	stderr_back(saved);
	ck_assert_str_eq(pty_close(&t), "");
}
END_TEST

/* Whether s is well-formed UTF-8. */
static int utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int more = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 :
			   (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;

		if (more < 0)
			return 0;
		for (p++; more > 0; more--, p++)
			if ((*p & 0xc0) != 0x80)
				return 0;
	}
	return 1;
}

/* A label longer than is kept (300 bytes of two-byte characters): cut
 * and clipped on character boundaries, the line filling 79 columns. */
START_TEST(test_utf8_label)
{
	atomic_uint_fast64_t done = 0;
	char label[301] = "", *text;
	const char *last;
	size_t cols = 0;
	int saved;

	for (int i = 0; i < 150; i++)
		strcat(label, i % 2 ? "\xc3\xbc" : "\xc3\xa9");  /* üé */
	saved = stderr_to_file("err");
	progress_stop(progress_start_run(PROGRESS_ON, label, &done, 10));
	stderr_back(saved);
	text = slurp("err", NULL);
	ck_assert_ptr_nonnull(text);
	last = last_update(text);
	for (const char *c = last; *c; c++)
		cols += ((unsigned char)*c & 0xc0) != 0x80;
	ck_assert_msg(utf8_ok(last) && cols == 79 && strncmp(last, "...", 3) == 0,
		      "%zu columns: %s", cols, last);
	free(text);
}
END_TEST

/* Forced on a file: plain "\r" updates, 4 a second at most, the last
 * one kept with a newline; with a total (_i 0) or without (_i 1). */
START_TEST(test_forced_run)
{
	atomic_uint_fast64_t done = 0;
	int64_t total = _i == 0 ? 10 * MIB : -1;
	struct progress *p;
	double started, secs;
	char *text;
	const char *last;
	size_t updates;
	int saved;

	saved = stderr_to_file("err");
	started = sx_now();
	p = progress_start_run(PROGRESS_ON, "in.log", &done, total);
	ck_assert_ptr_nonnull(p);
	for (int i = 0; i < 10; i++) {
		atomic_fetch_add(&done, MIB);
		sleep_ms(100);
	}
	progress_stop(p);
	secs = sx_now() - started;
	stderr_back(saved);

	text = slurp("err", NULL);
	ck_assert_ptr_nonnull(text);
	updates = count_char(text, '\r');
	ck_assert_msg(text[0] == '\r', "does not start with \\r: %s", text);
	ck_assert_msg(strchr(text, '\n') == text + strlen(text) - 1,
		      "not one newline, at the end: %s", text);
	ck_assert_msg(!strchr(text, '\033'), "escape code in a file: %s", text);
	ck_assert_msg(updates >= 4 && updates <= secs * 4 + 1.5,
		      "%zu updates in %.2f s: %s", updates, secs, text);
	last = last_update(text);
	if (total < 0) {
		ck_assert_msg(strncmp(last, "in.log  10.0MiB  ", 17) == 0, "%s", last);
		ck_assert_msg(!strchr(last, '%') && !strstr(last, "ETA") &&
			      !strchr(last, '['), "figures of a known total: %s", last);
	} else {
		ck_assert_msg(strncmp(last, "in.log  10.0MiB 100%  [====", 27) == 0,
			      "%s", last);
		ck_assert_msg(strstr(last, "=]  "), "bar not full: %s", last);
		assert_contains(last, "  ETA 0:00:00");
		/* the first update is part way */
		ck_assert_msg(strstr(text, "%") < strstr(text, "100%"),
			      "no update before the end: %s", text);
	}
	assert_contains(last, "  0:00:01");
	/* 1 MiB every 100 ms */
	ck_assert_msg(rate_in(last) > 6.0 * MIB && rate_in(last) < 11.0 * MIB,
		      "rate %.0f B/s in %s", rate_in(last), last);
	free(text);
}
END_TEST

/* The rate follows the last seconds: after a burst and a stall of more
 * than the window, it is 0 and the ETA unknown, where an average since
 * the start would still show MiB/s. */
START_TEST(test_rate_window)
{
	atomic_uint_fast64_t done = 0;
	struct progress *p;
	const char *last;
	char *text;
	int saved;

	saved = stderr_to_file("err");
	p = progress_start_run(PROGRESS_ON, "in", &done, 100 * MIB);
	ck_assert_ptr_nonnull(p);
	sleep_ms(300);
	atomic_store(&done, 50 * MIB);
	sleep_ms(900);
	text = slurp("err", NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(rate_in(last_update(text)) > 10.0 * MIB,
		      "the burst does not show: %s", text);
	free(text);
	sleep_ms(3000);
	progress_stop(p);
	stderr_back(saved);
	text = slurp("err", NULL);
	last = last_update(text);
	assert_contains(last, "in  50.0MiB 50%  [");
	assert_contains(last, "]  0B/s  0:00:04  ETA -:--:--");
	free(text);
}
END_TEST

/* Auto on a terminal 72 columns wide: every update erases the rest of
 * the line and fits in 71 columns, the label giving way (keeping the
 * file name); stop erases the line. */
START_TEST(test_terminal_run)
{
	atomic_uint_fast64_t done = 0;
	const char *text, *seg, *next;
	struct progress *p;
	struct pty t;
	size_t updates = 0;
	int saved;

	pty_open(&t, 72);
	saved = stderr_to_fd(t.slave);
	p = progress_start_run(PROGRESS_AUTO, "/some/dir/a-long-file-name-that-does-not-fit.log",
			       &done, 10 * MIB);
	ck_assert_ptr_nonnull(p);
	for (int i = 0; i < 8; i++) {
		atomic_fetch_add(&done, MIB);
		sleep_ms(100);
	}
	progress_stop(p);
	stderr_back(saved);
	text = pty_close(&t);

	ck_assert_msg(strlen(text) > 8 && text[0] == '\r' &&
		      strcmp(text + strlen(text) - 4, "\r\033[K") == 0,
		      "not updates and an erase: %s", text);
	ck_assert_msg(!strchr(text, '\n'), "a newline on the terminal: %s", text);
	for (seg = text + 1; (next = strchr(seg, '\r')) != NULL; seg = next + 1) {
		char update[1024];
		size_t len = (size_t)(next - seg);

		ck_assert_uint_lt(len, sizeof(update));
		memcpy(update, seg, len);
		update[len] = '\0';
		ck_assert_msg(len > 3 && strcmp(update + len - 3, "\033[K") == 0,
			      "update not ending in erase: %s", update);
		update[len - 3] = '\0';
		ck_assert_msg(len - 3 <= 71, "update of %zu columns: %s", len - 3, update);
		ck_assert_msg(!strchr(update, '\033'), "%s", update);
		ck_assert_msg(strncmp(update, "...", 3) == 0 && strstr(update, "fit.log  "),
			      "label not clipped to its tail: %s", update);
		ck_assert_msg(strstr(update, "%  [") && strstr(update, "  ETA "),
			      "figures missing: %s", update);
		updates++;
	}
	ck_assert_uint_ge(updates, 2);
	ck_assert_str_eq(seg, "\033[K");
}
END_TEST

static struct progress *shared;

/* Updates the shared batch display 400 times, naming the files of
 * worker arg. */
static void *batch_worker(void *arg)
{
	int w = (int)(intptr_t)arg;
	char names[64];

	for (int i = 0; i < 400; i++) {
		snprintf(names, sizeof(names), "w%d-%03d.log, w%d.log", w, i, w);
		progress_batch_update(shared, (unsigned)i, (uint64_t)i * MIB, names);
		sleep_ms(1);
	}
	return NULL;
}

/* Batch updates from four threads; every update drawn is one of theirs
 * whole, and the last names are made safe and clipped to $COLUMNS. */
START_TEST(test_batch_threads)
{
	pthread_t th[4];
	char names[1024] = "a.log, b\033[2Jx.log, c\tc.log";
	char *text, *seg;
	const char *last;
	int saved;

	for (int i = 0; i < 30; i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names),
			 ", more-%02d.log", i);
	setenv("COLUMNS", "70", 1);  /* stderr is a file: no size of its own */
	saved = stderr_to_file("err");
	shared = progress_start_batch(PROGRESS_ON, 400, 400 * MIB);
	ck_assert_ptr_nonnull(shared);
	for (intptr_t i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, batch_worker, (void *)i), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	progress_batch_update(shared, 7, 7 * MIB + MIB / 2, names);
	progress_stop(shared);
	stderr_back(saved);

	text = slurp("err", NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(!strchr(text, '\033'), "an escape from a name got out: %s", text);
	ck_assert_uint_ge(count_char(text, '\r'), 2);
	for (seg = strtok(text, "\r\n"); seg; seg = strtok(NULL, "\r\n")) {
		int w1, w2, i, n = 0;

		if (strstr(seg, "a.log"))
			break;  /* the last one */
		ck_assert_msg(strncmp(seg, "files ", 6) == 0 && strstr(seg, "  ["),
			      "%s", seg);
		ck_assert_msg(sscanf(strstr(seg, "  ["), "  [w%d-%d.log, w%d.log]%n",
				     &w1, &i, &w2, &n) == 3 && n > 0 && w1 == w2,
			      "names torn or missing: %s", seg);
	}
	ck_assert_ptr_nonnull(seg);
	last = seg;
	ck_assert_msg(strncmp(last, "files 7/400  7.5MiB  ", 21) == 0, "%s", last);
	assert_contains(last, "  [a.log, b?[2Jx.log, c?c");
	ck_assert_msg(strlen(last) == 69 && strcmp(last + 65, "...]") == 0,
		      "not clipped to 69 columns: %s", last);
	free(text);
}
END_TEST

/* progress_stop wakes the thread instead of waiting out its tick. */
START_TEST(test_stop_promptly)
{
	static const long delays[] = { 20, 90, 160, 230, 310 };
	atomic_uint_fast64_t done = 0;
	double worst = 0;
	int saved = stderr_to_file("err");

	for (size_t i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
		struct progress *p = progress_start_run(PROGRESS_ON, "x", &done, -1);
		double t;

		ck_assert_ptr_nonnull(p);
		sleep_ms(delays[i]);
		t = sx_now();
		progress_stop(p);
		t = sx_now() - t;
		if (t > worst)
			worst = t;
	}
	stderr_back(saved);
	ck_assert_msg(worst < 0.1, "progress_stop took %.0f ms", worst * 1000);
}
END_TEST

/* ---- the binary, stderr redirected ---- */

static void gen_input(void)
{
	ok(SX " gen --size 1M --kind log --seed 3 > in");
}

/* More than the output pipe holds, for SLOW_READER. */
static void gen_big_input(void)
{
	ok(SX " gen --size 2M --kind log --seed 3 > big");
}

/* Not a terminal: nothing on stderr, however long the run. */
START_TEST(test_redirected_silent)
{
	gen_input();
	ok(FEED("in", 15) " | " SX " cat > out");
	ck_assert_msg(file_size(err_path) == 0, "stderr not empty: %s", stderr_text());
	ok("cmp out in");
	gen_big_input();
	ok(SX " -i big upper | " SLOW_READER);
	ck_assert_msg(file_size(err_path) == 0, "stderr not empty: %s", stderr_text());
}
END_TEST

/* --progress on a file: plain updates ending in a newline; stdout holds
 * only the data. */
START_TEST(test_redirected_forced)
{
	char *text;

	gen_input();
	ok(FEED("in", 15) " | " SX " --progress cat > out");
	text = slurp(err_path, NULL);
	ck_assert_msg(text[0] == '\r' && count_char(text, '\r') >= 3 &&
		      strchr(text, '\n') == text + strlen(text) - 1 &&
		      !strchr(text, '\033'), "not plain updates: %s", text);
	ck_assert_msg(strncmp(last_update(text), "standard input  1.0MiB  ", 24) == 0,
		      "%s", last_update(text));
	free(text);
	ok("cmp out in");

	ok(SX " --progress -i in -o out2 upper && tr a-z A-Z < in | cmp - out2");
	text = slurp(err_path, NULL);
	ck_assert_msg(strchr(text, '\n') == text + strlen(text) - 1, "%s", text);
	ck_assert_msg(strncmp(last_update(text), "in  1.0MiB 100%  [=", 19) == 0,
		      "%s", last_update(text));
	assert_contains(last_update(text), "  ETA 0:00:00");
	free(text);
}
END_TEST

/* A failed run ends the updates with a newline before its message. */
START_TEST(test_redirected_error)
{
	char *text, *nl;

	ok(SX " gen --size 1M --kind binary --seed 3 | gzip -1 > full.gz && "
	   "head -c 640K full.gz > cut.gz");
	ck_assert_int_eq(sh(FEED("cut.gz", 9) " | " SX " --progress gunzip > out"), 1);
	text = slurp(err_path, NULL);
	nl = strchr(text, '\n');
	ck_assert_msg(text[0] == '\r' && nl && strncmp(nl + 1, "streamx: ", 9) == 0 &&
		      strchr(nl + 1, '\n') == text + strlen(text) - 1,
		      "updates, newline, one error line expected: %s", text);
	assert_contains(nl, "truncated");
	free(text);
}
END_TEST

/* ---- the binary in tmux ---- */

/* Runs script (bash) in a detached tmux, cols x rows, of a server of
 * our own; "__END__" is echoed when it is done, and the pane is kept a
 * while for the last capture (and no longer, should the test fail
 * before it kills the server). */
static void tmux_start(int cols, int rows, const char *script)
{
	ck_assert_msg(sh("command -v tmux") == 0,
		      "tmux is not installed: the progress tests need a real terminal "
		      "(apt-get install tmux; scripts/deps.sh tools installs it)");
	put_text("run.sh", script);
	ok("env -u TMUX tmux -S \"$PWD/tmux.sock\" -f /dev/null new-session -d -s sx "
	   "-x %d -y %d -c \"$PWD\" 'bash run.sh; echo __END__; sleep 20'", cols, rows);
}

static void tmux_stop(void)
{
	sh("tmux -S \"$PWD/tmux.sock\" kill-server");
}

/* The pane's rows, one a line (static). */
static const char *pane(void)
{
	static char text[8192];
	char *s;

	ok("tmux -S \"$PWD/tmux.sock\" capture-pane -p -t sx > pane.txt");
	s = slurp("pane.txt", NULL);
	ck_assert_ptr_nonnull(s);
	snprintf(text, sizeof(text), "%s", s);
	free(s);
	return text;
}

/* The pane once it shows needle; fails after ms. */
static const char *pane_wait(const char *needle, long ms)
{
	for (long waited = 0;; waited += 50) {
		const char *text = pane();

		if (strstr(text, needle))
			return text;
		ck_assert_msg(waited < ms, "no \"%s\" in the pane after %ld ms:\n%s",
			      needle, ms, text);
		sleep_ms(50);
	}
}

/* Row n of the pane text, in line[1024]. */
static const char *row_in(char *line, const char *text, int n)
{
	while (n-- > 0 && strchr(text, '\n'))
		text = strchr(text, '\n') + 1;
	snprintf(line, 1024, "%s", text);
	line[strcspn(line, "\n")] = '\0';
	return line;
}

/* Row n of the pane text (static, two in turn). */
static const char *row(const char *text, int n)
{
	static char lines[2][1024];
	static int which;

	which = !which;
	return row_in(lines[which], text, n);
}

static int nonblank_rows(const char *text)
{
	int n = 0;

	char line[1024];

	for (int i = 0; i < 100; i++)
		n += row_in(line, text, i)[0] != '\0';
	return n;
}

/* The command's exit statuses, as the script saved them. */
static void assert_statuses(const char *want)
{
	char *rc = slurp("rc", NULL);

	ck_assert_msg(rc != NULL, "the script in tmux did not finish");
	rc[strcspn(rc, "\n")] = '\0';
	ck_assert_msg(strcmp(rc, want) == 0, "statuses \"%s\", not \"%s\"", rc, want);
	free(rc);
}

/* The pane after the run: the line erased, "__END__" written over it. */
static void assert_erased(void)
{
	const char *text = pane_wait("__END__", 10000);

	ck_assert_msg(strcmp(row(text, 0), "__END__") == 0 && nonblank_rows(text) == 1,
		      "progress left on the terminal:\n%s", text);
}

/* Auto in a terminal, input from a pipe: bytes, rate and elapsed on one
 * row while it runs, no percent; stdout holds only the data. */
START_TEST(test_terminal_pipe)
{
	const char *text, *line;

	gen_input();
	tmux_start(100, 30, FEED("in", 15) " | \"$STREAMX\" cat > out\n"
		   "echo \"${PIPESTATUS[*]}\" > rc\n");
	text = pane_wait("/s", 5000);
	line = row(text, 0);
	ck_assert_msg(nonblank_rows(text) == 1 && strncmp(line, "standard input  ", 16) == 0 &&
		      strstr(line, "iB  ") && strstr(line, "/s  0:00:0"),
		      "not a progress line:\n%s", text);
	ck_assert_msg(!strchr(line, '%') && !strstr(line, "ETA"), "%s", line);
	assert_erased();
	tmux_stop();
	assert_statuses("0 0");
	ok("cmp out in");
}
END_TEST

/* Auto in a terminal, a regular file: percent, bar and ETA too. */
START_TEST(test_terminal_file)
{
	const char *text, *line;

	gen_big_input();
	tmux_start(100, 30, "\"$STREAMX\" -i big upper | " SLOW_READER "\n"
		   "echo \"${PIPESTATUS[*]}\" > rc\n");
	text = pane_wait("ETA", 5000);
	line = row(text, 0);
	ck_assert_msg(nonblank_rows(text) == 1 && strncmp(line, "big  ", 5) == 0 &&
		      strstr(line, "%  [") && strstr(line, "]  ") && strstr(line, "/s  0:00:0"),
		      "not a progress line:\n%s", text);
	assert_erased();
	tmux_stop();
	assert_statuses("0 0");
}
END_TEST

/* A narrow terminal: one row, no wrap, the label clipped first. */
START_TEST(test_terminal_narrow)
{
	const char *text, *line;

	ok("mkdir -p some/dir && " SX " gen --size 2M > some/dir/a-long-file-name-that-does-not-fit.log");
	tmux_start(76, 10, "\"$STREAMX\" -i some/dir/a-long-file-name-that-does-not-fit.log "
		   "cat | " SLOW_READER "\necho \"${PIPESTATUS[*]}\" > rc\n");
	text = pane_wait("ETA", 5000);
	line = row(text, 0);
	ck_assert_msg(nonblank_rows(text) == 1 && strlen(line) <= 75, "wrapped:\n%s", text);
	ck_assert_msg(strncmp(line, "...", 3) == 0 && strstr(line, "fit.log  ") &&
		      strstr(line, "%  [") && strstr(line, "  ETA "),
		      "not clipped as expected: %s", line);
	assert_erased();
	tmux_stop();
	assert_statuses("0 0");
}
END_TEST

/* --no-progress in a terminal: nothing at all while it runs. */
START_TEST(test_terminal_off)
{
	const char *text;

	gen_input();
	tmux_start(100, 30, FEED("in", 15) " | \"$STREAMX\" --no-progress cat > out\n"
		   "echo \"${PIPESTATUS[*]}\" > rc\n");
	sleep_ms(1000);
	text = pane();
	ck_assert_msg(nonblank_rows(text) == 0, "something shown:\n%s", text);
	assert_erased();
	tmux_stop();
	assert_statuses("0 0");
	ok("cmp out in");
}
END_TEST

/* A failing run in a terminal: the error line starts clean, with no
 * progress before or around it. */
START_TEST(test_terminal_error)
{
	const char *text;

	ok(SX " gen --size 1M --kind binary --seed 3 | gzip -1 > full.gz && "
	   "head -c 640K full.gz > cut.gz");
	tmux_start(100, 30, FEED("cut.gz", 9) " | \"$STREAMX\" gunzip > out\n"
		   "echo \"${PIPESTATUS[*]}\" > rc\n");
	pane_wait("/s", 5000);
	text = pane_wait("__END__", 10000);
	ck_assert_msg(strncmp(row(text, 0), "streamx: ", 9) == 0 &&
		      strstr(row(text, 0), "truncated") &&
		      strcmp(row(text, 1), "__END__") == 0 && nonblank_rows(text) == 2,
		      "error line not clean:\n%s", text);
	tmux_stop();
	assert_statuses("0 1");
}
END_TEST

/* ---- the suite ---- */

Suite *progress_suite(void)
{
	Suite *s = suite_create("progress");
	TCase *tc;

	tc = sh_tcase(s, "display");
	tcase_add_checked_fixture(tc, fixed_columns, NULL);
	tcase_add_test(tc, test_modes);
	tcase_add_test(tc, test_utf8_label);
	tcase_add_loop_test(tc, test_forced_run, 0, 2);
	tcase_add_test(tc, test_rate_window);
	tcase_add_test(tc, test_terminal_run);
	tcase_add_test(tc, test_batch_threads);
	tcase_add_test(tc, test_stop_promptly);

	tc = sh_tcase(s, "redirected");
	tcase_add_test(tc, test_redirected_silent);
	tcase_add_test(tc, test_redirected_forced);
	tcase_add_test(tc, test_redirected_error);

	tc = sh_tcase(s, "terminal");
	tcase_add_test(tc, test_terminal_pipe);
	tcase_add_test(tc, test_terminal_file);
	tcase_add_test(tc, test_terminal_narrow);
	tcase_add_test(tc, test_terminal_off);
	tcase_add_test(tc, test_terminal_error);
	return s;
}
