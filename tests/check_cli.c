/* check_cli.c - the built streamx binary against gzip, cat, tr, cmp and head. */
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
 * Commands run as test_sh.h says: each test in its own directory, with
 * "$STREAMX" (SX) for the binary and sh.out / sh.err capturing the
 * streams. Outputs that must vanish on failure go to o/, which must then
 * be empty.
 *
 * All data comes from `streamx gen` at test time; gzip data from the real
 * gzip, and results are compared with cmp.
 */

static const char *const modes[] = { "--stream", "--naive" };
static const char *const kinds[] = { "text", "log", "binary" };

/* ---- helpers ---- */

static void assert_no_temporary(const char *dir)
{
	ck_assert_msg(count_entries(dir, ".streamx-") == 0,
		      "a temporary was left in %s after `%s`", dir, last_cmd);
}

/* The N of "byte N" in a message, or -1. */
static long long byte_in(const char *msg)
{
	const char *p = strstr(msg, "byte ");

	if (!p || p[5] < '0' || p[5] > '9')
		return -1;
	return strtoll(p + 5, NULL, 10);
}

static void gen(const char *path, const char *kind, const char *size,
		unsigned seed)
{
	ok(SX " gen --size %s --kind %s --seed %u > %s", size, kind, seed, path);
}

/* Writes the first n bytes of src to dst. */
static void truncate_copy(const char *src, const char *dst, size_t n)
{
	size_t len;
	char *data = slurp(src, &len);

	ck_assert_ptr_nonnull(data);
	ck_assert_uint_le(n, len);
	put_file(dst, data, n);
	free(data);
}

/* ---- gzip: round trips against the real gzip ---- */

/* streamx gzip and gunzip over a few MiB of one kind, at levels 1 and 9,
 * both modes, several buffer sizes; the stream outputs must equal the
 * naive one byte for byte. */
START_TEST(test_gzip_roundtrip)
{
	static const char *const levels[] = { "-1", "-9" };
	static const char *const bufs[] = { "7", "4096", "65536" };

	gen("in", kinds[_i], "2M", 11 + (unsigned)_i);
	for (size_t l = 0; l < 2; l++) {
		ok(SX " --naive 'gzip %s' < in > n.gz", levels[l]);
		ok("gzip -dc n.gz | cmp - in");
		for (size_t b = 0; b < 3; b++) {
			ok(SX " --stream -b %s 'gzip %s' < in > s.gz", bufs[b], levels[l]);
			ok("cmp s.gz n.gz");
		}
		ok("gzip %s -c < in > ref.gz", levels[l]);
		for (size_t m = 0; m < 2; m++)
			for (size_t b = 0; b < 3; b++)
				ok(SX " %s -b %s gunzip < ref.gz | cmp - in",
				   modes[m], bufs[b]);
	}
}
END_TEST

/* Empty input and a single byte, including -b 1. */
START_TEST(test_gzip_tiny)
{
	static const char *const bufs[] = { "1", "7", "4096", "65536" };

	put_file("in", "Q", (size_t)_i);
	ok("gzip -1 -c < in > ref1.gz && gzip -9 -c < in > ref9.gz");
	for (size_t m = 0; m < 2; m++) {
		for (size_t b = 0; b < 4; b++) {
			ok(SX " %s -b %s gzip < in | gzip -dc | cmp - in", modes[m], bufs[b]);
			ok(SX " %s -b %s 'gzip -9' < in | gzip -dc | cmp - in",
			   modes[m], bufs[b]);
			ok(SX " %s -b %s gunzip < ref1.gz | cmp - in", modes[m], bufs[b]);
			ok(SX " %s -b %s gunzip < ref9.gz | cmp - in", modes[m], bufs[b]);
		}
	}
	ok(SX " --naive gzip < in > n.gz && " SX " -b 1 gzip < in | cmp - n.gz");
}
END_TEST

/* The header holds no name and a zero time stamp, so the output depends
 * on the data only; of several levels the last one counts. */
START_TEST(test_gzip_header_and_levels)
{
	static const unsigned char zero[4];
	size_t len;
	char *gz;

	gen("in", "log", "200K", 2);
	ok(SX " -i in gzip > d.gz");
	gz = slurp("d.gz", &len);
	ck_assert_ptr_nonnull(gz);
	ck_assert_uint_gt(len, 18);
	ck_assert_msg((unsigned char)gz[0] == 0x1f && (unsigned char)gz[1] == 0x8b &&
		      gz[2] == 8, "not a deflate gzip member");
	ck_assert_msg(gz[3] == 0, "header flags %#x, expected none", gz[3]);
	ck_assert_mem_eq(gz + 4, zero, 4);
	free(gz);
	ok(SX " -i in 'gzip -6' | cmp - d.gz");
	ok(SX " -i in 'gzip -1' > 1.gz && " SX " -i in 'gzip -9' > 9.gz");
	ck_assert_int_eq(sh("cmp -s 1.gz 9.gz"), 1);
	ok(SX " -i in 'gzip -9 -1' | cmp - 1.gz");
	ok(SX " -i in 'gzip --fast --best' | cmp - 9.gz");
	ok(SX " -i in 'gzip --best' | cmp - 9.gz");
	ok(SX " --naive -i in 'gzip --fast' | cmp - 1.gz");
}
END_TEST

/* -b 1: every byte its own read and every output byte its own buffer. */
START_TEST(test_gzip_buffer_one)
{
	gen("in", kinds[_i], "6K", 21);
	ok(SX " --naive 'gzip -9' < in > n.gz");
	ok(SX " -b 1 'gzip -9' < in | cmp - n.gz");
	ok(SX " -b 1 'gzip --fast' < in | gzip -dc | cmp - in");
	ok("gzip -c -6 < in > ref.gz");
	ok(SX " -b 1 gunzip < ref.gz | cmp - in");
	ok(SX " --naive -b 1 gunzip < ref.gz | cmp - in");
	ok(SX " -b 1 'gunzip | gzip -1 | gunzip' < ref.gz | cmp - in");
}
END_TEST

