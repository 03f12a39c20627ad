/* check_faults.c - streamx under faults: full disks, failing and short writes, bad inputs, signals. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suites.h"
#include "test_sh.h"

/*
 * Commands run as test_sh.h says: each test in its own directory, SX
 * for the binary, sh.out and sh.err for the streams, o/ for outputs.
 *
 * Faults come from three places. `ulimit -f` (with SIGXFSZ ignored)
 * makes writes past a size fail with EFBIG. A small tmpfs, mounted in a
 * user and mount namespace of its own (`unshare -rm`), runs out of room
 * for real. The shim (tests/faults/shim.c, STREAMX_FAULT_SHIM), preloaded
 * into streamx alone, fails, shortens or interrupts the reads and writes
 * of one descriptor, zero-copy calls included.
 *
 * After a failure every test checks the same promises: one line
 * "streamx: ..." naming the file and where, exit 1, no temporary, no
 * partial output, an existing output and the input as they were.
 */

#define IN "input.dat"
#define SHIM "LD_PRELOAD=\"$STREAMX_FAULT_SHIM\" " \
	"ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0\" "

static const char *const modes[] = { "--stream -T 1", "--stream -T 2", "--naive" };
#define N_MODES 3
static const char *const pipelines[] = { "cat", "gzip -1", "upper", "sort -S 64K" };
#define N_PIPELINES 4

/* ---- helpers ---- */

/* The shim's path; fails the test if it is not there. */
static void need_shim(void)
{
	const char *shim = getenv("STREAMX_FAULT_SHIM");

	ck_assert_msg(shim && shim[0] && access(shim, R_OK) == 0,
		      "STREAMX_FAULT_SHIM must name build/tests/faults/shim.so "
		      "(make check sets it); it is '%s'", shim ? shim : "(unset)");
}

/* input.dat (size bytes of log lines, seed 3), a copy to compare it
 * with afterwards, and o/out holding "old". */
static void prepare(const char *size)
{
	ok(SX " gen --size %s --kind log --seed 3 > " IN " && cp " IN " input.keep", size);
	put_text("o/out", "old\n");
	ck_assert_int_eq(mkdir("t", 0777), 0);
}

/* The promises kept after a failed run with -f -o o/out. */
static void assert_untouched(void)
{
	ok("cmp " IN " input.keep");
	ok("echo old | cmp - o/out");
	ck_assert_msg(count_entries("o", NULL) == 1,
		      "`%s` left something beside o/out (a temporary?)", last_cmd);
	ck_assert_msg(count_entries("t", NULL) == 0,
		      "`%s` left a file in the temporary directory", last_cmd);
	ck_assert_msg(count_entries(".", ".streamx-") == 0,
		      "`%s` left a temporary in the test directory", last_cmd);
}

/* What the pipeline gives without faults, in want. */
static void want_output(const char *mode, const char *pl)
{
	ok(SX " %s -i " IN " '%s' > want", mode, pl);
}

/* Whether a tmpfs can be mounted here, in a namespace of our own. */
static int can_mount(void)
{
	static int known = -1;

	if (known < 0) {
		known = sh("unshare -rm sh -c 'mkdir -p mnt && "
			   "mount -t tmpfs -o size=64k tmpfs mnt' 2>/dev/null") == 0;
		if (!known)
			fprintf(stderr, "faults: cannot mount a tmpfs here (unshare -rm "
				"refused): the tmpfs variants do not run\n");
	}
	return known;
}

/* ---- disk full ---- */

/* A file size limit (ulimit -f, EFBIG) stops the output: one clear line,
 * exit 1, the temporary removed, the old output and the input kept.
 * Loop: mode x pipeline. */
