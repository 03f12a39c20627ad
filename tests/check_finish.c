/* check_finish.c - streamx under parallel and Hadoop, its defaults, completion, install, man page. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suites.h"
#include "test_sh.h"

/*
 * Commands run as test_sh.h says: each test in its own directory, "$STREAMX"
 * (SX) for the binary. The source tree (Makefile, docs/, contrib/) is the
 * first directory above the binary that holds them: the binary's own
 * directory under `make check`, two up under `make sanitize`. Tests put
 * it in $SXSRC for their commands.
 *
 * The tools these tests need (GNU parallel, bash-completion, groff, man)
 * are required, not optional: a missing one fails its test with the
 * Debian package to install.
 */

static const char *const modes[] = { "--stream", "--naive" };

/* ---- helpers ---- */

/* Fails unless the shell finds cmd (a test of `command -v` by default). */
static void require(const char *test, const char *package)
{
	ck_assert_msg(sh("%s >/dev/null 2>&1", test) == 0,
		      "`%s` failed: install the Debian package '%s' "
		      "(scripts/deps.sh tools)", test, package);
}

/* The source tree, also exported as $SXSRC. */
static const char *src_dir(void)
{
	static char dir[PATH_MAX];
	char probe[PATH_MAX + 64];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", streamx_bin());
	while ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		snprintf(probe, sizeof(probe), "%s/contrib/streamx.bash-completion",
			 dir[0] ? dir : "");
		if (access(probe, R_OK) != 0)
			continue;
		snprintf(probe, sizeof(probe), "%s/Makefile", dir[0] ? dir : "");
		if (access(probe, R_OK) == 0) {
			if (!dir[0])
				snprintf(dir, sizeof(dir), "/");
			ck_assert_int_eq(setenv("SXSRC", dir, 1), 0);
			return dir;
		}
	}
	ck_abort_msg("no source tree (Makefile, contrib/streamx.bash-completion) "
		     "above STREAMX=%s", streamx_bin());
	return NULL;
}

static void gen(const char *path, const char *kind, const char *size,
		unsigned seed)
{
	ok(SX " gen --size %s --kind %s --seed %u > %s", size, kind, seed, path);
}

/* The value of counter name in Hadoop's reporter lines, or -1. */
static long long counter(const char *text, const char *name)
{
	char key[96];
	const char *p;

	snprintf(key, sizeof(key), "reporter:counter:streamx,%s,", name);
	for (p = text; (p = strstr(p, key)) != NULL; p++)
		if (p == text || p[-1] == '\n')
			return strtoll(p + strlen(key), NULL, 10);
	return -1;
}

/* Checks that text is error lines ("streamx: ...") followed by exactly
 * the counter lines, in order, each "reporter:counter:streamx,NAME,N"
 * with N a decimal number, as Hadoop Streaming parses them. Returns the
 * number of error lines. */
static int assert_counter_lines(const char *text)
{
	static const char *const names[] = {
		"runs", "failed_runs", "bytes_in", "bytes_out", "milliseconds",
		"rss_peak_kib",
	};
	const char *p = text;
	int errors = 0;

	while (strncmp(p, "streamx: ", 9) == 0) {
		p = strchr(p, '\n');
		ck_assert_msg(p != NULL, "unterminated line in: %s", text);
		p++;
		errors++;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char want[96];
		size_t n = (size_t)snprintf(want, sizeof(want),
					    "reporter:counter:streamx,%s,", names[i]);
		const char *d;

		ck_assert_msg(strncmp(p, want, n) == 0,
			      "`%s`: expected a line \"%s<N>\" at: %s", last_cmd, want, p);
		d = p + n;
		ck_assert_msg(*d >= '0' && *d <= '9', "`%s`: no number in: %s", last_cmd, p);
		while (*d >= '0' && *d <= '9')
			d++;
		ck_assert_msg(*d == '\n', "`%s`: counter line does not end after its "
			      "number: %s", last_cmd, p);
		p = d + 1;
	}
	ck_assert_msg(*p == '\0', "`%s`: more on stderr after the counters: %s",
		      last_cmd, p);
	return errors;
}

/* The text of docs/streamx.1 as a reader searches it: "\-" as "-", no
 * font escapes. Freed by the caller. */
static char *man_source(void)
{
	char path[PATH_MAX + 32];
	char *text, *r, *w;

	snprintf(path, sizeof(path), "%s/docs/streamx.1", src_dir());
	text = slurp(path, NULL);
	ck_assert_msg(text != NULL, "cannot read %s", path);
	for (r = w = text; *r; ) {
		if (r[0] == '\\' && r[1] == '-') {
			*w++ = '-';
			r += 2;
		} else if (r[0] == '\\' && r[1] == 'f' && r[2]) {
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return text;
}

static int is_opt_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-';
}

/* Whether text holds the long option opt as a word of its own. */
static int has_long_option(const char *text, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = text; (p = strstr(p, opt)) != NULL; p++)
		if ((p == text || !is_opt_char(p[-1])) && !is_opt_char(p[n]))
			return 1;
	return 0;
}

