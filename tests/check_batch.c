/* check_batch.c - `streamx batch` run as a user would: names, jobs, reports, signals. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suites.h"
#include "test_sh.h"

/*
 * Commands run as test_sh.h says: each test in its own directory, SX for
 * the binary, sh.out and sh.err for the streams. Data comes from
 * `streamx gen`, compressed data from the real gzip, and outputs are
 * checked with gzip -dc, gzip -t and cmp. Reports are parsed back as
 * JSON, line by line, and their sums checked against the summary.
 */

/* ---- helpers ---- */

static void gen_files(const char *dir, int n, const char *size)
{
	ok("mkdir -p %s && for i in $(seq 1 %d); do " SX " gen --size %s --seed $i "
	   "> %s/f$i || exit 1; done", dir, n, size, dir);
}

static void assert_no_temporary(const char *dir)
{
	ck_assert_msg(count_entries(dir, ".streamx-") == 0,
		      "a temporary was left in %s after `%s`", dir, last_cmd);
}

/* Lines of stderr; each must be "streamx: batch: ...". */
static int batch_error_lines(void)
{
	size_t len;
	char *s = slurp(err_path, &len);
	int n = 0;

	ck_assert_ptr_nonnull(s);
	for (char *line = s; *line; n++) {
		char *nl = strchr(line, '\n');

		ck_assert_msg(nl, "`%s`: unterminated stderr line: %s", last_cmd, line);
		ck_assert_msg(strncmp(line, "streamx: batch: ", 16) == 0,
			      "`%s`: not a 'streamx: batch: ' line: %s", last_cmd, line);
		line = nl + 1;
	}
	free(s);
	return n;
}

/* ---- the report, parsed back ---- */

#define MAX_FIELDS 16
#define MAX_VALUE 512
#define MAX_RECORDS 64

struct field {
	char key[32];
	char val[MAX_VALUE];   /* a string unescaped, else the literal text */
	int is_string;
};

struct record {
	struct field f[MAX_FIELDS];
	int n;
};

struct report {
	struct record rec[MAX_RECORDS];
	int n;
	struct record summary;
};

/* Parses a JSON string at *p into out; returns 0, or -1 when malformed. */
static int parse_string(const char **p, char *out, size_t size)
{
	const char *s = *p;
	size_t n = 0;

	if (*s++ != '"')
		return -1;
	for (; *s && *s != '"'; s++) {
		char c = *s;

		if (c == '\\') {
			s++;
			if (*s == 'u') {
				unsigned v;

				if (sscanf(s + 1, "%4x", &v) != 1)
					return -1;
				c = (char)v;
				s += 4;
			} else if (*s == 'n') {
				c = '\n';
			} else if (*s == '"' || *s == '\\' || *s == '/') {
				c = *s;
			} else {
				return -1;
			}
		}
		if (n + 1 >= size)
			return -1;
		out[n++] = c;
	}
	if (*s != '"')
		return -1;
	out[n] = '\0';
	*p = s + 1;
	return 0;
}

/* Parses one flat object: strings, numbers, true, false, null. */
static int parse_record(const char *line, struct record *r)
{
	const char *p = line;

	memset(r, 0, sizeof(*r));
	if (*p++ != '{')
		return -1;
	while (*p != '}') {
		struct field *f = &r->f[r->n];

		if (r->n == MAX_FIELDS || parse_string(&p, f->key, sizeof(f->key)) ||
		    *p++ != ':')
			return -1;
		if (*p == '"') {
			f->is_string = 1;
			if (parse_string(&p, f->val, sizeof(f->val)))
				return -1;
		} else {
			size_t len = strcspn(p, ",}");

			if (len == 0 || len >= sizeof(f->val))
				return -1;
			memcpy(f->val, p, len);
			p += len;
		}
		r->n++;
		if (*p == ',')
			p++;
		else if (*p != '}')
			return -1;
	}
	return p[1] == '\0' ? 0 : -1;
}

static const struct field *field(const struct record *r, const char *key)
{
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->f[i].key, key) == 0)
			return &r->f[i];
	ck_abort_msg("`%s`: no \"%s\" in a report line", last_cmd, key);
	return NULL;
}

/* A string field's value, or NULL for null. */
static const char *str(const struct record *r, const char *key)
{
	const struct field *f = field(r, key);

	if (!f->is_string) {
		ck_assert_msg(strcmp(f->val, "null") == 0, "\"%s\" is %s", key, f->val);
		return NULL;
	}
	return f->val;
}