START_TEST(test_fsize_limit)
{
	const char *mode = modes[_i % N_MODES];
	const char *pl = pipelines[_i / N_MODES];
	const char *line;

	prepare("2M");
	line = fails(1, "File too large",
		     "trap '' XFSZ; ulimit -f 100; TMPDIR=$PWD/t " SX
		     " %s -f -i " IN " -o o/out '%s'", mode, pl);
	/* sort may meet the limit in its own temporary first */
	if (!strstr(line, "temporary file")) {
		assert_contains(line, "o/out: write error at byte ");
		ck_assert_int_eq(message_byte(line), 100 * 1024);
	}
	assert_untouched();
}
END_TEST

/* A file system that is full for real (a 256 KiB tmpfs): the same
 * promises, and the space the temporary took is given back.
 * Loop: mode x pipeline. */
START_TEST(test_tmpfs_full)
{
	const char *mode = modes[_i % N_MODES];
	const char *pl = pipelines[_i / N_MODES];
	char script[1024];
	char *listing, *kept;

	if (!can_mount())
		return;
	prepare("2M");
	snprintf(script, sizeof(script),
		 "mount -t tmpfs -o size=256k tmpfs mnt || exit 99\n"
		 "echo old > mnt/out; df -k --output=used mnt | tail -1 > before\n"
		 "TMPDIR=$PWD/t \"$STREAMX\" %s -f -i " IN " -o mnt/out '%s'; rc=$?\n"
		 "df -k --output=used mnt | tail -1 > after\n"
		 "ls -A mnt > listing; cat mnt/out > kept\n"
		 "exit $rc\n", mode, pl);
	put_text("full.sh", script); /* can_mount() made mnt */
	fails(1, "mnt/out: write error at byte ", "unshare -rm bash full.sh");
	assert_contains(error_line(), "No space left on device");
	listing = slurp("listing", NULL);
	kept = slurp("kept", NULL);
	ck_assert_ptr_nonnull(listing);
	ck_assert_ptr_nonnull(kept);
	ck_assert_str_eq(listing, "out\n");
	ck_assert_str_eq(kept, "old\n");
	free(listing);
	free(kept);
	ok("cmp before after");
	ok("cmp " IN " input.keep");
	ck_assert_int_eq(count_entries("t", NULL), 0);
}
END_TEST

/* sort spilling runs into a temporary directory that fills up: one line
 * naming sort and the directory, no run file left there, old output kept.
 * Loop: mode x {a 128 KiB tmpfs, the shim failing the spill writes}. */
START_TEST(test_sort_tmpdir_full)
{
	const char *mode = modes[_i % N_MODES];
	int tmpfs = _i / N_MODES == 0;
	const char *line;

	prepare("2M");
	if (tmpfs) {
		char script[1024];

		if (!can_mount())
			return;
		snprintf(script, sizeof(script),
			 "mount -t tmpfs -o size=128k tmpfs t || exit 99\n"
			 "TMPDIR=$PWD/t \"$STREAMX\" %s -f -i " IN " -o o/out 'sort -S 64K'; rc=$?\n"
			 "ls -A t > listing; df -k --output=used t | tail -1 > used\n"
			 "exit $rc\n", mode);
		put_text("full.sh", script);
		line = fails(1, "sort (stage 1): cannot write a temporary file in ",
			     "unshare -rm bash full.sh");
		ok("test ! -s listing && test $(cat used) = 0");
	} else {
		need_shim();
		line = fails(1, "sort (stage 1): cannot write a temporary file in ",
			     SHIM "SXF_FD=tmp SXF_WRITE_FAIL=ENOSPC SXF_AFTER=300000 "
			     "TMPDIR=$PWD/t " SX " %s -f -i " IN " -o o/out 'sort -S 64K'",
			     mode);
	}
	assert_contains(line, "/t: No space left on device");
	assert_untouched();
}
END_TEST

/* ---- write faults ---- */

/* EIO and ENOSPC from write (or copy_file_range, splice, sendfile) 100000
 * bytes in: one line with the file, the byte and the reason, exit 1.
 * Loop: errno x mode x pipeline; -o FILE, then standard output. */