/* Members one after another, an empty one among them, and a member that
 * stores a file name, as `gzip -d` reads them. */
START_TEST(test_gunzip_members)
{
	static const char *const bufs[] = { "1", "7", "65536" };
	size_t len;
	char *named;

	gen("a", "text", "3000", 1);
	gen("b", "binary", "5000", 2);
	ok("gzip -c a > a.gz && gzip -9 < b > b.gz && gzip -c < /dev/null > e.gz");
	named = slurp("a.gz", &len);
	ck_assert_ptr_nonnull(named);
	ck_assert_uint_gt(len, 10);
	ck_assert_msg(named[3] & 0x08, "gzip -c a did not store the name");
	free(named);
	ok("cat a b > ab && cat a.gz e.gz b.gz > all.gz");
	for (size_t m = 0; m < 2; m++) {
		for (size_t b = 0; b < 3; b++) {
			ok("cat a.gz b.gz | " SX " %s -b %s gunzip | cmp - ab",
			   modes[m], bufs[b]);
			ok(SX " %s -b %s gunzip < all.gz | cmp - ab", modes[m], bufs[b]);
			ok(SX " %s -b %s gunzip < a.gz | cmp - a", modes[m], bufs[b]);
			ok("cat e.gz e.gz | " SX " %s -b %s gunzip | cmp - /dev/null",
			   modes[m], bufs[b]);
		}
	}
}
END_TEST

/* Zero bytes after the last member are padding (tape blocks), not data. */
START_TEST(test_gunzip_zero_padding)
{
	static const char *const bufs[] = { "1", "7", "65536" };

	gen("a", "log", "4000", 3);
	ok("gzip -c < a > a.gz");
	ok("cat a.gz > p1.gz && head -c 1 /dev/zero >> p1.gz");
	ok("cat a.gz a.gz > p2.gz && head -c 5000 /dev/zero >> p2.gz && cat a a > aa");
	for (size_t m = 0; m < 2; m++) {
		for (size_t b = 0; b < 3; b++) {
			ok(SX " %s -b %s gunzip < p1.gz | cmp - a", modes[m], bufs[b]);
			ok(SX " %s -b %s gunzip < p2.gz | cmp - aa", modes[m], bufs[b]);
		}
	}
}
END_TEST

/* A chain in the middle of which data is plain: the same as the tools. */
START_TEST(test_chain)
{
	static const char *const bufs[] = { "7", "4096", "65536" };

	gen("in", "log", "2M", 5);
	ok("gzip -c in > in.gz");
	ok("gzip -dc in.gz | LC_ALL=C tr a-z A-Z > want");
	ok(SX " --naive 'gunzip | upper | gzip -1' < in.gz > n.gz");
	ok("gzip -dc n.gz | cmp - want");
	for (size_t b = 0; b < 3; b++) {
		ok(SX " -b %s -i in.gz 'gunzip | upper | gzip -1' | cmp - n.gz", bufs[b]);
		ok(SX " -b %s -i in.gz 'gunzip|upper|gzip -1|gunzip' | cmp - want", bufs[b]);
	}
}
END_TEST

/* ---- bytes: cat, upper, lower against cat and tr ---- */

START_TEST(test_case_maps)
{
	static const char *const bufs[] = { "1", "7", "4096", "65536" };

	gen("in", kinds[_i], "1M", 7);
	gen("small", kinds[_i], "5000", 8);
	ok("LC_ALL=C tr a-z A-Z < in > up && LC_ALL=C tr A-Z a-z < in > down");
	ok("LC_ALL=C tr a-z A-Z < small > sup && LC_ALL=C tr A-Z a-z < small > sdown");
	for (size_t m = 0; m < 2; m++) {
		for (size_t b = 0; b < 4; b++) {
			/* -b 1 over a MiB would take seconds, to prove nothing more */
			const char *f = b == 0 ? "small" : "in";
			const char *u = b == 0 ? "sup" : "up";
			const char *d = b == 0 ? "sdown" : "down";

			ok(SX " %s -b %s cat < %s | cmp - %s", modes[m], bufs[b], f, f);
			ok(SX " %s -b %s upper < %s | cmp - %s", modes[m], bufs[b], f, u);
			ok(SX " %s -b %s lower < %s | cmp - %s", modes[m], bufs[b], f, d);
			ok(SX " %s -b %s 'upper | lower' < %s | cmp - %s", modes[m],
			   bufs[b], f, d);
			ok(SX " %s -b %s -i %s 'lower|cat|upper' | cmp - %s", modes[m],
			   bufs[b], f, u);
		}
	}
}
END_TEST

/* ---- gunzip_errors: corrupt and truncated input ---- */

/* The configurations every error must behave the same in. */
static const struct {
	const char *mode;
	const char *buf;
} configs[] = {
	{ "--stream", "1" }, { "--stream", "7" }, { "--stream", "65536" },
	{ "--naive", "1" }, { "--naive", "65536" },
};
#define NCONFIGS (sizeof(configs) / sizeof(configs[0]))

/* Runs gunzip over file in configuration c; it must fail with exit 1 and
 * one line naming the stage. Returns the line. */
static const char *gunzip_fails(size_t c, const char *file)
{
	return fails(1, "gunzip (stage 1)", SX " %s -b %s gunzip < %s > out",
		     configs[c].mode, configs[c].buf, file);
}