static long long num(const struct record *r, const char *key)
{
	const struct field *f = field(r, key);
	char *end;
	long long v;

	ck_assert_msg(!f->is_string, "\"%s\" is a string", key);
	v = strtoll(f->val, &end, 10);
	ck_assert_msg(*end == '\0' || *end == '.', "\"%s\" is %s", key, f->val);
	return v;
}

/* One file's line, checked on its own: status, error, output size. */
static void check_record(const struct record *r)
{
	const char *status = str(r, "status"), *out = str(r, "output");

	ck_assert_int_eq(r->n, 8);
	ck_assert_ptr_nonnull(str(r, "input"));
	ck_assert_ptr_nonnull(status);
	ck_assert_msg(strcmp(status, "ok") == 0 || strcmp(status, "failed") == 0 ||
		      strcmp(status, "skipped") == 0, "status %s", status);
	ck_assert_msg((str(r, "error") != NULL) == (strcmp(status, "failed") == 0),
		      "error and status %s disagree", status);
	ck_assert_int_ge(num(r, "seconds"), 0);
	if (strcmp(status, "failed") != 0) {
		ck_assert_ptr_nonnull(out);
		ck_assert_int_eq(num(r, "bytes_out"), file_size(out));
	}
	if (strcmp(status, "ok") == 0)
		ck_assert_int_gt(num(r, "rss_peak_bytes"), 0);
}

/* Reads a report: lines, then a summary whose numbers are the lines'
 * sums and counts. */
static void load_report(const char *path, struct report *rep)
{
	long long in = 0, out = 0, peak = 0, ok_ = 0, failed = 0, skipped = 0;
	size_t len;
	char *text = slurp(path, &len), *line;
	const struct record *s = &rep->summary;

	ck_assert_msg(text != NULL, "no report %s", path);
	ck_assert_msg(len > 0 && text[len - 1] == '\n', "report %s: not whole lines", path);
	rep->n = 0;
	for (line = text; *line; line = strchr(line, '\0') + 1) {
		struct record r;

		*strchr(line, '\n') = '\0';
		ck_assert_msg(parse_record(line, &r) == 0, "not a flat JSON object: %s", line);
		if (strcmp(r.f[0].key, "summary") == 0) {
			ck_assert_msg(line + strlen(line) + 1 == text + len,
				      "the summary is not the last line");
			rep->summary = r;
			break;
		}
		check_record(&r);
		ck_assert_int_lt(rep->n, MAX_RECORDS);
		rep->rec[rep->n++] = r;
		in += num(&r, "bytes_in");
		out += num(&r, "bytes_out");
		if (num(&r, "rss_peak_bytes") > peak)
			peak = num(&r, "rss_peak_bytes");
		ok_ += strcmp(str(&r, "status"), "ok") == 0;
		failed += strcmp(str(&r, "status"), "failed") == 0;
		skipped += strcmp(str(&r, "status"), "skipped") == 0;
	}
	free(text);
	ck_assert_msg(s->n > 0, "report %s has no summary", path);
	ck_assert_str_eq(field(s, "summary")->val, "true");
	ck_assert_int_eq(num(s, "ok"), ok_);
	ck_assert_int_eq(num(s, "failed"), failed);
	ck_assert_int_eq(num(s, "skipped"), skipped);
	ck_assert_int_eq(num(s, "files"), ok_ + failed + skipped + num(s, "not_run"));
	ck_assert_int_eq(num(s, "bytes_in"), in);
	ck_assert_int_eq(num(s, "bytes_out"), out);
	ck_assert_int_eq(num(s, "rss_peak_bytes"), peak);
	ck_assert_int_ge(num(s, "seconds"), 0);
}

static const struct record *record_of(const struct report *rep, const char *input)
{
	for (int i = 0; i < rep->n; i++)
		if (strcmp(str(&rep->rec[i], "input"), input) == 0)
			return &rep->rec[i];
	ck_abort_msg("`%s`: no report line for %s", last_cmd, input);
	return NULL;
}

static void assert_status(const struct report *rep, const char *input,
			  const char *status)
{
	ck_assert_str_eq(str(record_of(rep, input), "status"), status);
}

static struct report rep;   /* large: kept off the stack */

/* ---- naming ---- */