START_TEST(test_write_error)
{
	static const char *const errs[] = { "EIO", "ENOSPC" };
	static const char *const texts[] = { "Input/output error", "No space left on device" };
	const char *err = errs[_i % 2];
	const char *mode = modes[(_i / 2) % N_MODES];
	const char *pl = pipelines[_i / 2 / N_MODES];
	const char *line;

	need_shim();
	prepare("2M");
	line = fails(1, texts[_i % 2], SHIM "SXF_WRITE_FAIL=%s SXF_AFTER=100000 TMPDIR=$PWD/t "
		     SX " %s -f -i " IN " -o o/out '%s'", err, mode, pl);
	assert_contains(line, "o/out");
	ck_assert_int_eq(message_byte(line), 100000);
	assert_untouched();
	line = fails(1, texts[_i % 2], SHIM "SXF_WRITE_FAIL=%s SXF_AFTER=100000 TMPDIR=$PWD/t "
		     SX " %s -i " IN " '%s' > got", err, mode, pl);
	assert_contains(line, "standard output");
	ck_assert_int_eq(message_byte(line), 100000);
	ck_assert_int_eq(file_size("got"), 100000);
}
END_TEST

/* Short writes and EINTR are no errors: the output is the same bytes
 * as without them, to a file, through -o and into a pipe (reads from
 * standard input interrupted too). Loop: fault x mode x pipeline. */
START_TEST(test_short_and_eintr)
{
	const char *fault = _i % 2 ? "SXF_EINTR=1" : "SXF_SHORT=1";
	const char *mode = modes[(_i / 2) % N_MODES];
	const char *pl = pipelines[_i / 2 / N_MODES];

	need_shim();
	prepare("1M");
	want_output(mode, pl);
	ok(SHIM "%s " SX " %s -f -i " IN " -o o/out '%s'", fault, mode, pl);
	ok("cmp o/out want");
	ok(SHIM "%s " SX " %s '%s' < " IN " > got", fault, mode, pl);
	ok("cmp got want");
	ok("cat " IN " | " SHIM "%s " SX " %s '%s' | cat > piped", fault, mode, pl);
	ok("cmp piped want");
	ck_assert_int_eq(file_size(err_path), 0);
}
END_TEST

/* tee's FILE failing to be written (ENOSPC) is the run's failure: one
 * line naming tee, FILE and the byte; the old FILE and the old output
 * kept, no temporary of either, whether tee's temporary has a name
 * (no O_TMPFILE) or not. Loop: mode x O_TMPFILE refused or not. */
START_TEST(test_tee_write_error)
{
	const char *mode = modes[_i % N_MODES];

	need_shim();
	prepare("1M");
	put_text("o/copy", "oldcopy\n");
	fails(1, "streamx: tee (stage 1): o/copy: write error at byte 100000: "
	      "No space left on device",
	      SHIM "SXF_NO_TMPFILE=%d SXF_WRITE_FAIL=ENOSPC SXF_FD=path:copy SXF_AFTER=100000 "
	      SX " %s -f -i " IN " -o o/out 'tee o/copy | gzip -1'", _i / N_MODES, mode);
	ok("echo oldcopy | cmp - o/copy && rm o/copy");
	assert_untouched();
}
END_TEST

/* ---- read faults and odd inputs ---- */

/* EIO reading the input 200000 bytes in: one line naming the input and
 * the byte, exit 1, old output kept. Loop: mode x pipeline; -i FILE,
 * then standard input. */