/* Appends the option at p (up to the first character that cannot be in
 * one) to opts. Returns its end. */
static const char *take_option(const char *p, char *opts, size_t size)
{
	const char *end = p + 1;
	size_t used = strlen(opts);
	int n;

	while (is_opt_char(*end))
		end++;
	n = snprintf(opts + used, size - used, "%s%.*s", used ? " " : "",
		     (int)(end - p), p);
	ck_assert_msg(n > 0 && (size_t)n < size - used, "too many options");
	return end;
}

/* The options a --help text lists, into opts, separated by blanks: the
 * bracketed ones of its Usage line ("[--json]"), and in its block of
 * option lines (between the first and the second blank line, after the
 * description) each short option that starts a line and each long one. */
static void help_options(const char *help, char *opts, size_t size)
{
	const char *p = help, *eol = strchr(help, '\n'), *block, *stop;

	opts[0] = '\0';
	ck_assert_msg(strncmp(help, "Usage:", 6) == 0 && eol, "not a help text: %s", help);
	for (; p < eol; p++)
		if (p[0] == '[' && p[1] == '-')
			p = take_option(p + 1, opts, size) - 1;
	block = strstr(help, "\n\n");
	if (!block)
		return;
	block += 2;
	stop = strstr(block, "\n\n");
	if (!stop)
		stop = block + strlen(block);
	for (p = block; p < stop; p++) {
		const char *bol = p;

		while (bol > block && bol[-1] != '\n')
			bol--;
		if (p[0] != '-' || (p > block && is_opt_char(p[-1])))
			continue;
		if ((p[1] == '-' && p[2] >= 'a' && p[2] <= 'z') ||
		    (p[1] != '-' && is_opt_char(p[1]) && !is_opt_char(p[2]) &&
		     strspn(bol, " ") == (size_t)(p - bol)))
			p = take_option(p, opts, size) - 1;
	}
}

/* ---- GNU parallel ---- */

/* The batch job of streamx batch, done by GNU parallel instead: every
 * output decompresses to its input, and nothing else is left. */
START_TEST(test_parallel_files)
{
	static const char *const kinds[] = { "text", "log", "binary", "log", "text" };
	static const char *const sizes[] = { "0", "1", "100K", "1M", "333333" };

	require("parallel --version | grep -q 'GNU parallel'", "parallel");
	ok("mkdir in");
	for (int i = 0; i < 5; i++) {
		char name[32];

		snprintf(name, sizeof(name), "in/f%d.log", i);
		gen(name, kinds[i], sizes[i], (unsigned)i + 1);
	}
	ok("cd in && ls *.log | parallel -j 2 \"$STREAMX\" -i {} -o {}.gz gzip");
	for (int i = 0; i < 5; i++)
		ok("gzip -dc in/f%d.log.gz | cmp - in/f%d.log", i, i);
	ck_assert_int_eq(count_entries("in", NULL), 10);
	ck_assert_int_eq(count_entries("in", ".streamx-"), 0);
	/* a pipeline of two words: -q keeps it one argument */
	ok("cd in && ls *.log | parallel -q -j 2 \"$STREAMX\" -i {} -o {}.9 'gzip -9'");
	for (int i = 0; i < 5; i++)
		ok("gzip -dc in/f%d.log.9 | cmp - in/f%d.log", i, i);
	/* a failed run fails parallel, and leaves no output */
	ok("cp in/f3.log in/bad.gz");
	ck_assert_int_ne(sh("echo in/bad.gz | parallel \"$STREAMX\" -i {} -o {.} gunzip"), 0);
	ck_assert_msg(!exists("in/bad"), "a failed run left in/bad");
	ck_assert_int_eq(count_entries("in", ".streamx-"), 0);
}
END_TEST

/* One stream cut into blocks, each compressed by its own run: the
 * members, in order (-k), are one valid gzip file. */