/* Beside the input by default, with --suffix; the report names both. */
START_TEST(test_beside_input)
{
	gen_files("a", 2, "100K");
	gen_files("b", 1, "100K");
	ok(SX " batch --report - -S .gz gzip a/f1 a/f2 b/f1 > r.json");
	for (int i = 0; i < 3; i++) {
		const char *in = i == 0 ? "a/f1" : i == 1 ? "a/f2" : "b/f1";

		ok("gzip -dc %s.gz | cmp - %s", in, in);
	}
	ck_assert_int_eq(file_size(err_path), 0);
	load_report("r.json", &rep);
	ck_assert_int_eq(rep.n, 3);
	ck_assert_str_eq(str(record_of(&rep, "b/f1"), "output"), "b/f1.gz");
	ck_assert_int_eq(num(record_of(&rep, "a/f2"), "bytes_in"), 100 * 1024);
	ck_assert_int_eq(num(&rep.summary, "files"), 3);
	ck_assert_int_eq(num(&rep.summary, "not_run"), 0);
	ck_assert_ptr_null(str(&rep.summary, "signal"));
}
END_TEST

/* -O makes the directory with its parents; outputs are named by the
 * input's base name, so "..", absolute names and subdirectories all land
 * in DIR itself. */
START_TEST(test_output_dir)
{
	gen_files("deep/er", 1, "50K");
	gen_files("up", 1, "50K");
	ok("cp up/f1 up/g && mkdir w");
	ok("cd w && " SX " batch -O ../o/x/y -S .z upper ../deep/er/f1 \"$PWD/../up/g\"");
	ok("LC_ALL=C tr a-z A-Z < deep/er/f1 | cmp - o/x/y/f1.z");
	ok("LC_ALL=C tr a-z A-Z < up/g | cmp - o/x/y/g.z");
	ck_assert_int_eq(count_entries("o/x/y", NULL), 2);
	ck_assert_int_eq(count_entries("w", NULL), 0);
	ck_assert_int_eq(count_entries("deep/er", NULL), 1);
	ck_assert_int_eq(count_entries("up", NULL), 2);
	/* an existing directory is fine, a file in the way is not */
	ok(SX " batch -O o/x/y -S .l lower deep/er/f1 && test -f o/x/y/f1.l");
	ok("touch plain");
	fails(1, "plain", SX " batch -O plain/d cat up/g");
}
END_TEST

/* --strip-suffix as gunzip does it: a name without the suffix, or with
 * nothing else, fails alone; with --suffix both apply. */
START_TEST(test_strip_suffix)
{
	gen_files("d", 2, "200K");
	ok("gzip -c d/f1 > d/f1.gz && gzip -c d/f2 > d/f2.gz && cp d/f1.gz d/.gz && "
	   "cp d/f1.gz d/nosuffix");
	ck_assert_int_eq(sh(SX " batch --report r.json -O o --strip-suffix .gz gunzip "
			    "d/f1.gz d/nosuffix d/.gz d/f2.gz"), 1);
	ck_assert_int_eq(batch_error_lines(), 2);
	assert_contains(stderr_text(), "streamx: batch: d/nosuffix: unknown suffix");
	assert_contains(stderr_text(), "streamx: batch: d/.gz: unknown suffix");
	ok("cmp o/f1 d/f1 && cmp o/f2 d/f2");
	ck_assert_int_eq(count_entries("o", NULL), 2);
	load_report("r.json", &rep);
	assert_status(&rep, "d/nosuffix", "failed");
	ck_assert_ptr_null(str(record_of(&rep, "d/nosuffix"), "output"));
	/* both: f1.gz becomes f1.txt */
	ok(SX " batch --strip-suffix .gz --suffix .txt gunzip d/f1.gz && cmp d/f1.txt d/f1");
}
END_TEST

/* An output that would be its input is refused for that file, however
 * the paths are spelt; the input stays as it was. */
START_TEST(test_output_is_input)
{
	gen_files("d", 2, "20K");
	ok("cp d/f1 keep");
	fails(1, "input itself", SX " batch upper d/f1");
	fails(1, "input itself", SX " batch -O d upper d/f1");
	fails(1, "input itself", SX " batch -O ./d/ upper d/../d/f1");
	ok("cmp d/f1 keep");
	ck_assert_int_eq(count_entries("d", NULL), 2);
	/* one refused, the other done */
	ck_assert_int_eq(sh(SX " batch -O d upper d/f1 keep"), 1);
	ck_assert_int_eq(batch_error_lines(), 1);
	ok("LC_ALL=C tr a-z A-Z < keep | cmp - d/keep");
	ok("cmp d/f1 keep");
}
END_TEST