START_TEST(test_read_error)
{
	const char *mode = modes[_i % N_MODES];
	const char *pl = pipelines[_i / N_MODES];
	const char *line;

	need_shim();
	prepare("1M");
	line = fails(1, "Input/output error",
		     SHIM "SXF_READ_FAIL=EIO SXF_AFTER=200000 SXF_FD=path:" IN
		     " TMPDIR=$PWD/t " SX " %s -f -i " IN " -o o/out '%s'", mode, pl);
	assert_contains(line, "streamx: " IN ": ");
	ck_assert_int_eq(message_byte(line), 200000);
	assert_untouched();
	line = fails(1, "Input/output error",
		     SHIM "SXF_READ_FAIL=EIO SXF_AFTER=200000 SXF_FD=0 TMPDIR=$PWD/t "
		     SX " %s -f -o o/out '%s' < " IN, mode, pl);
	assert_contains(line, "streamx: standard input: ");
	ck_assert_int_eq(message_byte(line), 200000);
	assert_untouched();
}
END_TEST

/* An input cut short by another process while streamx reads it ends the
 * run at the new end of file, as for cat: exit 0, no message, the output
 * that of the bytes read. One removed meanwhile is read to its end.
 * Loop: mode x pipeline. cat in stream mode splices the file's pages into
 * the pipe by reference: those past the new end that the reader had not
 * taken yet read as zeros, so there only the bytes kept are compared. */
#define FIRST_BYTE "dd bs=1 count=1 of=got status=none; sleep 0.2; "

START_TEST(test_input_shrinks)
{
	static const char *const pls[] = { "cat", "upper", "gzip -1 | gunzip" };
	const char *mode = modes[_i % N_MODES];
	const char *pl = pls[_i / N_MODES];
	long long got;

	ok(SX " gen --size 16M --kind log --seed 5 > v && cp v keep");
	ok("cp keep " IN " && " SX " %s -i " IN " '%s' > want", mode, pl);
	/* the output pipe fills and holds streamx mid-file while v shrinks;
	 * its first byte says that v is open */
	ok(SX " %s -b 4K -i v '%s' | { " FIRST_BYTE "truncate -s 100000 v; cat >> got; }",
	   mode, pl);
	ck_assert_int_eq(file_size(err_path), 0);
	got = file_size("got");
	ck_assert_int_ge(got, 100000);
	if (!strstr(mode, "naive")) {
		/* the cut was seen: stream mode had not read it all */
		ck_assert_int_lt(got, file_size("want"));
		if (strcmp(pl, "cat") == 0)
			got = 100000;
	}
	ok("cmp -n %lld got want", got);
	ok("cp keep v && " SX " %s -b 4K -i v '%s' | { " FIRST_BYTE "rm v; cat >> got; }",
	   mode, pl);
	ok("cmp got want");
}
END_TEST

/* A directory as input is one clear line and exit 1, in every mode,
 * named or on standard input; nothing is written. */
START_TEST(test_directory_input)
{
	const char *mode = modes[_i];

	ck_assert_int_eq(mkdir("d", 0777), 0);
	fails(1, "streamx: d: is a directory", SX " %s -i d -o o/out gzip", mode);
	fails(1, "streamx: standard input: is a directory", SX " %s -o o/out upper < d",
	      mode);
	fails(1, "streamx: standard input: is a directory", SX " %s cat < d", mode);
	ck_assert_int_eq(count_entries("o", NULL), 0);
}
END_TEST

/* A FIFO as input, named with -i or on standard input, is read to its
 * end. Loop: mode x pipeline. */
START_TEST(test_fifo_input)
{
	const char *mode = modes[_i % N_MODES];
	const char *pl = pipelines[_i / N_MODES];

	prepare("1M");
	want_output(mode, pl);
	ok("mkfifo f && { cat " IN " > f & } && " SX " %s -i f -o o/new '%s' && wait",
	   mode, pl);
	ok("cmp o/new want");
	ok("{ cat " IN " > f & } && " SX " %s '%s' < f > got && wait", mode, pl);
	ok("cmp got want");
}
END_TEST

/* /dev/zero has no end: head -c stops stream mode with exactly N bytes
 * (compressed or not, -o or not); naive mode, which must hold all of
 * it, stops at its --mem-limit with one line. */