START_TEST(test_not_gzip)
{
	gen("text", "log", "5000", 1);
	put_file("zlib", "\x78\x9c\xcb\x48\xcd\xc9\xc9\x07\x00\x06\x2c\x02\x15", 13);
	put_file("two", "Xy", 2);
	for (size_t c = 0; c < NCONFIGS; c++) {
		ck_assert_int_eq(byte_in(gunzip_fails(c, "text")), 0);
		ck_assert_int_eq(byte_in(gunzip_fails(c, "zlib")), 0);
		ck_assert_int_eq(byte_in(gunzip_fails(c, "two")), 0);
		ck_assert_int_eq(file_size("out"), 0);
	}
	/* the message counts stages from 1 */
	ck_assert_int_eq(byte_in(fails(1, "gunzip (stage 2)",
				       SX " 'cat | gunzip' < text")), 0);
}
END_TEST

START_TEST(test_empty_input)
{
	put_file("empty", "", 0);
	for (size_t c = 0; c < NCONFIGS; c++)
		ck_assert_int_eq(byte_in(gunzip_fails(c, "empty")), 0);
}
END_TEST

static void assert_truncated(const char *line, long long at)
{
	ck_assert_msg(strstr(line, "truncated") || strstr(line, "unexpected end"),
		      "`%s`: not reported as truncated: %s", last_cmd, line);
	ck_assert_msg(byte_in(line) == at, "`%s`: expected byte %lld in: %s",
		      last_cmd, at, line);
}

/* Cut in the magic, the header, the stored name, the data and the
 * trailer: the error is at the end of what there is. */
START_TEST(test_truncated)
{
	/* 11 is inside the stored name "a", the last ones are set below */
	size_t cuts[] = { 1, 2, 3, 10, 11, 12, 100, 0, 0, 0, 0 };
	size_t len;

	gen("a", "log", "20000", 4);
	ok("gzip -c a > a.gz");
	len = (size_t)file_size("a.gz");
	ck_assert_uint_gt(len, 200);
	cuts[7] = len / 2;
	cuts[8] = len - 8;
	cuts[9] = len - 4;
	cuts[10] = len - 1;
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		truncate_copy("a.gz", "cut.gz", cuts[i]);
		for (size_t c = 0; c < NCONFIGS; c++)
			assert_truncated(gunzip_fails(c, "cut.gz"), (long long)cuts[i]);
	}
}
END_TEST

/* The same for a few MiB, where the cut falls far from the first buffer. */
START_TEST(test_truncated_big)
{
	long long len;

	gen("a", "binary", "3M", 4);
	ok("gzip -1 -c a > a.gz");
	len = file_size("a.gz");
	ck_assert_int_gt(len, 3 << 20);
	truncate_copy("a.gz", "cut.gz", (size_t)len / 2);
	for (size_t m = 0; m < 2; m++)
		assert_truncated(fails(1, "gunzip (stage 1)", SX " %s gunzip < cut.gz > out",
				       modes[m]), len / 2);
}
END_TEST

/* A damaged byte is found at it or after it, at the same place whatever
 * the mode or buffer size. */
START_TEST(test_flipped_byte)
{
	char first[4096];
	size_t len;
	char *gz;

	gen("a", "text", "40000", 6);
	ok("gzip -c < a > a.gz");
	gz = slurp("a.gz", &len);
	ck_assert_ptr_nonnull(gz);
	gz[len / 2] ^= 0x55;
	put_file("bad.gz", gz, len);
	free(gz);
	for (size_t c = 0; c < NCONFIGS; c++) {
		const char *line = gunzip_fails(c, "bad.gz");
		long long at = byte_in(line);

		ck_assert_msg(at > (long long)(len / 2) && at <= (long long)len,
			      "`%s`: byte %lld is not in (%zu, %zu]: %s", last_cmd,
			      at, len / 2, len, line);
		if (c == 0)
			snprintf(first, sizeof(first), "%s", line);
		ck_assert_str_eq(line, first);
	}
}
END_TEST

/* Anything but zeros after the last member is an error at its offset. */
START_TEST(test_trailing_garbage)
{
	long long one, two;

	gen("a", "log", "9000", 9);
	ok("gzip -c < a > a.gz");
	one = file_size("a.gz");
	two = 2 * one;
	ok("cat a.gz > g1.gz && printf 'garbage!' >> g1.gz");
	ok("cat a.gz a.gz > g2.gz && printf 'PK\\003\\004' >> g2.gz");
	ok("cat a.gz > g3.gz && printf '\\000\\000\\000junk' >> g3.gz");
	/* one byte that cannot start a member is garbage, not a truncation */
	ok("cat a.gz > g4.gz && printf 'X' >> g4.gz");
	for (size_t c = 0; c < NCONFIGS; c++) {
		const char *line = gunzip_fails(c, "g1.gz");

		assert_contains(line, "trailing garbage");
		ck_assert_int_eq(byte_in(line), one);
		line = gunzip_fails(c, "g2.gz");
		assert_contains(line, "trailing garbage");
		ck_assert_int_eq(byte_in(line), two);
		line = gunzip_fails(c, "g3.gz");
		assert_contains(line, "trailing garbage");
		ck_assert_int_eq(byte_in(line), one + 3);
		line = gunzip_fails(c, "g4.gz");
		assert_contains(line, "trailing garbage");
		ck_assert_int_eq(byte_in(line), one);
	}
}
END_TEST

/* A failed run leaves neither the output nor its temporary; an existing
 * output replaced with -f stays as it was. */
START_TEST(test_failure_leaves_nothing)
{
	static const char *const bad[] = { "text", "cut.gz", "bad.gz", "junk.gz", "empty" };
	size_t len;
	char *gz;

	gen("text", "log", "100K", 2);
	ok("gzip -c text > a.gz");
	gz = slurp("a.gz", &len);
	ck_assert_ptr_nonnull(gz);
	put_file("cut.gz", gz, len - 3);
	gz[len / 2] ^= 0xff;
	put_file("bad.gz", gz, len);
	free(gz);
	ok("cat a.gz > junk.gz && echo junk >> junk.gz");
	put_file("empty", "", 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (size_t c = 0; c < NCONFIGS; c++) {
			fails(1, "gunzip", SX " %s -b %s -i %s -o o/out gunzip",
			      configs[c].mode, configs[c].buf, bad[i]);
			ck_assert_msg(count_entries("o", NULL) == 0,
				      "`%s` left files in o/", last_cmd);
		}
		put_file("o/out", "precious\n", 9);
		fails(1, "gunzip", SX " -f -i %s -o o/out gunzip", bad[i]);
		fails(1, "gunzip", SX " --naive -f -i %s -o o/out 'cat | gunzip'", bad[i]);
		ok("echo precious | cmp - o/out");
		assert_no_temporary("o");
		ck_assert_int_eq(unlink("o/out"), 0);
	}
}
END_TEST