START_TEST(test_parallel_pipe)
{
	require("parallel --version | grep -q 'GNU parallel'", "parallel");
	gen("big", "log", "5M", 3);
	ok("parallel --pipe --block 1M -k \"$STREAMX\" gzip < big > big.gz");
	ok("gzip -t big.gz");
	ok("gzip -dc big.gz | cmp - big");
	ok(SX " gunzip < big.gz | cmp - big");
	/* it really was cut: one run makes one member, and other bytes */
	ok(SX " gzip < big > one.gz");
	ck_assert_int_eq(sh("cmp -s big.gz one.gz"), 1);
	/* --pipepart reads the file itself; --block -2: two blocks per slot */
	ok("parallel --pipepart -a big --block -2 -j 2 -k \"$STREAMX\" gzip > part.gz");
	ok("gzip -t part.gz && gzip -dc part.gz | cmp - big");
	/* binary data, cut at exact block sizes */
	gen("bin", "binary", "3M", 4);
	ok("parallel --pipe --recend '' --block 512K -k -q \"$STREAMX\" 'gzip -1' "
	   "< bin > bin.gz");
	ok("gzip -dc bin.gz | cmp - bin");
	/* gzip input cannot be cut: the jobs fail, and so does parallel */
	ck_assert_int_ne(sh("parallel --pipe --recend '' --block 100K -k \"$STREAMX\" "
			    "gunzip < big.gz > back 2> errs"), 0);
}
END_TEST

/* ---- --hadoop-counters ---- */

START_TEST(test_hadoop_counters_ok)
{
	const char *mode = modes[_i];
	char *err;

	gen("in", "log", "300K", 5);
	ok(SX " %s --hadoop-counters -i in -o o/out.gz gzip", mode);
	err = slurp(err_path, NULL);
	ck_assert_int_eq(assert_counter_lines(err), 0);
	ck_assert_int_eq(counter(err, "runs"), 1);
	ck_assert_int_eq(counter(err, "failed_runs"), 0);
	ck_assert_int_eq(counter(err, "bytes_in"), file_size("in"));
	ck_assert_int_eq(counter(err, "bytes_out"), file_size("o/out.gz"));
	ck_assert_int_ge(counter(err, "milliseconds"), 0);
	ck_assert_int_gt(counter(err, "rss_peak_kib"), 0);
	free(err);
	ok("gzip -dc o/out.gz | cmp - in");

	/* as Hadoop runs a mapper: standard input to standard output */
	ok(SX " %s --hadoop-counters upper < in > up", mode);
	err = slurp(err_path, NULL);
	ck_assert_int_eq(assert_counter_lines(err), 0);
	ck_assert_int_eq(counter(err, "bytes_in"), file_size("in"));
	ck_assert_int_eq(counter(err, "bytes_out"), file_size("in"));
	free(err);
	ok("LC_ALL=C tr a-z A-Z < in | cmp - up");

	/* after --stats, which comes first */
	ok(SX " %s --stats=json --hadoop-counters -i in -o /dev/null cat", mode);
	err = slurp(err_path, NULL);
	ck_assert_msg(strncmp(err, "{\"mode\":", 8) == 0, "stats first: %s", err);
	ck_assert_int_eq(assert_counter_lines(strchr(err, '\n') + 1), 0);
	free(err);
}
END_TEST

START_TEST(test_hadoop_counters_failed)
{
	const char *mode = modes[_i];
	size_t len;
	char *gz, *err;

	gen("in", "text", "200K", 6);
	ok("gzip -c in > in.gz");
	gz = slurp("in.gz", &len);
	ck_assert_ptr_nonnull(gz);
	put_file("half.gz", gz, len / 2);
	free(gz);
	ck_assert_int_eq(sh(SX " %s --hadoop-counters gunzip < half.gz > out", mode), 1);
	err = slurp(err_path, NULL);
	ck_assert_int_eq(assert_counter_lines(err), 1);
	assert_contains(err, "streamx: gunzip (stage 1): ");
	ck_assert_int_eq(counter(err, "runs"), 1);
	ck_assert_int_eq(counter(err, "failed_runs"), 1);
	ck_assert_int_gt(counter(err, "bytes_in"), 0);
	ck_assert_int_le(counter(err, "bytes_in"), (long long)len / 2);
	free(err);

	/* not gzip at all, into a file that must not appear */
	ck_assert_int_eq(sh(SX " %s --hadoop-counters -i in -o o/x gunzip", mode), 1);
	err = slurp(err_path, NULL);
	ck_assert_int_eq(assert_counter_lines(err), 1);
	ck_assert_int_eq(counter(err, "failed_runs"), 1);
	free(err);
	ck_assert_int_eq(count_entries("o", NULL), 0);

	/* a run that cannot start writes no counters: one error line only */
	fails(2, "unknown stage", SX " %s --hadoop-counters nosuchstage < in", mode);
	fails(1, "cannot open", SX " %s --hadoop-counters -i missing cat", mode);
}
END_TEST

/* ---- STREAMX_OPTIONS ---- */