START_TEST(test_dev_zero)
{
	static const char *const streams[] = { "-T 1", "-T 2", "-T 2 -b 1K" };

	for (int m = 0; m < 3; m++) {
		ok(SX " %s -i /dev/zero 'head -c 3000000' > got", streams[m]);
		ok("head -c 3000000 /dev/zero | cmp - got");
		ok(SX " %s 'upper | head -c 3000000 | gzip -1' < /dev/zero | gzip -dc > got",
		   streams[m]);
		ok("head -c 3000000 /dev/zero | cmp - got");
		ok(SX " %s -f -i /dev/zero -o o/out 'head -c 5000'", streams[m]);
		ok("head -c 5000 /dev/zero | cmp - o/out");
	}
	fails(1, "memory limit of 16777216 bytes reached",
	      SX " --naive --mem-limit 16M -i /dev/zero -o o/new 'head -c 100'");
	fails(1, "memory limit of 16777216 bytes reached",
	      SX " --naive --mem-limit 16M 'head -c 100' < /dev/zero");
	ck_assert_int_eq(count_entries("o", NULL), 1);
}
END_TEST

/* ---- pipes and signals ---- */

/* A reader that goes away ends streamx by SIGPIPE in silence with the
 * bytes it took right, whatever the threads (check_cli does the default
 * thread count), with sort and with tee's named temporary, which must
 * go. Loop: {-T 1, -T 2, naive} x pipeline. */
START_TEST(test_closed_pipe)
{
	static const char *const pls[] = { "sort", "'upper | gzip -1 | gunzip'",
					   "'tee copy | upper'" };
	const char *mode = modes[_i % N_MODES];
	const char *pl = pls[_i / N_MODES];
	int tee = strstr(pl, "tee") != NULL;
	int rc;

	need_shim();
	ok(SX " gen --size 8M --kind log --seed 3 > big");
	ok(SX " %s -i big %s > full && head -c 100 full > want && rm -f copy", mode, pl);
	rc = sh(SHIM "SXF_NO_TMPFILE=%d " SX " %s -i big %s | head -c 100 > got; "
		"exit ${PIPESTATUS[0]}", tee, mode, pl);
	ck_assert_msg(rc == 128 + SIGPIPE, "`%s`: exited %d, not 141; stderr: %s",
		      last_cmd, rc, stderr_text());
	ck_assert_msg(file_size(err_path) == 0, "`%s` printed: %s", last_cmd,
		      stderr_text());
	ok("cmp got want");
	ck_assert_int_eq(count_entries(".", ".streamx-"), 0);
	/* naive mode has copied the whole input before it writes a byte */
	if (tee && strstr(mode, "naive"))
		ok("cmp copy big");
	else
		ck_assert(!exists("copy"));
}
END_TEST

/* Starts streamx with argv (argv[0] included), extra environment env
 * ("NAME=VALUE" strings, NULL-terminated), standard input a pipe whose
 * write end goes to *wfd, standard output /dev/null. */
static pid_t spawn(char *const argv[], char *const env[], int *wfd)
{
	const char *bin = streamx_bin();
	int fds[2];
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		close(fds[1]);
		for (int i = 0; env[i]; i++)
			putenv(env[i]);
		child_stdio(fds[0], "/dev/null");
		close(fds[0]);
		execv(bin, argv);
		_exit(127);
	}
	close(fds[0]);
	*wfd = fds[1];
	snprintf(last_cmd, sizeof(last_cmd), "streamx %s %s ... (signalled)", argv[1],
		 argv[2]);
	return pid;
}

/* SIGINT or SIGTERM while streamx works through 2 MiB and waits for
 * more: dead by that signal, no output, no temporary (-o's, tee's named
 * one, sort's runs). Loop: signal x {gzip in 2 threads, sort spilling,
 * naive, tee with named temporaries}. */