/* ---- spec_errors: usage errors exit 2 with one line ---- */

static const struct {
	const char *args;
	const char *needle;
} usage_cases[] = {
	{ "gzp", "did you mean 'gzip'" },
	{ "'gzip -x'", "-x" },
	{ "'gzip -0'", "-0" },
	{ "'gzip -10'", "-10" },
	{ "'gunzip -1'", "-1" },
	{ "'upper x'", "upper (stage 1): takes no arguments" },
	{ "'cat\\|x'", "'cat|x'" },
	{ "'cat | nosuchstage'", "nosuchstage" },
	{ "''", "streamx: empty pipeline" },
	{ "'   '", "empty pipeline" },
	{ "'cat || upper'", "empty stage at character 6 of the pipeline" },
	{ "'cat |'", "empty" },
	{ "'| cat'", "empty" },
	{ "\"cat 'abc\"", "unclosed ' quote at character 5 of the pipeline" },
	{ "'gzip \"-9'", "quote" },
	{ "--bogus cat", "--bogus" },
	{ "-z cat", "-z" },
	{ "-zf cat", "-z" },
	{ "-b 0 cat", "'0'" },
	{ "-b abc cat", "abc" },
	{ "-b 2G cat", "2G" },
	{ "-b 1025M cat", "1025M" },
	{ "-b -5 cat", "-5" },
	{ "-b", "-b" },
	{ "", "pipeline" },
	{ "-f -i in", "pipeline" },
	{ "cat extra", "extra" },
	{ "cat upper", "upper" },
	{ "--stats=bogus cat", "bogus" },
	/* no report after a usage error: still one line */
	{ "--stats 'gzip -x'", "-x" },
	{ "--stats=json gzp", "gzp" },
	{ "help nosuch", "nosuch" },
	{ "help gzp", "did you mean 'gzip'" },
	{ "gen", "--size" },
	{ "gen --size 1x", "1x" },
	{ "gen --size 10 --kind foo", "foo" },
	{ "gen --size 10 extra", "extra" },
	{ "gen --size 10 --seed x", "x" },
};

START_TEST(test_usage_error)
{
	const char *line;

	put_file("in", "data\n", 5);
	line = fails(2, usage_cases[_i].needle, SX " %s > out", usage_cases[_i].args);
	ck_assert_msg(file_size("out") == 0, "`%s` wrote to stdout", last_cmd);
	ck_assert_msg(!strstr(line, streamx_bin()),
		      "`%s`: the message names the program path: %s", last_cmd, line);
}
END_TEST

/* A bad pipeline is found before any output file is made. */
START_TEST(test_usage_error_makes_no_output)
{
	put_file("in", "data\n", 5);
	fails(2, "gzp", SX " -i in -o o/out gzp");
	fails(2, "-x", SX " -i in -o o/out 'gzip -x'");
	fails(2, NULL, SX " -i in -o o/out -b 0 cat");
	ck_assert_int_eq(count_entries("o", NULL), 0);
}
END_TEST

/* Quoting in a pipeline is shell-like, and spacing does not matter. */
START_TEST(test_spec_quoting)
{
	gen("in", "text", "20K", 3);
	ok("LC_ALL=C tr a-z A-Z < in > up");
	ok(SX " -i in \"gzip '-9'\" | gzip -dc | cmp - in");
	ok(SX " -i in 'gzip \"--best\"|gunzip' | cmp - in");
	ok(SX " -i in $'\\tlower |upper\\t|  cat  ' | cmp - up");
	ok(SX " -o o/out -i in 'upper' && cmp o/out up");
	/* options may follow the pipeline; -- ends them */
	ok(SX " upper -i in | cmp - up");
	ok(SX " -i in -- upper | cmp - up");
	ok(SX " --inp in --outp - upper | cmp - up");
}
END_TEST

/* ---- output_safety ---- */

START_TEST(test_output_renamed_into_place)
{
	gen("in", "log", "1M", 3);
	ok(SX " -i in -o o/out 'gzip -1'");
	ok("gzip -dc o/out | cmp - in");
	ck_assert_int_eq(count_entries("o", NULL), 1);
	ck_assert_int_eq(chdir("o"), 0);
	ok(SX " --naive -i ../in -o plain cat && cmp plain ../in");
	ck_assert_int_eq(chdir(".."), 0);
	ck_assert_int_eq(count_entries("o", NULL), 2);
	/* - is standard output */
	ok(SX " -i - -o - cat < in | cmp - in");
	/* the mode is 0666 less the umask, as with a shell redirection */
	ok("umask 027 && " SX " -i in -o o/m027 cat && test $(stat -c %%a o/m027) = 640");
	ok("umask 002 && " SX " -i in -o o/m002 cat && test $(stat -c %%a o/m002) = 664");
}
END_TEST

/* -f replaces a symbolic link itself; what it pointed to is left alone. */
START_TEST(test_force_replaces_link)
{
	gen("in", "text", "10K", 3);
	put_file("target", "target\n", 7);
	ck_assert_int_eq(symlink("../target", "o/link"), 0);
	fails(1, "-f", SX " -i in -o o/link cat");
	ok(SX " -f -i in -o o/link cat");
	ok("test ! -L o/link && cmp o/link in && echo target | cmp - target");
	ck_assert_int_eq(count_entries("o", NULL), 1);
}
END_TEST