/* Two inputs mapping to one output: the later one fails. So does an
 * output that is another input of the batch, whatever the order. */
START_TEST(test_duplicate_outputs)
{
	gen_files("a", 2, "30K");
	gen_files("b", 1, "30K");
	ck_assert_int_eq(sh(SX " batch -j 2 --report r.json -O o -S .gz gzip "
			    "a/f1 b/f1 a/f2 ./a/f1"), 1);
	ck_assert_int_eq(batch_error_lines(), 2);
	assert_contains(stderr_text(), "streamx: batch: b/f1: output o/f1.gz is also the "
			"output of a/f1");
	assert_contains(stderr_text(), "streamx: batch: ./a/f1: output o/f1.gz");
	ok("gzip -dc o/f1.gz | cmp - a/f1 && gzip -dc o/f2.gz | cmp - a/f2");
	ck_assert_int_eq(count_entries("o", NULL), 2);
	load_report("r.json", &rep);
	assert_status(&rep, "a/f1", "ok");
	assert_status(&rep, "b/f1", "failed");
	/* beside the input, spelt two ways */
	ck_assert_int_eq(sh(SX " batch -S .u upper a/f1 a/../a/f1"), 1);
	ck_assert_int_eq(batch_error_lines(), 1);
	/* x would become x.u, which is also an input: refused, both ways round */
	ok("cp a/f2 a/f2.u && cp a/f2.u keep");
	ck_assert_int_eq(sh(SX " batch -f -S .u upper a/f2 a/f2.u"), 1);
	assert_contains(stderr_text(), "a/f2: output a/f2.u is also an input");
	ok("cmp a/f2.u keep && test -f a/f2.u.u");
	ok("rm a/f2.u.u");
	ck_assert_int_eq(sh(SX " batch -f -S .u upper a/f2.u a/f2"), 1);
	ok("cmp a/f2.u keep");
}
END_TEST

/* ---- jobs ---- */

/* Good and corrupt gzip files, two at a time: the good ones are done and
 * equal to gzip -dc, each bad one is one error line and a failed report
 * line with the stage's message; nothing partial or temporary is left. */
START_TEST(test_mixed_gunzip)
{
	gen_files("src", 6, "1M");
	ok("mkdir in && for i in 1 2 3 4 5 6; do gzip -c src/f$i > in/good$i.gz; done");
	ok("head -c 100000 in/good1.gz > in/truncated.gz");
	ok("cp in/good2.gz in/flipped.gz && printf '\\377' | "
	   "dd of=in/flipped.gz bs=1 seek=5000 conv=notrunc 2>/dev/null");
	ok(SX " gen --size 100K > in/notgzip.gz");
	ck_assert_int_eq(sh(SX " batch -j 2 -O o --strip-suffix .gz --report r.json "
			    "gunzip in/*.gz"), 1);
	ck_assert_int_eq(batch_error_lines(), 3);
	assert_contains(stderr_text(), "streamx: batch: in/truncated.gz: gunzip");
	assert_contains(stderr_text(), "streamx: batch: in/flipped.gz: gunzip");
	assert_contains(stderr_text(), "streamx: batch: in/notgzip.gz: gunzip");
	for (int i = 1; i <= 6; i++)
		ok("gzip -dc in/good%d.gz | cmp - o/good%d", i, i);
	ck_assert_int_eq(count_entries("o", NULL), 6);
	assert_no_temporary("o");
	assert_no_temporary("in");
	assert_no_temporary(".");
	load_report("r.json", &rep);
	ck_assert_int_eq(rep.n, 9);
	ck_assert_int_eq(num(&rep.summary, "ok"), 6);
	ck_assert_int_eq(num(&rep.summary, "failed"), 3);
	assert_contains(str(record_of(&rep, "in/notgzip.gz"), "error"), "gunzip");
	ck_assert_int_eq(num(record_of(&rep, "in/truncated.gz"), "bytes_in"), 100000);
	ck_assert_int_eq(num(record_of(&rep, "in/flipped.gz"), "bytes_out"), 0);
	ck_assert_int_gt(num(record_of(&rep, "in/flipped.gz"), "rss_peak_bytes"), 0);
	/* all good: 0 */
	ok(SX " batch -j 3 -O o2 --strip-suffix .gz gunzip in/good*.gz");
}
END_TEST