START_TEST(test_env_options_apply)
{
	gen("in", "log", "100K", 7);
	ok("STREAMX_OPTIONS=--stats=json " SX " -i in upper > out");
	assert_contains(stderr_text(), "{\"mode\":\"stream\"");
	ok("LC_ALL=C tr a-z A-Z < in | cmp - out");

	ok("STREAMX_OPTIONS=--naive " SX " --stats=json -i in upper > out");
	assert_contains(stderr_text(), "{\"mode\":\"naive\"");
	ok("LC_ALL=C tr a-z A-Z < in | cmp - out");

	/* several words, quoted as in a pipeline */
	ok("STREAMX_OPTIONS=\"--stats=json  -b '4K'\" " SX " -i in cat > out");
	assert_contains(stderr_text(), "\"buffer_size\":4096,");
	ok("cmp in out");
	/* blank: nothing */
	ok("STREAMX_OPTIONS=' ' " SX " -i in cat | cmp - in");
	ck_assert_int_eq(file_size(err_path), 0);
}
END_TEST

/* The command line comes after STREAMX_OPTIONS, so it wins where the
 * last option counts. */
START_TEST(test_env_options_order)
{
	gen("in", "log", "100K", 8);
	ok("STREAMX_OPTIONS=--naive " SX " --stream --stats=json -i in gzip > out.gz");
	assert_contains(stderr_text(), "{\"mode\":\"stream\"");
	ok("STREAMX_OPTIONS=--stream " SX " --naive --stats=json -i in gzip > out.gz");
	assert_contains(stderr_text(), "{\"mode\":\"naive\"");
	ok("STREAMX_OPTIONS='--stats=json -b 4K' " SX " -b 8K -i in cat > out");
	assert_contains(stderr_text(), "\"buffer_size\":8192,");
	ok("STREAMX_OPTIONS=--stats=json " SX " --stats=text -i in cat > out");
	assert_contains(stderr_text(), "streamx: mode        stream");
	/* not for the commands */
	ok("STREAMX_OPTIONS=--bogus " SX " gen --size 1K > g");
	ck_assert_int_eq(file_size("g"), 1024);
	ok("STREAMX_OPTIONS=--bogus " SX " list > l");
}
END_TEST

START_TEST(test_env_options_errors)
{
	const char *line;

	put_text("in", "some text\n");
	fails(2, "STREAMX_OPTIONS", "STREAMX_OPTIONS=\"'--naive\" " SX " -i in cat");
	fails(2, "STREAMX_OPTIONS", "STREAMX_OPTIONS='--naive | --stream' " SX " -i in cat");
	/* a bad option in it is blamed on it */
	line = fails(2, "STREAMX_OPTIONS", "STREAMX_OPTIONS=--bogus " SX " -i in cat");
	assert_contains(line, "--bogus");
	line = fails(2, "STREAMX_OPTIONS", "STREAMX_OPTIONS='-b 0' " SX " -i in cat");
	/* one on the command line is not */
	line = fails(2, "--bogus", "STREAMX_OPTIONS=--naive " SX " --bogus -i in cat");
	ck_assert_msg(strstr(line, "STREAMX_OPTIONS") == NULL,
		      "a command-line error blamed on STREAMX_OPTIONS: %s", line);
	ck_assert_int_eq(count_entries("o", NULL), 0);
}
END_TEST

/* ---- help COMMAND ---- */

START_TEST(test_help_commands)
{
	static const char *const cmds[] = { "gen", "compare", "snapdiff", "batch" };
	const char *cmd = cmds[_i];
	char want[64];
	char *text;

	ok(SX " help %s > h1", cmd);
	ck_assert_int_eq(file_size(err_path), 0);
	text = slurp("h1", NULL);
	ck_assert_ptr_nonnull(text);
	snprintf(want, sizeof(want), "Usage: streamx %s ", cmd);
	ck_assert_msg(strncmp(text, want, strlen(want)) == 0,
		      "help %s does not start with \"%s\": %s", cmd, want, text);
	free(text);
	ok(SX " %s --help > h2 && cmp h1 h2", cmd);
	ok(SX " %s -h > h3 && cmp h1 h3", cmd);
	/* the top help names the command */
	ok(SX " help > top");
	text = slurp("top", NULL);
	assert_contains(text, cmd);
	assert_contains(text, "STREAMX_OPTIONS");
	free(text);
}
END_TEST

/* ---- --sync ---- */

/* An fsync(2) that logs what it flushes ("file PATH" or "dir PATH") to
 * $SHIM_LOG, preloaded into streamx. */