START_TEST(test_refuse_existing)
{
	gen("in", "text", "100K", 3);
	for (size_t m = 0; m < 2; m++) {
		put_file("o/out", "old\n", 4);
		fails(1, "-f", SX " %s -i in -o o/out cat", modes[m]);
		ok("echo old | cmp - o/out");
		assert_no_temporary("o");
		ok(SX " %s -f -i in -o o/out cat && cmp o/out in", modes[m]);
		ok(SX " %s --force -i in -o o/out upper", modes[m]);
		ok("LC_ALL=C tr a-z A-Z < in | cmp - o/out");
		ck_assert_int_eq(count_entries("o", NULL), 1);
		ck_assert_int_eq(unlink("o/out"), 0);
	}
	/* gen makes its output the same way */
	put_file("o/g", "old\n", 4);
	fails(1, "-f", SX " gen --size 10 -o o/g");
	ok("echo old | cmp - o/g");
	ok(SX " gen --size 10 -o o/g -f && test $(wc -c < o/g) = 10");
}
END_TEST

/* Writing onto the input would destroy it before it is read. */
START_TEST(test_output_is_input)
{
	gen("in", "log", "200K", 3);
	ok("cp in keep && ln in hard && ln -s in soft");
	for (size_t m = 0; m < 2; m++) {
		fails(1, "in", SX " %s -i in -o in cat", modes[m]);
		fails(1, "in", SX " %s -f -i in -o in cat", modes[m]);
		fails(1, "in", SX " %s -f -i in -o ./in 'gzip'", modes[m]);
		fails(1, "hard", SX " %s -f -i in -o hard cat", modes[m]);
		fails(1, "in", SX " %s -f -i soft -o in cat", modes[m]);
		fails(1, "in", SX " %s -f -o in cat < in", modes[m]);
		ok("cmp in keep");
		assert_no_temporary(".");
	}
}
END_TEST

/* The same file as input and standard output (the shell opened it without
 * truncating: >> or <>). */
START_TEST(test_stdout_is_input)
{
	gen("in", "text", "200K", 3);
	ok("cp in keep");
	for (size_t m = 0; m < 2; m++) {
		fails(1, NULL, SX " %s cat < in >> in", modes[m]);
		ok("cmp in keep");
		fails(1, NULL, SX " %s -i in upper 1<> in", modes[m]);
		ok("cmp in keep");
		fails(1, NULL, SX " %s -i in -o - cat >> in", modes[m]);
		ok("cmp in keep");
	}
}
END_TEST

START_TEST(test_dev_null)
{
	gen("in", "text", "100K", 3);
	ok(SX " -i in -o /dev/null cat");
	ok(SX " --naive -i in -o /dev/null 'gzip -9'");
	ok(SX " -i in cat > /dev/null");
	ck_assert_int_eq(count_entries("/dev", ".streamx-"), 0);
	ok("test -c /dev/null");
}
END_TEST

/* A FIFO is written directly; the reader gets the bytes. If streamx
 * fails without opening it, the script opens it to release the reader. */
START_TEST(test_fifo_output)
{
	gen("in", "log", "300K", 3);
	ok("mkfifo o/f");
	ok("cat o/f > got & " SX " %s -i in -o o/f 'gzip | gunzip'; rc=$?\n"
	   "[ $rc = 0 ] || : > o/f; wait; exit $rc", modes[_i]);
	ok("cmp got in && test -p o/f");
	ck_assert_int_eq(count_entries("o", NULL), 1);
}
END_TEST

/* /dev/null as input and output is not one file read and written. */
START_TEST(test_dev_null_both)
{
	ok(SX " -o /dev/null cat < /dev/null");
	ok(SX " -i /dev/null -o /dev/null cat");
	ok(SX " -i /dev/null cat > /dev/null");
}
END_TEST

START_TEST(test_output_directory)
{
	put_file("in", "data\n", 5);
	ck_assert_int_eq(mkdir("d", 0777), 0);
	fails(1, "d", SX " -i in -o d cat");
	fails(1, "d", SX " -f -i in -o d cat");
	fails(1, "d", SX " --naive -f -i in -o d/ cat");
	ck_assert_int_eq(count_entries("d", NULL), 0);
	assert_no_temporary(".");
	fails(1, "nodir", SX " -i in -o nodir/out cat");
	ck_assert(!exists("nodir"));
}
END_TEST

START_TEST(test_bad_input)
{
	ck_assert_int_eq(mkdir("d", 0777), 0);
	fails(1, "d", SX " -i d cat");
	fails(1, "d", SX " --naive -i d -o o/out gzip");
	fails(1, NULL, SX " cat < d");
	fails(1, "missing-file", SX " -i missing-file cat");
	fails(1, "missing-file", SX " -i missing-file -o o/out cat");
	ck_assert_int_eq(count_entries("o", NULL), 0);
}
END_TEST

/* A write error is a plain failure, not a crash or a silent success. */
START_TEST(test_write_error)
{
	if (access("/dev/full", W_OK) != 0)
		return; /* no /dev/full here: nothing to test with */
	gen("in", "log", "300K", 3);
	for (size_t m = 0; m < 2; m++) {
		fails(1, NULL, SX " %s -i in cat > /dev/full", modes[m]);
		fails(1, NULL, SX " %s -i in -o /dev/full cat", modes[m]);
	}
}
END_TEST

/* Starts streamx with args (argv[0] included, NULL-terminated), standard
 * input a pipe whose write end is returned: a writer as slow as the test
 * wants. Standard output goes to /dev/null, standard error to sh.err. */
static pid_t spawn_slow_input(char *const argv[], int *wfd)
{
	const char *bin = streamx_bin();
	int fds[2];
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[1]);
		child_stdio(fds[0], "/dev/null");
		close(fds[0]);
		execv(bin, argv);
		_exit(127);
	}
	close(fds[0]);
	*wfd = fds[1];
	snprintf(last_cmd, sizeof(last_cmd), "%s %s %s %s %s ...", argv[0],
		 argv[1], argv[2], argv[3], argv[4]);
	return pid;
}