/* --rm removes an input only after its job succeeded; -j 1 and -j 4. */
START_TEST(test_rm)
{
	gen_files("d", 3, "300K");
	ok("for i in 1 2 3; do gzip -c d/f$i > d/f$i.gz; cp d/f$i ref$i; done");
	ok("head -c 1000 d/f3.gz > d/f4.gz && rm d/f1 d/f2 d/f3");
	ck_assert_int_eq(sh(SX " batch -j %d --rm --strip-suffix .gz --report r.json "
			    "gunzip d/f1.gz d/f2.gz d/f4.gz d/f3.gz", _i ? 4 : 1), 1);
	ok("cmp d/f1 ref1 && cmp d/f2 ref2 && cmp d/f3 ref3");
	ck_assert(!exists("d/f1.gz") && !exists("d/f2.gz") && !exists("d/f3.gz"));
	ck_assert(exists("d/f4.gz") && !exists("d/f4"));
	ck_assert_int_eq(file_size("d/f4.gz"), 1000);
	load_report("r.json", &rep);
	assert_status(&rep, "d/f4.gz", "failed");
	/* an output refused without -f keeps its input too */
	ok("gzip -c ref1 > again.gz && echo mine > again");
	fails(1, "already exists", SX " batch --rm --strip-suffix .gz gunzip again.gz");
	ok("test -f again.gz && echo mine | cmp - again");
}
END_TEST

/* An existing output is refused without -f (that file fails, the others
 * go on), replaced with -f, and kept with --skip-existing. */
START_TEST(test_force_and_skip)
{
	gen_files("d", 3, "100K");
	ok("echo old > d/f2.up");
	ck_assert_int_eq(sh(SX " batch -S .up upper d/f1 d/f2 d/f3"), 1);
	ck_assert_int_eq(batch_error_lines(), 1);
	assert_contains(stderr_text(), "d/f2: d/f2.up: already exists");
	assert_contains(stderr_text(), "-f");
	ok("echo old | cmp - d/f2.up && test -s d/f1.up && test -s d/f3.up");
	ok("echo old > d/f2.up");
	ok(SX " batch --skip-existing --report r.json -S .up upper d/f1 d/f2 d/f3");
	ok("echo old | cmp - d/f2.up");
	load_report("r.json", &rep);
	ck_assert_int_eq(num(&rep.summary, "skipped"), 3);
	ck_assert_int_eq(num(record_of(&rep, "d/f2"), "bytes_out"), 4);
	ok(SX " batch -f -S .up upper d/f1 d/f2 d/f3");
	ok("LC_ALL=C tr a-z A-Z < d/f2 | cmp - d/f2.up");
	assert_no_temporary("d");
	fails(2, "contradict", SX " batch -f --skip-existing -S .up upper d/f1");
}
END_TEST

/* ---- reports ---- */

/* The report in a file and on stdout hold the same lines; failures are
 * reported too; per-file bytes are the files' sizes. */
START_TEST(test_report)
{
	gen_files("d", 5, "200K");
	ok("echo junk > d/bad");
	ck_assert_int_eq(sh(SX " batch -j 2 -O o -S .gz --report o.json 'gzip -1' "
			    "d/f1 d/f2 d/bad d/f3 d/missing d/f4 d/f5 > stdout"), 1);
	ck_assert_int_eq(file_size("stdout"), 0);
	load_report("o.json", &rep);
	ck_assert_int_eq(rep.n, 7);
	ck_assert_int_eq(num(&rep.summary, "files"), 7);
	ck_assert_int_eq(num(&rep.summary, "ok"), 6);
	ck_assert_int_eq(num(&rep.summary, "failed"), 1);
	assert_contains(str(record_of(&rep, "d/missing"), "error"), "cannot open");
	for (int i = 1; i <= 5; i++) {
		char in[32], out[32];

		snprintf(in, sizeof(in), "d/f%d", i);
		snprintf(out, sizeof(out), "o/f%d.gz", i);
		ck_assert_str_eq(str(record_of(&rep, in), "output"), out);
		ck_assert_int_eq(num(record_of(&rep, in), "bytes_in"), file_size(in));
	}
	/* gzip does not mind what it compresses: bad is fine here */
	assert_status(&rep, "d/bad", "ok");
	ok("rm -r o && " SX " batch -j 2 -O o -S .gz --report - 'gzip -1' d/f1 d/f2 "
	   "> stdout.json");
	load_report("stdout.json", &rep);
	ck_assert_int_eq(rep.n, 2);
	ck_assert_int_eq(num(&rep.summary, "bytes_out"),
			 file_size("o/f1.gz") + file_size("o/f2.gz"));
	/* no --report, no report */
	ok("rm -r o && " SX " batch -O o -S .gz gzip d/f1 > stdout");
	ck_assert_int_eq(file_size("stdout"), 0);
	ck_assert_int_eq(file_size(err_path), 0);
}
END_TEST