static const char fsync_shim[] =
	"#define _GNU_SOURCE\n"
	"#include <dlfcn.h>\n#include <stdio.h>\n#include <stdlib.h>\n"
	"#include <sys/stat.h>\n#include <unistd.h>\n"
	"int fsync(int fd)\n{\n"
	"\tstatic int (*real)(int);\n\tconst char *log = getenv(\"SHIM_LOG\");\n"
	"\tchar link[64], path[4096];\n\tstruct stat sb;\n\tssize_t n;\n"
	"\tif (!real)\n\t\t*(void **)&real = dlsym(RTLD_NEXT, \"fsync\");\n"
	"\tsnprintf(link, sizeof(link), \"/proc/self/fd/%d\", fd);\n"
	"\tn = readlink(link, path, sizeof(path) - 1);\n"
	"\tpath[n > 0 ? n : 0] = '\\0';\n"
	"\tif (log && fstat(fd, &sb) == 0) {\n"
	"\t\tFILE *f = fopen(log, \"a\");\n"
	"\t\tif (f) {\n\t\t\tfprintf(f, \"%s %s\\n\", S_ISDIR(sb.st_mode) ? \"dir\" :\n"
	"\t\t\t\tS_ISREG(sb.st_mode) ? \"file\" : \"other\", path);\n"
	"\t\t\tfclose(f);\n\t\t}\n\t}\n"
	"\treturn real(fd);\n}\n";

#define PRELOAD "SHIM_LOG=$PWD/fsync.log LD_PRELOAD=$PWD/shim.so " \
	"ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 "

START_TEST(test_sync)
{
	char *log, *dir;

	gen("in", "log", "2M", 9);
	/* without --sync: complete, renamed, and nothing flushed */
	put_text("shim.c", fsync_shim);
	require("command -v cc", "gcc");
	ok("cc -shared -fPIC -o shim.so shim.c -ldl");
	ok(PRELOAD SX " -i in -o o/plain.gz gzip");
	ck_assert_msg(!exists("fsync.log"), "fsync without --sync: %s",
		      captured("fsync.log"));

	ok(PRELOAD SX " --sync -i in -o o/out.gz 'gzip -1'");
	ck_assert_int_eq(count_entries("o", NULL), 2);
	ok("gzip -dc o/out.gz | cmp - in");
	/* the temporary was flushed before its rename, then the directory */
	log = slurp("fsync.log", NULL);
	ck_assert_msg(log != NULL, "--sync flushed nothing");
	assert_contains(log, "file ");
	assert_contains(log, "/o/.out.gz.streamx-");
	dir = realpath("o", NULL);
	ck_assert_ptr_nonnull(dir);
	{
		char want[PATH_MAX + 8];

		snprintf(want, sizeof(want), "dir %s\n", dir);
		assert_contains(log, want);
	}
	free(dir);
	free(log);

	/* over an existing file with -f; and a failure leaves nothing new */
	ok(SX " --sync -f -i in -o o/out.gz 'gzip -9'");
	ok("gzip -dc o/out.gz | cmp - in");
	ck_assert_int_eq(sh(SX " --sync -i in -o o/bad gunzip"), 1);
	ck_assert_int_eq(count_entries("o", NULL), 2);
	ck_assert_int_eq(count_entries("o", ".streamx-"), 0);
	/* standard output: accepted, nothing to flush */
	ok(SX " --sync upper < in > up && LC_ALL=C tr a-z A-Z < in | cmp - up");
}
END_TEST

/* ---- bash completion ---- */

/* Sourced by test_completion; $1 the source tree, $2 the binary, $3
 * "bc" to load bash-completion first. Prints what is wrong and fails. */