/* Waits (up to 5 s) until dir holds a streamx temporary. */
static void wait_for_temporary(const char *dir)
{
	for (int i = 0; i < 500; i++) {
		if (count_entries(dir, ".streamx-") == 1)
			return;
		sleep_ms(10);
	}
	ck_abort_msg("`%s`: no temporary appeared in %s", last_cmd, dir);
}

/* Without -f, a file made by someone else while we ran is not replaced. */
START_TEST(test_output_appears_meanwhile)
{
	char *argv[] = { "streamx", (char *)modes[_i], "-o", "o/out", "cat", NULL };
	int wfd, wstatus;
	pid_t pid = spawn_slow_input(argv, &wfd);

	wait_for_temporary("o");
	put_file("o/out", "theirs\n", 7);
	write_all(wfd, "ours\n", 5);
	close(wfd);
	wstatus = wait_for(pid);
	ck_assert_int_eq(status_of(wstatus), 1);
	assert_contains(error_line(), "-f");
	ok("echo theirs | cmp - o/out");
	ck_assert_int_eq(count_entries("o", NULL), 1);
}
END_TEST

/* ---- pipes_signals ---- */

/* A reader that goes away ends streamx as it ends cat: by SIGPIPE, in
 * silence, at once. */
START_TEST(test_closed_pipe)
{
	static const char *const pipelines[] = { "cat", "'gzip -1 | gunzip'", "upper" };
	const char *mode = modes[_i % 2];
	const char *pl = pipelines[_i / 2];
	int rc;

	gen("big", "log", "4M", 3);
	ok("head -c 100 big > want");
	if (strcmp(pl, "upper") == 0)
		ok("LC_ALL=C tr a-z A-Z < want > w && mv w want");
	rc = sh(SX " %s --stats -i big %s | head -c 100 > got; exit ${PIPESTATUS[0]}",
		mode, pl);
	ck_assert_msg(rc == 141, "`%s`: streamx exited %d, not 141 (SIGPIPE); stderr: %s",
		      last_cmd, rc, stderr_text());
	ck_assert_msg(file_size(err_path) == 0, "`%s` printed: %s", last_cmd,
		      stderr_text());
	ok("cmp got want");
	/* the reference tool behaves the same */
	ck_assert_int_eq(sh("cat big | head -c 100 > /dev/null; exit ${PIPESTATUS[0]}"), 141);
}
END_TEST

START_TEST(test_closed_pipe_gen)
{
	int rc = sh(SX " gen --size 50M | head -c 10 > got; exit ${PIPESTATUS[0]}");

	ck_assert_msg(rc == 141, "`%s` exited %d; stderr: %s", last_cmd, rc,
		      stderr_text());
	ck_assert_int_eq(file_size(err_path), 0);
	ck_assert_int_eq(file_size("got"), 10);
}
END_TEST

/* A signal mid-run: the temporary was there, and afterwards neither it
 * nor the output is, and streamx died of that very signal. Loop index:
 * bit 0 naive, bit 1 an existing output replaced with -f, which must
 * survive; the rest picks the signal. */
START_TEST(test_signal_mid_run)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	int sig = sigs[_i >> 2];
	char *argv[] = { "streamx", _i & 1 ? "--naive" : "--stream",
			 _i & 2 ? "-f" : "--stream", "-o", "o/out", "upper", NULL };
	int wfd, wstatus;
	pid_t pid;

	if (_i & 2)
		put_file("o/out", "old\n", 4);
	pid = spawn_slow_input(argv, &wfd);
	write_all(wfd, "some input, more to come\n", 25);
	wait_for_temporary("o");
	sleep_ms(300);
	ck_assert_int_eq(kill(pid, sig), 0);
	wstatus = wait_for(pid);
	close(wfd);
	ck_assert_msg(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == sig,
		      "`%s`: status %d, not death by signal %d; stderr: %s",
		      last_cmd, status_of(wstatus), sig, stderr_text());
	assert_no_temporary("o");
	if (_i & 2) {
		ok("echo old | cmp - o/out");
		ck_assert_int_eq(count_entries("o", NULL), 1);
	} else {
		ck_assert_int_eq(count_entries("o", NULL), 0);
	}
}
END_TEST

/* The same from a shell, the writer a FIFO the shell holds open. (Not
 * SIGINT: a non-interactive shell starts background jobs ignoring it.) */
START_TEST(test_signal_from_shell)
{
	int rc = sh("mkfifo slow || exit 99\n"
		    SX " -o o/out cat < slow & pid=$!\n"
		    "exec 3> slow; echo some >&3; sleep 0.3\n"
		    "kill -TERM $pid; wait $pid");

	ck_assert_int_eq(rc, 128 + SIGTERM);
	ck_assert_int_eq(count_entries("o", NULL), 0);
}
END_TEST

/* ---- stats_and_commands ---- */

/* The number after label in text, or -1. */
static long long number_after(const char *text, const char *label)
{
	const char *p = strstr(text, label);

	if (!p)
		return -1;
	p += strlen(label);
	while (*p == ' ' || *p == ':' || *p == '"')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	return strtoll(p, NULL, 10);
}