/* Names from a file or stdin, by lines or NUL-terminated, spaces kept,
 * after those on the command line. */
START_TEST(test_files_from)
{
	ok("mkdir 'my dir' && " SX " gen --size 10K --seed 1 > 'my dir/a b' && "
	   SX " gen --size 10K --seed 2 > 'my dir/c  d' && " SX " gen --size 10K > e");
	ok("printf 'my dir/a b\\n\\nmy dir/c  d\\n' > list");
	ok(SX " batch --report r.json -O o1 -S .u --files-from list upper e");
	load_report("r.json", &rep);
	ck_assert_int_eq(rep.n, 3);
	ok("LC_ALL=C tr a-z A-Z < 'my dir/c  d' | cmp - 'o1/c  d.u'");
	ok("test -f 'o1/a b.u' && test -f o1/e.u");
	ok("cat list | " SX " batch -O o2 -S .u --files-from - upper");
	ck_assert_int_eq(count_entries("o2", NULL), 2);
	ok("find 'my dir' -type f -print0 | " SX " batch -0 -O o3 -S .l "
	   "--files-from - lower");
	ok("LC_ALL=C tr A-Z a-z < 'my dir/a b' | cmp - 'o3/a b.l'");
	ck_assert_int_eq(count_entries("o3", NULL), 2);
	/* without -0, a NUL in the list is a mistake said so */
	fails(2, "-0", "find 'my dir' -type f -print0 | " SX " batch -O o4 "
	      "--files-from - lower");
	ck_assert(!exists("o4"));
	/* an empty list is nothing to do */
	ok(SX " batch --report - --files-from /dev/null cat > r.json");
	load_report("r.json", &rep);
	ck_assert_int_eq(num(&rep.summary, "files"), 0);
	fails(1, "missing-list", SX " batch --files-from missing-list cat");
}
END_TEST

/* ---- usage ---- */

static const struct {
	const char *args, *needle;
} usage_cases[] = {
	{ "", "no pipeline" },
	{ "gzip", "no files" },
	{ "-j 0 gzip f", "job count" },
	{ "-j -2 gzip f", "job count" },
	{ "-j two gzip f", "job count" },
	{ "-j 100000 gzip f", "job count" },
	{ "-j", "needs a value" },
	{ "--bogus gzip f", "--bogus" },
	{ "-Q gzip f", "-Q" },
	{ "gzp f", "did you mean 'gzip'" },
	{ "'gzip -12' f", "-12" },
	{ "'gzip |' f", NULL },
	{ "-0 gzip f", "--files-from" },
	{ "--suffix '' gzip f", "suffix" },
	{ "--strip-suffix a/b gzip f", "suffix" },
	{ "-b 0 gzip f", "buffer-size" },
	{ "--mem-limit x gzip f", "mem-limit" },
};

/* A usage error is exit 2 and one line, before any job or directory. */
START_TEST(test_usage)
{
	ok(SX " gen --size 1K > f");
	fails(2, usage_cases[_i].needle, SX " batch -O o/made -S .x %s",
	      usage_cases[_i].args);
	assert_contains(error_line(), "streamx: batch: ");
	ck_assert(!exists("o/made"));
	ck_assert(!exists("f.x"));
}
END_TEST

START_TEST(test_help)
{
	ok(SX " batch --help > h && grep -q 'Usage: streamx batch' h && grep -q -- --report h");
	ok(SX " help batch | cmp - h");
	ok(SX " batch -h | cmp - h");
	ck_assert_int_eq(file_size(err_path), 0);
}
END_TEST

/* STREAMX_OPTIONS reaches no child: the batch sets their options. */
START_TEST(test_env_options_ignored)
{
	gen_files("d", 1, "10K");
	ok("STREAMX_OPTIONS='--stats --naive --bogus' " SX " batch -S .u upper d/f1");
	ck_assert_int_eq(file_size(err_path), 0);
	ok("LC_ALL=C tr a-z A-Z < d/f1 | cmp - d/f1.u");
}
END_TEST