static const char completion_script[] =
	"set -u\n"
	"src=$1 bin=$2 fail=0 case=''\n"
	"if [ \"${3-}\" = bc ]; then\n"
	"\t. /usr/share/bash-completion/bash_completion || { echo 'no bash-completion'; exit 1; }\n"
	"fi\n"
	". \"$src/contrib/streamx.bash-completion\" || exit 1\n"
	"complete -p streamx | grep -q -- '-F _streamx streamx$' || { echo 'not registered'; exit 1; }\n"
	/* comp WORD...: the words of the line, the last being completed */
	"comp() {\n"
	"\tcase=\"$*\"\n"
	"\tCOMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1))\n"
	"\tCOMP_LINE=\"$*\"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()\n"
	"\t_streamx \"$1\" \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"\n"
	"}\n"
	/* compq CUR WORD...: inside an open quote, readline hands over the
	 * text after the quote as the word to complete */
	"compq() {\n"
	"\tlocal cur=$1; shift\n"
	"\tcase=\"$* (completing: $cur)\"\n"
	"\tCOMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); COMPREPLY=()\n"
	"\t_streamx \"$1\" \"$cur\" \"${COMP_WORDS[COMP_CWORD-1]}\"\n"
	"}\n"
	"has() {\n"
	"\tlocal w r\n"
	"\tfor w in \"$@\"; do\n"
	"\t\tfor r in \"${COMPREPLY[@]}\"; do [[ $r == \"$w\" ]] && continue 2; done\n"
	"\t\techo \"[$case] missing '$w' in: ${COMPREPLY[*]}\"; fail=1\n"
	"\tdone\n"
	"}\n"
	"lacks() {\n"
	"\tlocal w r\n"
	"\tfor w in \"$@\"; do\n"
	"\t\tfor r in \"${COMPREPLY[@]}\"; do\n"
	"\t\t\t[[ $r == \"$w\" ]] && { echo \"[$case] unexpected '$w'\"; fail=1; }\n"
	"\t\tdone\n"
	"\tdone\n"
	"}\n"
	"only() {\n"
	"\thas \"$@\"\n"
	"\t[ ${#COMPREPLY[@]} -eq $# ] || { echo \"[$case] want only '$*', got: ${COMPREPLY[*]}\"; fail=1; }\n"
	"}\n"
	"none() {\n"
	"\t[ ${#COMPREPLY[@]} -eq 0 ] || { echo \"[$case] want nothing, got: ${COMPREPLY[*]}\"; fail=1; }\n"
	"}\n"
	"comp \"$bin\" --st; has --stats --stream; lacks --sync\n"
	"comp \"$bin\" ''; has list help gen compare snapdiff batch cat upper lower gzip gunzip\n"
	"comp \"$bin\" help ''; has gen compare snapdiff batch cat upper lower gzip gunzip; lacks list help\n"
	"comp \"$bin\" help gu; only gunzip\n"
	"comp \"$bin\" -i ''; has alpha.txt beta.log sub\n"
	"comp \"$bin\" -i al; only alpha.txt\n"
	"comp \"$bin\" --naive --input b; only beta.log\n"
	"comp \"$bin\" -o s; has sub\n"
	"comp \"$bin\" --snapshot al; only alpha.txt\n"
	"comp \"$bin\" -b ''; none\n"
	"comp \"$bin\" -i alpha.txt gz; only gzip\n"
	"comp \"$bin\" -i alpha.txt gzip ''; none\n"
	"comp \"$bin\" -- gu; only gunzip\n"
	"compq '' \"$bin\" --stats =; only text json\n"
	"comp \"$bin\" --stats = ''; only text json\n"
	"comp \"$bin\" --stats = j; only json\n"
	"comp \"$bin\" --stats=j; only --stats=json\n"
	"compq 'gunzip | up' \"$bin\" \"'gunzip | up\"; only 'gunzip | upper'\n"
	"compq 'gunzip|' \"$bin\" \"'gunzip|\"; has 'gunzip| gzip' 'gunzip| cat'\n"
	"compq 'gzip -' \"$bin\" \"'gzip -\"; has 'gzip -1' 'gzip -5' 'gzip -9' 'gzip --fast' 'gzip --best'\n"
	"compq 'upper | gzip --b' \"$bin\" \"\\\"upper | gzip --b\"; only 'upper | gzip --best'\n"
	"comp \"$bin\" gen --kind ''; only text log binary\n"
	"comp \"$bin\" gen -o al; only alpha.txt\n"
	"comp \"$bin\" gen ''; none\n"
	"comp \"$bin\" compare -k b; only binary\n"
	"comp \"$bin\" compare --plot al; only alpha.txt\n"
	"comp \"$bin\" compare --sizes 1M gu; only gunzip\n"
	"comp \"$bin\" snapdiff ''; has alpha.txt beta.log\n"
	"comp \"$bin\" batch -O ''; has sub; lacks alpha.txt beta.log\n"
	"comp \"$bin\" batch --report al; only alpha.txt\n"
	"comp \"$bin\" batch --files-from b; only beta.log\n"
	"comp \"$bin\" batch -j 2 g; only gzip gunzip grep\n"
	"comp \"$bin\" batch gzip ''; has alpha.txt beta.log\n"
	"comp \"$bin\" list ''; none\n"
	/* every option that a --help lists is offered */
	/* the options of a --help, as help_options() finds them */
	"opts() {\n"
	"\t\"$bin\" \"$@\" | awk '\n"
	"\tNR == 1 { while (match($0, /\\[--?[[:alnum:]][[:alnum:]-]*/)) {\n"
	"\t\tprint substr($0, RSTART + 1, RLENGTH - 1); $0 = substr($0, RSTART + RLENGTH) }; next }\n"
	"\t/^$/ { blank++; next }\n"
	"\tblank == 1 { l = $0\n"
	"\t\tif (match(l, /^ +-[[:alnum:]]([^[:alnum:]-]|$)/)) {\n"
	"\t\t\ts = substr(l, RSTART, RLENGTH); gsub(/[^[:alnum:]-]/, \"\", s); print s }\n"
	"\t\twhile (match(l, /--[a-z][a-z0-9-]*/)) {\n"
	"\t\t\tprint substr(l, RSTART, RLENGTH); l = substr(l, RSTART + RLENGTH) } }' | sort -u\n"
	"}\n"
	"for c in '' gen compare snapdiff batch; do\n"
	"\tif [ -z \"$c\" ]; then o=$(opts --help); comp \"$bin\" -\n"
	"\telse o=$(opts help \"$c\"); comp \"$bin\" \"$c\" -; fi\n"
	"\t[ -n \"$o\" ] || { echo \"no options in help $c\"; fail=1; }\n"
	"\thas $o\n"
	"done\n"
	/* stage names and their options come from the binary completed */
	"printf '%s\\n' '#!/bin/sh' 'case $1 in' "
	"'list) echo \"zzstage   a stage of a fake\";;' "
	"'help) echo \"zzstage - a fake\"; echo; echo \"Usage: zzstage [-a | --bee]\";;' "
	"'esac' > fake && chmod +x fake\n"
	"comp ./fake z; only zzstage\n"
	"compq 'zzstage -' ./fake \"'zzstage -\"; only 'zzstage -a' 'zzstage --bee'\n"
	"exit $fail\n";