START_TEST(test_stats_text)
{
	const char *text;
	long long in, out;

	gen("in", "log", "1M", 3);
	in = file_size("in");
	ok(SX " %s --stats -i in 'gzip -1' > out.gz", modes[_i]);
	out = file_size("out.gz");
	text = stderr_text();
	assert_contains(text, "peak RSS");
	ck_assert_int_eq(number_after(text, "bytes in"), in);
	ck_assert_int_eq(number_after(text, "bytes out"), out);
	ck_assert_msg(strncmp(text, "streamx: ", 9) == 0, "%s", text);
	for (const char *nl = strchr(text, '\n'); nl && nl[1]; nl = strchr(nl + 1, '\n'))
		ck_assert_msg(strncmp(nl + 1, "streamx: ", 9) == 0,
			      "a stats line without 'streamx: ': %s", text);
	/* from a pipe, where no size is known in advance */
	ok("cat in | " SX " %s --stats=text cat > /dev/null", modes[_i]);
	ck_assert_int_eq(number_after(stderr_text(), "bytes in"), in);
	ck_assert_int_eq(number_after(stderr_text(), "bytes out"), in);
}
END_TEST

START_TEST(test_stats_json)
{
	size_t len;
	char *js;
	long long in, out;
	char want[64];

	gen("in", "text", "700K", 3);
	in = file_size("in");
	ok(SX " %s --stats=json -i in 'upper | gzip -9' > out.gz", modes[_i]);
	out = file_size("out.gz");
	js = slurp(err_path, &len);
	ck_assert_ptr_nonnull(js);
	ck_assert_msg(len > 2 && js[0] == '{' && js[len - 2] == '}' && js[len - 1] == '\n',
		      "not one JSON object: %s", js);
	ck_assert_msg(memchr(js, '\n', len) == js + len - 1, "not one line: %s", js);
	snprintf(want, sizeof(want), "\"bytes_in\":%lld", in);
	assert_contains(js, want);
	snprintf(want, sizeof(want), "\"bytes_out\":%lld", out);
	assert_contains(js, want);
	ck_assert_int_gt(number_after(js, "\"rss_peak_bytes\""), 0);
	free(js);
}
END_TEST

/* After a failed run the report follows the one error line; after a
 * failure to open, it does not. The last of --stream/--naive counts. */
START_TEST(test_stats_after_failure)
{
	size_t len;
	char *err, *nl;

	gen("in", "log", "10K", 3);
	ck_assert_int_eq(sh(SX " --stats=json gunzip < in"), 1);
	err = slurp(err_path, &len);
	ck_assert_ptr_nonnull(err);
	nl = strchr(err, '\n');
	ck_assert_msg(nl && strncmp(err, "streamx: gunzip (stage 1)", 25) == 0 &&
		      nl[1] == '{' && strcmp(err + len - 2, "}\n") == 0 &&
		      strchr(nl + 1, '\n') == err + len - 1,
		      "expected an error line then one JSON line: %s", err);
	assert_contains(nl, "\"status\":");
	ck_assert_msg(!strstr(nl, "\"status\":\"ok\""), "failure reported as ok: %s", nl);
	free(err);
	fails(1, "missing", SX " --stats -i missing cat");
	ok(SX " --naive --stream --stats=json -i in cat > /dev/null");
	assert_contains(stderr_text(), "\"mode\":\"stream\"");
	ok(SX " --stream --naive --stats=json -i in cat > /dev/null");
	assert_contains(stderr_text(), "\"mode\":\"naive\"");
}
END_TEST

/* Streaming holds a few buffers whatever the input size; naive mode holds
 * the whole input, so its peak is higher by at least that. */
START_TEST(test_stream_memory_bounded)
{
	long long stream_peak, naive_peak;

	gen("in", "binary", "16M", 3);
	ok(SX " --stats=json -i in cat > /dev/null");
	stream_peak = number_after(stderr_text(), "\"rss_peak_bytes\"");
	ok(SX " --naive --stats=json -i in cat > /dev/null");
	naive_peak = number_after(stderr_text(), "\"rss_peak_bytes\"");
	ck_assert_int_gt(stream_peak, 0);
	ck_assert_int_ge(naive_peak, 16 << 20);
	ck_assert_msg(stream_peak + (8 << 20) < naive_peak,
		      "stream peak %lld, naive peak %lld", stream_peak, naive_peak);
}
END_TEST

/* Buffer sizes with suffixes, up to the 1G limit. */
START_TEST(test_buffer_suffixes)
{
	static const char *const sizes[] = { "1", "3", "1K", "4k", "64K", "1M", "1KiB" };

	gen("in", "text", "100K", 3);
	ok("LC_ALL=C tr a-z A-Z < in > up");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		ok(SX " -b %s -i in upper | cmp - up", sizes[i]);
	ok(SX " --buffer-size=8K -i in cat | cmp - in");
	ok(SX " --buffer 2MiB -i in cat | cmp - in");
	/* naive mode takes no buffers from the pool: 1G costs nothing */
	ok(SX " --naive -b 1G -i in cat | cmp - in");
	ok(SX " --naive -b 1024M -i in cat | cmp - in");
}
END_TEST