START_TEST(test_signal_mid_run)
{
	static const int sigs[] = { SIGINT, SIGTERM };
	static char *const runs[][9] = {
		{ "streamx", "-T", "2", "-o", "o/out", "gzip -1 | gunzip | upper", NULL },
		{ "streamx", "-T", "1", "-o", "o/out", "sort -S 64K", NULL },
		{ "streamx", "--naive", "-o", "o/out", "upper | gzip", NULL },
		{ "streamx", "-T", "2", "-o", "o/out", "tee o/copy | gzip", NULL },
	};
	int sig = sigs[_i % 2];
	char tmpdir[SH_PATH_MAX + 16], *env[] = { tmpdir, NULL, NULL, NULL };
	char preload[SH_PATH_MAX * 2 + 16], cwd[SH_PATH_MAX];
	char *const *argv = runs[_i / 2];
	size_t len;
	char *data;
	int wfd, wstatus;
	pid_t pid;

	need_shim();
	prepare("2M");
	ck_assert_int_eq(unlink("o/out"), 0);
	snprintf(tmpdir, sizeof(tmpdir), "TMPDIR=%s/t", getcwd(cwd, sizeof(cwd)));
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", getenv("STREAMX_FAULT_SHIM"));
	env[1] = preload;
	env[2] = "SXF_NO_TMPFILE=1";
	setenv("ASAN_OPTIONS", "verify_asan_link_order=0", 0);
	data = slurp(IN, &len);
	ck_assert_ptr_nonnull(data);
	pid = spawn(argv, env, &wfd);
	write_all(wfd, data, len);
	free(data);
	for (int i = 0; i < 500 && count_entries("o", ".streamx-") == 0; i++)
		sleep_ms(10);
	ck_assert_int_ge(count_entries("o", ".streamx-"), 1);
	sleep_ms(200);
	ck_assert_int_eq(kill(pid, sig), 0);
	wstatus = wait_for(pid);
	close(wfd);
	ck_assert_msg(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == sig,
		      "`%s`: status %d, not death by signal %d; stderr: %s",
		      last_cmd, status_of(wstatus), sig, stderr_text());
	ck_assert_msg(count_entries("o", NULL) == 0, "`%s` left %d files in o/",
		      last_cmd, count_entries("o", NULL));
	ck_assert_int_eq(count_entries("t", NULL), 0);
	ok("cmp " IN " input.keep");
}
END_TEST

/* A signal in the instant between making sort's named run file and
 * unlinking it still leaves nothing in TMPDIR. Loop: mode. */
START_TEST(test_signal_at_spill)
{
	need_shim();
	prepare("1M");
	ck_assert_int_eq(unlink("o/out"), 0);
	ck_assert_int_eq(sh(SHIM "SXF_NO_TMPFILE=1 SXF_SIGNAL_AT_UNLINK=streamx-spill. "
			    "TMPDIR=$PWD/t " SX " %s -i " IN " -o o/out 'sort -S 64K'",
			    modes[_i]), 128 + SIGTERM);
	ck_assert_msg(count_entries("t", NULL) == 0, "`%s` left a run file in TMPDIR",
		      last_cmd);
	ck_assert_int_eq(count_entries("o", NULL), 0);
}
END_TEST

/* `streamx batch --naive` with sort spilling, stopped by SIGINT or
 * SIGTERM: no temporary in the output or temporary directory, every
 * output there complete. (check_batch does stream mode and gzip.) */