START_TEST(test_completion)
{
	const char *bc = _i ? "bc" : "";

	require("command -v bash", "bash");
	if (_i)
		require("test -r /usr/share/bash-completion/bash_completion",
			"bash-completion");
	src_dir();
	ok("touch alpha.txt beta.log && mkdir sub");
	put_text("comp.sh", completion_script);
	ok("bash comp.sh \"$SXSRC\" \"$STREAMX\" %s", bc);
}
END_TEST

/* ---- make install / uninstall ---- */

/* The Makefile of the source tree, over a copy of the binary under test:
 * `make install` must not rebuild anything (-o), and works the same
 * under `make check` and `make sanitize`. */
START_TEST(test_install_uninstall)
{
	require("command -v make", "make");
	src_dir();
	ok("mkdir tree && ln -s \"$SXSRC\"/Makefile \"$SXSRC\"/docs \"$SXSRC\"/contrib "
	   "\"$SXSRC\"/lib tree/ && cp \"$STREAMX\" tree/streamx");
#define MAKE "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C tree -o streamx "
	ok(MAKE "install DESTDIR=\"$PWD/root\" PREFIX=/usr/local");
	ok("test -x root/usr/local/bin/streamx && root/usr/local/bin/streamx --version");
	ok("cmp root/usr/local/share/man/man1/streamx.1 \"$SXSRC\"/docs/streamx.1");
	ok("cmp root/usr/local/share/bash-completion/completions/streamx "
	   "\"$SXSRC\"/contrib/streamx.bash-completion");
	ok("bash -c '. root/usr/local/share/bash-completion/completions/streamx && "
	   "complete -p streamx' | grep -q _streamx");
	ck_assert_int_eq(sh("find root -type f | wc -l | grep -qx 10"), 0);
	/* the installed headers are enough to build the example plugin */
	ok("cc -std=c11 -Wall -Werror -fPIC -shared -I root/usr/local/include/streamx "
	   "-o sq.so \"$SXSRC\"/examples/plugin/squeeze.c");
	ok("printf 'a\\n\\n\\n\\nb\\n' | \"$STREAMX\" --plugin ./sq.so squeeze | cmp - <(printf 'a\\n\\nb\\n')");
	ok(MAKE "uninstall DESTDIR=\"$PWD/root\" PREFIX=/usr/local");
	ok("test -z \"$(find root -type f)\"");

	/* the directories may be moved one by one */
	ok(MAKE "install DESTDIR=\"$PWD/r2\" PREFIX=/opt/sx "
	   "COMPLETIONDIR=/etc/bash_completion.d");
	ok("test -f r2/opt/sx/bin/streamx && test -f r2/opt/sx/share/man/man1/streamx.1 "
	   "&& test -f r2/etc/bash_completion.d/streamx");
	ok(MAKE "uninstall DESTDIR=\"$PWD/r2\" PREFIX=/opt/sx "
	   "COMPLETIONDIR=/etc/bash_completion.d");
	ok("test -z \"$(find r2 -type f)\"");
#undef MAKE
}
END_TEST

/* ---- the man page ---- */