START_TEST(test_list)
{
	static const char *const names[] = { "cat", "upper", "lower", "gzip", "gunzip" };

	ok(SX " list > list");
	ck_assert_int_eq(file_size(err_path), 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ok("grep -q '^%s ' list", names[i]);
}
END_TEST

/* Every stage list shows has a help page. */
START_TEST(test_help_every_stage)
{
	ok(SX " list | cut -d' ' -f1 > names && test -s names");
	ok("while read -r n; do " SX " help \"$n\" > h || exit 1; "
	   "grep -q \"$n\" h || exit 2; grep -qi usage h || exit 3; done < names");
	ok(SX " help gzip > h && grep -q -- '-9' h && grep -q 'Usage' h");
	ck_assert_int_eq(file_size(err_path), 0);
}
END_TEST

START_TEST(test_version_help)
{
	char *v;
	size_t len;

	ok(SX " --version > v");
	v = slurp("v", &len);
	ck_assert_ptr_nonnull(v);
	ck_assert_msg(strncmp(v, "streamx ", 8) == 0 && v[8] >= '0' && v[8] <= '9' &&
		      memchr(v, '\n', len) == v + len - 1, "bad version line: %s", v);
	free(v);
	ok(SX " -V | cmp - v");
	ok(SX " --help > h && grep -q Usage h && grep -q -- --stats h");
	ok(SX " -h | cmp - h");
	ok(SX " help | cmp - h");
	ck_assert_int_eq(file_size(err_path), 0);
}
END_TEST

START_TEST(test_gen)
{
	static const struct { const char *arg, *bytes; } sizes[] = {
		{ "0", "0" }, { "1", "1" }, { "4095", "4095" }, { "4097", "4097" },
		{ "100K", "102400" }, { "1M", "1048576" }, { "3kib", "3072" },
	};

	for (size_t k = 0; k < 3; k++) {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			ok("test $(" SX " gen --size %s --kind %s | wc -c) = %s",
			   sizes[i].arg, kinds[k], sizes[i].bytes);
		gen("a", kinds[k], "300K", 42);
		gen("b", kinds[k], "300K", 42);
		gen("c", kinds[k], "300K", 43);
		ok("cmp a b");
		ck_assert_int_eq(sh("cmp -s a c"), 1);
		/* a shorter run is a prefix of a longer one */
		ok(SX " gen --size 2M --kind %s --seed 5 > long2", kinds[k]);
		truncate_copy("long2", "long", 1 << 20);
		ok(SX " gen --size 1M --kind %s --seed 5 | cmp - long", kinds[k]);
		ok(SX " gen --size 1M --kind %s --seed 5 -o o/g%zu && cmp o/g%zu long",
		   kinds[k], k, k);
	}
	/* short options; a seed reads like a size */
	ok(SX " gen -s 10K -k text -S 2K | cmp - <(" SX
	   " gen --size 10240 --kind text --seed 2048)");
	ok(SX " gen --size 10K | cmp - <(" SX " gen --size 10K --kind log --seed 1)");
	/* kinds differ; text and log are printable lines, binary is not */
	ck_assert_int_eq(sh(SX " gen --size 1K --kind text | cmp -s - <(" SX
			    " gen --size 1K --kind log)"), 1);
	for (size_t k = 0; k < 3; k++) {
		gen("k", kinds[k], "100K", 1);
		ck_assert_int_eq(sh("LC_ALL=C grep -q '[^ -~]' k"), k == 2 ? 0 : 1);
	}
}
END_TEST

/* ---- the suite ---- */

static void add_gunzip_error_tests(TCase *tc)
{
	tcase_add_test(tc, test_not_gzip);
	tcase_add_test(tc, test_empty_input);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_truncated_big);
	tcase_add_test(tc, test_flipped_byte);
	tcase_add_test(tc, test_trailing_garbage);
	tcase_add_test(tc, test_failure_leaves_nothing);
}

Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc;

	tc = sh_tcase(s, "gzip");
	tcase_add_loop_test(tc, test_gzip_roundtrip, 0, 3);
	tcase_add_loop_test(tc, test_gzip_tiny, 0, 2);
	tcase_add_test(tc, test_gzip_header_and_levels);
	tcase_add_loop_test(tc, test_gzip_buffer_one, 0, 3);
	tcase_add_test(tc, test_gunzip_members);
	tcase_add_test(tc, test_gunzip_zero_padding);
	tcase_add_test(tc, test_chain);

	tc = sh_tcase(s, "bytes");
	tcase_add_loop_test(tc, test_case_maps, 0, 3);

	tc = sh_tcase(s, "gunzip_errors");
	add_gunzip_error_tests(tc);

	if (isal_built_in()) { /* ISA-L inflates by default: gunzip on zlib too */
		tc = sh_tcase(s, "gunzip_zlib");
		inflate_on_zlib(tc);
		tcase_add_loop_test(tc, test_gzip_roundtrip, 0, 3);
		tcase_add_loop_test(tc, test_gzip_tiny, 0, 2);
		tcase_add_loop_test(tc, test_gzip_buffer_one, 0, 3);
		tcase_add_test(tc, test_gunzip_members);
		tcase_add_test(tc, test_gunzip_zero_padding);
		tcase_add_test(tc, test_chain);
		add_gunzip_error_tests(tc);
	}

	tc = sh_tcase(s, "spec_errors");
	tcase_add_loop_test(tc, test_usage_error, 0,
			    (int)(sizeof(usage_cases) / sizeof(usage_cases[0])));
	tcase_add_test(tc, test_usage_error_makes_no_output);
	tcase_add_test(tc, test_spec_quoting);

	tc = sh_tcase(s, "output_safety");
	tcase_add_test(tc, test_output_renamed_into_place);
	tcase_add_test(tc, test_refuse_existing);
	tcase_add_test(tc, test_force_replaces_link);
	tcase_add_test(tc, test_output_is_input);
	tcase_add_test(tc, test_stdout_is_input);
	tcase_add_test(tc, test_dev_null);
	tcase_add_test(tc, test_dev_null_both);
	tcase_add_loop_test(tc, test_fifo_output, 0, 2);
	tcase_add_test(tc, test_output_directory);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_write_error);
	tcase_add_loop_test(tc, test_output_appears_meanwhile, 0, 2);

	tc = sh_tcase(s, "pipes_signals");
	tcase_add_loop_test(tc, test_closed_pipe, 0, 6);
	tcase_add_test(tc, test_closed_pipe_gen);
	tcase_add_loop_test(tc, test_signal_mid_run, 0, 12);
	tcase_add_test(tc, test_signal_from_shell);

	tc = sh_tcase(s, "stats_and_commands");
	tcase_add_loop_test(tc, test_stats_text, 0, 2);
	tcase_add_loop_test(tc, test_stats_json, 0, 2);
	tcase_add_test(tc, test_stats_after_failure);
	tcase_add_test(tc, test_stream_memory_bounded);
	tcase_add_test(tc, test_buffer_suffixes);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_help_every_stage);
	tcase_add_test(tc, test_version_help);
	tcase_add_test(tc, test_gen);
	return s;
}