/* ---- signals ---- */

/* Starts the batch with argv, its stdio as sh's; SIGINT at its default,
 * since a test runner started in the background may ignore it. */
static pid_t spawn_batch(char *const argv[])
{
	const char *bin = streamx_bin();
	pid_t pid = fork();

	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		child_stdio(-1, out_path);
		execv(bin, argv);
		_exit(127);
	}
	snprintf(last_cmd, sizeof(last_cmd), "streamx batch ... (interrupted)");
	return pid;
}

/* Finished outputs in dir (temporaries aside). */
static int finished(const char *dir)
{
	return exists(dir) ? count_entries(dir, NULL) - count_entries(dir, ".streamx-") : 0;
}

/* Interrupted once two outputs are there: no temporary anywhere, every
 * output complete, the batch dead of that signal with a summary written;
 * then --skip-existing finishes the rest. Loop: SIGINT, SIGTERM, SIGHUP;
 * the resumption only for SIGINT, to keep the suite quick. */
START_TEST(test_interrupt)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	static const char *const names[] = { "SIGINT", "SIGTERM", "SIGHUP" };
	char *argv[] = { "streamx", "batch", "-j", "2", "-O", "out", "-S", ".gz",
			 "--report", "r.json", "--files-from", "list", "gzip -9", NULL };
	int wstatus, done;
	pid_t pid;

	gen_files("in", 30, "2M");
	ok("ls in/* > list");
	pid = spawn_batch(argv);
	for (int i = 0; i < 1000 && finished("out") < 2; i++)
		sleep_ms(10);
	ck_assert_int_ge(finished("out"), 2);
	ck_assert_int_eq(kill(pid, sigs[_i]), 0);
	wstatus = wait_for(pid);
	ck_assert_msg(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == sigs[_i],
		      "status %d, not death by %s; stderr: %s", status_of(wstatus),
		      names[_i], stderr_text());
	assert_no_temporary("out");
	assert_no_temporary("in");
	assert_no_temporary(".");
	done = finished("out");
	ck_assert_int_lt(done, 30);
	ok("for f in out/*.gz; do gzip -t $f || exit 1; done");
	load_report("r.json", &rep);
	ck_assert_str_eq(str(&rep.summary, "signal"), names[_i]);
	ck_assert_int_eq(num(&rep.summary, "ok"), done);
	ck_assert_int_gt(num(&rep.summary, "not_run"), 0);
	if (_i != 0)
		return;
	ok(SX " batch -j 2 -O out -S .gz --skip-existing --report r2.json "
	   "--files-from list 'gzip -9'");
	load_report("r2.json", &rep);
	ck_assert_int_eq(num(&rep.summary, "skipped"), done);
	ck_assert_int_eq(num(&rep.summary, "ok"), 30 - done);
	ok("for i in $(seq 1 30); do gzip -dc out/f$i.gz | cmp - in/f$i || exit 1; done");
	ck_assert_int_eq(count_entries("out", NULL), 30);
}
END_TEST

/* ---- the suite ---- */

Suite *batch_suite(void)
{
	Suite *s = suite_create("batch");
	TCase *tc;

	tc = sh_tcase(s, "naming");
	tcase_add_test(tc, test_beside_input);
	tcase_add_test(tc, test_output_dir);
	tcase_add_test(tc, test_strip_suffix);
	tcase_add_test(tc, test_output_is_input);
	tcase_add_test(tc, test_duplicate_outputs);

	tc = sh_tcase(s, "jobs");
	tcase_add_test(tc, test_mixed_gunzip);
	tcase_add_loop_test(tc, test_rm, 0, 2);
	tcase_add_test(tc, test_force_and_skip);

	tc = sh_tcase(s, "reports");
	tcase_add_test(tc, test_report);
	tcase_add_test(tc, test_files_from);

	tc = sh_tcase(s, "usage");
	tcase_add_loop_test(tc, test_usage, 0,
			    (int)(sizeof(usage_cases) / sizeof(usage_cases[0])));
	tcase_add_test(tc, test_help);
	tcase_add_test(tc, test_env_options_ignored);

	tc = sh_tcase(s, "signals");
	tcase_add_loop_test(tc, test_interrupt, 0, 3);
	return s;
}