START_TEST(test_man_renders)
{
	require("command -v groff", "groff-base");
	require("command -v man", "man-db");
	src_dir();
	ok("groff -man -ww -z \"$SXSRC\"/docs/streamx.1");
	ck_assert_msg(file_size(err_path) == 0, "groff warnings: %s", stderr_text());
	ok("groff -man -ww -Tutf8 \"$SXSRC\"/docs/streamx.1 > page");
	ck_assert_msg(file_size(err_path) == 0, "groff warnings: %s", stderr_text());
	ok("MANPAGER=cat PAGER=cat MANWIDTH=80 man -l \"$SXSRC\"/docs/streamx.1 > man.txt");
	ck_assert_int_gt(file_size("man.txt"), 20000);
	ok("grep -q '^SYNOPSIS' man.txt && grep -q '^ENVIRONMENT' man.txt && "
	   "grep -q 'reporter:counter:streamx,failed_runs,0' man.txt && "
	   "grep -q 'streamx batch -j 4 -O out' man.txt && grep -q 'STREAMX_OPTIONS' man.txt");
}
END_TEST

/* Every option that a --help lists is in the man page: in OPTIONS for
 * the run, in its command's entry for the commands. */
START_TEST(test_man_lists_every_option)
{
	static const struct {
		const char *cmd, *start, *end;
	} sections[] = {
		{ NULL, "\n.SH OPTIONS", "\n.SH COMMANDS" },
		{ "gen", "\n.B gen --size", "\n.BR compare " },
		{ "compare", "\n.BR compare ", "\n.BR snapdiff " },
		{ "snapdiff", "\n.BR snapdiff ", "\n.BR batch " },
		{ "batch", "\n.BR batch ", "\n.SH STAGES" },
	};
	const char *cmd = sections[_i].cmd;
	char *man = man_source(), *help, *start, *end, opts[4096];

	if (cmd)
		ok(SX " help %s > help", cmd);
	else
		ok(SX " --help > help");
	help = slurp("help", NULL);
	ck_assert_ptr_nonnull(help);
	help_options(help, opts, sizeof(opts));
	ck_assert_msg(opts[0], "no options in the help of %s", cmd ? cmd : "streamx");
	/* the commands' entries are searched for from COMMANDS on */
	start = strstr(man, cmd ? "\n.SH COMMANDS" : "\n.SH SYNOPSIS");
	ck_assert_ptr_nonnull(start);
	start = strstr(start, sections[_i].start);
	ck_assert_msg(start != NULL, "no \"%s\" in docs/streamx.1", sections[_i].start + 1);
	end = strstr(start + 1, sections[_i].end);
	ck_assert_msg(end != NULL, "no \"%s\" after \"%s\"", sections[_i].end + 1,
		      sections[_i].start + 1);
	*end = '\0';
	for (char *o = strtok(opts, " "); o; o = strtok(NULL, " ")) {
		if (o[1] == '-') {
			ck_assert_msg(has_long_option(start, o), "%s of %s is not in its "
				      "part of docs/streamx.1", o, cmd ? cmd : "streamx");
		} else {
			char a[16], b[16], c[16];

			snprintf(a, sizeof(a), "\n.BI %s ", o);
			snprintf(b, sizeof(b), "\n.BR %s ", o);
			snprintf(c, sizeof(c), "\n.B %s", o);
			ck_assert_msg(strstr(start, a) || strstr(start, b) || strstr(start, c),
				      "%s of %s has no entry in its part of docs/streamx.1",
				      o, cmd ? cmd : "streamx");
		}
	}
	free(help);
	free(man);
}
END_TEST

/* ---- the suite ---- */

Suite *finish_suite(void)
{
	Suite *s = suite_create("finish");
	TCase *tc;

	tc = sh_tcase(s, "parallel");
	tcase_add_test(tc, test_parallel_files);
	tcase_add_test(tc, test_parallel_pipe);

	tc = sh_tcase(s, "hadoop");
	tcase_add_loop_test(tc, test_hadoop_counters_ok, 0, 2);
	tcase_add_loop_test(tc, test_hadoop_counters_failed, 0, 2);

	tc = sh_tcase(s, "env_options");
	tcase_add_test(tc, test_env_options_apply);
	tcase_add_test(tc, test_env_options_order);
	tcase_add_test(tc, test_env_options_errors);

	tc = sh_tcase(s, "help_sync");
	tcase_add_loop_test(tc, test_help_commands, 0, 4);
	tcase_add_test(tc, test_sync);

	tc = sh_tcase(s, "completion");
	tcase_add_loop_test(tc, test_completion, 0, 2);

	tc = sh_tcase(s, "install_man");
	tcase_add_test(tc, test_install_uninstall);
	tcase_add_test(tc, test_man_renders);
	tcase_add_loop_test(tc, test_man_lists_every_option, 0, 5);
	return s;
}