START_TEST(test_batch_signal)
{
	static const int sigs[] = { SIGINT, SIGTERM };
	char *argv[] = { "streamx", "batch", "--naive", "-j", "2", "-O", "out", "-S", ".s",
			 "--files-from", "list", "sort -S 256K | gzip -6 | gunzip", NULL };
	char tmpdir[SH_PATH_MAX + 16], cwd[SH_PATH_MAX];
	char *env[] = { tmpdir, NULL };
	int wfd, wstatus, done;
	pid_t pid;

	ck_assert_int_eq(mkdir("t", 0777), 0);
	snprintf(tmpdir, sizeof(tmpdir), "TMPDIR=%s/t", getcwd(cwd, sizeof(cwd)));
	ok("mkdir in && for i in $(seq 1 24); do " SX " gen --size 2M --kind log --seed $i "
	   "> in/f$i || exit 1; done && ls in/* > list");
	pid = spawn(argv, env, &wfd);
	close(wfd);
	for (int i = 0; i < 1000 && (!exists("out") || count_entries("out", ".s") -
				      count_entries("out", ".streamx-") < 2); i++)
		sleep_ms(10);
	ck_assert_int_eq(kill(pid, sigs[_i]), 0);
	wstatus = wait_for(pid);
	ck_assert_msg(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == sigs[_i],
		      "batch: status %d, not death by signal %d; stderr: %s",
		      status_of(wstatus), sigs[_i], stderr_text());
	ck_assert_int_eq(count_entries("out", ".streamx-"), 0);
	ck_assert_int_eq(count_entries("in", ".streamx-"), 0);
	ck_assert_msg(count_entries("t", NULL) == 0, "batch left in TMPDIR: %s",
		      (sh("ls -la t > listing"), captured("listing")));
	done = count_entries("out", NULL);
	ck_assert_int_ge(done, 2);
	ck_assert_int_lt(done, 24);
	ok("for f in out/*.s; do b=${f#out/}; LC_ALL=C sort in/${b%%.s} | cmp - $f || exit 1; done");
}
END_TEST

/* ---- memory limit ---- */

/* --mem-limit below what naive mode needs, the input on a pipe (size
 * unknown): refused while reading, one line, exit 1, no OOM kill, no
 * temporary, the old output kept. (check_memory does a known size and
 * cat to standard output.) Loop: pipeline. */
START_TEST(test_mem_limit_pipe)
{
	const char *pl = pipelines[_i];

	prepare("4M");
	fails(1, "memory limit of 1048576 bytes reached",
	      "cat " IN " | TMPDIR=$PWD/t " SX " --naive --mem-limit 1M -f -o o/out '%s'", pl);
	assert_untouched();
	ok("mkfifo f && { cat " IN " > f & }");
	fails(1, "memory limit of 1048576 bytes reached",
	      SX " --naive --mem-limit 1M -f -i f -o o/out '%s'; rc=$?; wait; exit $rc", pl);
	assert_untouched();
}
END_TEST

/* ---- paths ---- */

/* The output never replaces the input, however it is reached: a symbolic
 * link to it, a hard link, a path through a linked directory, with -f,
 * in every mode. */
START_TEST(test_output_reaches_input)
{
	const char *mode = modes[_i];

	prepare("100K");
	ok("ln -s " IN " soft && ln " IN " hard && ln -s . here");
	fails(1, "soft: input and output are the same file",
	      SX " %s -f -i " IN " -o soft upper", mode);
	fails(1, "hard: input and output are the same file",
	      SX " %s -f -i " IN " -o hard upper", mode);
	fails(1, "here/" IN ": input and output are the same file",
	      SX " %s -f -i " IN " -o here/" IN " upper", mode);
	fails(1, "input and output are the same file", SX " %s -f -i soft -o hard upper",
	      mode);
	ok("cmp " IN " input.keep && test -L soft");
	ck_assert_int_eq(count_entries(".", ".streamx-"), 0);
}
END_TEST

/* In batch, links in the output directory and names made of dots cannot
 * make streamx write outside it: a link to a file outside is replaced
 * (with -f) or refused, never followed; a dangling one is not created
 * through; "..gz" stripped to "." or ".." is refused. */
START_TEST(test_batch_links)
{
	ok("mkdir in o2 && " SX " gen --size 50K --seed 1 > in/a && "
	   SX " gen --size 50K --seed 2 > in/b && echo victim > victim && cp victim victim.keep");
	ok("ln -s ../victim o2/a.u && ln -s ../created o2/b.u");
	ck_assert_int_eq(sh(SX " batch -O o2 -S .u upper in/a in/b"), 1);
	assert_contains(stderr_text(), "o2/a.u: already exists");
	assert_contains(stderr_text(), "o2/b.u: already exists");
	ok("cmp victim victim.keep && test ! -e created && test -L o2/a.u && test -L o2/b.u");
	ok(SX " batch -f -O o2 -S .u upper in/a in/b");
	ok("cmp victim victim.keep && test ! -e created");
	ok("test ! -L o2/a.u && LC_ALL=C tr a-z A-Z < in/a | cmp - o2/a.u");
	ok("test ! -L o2/b.u && LC_ALL=C tr a-z A-Z < in/b | cmp - o2/b.u");
	/* a link to the batch's own input, beside it */
	ok("ln -s a in/a.u");
	ck_assert_int_eq(sh(SX " batch -f -S .u upper in/a"), 1);
	ok(SX " gen --size 50K --seed 1 | cmp - in/a");
	/* names that strip to "." and ".." */
	ok("gzip -c in/a > in/..gz && gzip -c in/a > in/...gz && mkdir o3");
	ck_assert_int_eq(sh(SX " batch -O o3 --strip-suffix .gz gunzip in/..gz in/...gz"), 1);
	ck_assert_int_eq(sh(SX " batch -f -O o3 --strip-suffix .gz gunzip in/..gz in/...gz"), 1);
	ck_assert_int_eq(count_entries("o3", NULL), 0);
	ck_assert_int_eq(count_entries(".", ".streamx-"), 0);
	ck_assert_int_eq(count_entries("in", ".streamx-"), 0);
	ck_assert_int_eq(count_entries("in", NULL), 5);
}
END_TEST

/* ---- the suite ---- */

Suite *faults_suite(void)
{
	Suite *s = suite_create("faults");
	TCase *tc;

	tc = sh_tcase(s, "disk_full");
	tcase_add_loop_test(tc, test_fsize_limit, 0, N_MODES * N_PIPELINES);
	tcase_add_loop_test(tc, test_tmpfs_full, 0, N_MODES * N_PIPELINES);
	tcase_add_loop_test(tc, test_sort_tmpdir_full, 0, N_MODES * 2);

	tc = sh_tcase(s, "write_faults");
	tcase_add_loop_test(tc, test_write_error, 0, 2 * N_MODES * N_PIPELINES);
	tcase_add_loop_test(tc, test_short_and_eintr, 0, 2 * N_MODES * N_PIPELINES);
	tcase_add_loop_test(tc, test_tee_write_error, 0, 2 * N_MODES);

	tc = sh_tcase(s, "inputs");
	tcase_add_loop_test(tc, test_read_error, 0, N_MODES * N_PIPELINES);
	tcase_add_loop_test(tc, test_input_shrinks, 0, N_MODES * 3);
	tcase_add_loop_test(tc, test_directory_input, 0, N_MODES);
	tcase_add_loop_test(tc, test_fifo_input, 0, N_MODES * N_PIPELINES);
	tcase_add_test(tc, test_dev_zero);

	tc = sh_tcase(s, "signals");
	tcase_add_loop_test(tc, test_closed_pipe, 0, N_MODES * 3);
	tcase_add_loop_test(tc, test_signal_mid_run, 0, 2 * 4);
	tcase_add_loop_test(tc, test_signal_at_spill, 0, N_MODES);
	tcase_add_loop_test(tc, test_batch_signal, 0, 2);

	tc = sh_tcase(s, "limits_paths");
	tcase_add_loop_test(tc, test_mem_limit_pipe, 0, N_PIPELINES);
	tcase_add_loop_test(tc, test_output_reaches_input, 0, N_MODES);
	tcase_add_test(tc, test_batch_links);
	return s;
}
