/* check_count.c - wc, crc32, adler32, sha256 and tee against the real tools. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <openssl/evp.h>

#include "builtin.h"
#include "sha256.h"
#include "suites.h"
#include "test_diff.h"

/*
 * In process: every stage at every chunking, wc's counts against a
 * model of GNU wc written here from its rules (not from the stage's
 * code), the checksums against one call of zlib or OpenSSL over the
 * whole input. Against the tools: diff_check tables. Through the binary:
 * tee's file handling and every usage and I/O error.
 */

/* ---- helpers ---- */

/* A deterministic byte generator: mostly letters and spaces, with
 * newlines, tabs and (when odd is set) bytes that neither start nor end
 * a word in GNU wc's C locale: NUL, controls, DEL, >= 0x80. */
static unsigned char *mixed_input(size_t len, unsigned seed, int odd)
{
	static const char pick[] = "abcdefghijklmnopqrstuvwxyz      \n\n\t.,";
	static const unsigned char oddities[] = { 0, 1, 0x1f, 0x7f, 0x80, 0xa0, 0xff, '\v', '\f', '\r' };
	unsigned char *p = malloc(len ? len : 1);
	unsigned r = seed * 2654435761u + 1;

	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < len; i++) {
		r = r * 1103515245u + 12345u;
		if (odd && (r >> 16) % 23 == 0)
			p[i] = oddities[(r >> 8) % sizeof(oddities)];
		else
			p[i] = (unsigned char)pick[(r >> 16) % (sizeof(pick) - 1)];
	}
	return p;
}

/* GNU wc -lwc in the C locale, from its rules: a printable byte
 * (0x21 .. 0x7e) starts a word unless one is open, a space byte
 * (space, \t \n \v \f \r) closes it, any other byte does neither. */
static void model_wc(const unsigned char *p, size_t n, unsigned long long c[3])
{
	int open = 0;

	c[0] = c[1] = 0;
	c[2] = n;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n')
			c[0]++;
		if (p[i] == ' ' || (p[i] >= '\t' && p[i] <= '\r')) {
			open = 0;
		} else if (p[i] > ' ' && p[i] < 0x7f) {
			c[1] += !open;
			open = 1;
		}
	}
}

/* The line `... | wc FLAGS` prints for counts c, flags a subset of "lwc". */
static void model_line(const unsigned long long c[3], const char *flags,
		       char *out, size_t size)
{
	const char *order = "lwc";
	int all = !flags[0], single = strlen(flags) == 1;
	size_t n = 0;

	out[0] = '\0';
	for (int i = 0; i < 3; i++)
		if (all || strchr(flags, order[i]))
			n += (size_t)snprintf(out + n, size - n, "%s%*llu", n ? " " : "",
					      single ? 1 : 7, c[i]);
	snprintf(out + n, size - n, "\n");
}

/* Runs spec and asserts it succeeds with exactly want. */
static void expect_out(struct run_result r, const char *want, const char *what)
{
	ck_assert_msg(r.status == SX_OK, "%s: %s", what, r.err.msg);
	ck_assert_msg(r.out_len == strlen(want) && memcmp(r.out, want, r.out_len) == 0,
		      "%s: got '%.*s', want '%s'", what, (int)r.out_len,
		      r.out ? (const char *)r.out : "", want);
	ck_assert_uint_eq(r.pool_out, 0);
	free(r.out);
}

static const char *const wc_flags[] = { "", "l", "w", "c", "lw", "wc", "lc", "lwc" };
#define NFLAGS (sizeof(wc_flags) / sizeof(wc_flags[0]))

static void wc_spec(const char *flags, char *spec, size_t size)
{
	snprintf(spec, size, flags[0] ? "wc -%s" : "wc", flags);
}

/* ---- wc in process ---- */

/* Hand-checked cases (each checked against GNU wc 9.1 in the C locale). */
START_TEST(test_wc_known)
{
	static const struct { const char *in; size_t len; const char *spec, *want; } cases[] = {
		{ "", 0, "wc", "      0       0       0\n" },
		{ "", 0, "wc -l", "0\n" },
		{ "", 0, "wc -w", "0\n" },
		{ "", 0, "wc -c", "0\n" },
		{ "", 0, "wc -lc", "      0       0\n" },
		{ "a b\nc", 5, "wc", "      1       3       5\n" },
		{ "a b\nc", 5, "wc -c -l", "      1       5\n" },
		{ "a b\nc", 5, "wc --words --lines", "      1       3\n" },
		{ "a b\nc", 5, "wc --bytes", "5\n" },
		{ "a\0b", 3, "wc -w", "1\n" },            /* NUL inside a word */
		{ "\0", 1, "wc -w", "0\n" },              /* and none on its own */
		{ "a \x01 b", 5, "wc -w", "2\n" },
		{ "x\xffy \xc3\xa9 \x80", 8, "wc -w", "1\n" }, /* high bytes likewise */
		{ "\x7f\x1f", 2, "wc -w", "0\n" },
		{ "a\vb\fc\rd\te f", 11, "wc -w", "6\n" },
		{ "\n\n\n", 3, "wc -lw", "      3       0\n" },
		{ "word", 4, "wc", "      0       1       4\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		expect_out(run_naive(cases[i].spec, cases[i].in, cases[i].len),
			   cases[i].want, cases[i].spec);
		for (size_t chunk = 1; chunk <= cases[i].len + 1; chunk++)
			expect_out(run_stream(cases[i].spec, cases[i].in, cases[i].len,
					      chunk, chunk % 2 ? 1 : 4096),
				   cases[i].want, cases[i].spec);
	}
}
END_TEST

/* Counts wider than 7 columns push the columns apart, as in GNU wc. */
START_TEST(test_wc_wide_counts)
{
	size_t len = 12345678;
	unsigned char *in = malloc(len);

	ck_assert_ptr_nonnull(in);
	for (size_t i = 0; i < len; i++)
		in[i] = i % 2 ? '\n' : 'w';
	expect_out(run_naive("wc", in, len), "6172839 6172839 12345678\n", "wc");
	expect_out(run_stream("wc", in, len, 65536, 65536),
		   "6172839 6172839 12345678\n", "wc");
	expect_out(run_stream("wc -c", in, len, 4096, 7), "12345678\n", "wc -c");
	expect_out(run_stream("wc -lc", in, len, 4097, 7), "6172839 12345678\n", "wc -lc");
	memset(in, 'w', len);
	expect_out(run_naive("wc -lw", in, len), "      0       1\n", "wc -lw");
	free(in);
}
END_TEST

/* Every split of a short input holding every kind of word boundary:
 * a word split across chunks counts once. */
START_TEST(test_wc_every_split)
{
	static const char in[] = "one two\tthree\n  \xff" "four\0five\x01 six\r\n\v"
				 "seven\x80 \x80 eight \xc3\xa9t\xc3\xa9\n\f.";
	size_t len = sizeof(in) - 1;
	unsigned long long c[3];
	char want[80], spec[16];

	model_wc((const unsigned char *)in, len, c);
	ck_assert_uint_eq(c[1], 9);
	for (size_t f = 0; f < NFLAGS; f++) {
		wc_spec(wc_flags[f], spec, sizeof(spec));
		model_line(c, wc_flags[f], want, sizeof(want));
		expect_out(run_naive(spec, in, len), want, spec);
		for (size_t chunk = 1; chunk <= len; chunk++)
			expect_out(run_stream(spec, in, len, chunk, 7), want, spec);
	}
}
END_TEST

/* Long inputs cross the 16- and 64-byte blocks of the fast paths and the
 * sums taken every few thousand bytes; some hold odd bytes, some not. */
START_TEST(test_wc_long_model)
{
	static const size_t lens[] = { 15, 16, 17, 63, 64, 65, 2031, 2032, 2033,
				       16319, 16320, 16321, 200003 };
	static const size_t chunks[] = { 1, 3, 16, 17, 64, 2032, 4096, 65536 };
	size_t i = (size_t)_i / 2;
	int odd = _i % 2;
	unsigned char *in = mixed_input(lens[i], (unsigned)_i, odd);
	unsigned long long c[3];
	char want[80], spec[16];

	model_wc(in, lens[i], c);
	for (size_t f = 0; f < NFLAGS; f++) {
		wc_spec(wc_flags[f], spec, sizeof(spec));
		model_line(c, wc_flags[f], want, sizeof(want));
		expect_out(run_naive(spec, in, lens[i]), want, spec);
		for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++)
			expect_out(run_stream(spec, in, lens[i], chunks[k], 4096), want, spec);
	}
	free(in);
}
END_TEST

/* Printable runs starting at every offset of a block, in text with no
 * odd bytes (the fast path throughout) and the same with one NUL. */
START_TEST(test_wc_block_offsets)
{
	unsigned char in[300];
	unsigned long long c[3];
	char want[80];

	for (size_t start = 0; start < 70; start++)
		for (size_t wlen = 1; wlen < 20; wlen += 3) {
			memset(in, ' ', sizeof(in));
			memset(in + start, 'x', wlen);
			memset(in + start + wlen + 1, 'y', 40);
			in[start + wlen + 60] = '\n';
			for (int nul = 0; nul < 2; nul++) {
				if (nul)
					in[start + wlen / 2] = 0;
				model_wc(in, sizeof(in), c);
				model_line(c, "", want, sizeof(want));
				expect_out(run_naive("wc", in, sizeof(in)), want, "wc");
				expect_out(run_stream("wc", in, sizeof(in), 33, 4096), want, "wc");
			}
		}
}
END_TEST

START_TEST(test_wc_chunking_same)
{
	unsigned char *in = mixed_input(20000, 5, 1);
	char spec[16];

	for (size_t f = 0; f < NFLAGS; f++) {
		wc_spec(wc_flags[f], spec, sizeof(spec));
		assert_every_chunking(spec, in, 20000, "mixed text");
	}
	assert_every_chunking("wc | wc", in, 20000, "mixed text");
	free(in);
}
END_TEST

/* ---- checksums in process ---- */

static void hex_of(const unsigned char *md, unsigned n, char *out)
{
	for (unsigned i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

/* What each checksum stage must print for in[0..len), from one call. */
static void expected_sum(const char *stage, const unsigned char *in, size_t len,
			 char *want, size_t size)
{
	if (strcmp(stage, "crc32") == 0) {
		snprintf(want, size, "%08lx\n", crc32(0, in, (uInt)len));
	} else if (strcmp(stage, "adler32") == 0) {
		snprintf(want, size, "%08lx\n", adler32(1, in, (uInt)len));
	} else {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned n = 0;

		ck_assert_int_eq(EVP_Digest(in, len, md, &n, EVP_sha256(), NULL), 1);
		ck_assert_uint_eq(n, 32);
		hex_of(md, n, want);
		snprintf(want + 64, size - 64, "  -\n");
	}
}

static const char *const sums[] = { "crc32", "adler32", "sha256" };

START_TEST(test_sums_known)
{
	/* well-known values: "123456789" is the CRC check string */
	expect_out(run_naive("crc32", "123456789", 9), "cbf43926\n", "crc32");
	expect_out(run_naive("adler32", "Wikipedia", 9), "11e60398\n", "adler32");
	expect_out(run_naive("crc32", "", 0), "00000000\n", "crc32");
	expect_out(run_naive("adler32", "", 0), "00000001\n", "adler32");
	expect_out(run_stream("sha256", "", 0, 1, 1),
		   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  -\n",
		   "sha256");
	expect_out(run_stream("sha256", "abc", 3, 1, 7),
		   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  -\n",
		   "sha256");
}
END_TEST

/* Every split of short inputs, and the usual chunkings of long ones,
 * give what one call over the whole input gives. */
static void check_every_split(const char *stage)
{
	static const size_t lens[] = { 1, 2, 55, 56, 63, 64, 65, 119, 120, 300, 5555, 100000 };
	char want[128];

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		unsigned char *in = make_input(2, lens[i], (unsigned)i);

		expected_sum(stage, in, lens[i], want, sizeof(want));
		expect_out(run_naive(stage, in, lens[i]), want, stage);
		for (size_t chunk = 1; chunk <= lens[i] && chunk <= 300; chunk++)
			expect_out(run_stream(stage, in, lens[i], chunk, chunk % 3 ? 4096 : 1),
				   want, stage);
		expect_out(run_stream(stage, in, lens[i], 4097, 7), want, stage);
		if (lens[i] <= 5555)
			assert_every_chunking(stage, in, lens[i], "binary");
		free(in);
	}
}

START_TEST(test_sums_every_split)
{
	check_every_split(sums[_i]);
}
END_TEST

/* The other engine for sha256 (the one CPUs without SHA-NI use). */
START_TEST(test_sha256_on_libcrypto)
{
	ck_assert_int_eq(setenv("STREAMX_SHA256", "libcrypto", 1), 0);
	check_every_split("sha256");
	unsetenv("STREAMX_SHA256");
}
END_TEST

/* A checksum after other stages sees their output. */
START_TEST(test_sums_in_pipelines)
{
	unsigned char *in = mixed_input(50000, 3, 1);
	char want[128];

	expected_sum("sha256", in, 50000, want, sizeof(want));
	expect_out(run_stream("gzip | gunzip | sha256", in, 50000, 999, 4096), want,
		   "gzip | gunzip | sha256");
	expect_out(run_naive("cat | crc32 | cat", "123456789", 9), "cbf43926\n",
		   "cat | crc32 | cat");
	free(in);
}
END_TEST

/* ---- tee in process (in the test's directory) ---- */

/* A test stage that passes on its first 10 bytes, then needs no more. */
struct stop_state {
	size_t seen;
};

static int stop_process(struct sx_stage *st, const unsigned char *in, size_t len,
			struct sx_out *out)
{
	struct stop_state *s = st->priv;
	size_t n = len < 10 - s->seen ? len : 10 - s->seen;
	int rc = sx_out_write(out, in, n);

	s->seen += n;
	if (rc)
		return rc;
	return s->seen == 10 ? SX_DONE : SX_OK;
}

/* A test stage that fails with a data error at its 101st byte. */
static int boom_process(struct sx_stage *st, const unsigned char *in, size_t len,
			struct sx_out *out)
{
	if (st->bytes_in + len > 100)
		return sx_stage_fail(st, SX_EDATA, "boom at byte 100");
	return sx_out_write(out, in, len);
}

static const struct sx_stage_ops stop_ops = {
	.abi = SX_STAGE_ABI, .name = "stop", .summary = "", .usage = "",
	.priv_size = sizeof(struct stop_state), .process = stop_process,
};

static const struct sx_stage_ops boom_ops = {
	.abi = SX_STAGE_ABI, .name = "boom", .summary = "", .usage = "",
	.process = boom_process,
};

static const struct sx_registry *test_stages(void)
{
	static struct sx_registry reg;
	static int ready;
	struct sx_error err;

	if (!ready) {
		sx_registry_init(&reg);
		ck_assert_int_eq(sx_builtin_register(&reg, &err), SX_OK);
		ck_assert_int_eq(sx_registry_add(&reg, &stop_ops, &err), SX_OK);
		ck_assert_int_eq(sx_registry_add(&reg, &boom_ops, &err), SX_OK);
		ready = 1;
	}
	return &reg;
}

static void assert_file_is(const char *path, const void *data, size_t len)
{
	size_t got;
	char *p = slurp(path, &got);

	ck_assert_msg(p != NULL, "%s is missing", path);
	ck_assert_msg(got == len && memcmp(p, data, len) == 0,
		      "%s holds %zu bytes, not the %zu expected", path, got, len);
	free(p);
}

START_TEST(test_tee_every_chunking)
{
	static const size_t lens[] = { 0, 1, 4095, 70000 };

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		unsigned char *in = make_input(2, lens[i], 7 + (unsigned)i);

		assert_every_chunking("tee copy", in, lens[i], "binary");
		assert_file_is("copy", in, lens[i]);
		assert_every_chunking("tee copy | wc", in, lens[i], "binary");
		assert_file_is("copy", in, lens[i]);
		assert_every_chunking("gzip | tee copy.gz | gunzip", in, lens[i], "binary");
		ck_assert_int_eq(sh("gzip -dc copy.gz | cmp -s - copy"), 0);
		ck_assert_int_eq(count_entries(".", ".streamx-"), 0);
		free(in);
	}
}
END_TEST

/* A later stage that needs no more input does not cut the copy short:
 * FILE gets the whole stream in both modes, the output only the start. */
START_TEST(test_tee_downstream_done)
{
	static const size_t chunks[] = { 1, 7, 4096, 100000 };
	unsigned char *in = make_input(0, 50000, 3);

	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		struct run_result r = run_stream_in(test_stages(), "tee copy | stop", in,
						    50000, chunks[c], 13);

		ck_assert_msg(r.status == SX_OK, "%s", r.err.msg);
		ck_assert_uint_eq(r.out_len, 10);
		ck_assert_mem_eq(r.out, in, 10);
		free(r.out);
		assert_file_is("copy", in, 50000);
		unlink("copy");
	}
	{
		struct run_result r = run_naive_in(test_stages(), "tee copy | stop", in, 50000);

		ck_assert_msg(r.status == SX_OK, "%s", r.err.msg);
		ck_assert_uint_eq(r.out_len, 10);
		free(r.out);
		assert_file_is("copy", in, 50000);
	}
	ck_assert_int_eq(count_entries(".", ".streamx-"), 0);
	free(in);
}
END_TEST

/* A failure before tee's input ends leaves no copy, no temporary, and an
 * existing FILE as it was. In naive mode tee has seen all of its input
 * before a later stage starts, so a later failure comes too late to
 * keep FILE from being replaced; in stream mode it stops tee first. */
START_TEST(test_tee_failure_leaves_file)
{
	unsigned char *in = make_input(0, 5000, 4);
	struct run_result r;

	r = run_stream_in(test_stages(), "tee copy | boom", in, 5000, 64, 4096);
	ck_assert_int_eq(r.status, SX_EDATA);
	free(r.out);
	ck_assert(!exists("copy"));
	put_text("copy", "precious\n");
	for (size_t chunk = 1; chunk < 300; chunk += 37) {
		r = run_stream_in(test_stages(), "tee copy | boom", in, 5000, chunk, 7);
		ck_assert_int_eq(r.status, SX_EDATA);
		free(r.out);
		r = run_stream_in(test_stages(), "boom | tee copy", in, 5000, chunk, 7);
		ck_assert_int_eq(r.status, SX_EDATA);
		free(r.out);
	}
	r = run_naive_in(test_stages(), "boom | tee copy", in, 5000);
	ck_assert_int_eq(r.status, SX_EDATA);
	free(r.out);
	assert_file_is("copy", "precious\n", 9);
	ck_assert_int_eq(count_entries(".", ".streamx-"), 0);

	r = run_naive_in(test_stages(), "tee copy | boom", in, 5000);
	ck_assert_int_eq(r.status, SX_EDATA);
	free(r.out);
	assert_file_is("copy", in, 5000);
	ck_assert_int_eq(count_entries(".", ".streamx-"), 0);
	free(in);
}
END_TEST

/* ---- against the real tools ---- */

#define PY_SUM(fn) "python3 -c 'import sys,zlib; print(format(zlib." fn \
	"(sys.stdin.buffer.read()), \"08x\"))'"

/*
 * GNU wc pads several counts to the digits of the input's size when
 * stdin is a regular file, and to 7 columns when it is a pipe; a stage
 * sees a stream, so several counts are compared with `cat | wc`. A
 * single count is printed bare either way.
 */
static const struct diff_case tool_cases[] = {
	{ "wc", "cat | wc", NULL, 0 },
	{ "wc -l", "wc -l", NULL, 0 },
	{ "wc -w", "wc -w", NULL, 0 },
	{ "wc -c", "wc -c", NULL, 0 },
	{ "wc -lw", "cat | wc -lw", NULL, 0 },
	{ "wc -wc", "cat | wc -wc", NULL, 0 },
	{ "wc -l -c", "cat | wc -l -c", NULL, 0 },
	{ "wc -cwl", "cat | wc -cwl", NULL, 0 },
	{ "wc -c -w -l", "cat | wc -c -w -l", NULL, 0 },
	{ "wc --lines --bytes", "cat | wc --lines --bytes", NULL, 0 },
	{ "wc --words", "wc --words", NULL, 0 },
	{ "gunzip | wc", "gunzip | wc", "gzip -c", 0 },
	{ "crc32", PY_SUM("crc32"), NULL, 0 },
	/* the CRC in gzip's trailer, little-endian like the x86-64 this runs on */
	{ "crc32", "gzip -c | tail -c 8 | head -c 4 | od -An -tx4 | tr -d ' '", NULL, 0 },
	{ "adler32", PY_SUM("adler32"), NULL, 0 },
	/* the Adler-32 that ends a zlib stream, big-endian; zlib-flate writes
	 * no stream at all for empty input */
	{ "adler32", "zlib-flate -compress | tail -c 4 | od -An -tx1 | tr -d ' \\n'; echo",
	  NULL, DIFF_EMPTY },
	{ "sha256", "sha256sum", NULL, 0 },
	{ "gzip -1 | gunzip | sha256", "sha256sum", NULL, 0 },
	{ "tee out.copy", "cat", NULL, 0 },
	{ "tee out.copy | wc -l", "wc -l", NULL, 0 },
	{ "upper | tee out.copy | sha256", "tr a-z A-Z | sha256sum", NULL, 0 },
};

START_TEST(test_vs_tools)
{
	diff_check(&tool_cases[_i]);
}
END_TEST

static const char *const modes[] = { "--stream", "--naive" };

/* After every run over every corpus file, the copy equals the input. */
START_TEST(test_tee_copy_equals_input)
{
	static const char *const bufs[] = { "1", "7", "4096", "65536" };
	static const enum diff_corpus kinds[] = {
		DIFF_EMPTY, DIFF_ONE, DIFF_NOFINAL, DIFF_CRLF, DIFF_NUL, DIFF_UTF8,
		DIFF_LONG, DIFF_BINARY, DIFF_REPEAT, DIFF_LOG
	};

	diff_corpus_make();
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		for (size_t m = 0; m < 2; m++)
			for (size_t b = 0; b < 4; b++) {
				const char *f = diff_corpus_path(kinds[k]);

				ok("rm -f o/copy; " SX " %s -b %s 'tee o/copy' < %s > out && "
				   "cmp out %s && cmp o/copy %s", modes[m], bufs[b], f, f, f);
				ck_assert_int_eq(count_entries("o", NULL), 1);
			}
}
END_TEST

/* ---- tee's file through the binary ---- */

static int mode_of(const char *path)
{
	struct stat sb;

	ck_assert_int_eq(stat(path, &sb), 0);
	return (int)(sb.st_mode & 07777);
}

/* New files get 0666 less the umask, as tee's; an existing file keeps
 * its mode; a link is followed and stays a link. */
START_TEST(test_tee_modes_and_links)
{
	ok(SX " gen --size 10K > in");
	ok("umask 022; " SX " 'tee o/a' < in | cmp - in && cmp o/a in");
	ck_assert_int_eq(mode_of("o/a"), 0644);
	ok("umask 077; " SX " --naive 'tee o/b' < in > /dev/null && cmp o/b in");
	ck_assert_int_eq(mode_of("o/b"), 0600);
	ok("chmod 640 o/a && echo old > o/a && umask 0; " SX " 'tee o/a' < in > /dev/null");
	ok("cmp o/a in");
	ck_assert_int_eq(mode_of("o/a"), 0640);
	ok("ln -s a o/link && echo old > o/a && " SX " 'tee o/link' < in > /dev/null");
	ok("test -L o/link && cmp o/a in && cmp o/link in");
	ck_assert_int_eq(mode_of("o/a"), 0640);
	ck_assert_int_eq(count_entries("o", ".streamx-"), 0);
}
END_TEST

/* Existing files that are not regular are written, never replaced. */
START_TEST(test_tee_special_files)
{
	for (size_t m = 0; m < 2; m++) {
		ok(SX " gen --size 100K > in");
		ok(SX " %s 'tee /dev/null' < in | cmp - in", modes[m]);
		ok("test -c /dev/null");
		ok("rm -f fifo && mkfifo fifo && { cat fifo > from_fifo & } && "
		   SX " %s 'tee fifo | wc -c' < in > n && wait && cmp from_fifo in && "
		   "test \"$(cat n)\" = 102400 && test -p fifo", modes[m]);
	}
}
END_TEST

/* A failed run before tee's end leaves no copy, no temporary, and an
 * existing copy as it was: corrupt, truncated and empty gzip input. */
START_TEST(test_tee_failed_pipeline)
{
	static const char *const bad[] = { "bad.gz", "cut.gz", "empty", "text" };
	size_t len;
	char *gz;

	ok(SX " gen --size 300K --kind text > text && gzip -c text > a.gz");
	gz = slurp("a.gz", &len);
	ck_assert_ptr_nonnull(gz);
	put_file("cut.gz", gz, len - 5);
	gz[len / 3] ^= 0x55;
	put_file("bad.gz", gz, len);
	free(gz);
	put_file("empty", "", 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		for (size_t m = 0; m < 2; m++) {
			fails(1, "gunzip (stage 1)", SX " %s -b 4096 'gunzip | tee o/copy' < %s > out",
			      modes[m], bad[i]);
			ck_assert_msg(count_entries("o", NULL) == 0, "`%s` left files in o/",
				      last_cmd);
			put_text("o/copy", "precious\n");
			fails(1, "gunzip (stage 2)",
			      SX " %s -b 7 'cat | gunzip | tee o/copy | wc' < %s > out",
			      modes[m], bad[i]);
			ok("echo precious | cmp - o/copy");
			ck_assert_int_eq(count_entries("o", NULL), 1);
			ck_assert_int_eq(unlink("o/copy"), 0);
		}
	ok(SX " 'gunzip | tee o/copy' < a.gz | cmp - text && cmp o/copy text");
}
END_TEST

/* Whether the file system of dir makes unnamed files (O_TMPFILE). */
static int has_tmpfile(const char *dir)
{
#ifdef O_TMPFILE
	int fd = open(dir, O_TMPFILE | O_WRONLY, 0600);

	if (fd >= 0)
		close(fd);
	return fd >= 0;
#else
	(void)dir;
	return 0;
#endif
}

/* A run stopped by SIGTERM, SIGINT or SIGHUP, in stream or naive mode,
 * leaves neither a temporary nor a changed FILE; so does SIGKILL, which
 * no handler sees, where the file system has unnamed files. */
START_TEST(test_tee_killed)
{
	static const char *const sigs[] = { "TERM", "INT", "HUP", "KILL" };

	put_text("o/copy", "precious\n");
	for (size_t i = 0; i < 8; i++) {
		int kill9 = i % 4 == 3;

		ok("mkfifo fifo; (" SX " %s 'cat | tee o/copy' < fifo > /dev/null & echo $! > pid; wait) & "
		   "exec 3> fifo; head -c 1M /dev/zero >&3; sleep 0.3; "
		   "kill -%s $(cat pid); exec 3>&-; wait; rm fifo",
		   i < 4 ? "--stream" : "--naive", sigs[i % 4]);
		ok("echo precious | cmp - o/copy");
		if (!kill9 || has_tmpfile("o"))
			ck_assert_msg(count_entries("o", NULL) == 1,
				      "SIG%s left a temporary in o/", sigs[i % 4]);
		else
			ok("rm -f o/.copy.streamx-*");
	}
}
END_TEST

/* A write error names the file and the byte offset, exits 1, and the
 * stages after tee see nothing more. */
START_TEST(test_tee_write_error)
{
	const char *line;

	ok(SX " gen --size 200K > in");
	for (size_t m = 0; m < 2; m++) {
		line = fails(1, "tee (stage 1): /dev/full: write error at byte 0: ",
			     SX " %s 'tee /dev/full' < in > out", modes[m]);
		assert_contains(line, "No space left on device");
		ck_assert_int_eq(file_size("out"), 0);
		fails(1, "tee (stage 2): /dev/full: write error at byte 0",
		      SX " %s -b 7 'cat | tee /dev/full | wc -c' < in > out", modes[m]);
	}
	/* nothing to write, nothing fails: as tee /dev/full < /dev/null */
	ok(SX " 'tee /dev/full' < /dev/null > out");
	ck_assert_int_eq(file_size("out"), 0);
}
END_TEST

/* A FILE that cannot be created is reported when the pipeline is set up,
 * before a byte is read, as an I/O failure (exit 1, like -o): the
 * arguments are well formed; the file system refuses. */
START_TEST(test_tee_cannot_create)
{
	ok("echo data > in && mkdir ro && chmod 555 ro");
	fails(1, "tee (stage 1): nodir/copy: cannot create: No such file or directory",
	      SX " 'tee nodir/copy' < in > out");
	ck_assert_int_eq(file_size("out"), 0);
	ck_assert(!exists("nodir"));
	fails(1, "tee (stage 2): o: is a directory", SX " --naive 'cat | tee o' < in > out");
	fails(1, "tee (stage 1): o/: is a directory", SX " 'tee o/' < in > out");
	/* root may write anywhere: only meaningful for other users */
	if (geteuid() != 0) {
		fails(1, "tee (stage 1): ro/copy: cannot create: Permission denied",
		      SX " 'tee ro/copy' < in > out");
		ck_assert_int_eq(count_entries("ro", NULL), 0);
	}
	ck_assert_int_eq(count_entries("o", NULL), 0);
}
END_TEST

/* ---- usage errors ---- */

static const struct { const char *spec, *needle; } usage_cases[] = {
	{ "tee", "tee (stage 1): missing operand: FILE" },
	{ "cat | tee", "tee (stage 2): missing operand: FILE" },
	{ "tee -", "tee (stage 1): '-' is not a file" },
	{ "tee ''", "tee (stage 1): empty file name" },
	{ "tee a b", "tee (stage 1): extra operand 'b'" },
	{ "tee -a o/x", "tee (stage 1): unknown option '-a'" },
	{ "tee --append o/x", "tee (stage 1): unknown option '--append'" },
	{ "wc -m", "wc (stage 1): unknown option '-m'" },
	{ "wc -lx", "wc (stage 1): unknown option '-x'" },
	{ "wc --chars", "wc (stage 1): unknown option '--chars'" },
	{ "wc file", "wc (stage 1): extra operand 'file'" },
	{ "wc -l -- -", "wc (stage 1): extra operand '-'" },
	{ "crc32 x", "crc32 (stage 1): extra operand 'x'" },
	{ "adler32 -1", "adler32 (stage 1): unknown option '-1'" },
	{ "sha256 --binary", "sha256 (stage 1): unknown option '--binary'" },
	{ "gunzip | sha256 -", "sha256 (stage 2): extra operand '-'" },
};

START_TEST(test_usage_errors)
{
	ok("echo data > in");
	fails(2, usage_cases[_i].needle, SX " \"%s\" < in > out", usage_cases[_i].spec);
	ck_assert_int_eq(file_size("out"), 0);
	ck_assert_int_eq(count_entries("o", NULL), 0);
	ck_assert_int_eq(count_entries(".", ".streamx-"), 0);
}
END_TEST

/* Every new stage has a help page with its synopsis and an example. */
/* libcrypto costs 1.5 to 3.5 MiB of RSS to map: only sha256 loads it,
 * and only where it does the work (no SHA-NI, or asked for). */
START_TEST(test_crypto_loaded_on_use)
{
	ck_assert_int_ne(sh("ldd " SX " | grep -q libcrypto"), 0);
	ok("mkfifo f1 f2 f3");
	ok("(" SX " 'cat' < f1 > /dev/null & echo $! > p1; "
	   "STREAMX_SHA256=libcrypto " SX " 'sha256' < f2 > /dev/null & echo $! > p2; "
	   SX " 'sha256' < f3 > /dev/null & echo $! > p3; "
	   "exec 3> f1 4> f2 5> f3; echo x >&3; echo x >&4; echo x >&5; sleep 0.3; "
	   "! grep -q libcrypto /proc/$(cat p1)/maps && grep -q libcrypto /proc/$(cat p2)/maps; "
	   "rc=$?; grep -q libcrypto /proc/$(cat p3)/maps; p3=$?; "
	   "exec 3>&- 4>&- 5>&-; wait; [ $rc = 0 ] && echo $p3 > p3.mapped)");
	/* mapped (0) exactly when the CPU lacks the SHA extensions */
	ck_assert_int_eq(sh("[ \"$(cat p3.mapped)\" = %d ]", sx_sha256_available() ? 1 : 0), 0);
}
END_TEST

/* Both engines against sha256sum over the corpus, in both modes. */
START_TEST(test_sha256_engines_vs_sha256sum)
{
	static const char *const engines[] = { "", "STREAMX_SHA256=libcrypto " };

	diff_corpus_make();
	for (int k = 0; (1 << k) & DIFF_ALL; k++)
		for (size_t e = 0; e < 2; e++)
			for (size_t m = 0; m < 2; m++) {
				const char *f = diff_corpus_path((enum diff_corpus)(1 << k));

				ok("%s" SX " %s -b 4095 sha256 < %s > out && sha256sum < %s > want && "
				   "cmp out want", engines[e], modes[m], f, f);
			}
}
END_TEST

START_TEST(test_help_pages)
{
	static const char *const names[] = { "wc", "crc32", "adler32", "sha256", "tee" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ok(SX " help %s > h && grep -q 'Usage: %s' h && grep -q 'Example: streamx' h",
		   names[i], names[i]);
		ok(SX " list | grep -q '^%s '", names[i]);
	}
	ok(SX " help wc | grep -q -- --lines");
}
END_TEST

/* ---- memory ---- */

static long long number_after(const char *text, const char *label)
{
	const char *p = strstr(text, label);

	if (!p)
		return -1;
	p += strlen(label);
	while (*p == ' ' || *p == ':' || *p == '"')
		p++;
	return *p >= '0' && *p <= '9' ? strtoll(p, NULL, 10) : -1;
}

/* Peak RSS of a stream run over a file. */
static long long stream_peak(const char *spec, const char *file)
{
	ok(SX " --stats=json '%s' < %s > /dev/null", spec, file);
	return number_after(stderr_text(), "\"rss_peak_bytes\"");
}

/* The stages hold a few counters whatever the input: 8 times the input
 * (in one line, for wc) costs no more memory in stream mode. */
START_TEST(test_memory_bounded)
{
	static const char *const specs[] = { "wc", "wc -l", "crc32", "adler32", "sha256",
					     "tee o/copy" };
	long long small, big;

	ok(SX " gen --size 4M > small && " SX " gen --size 32M --kind binary > big");
	ok("tr -d '\\n' < big > oneline");
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		small = stream_peak(specs[i], "small");
		big = stream_peak(specs[i], "oneline");
		ck_assert_int_gt(small, 0);
		ck_assert_msg(big < small + (2 << 20), "%s: peak %lld on 4M, %lld on 32M",
			      specs[i], small, big);
		ck_assert_int_lt(big, 24 << 20);
	}
}
END_TEST

Suite *count_suite(void)
{
	Suite *s = suite_create("count");
	TCase *tc = tcase_create("wc");
	TCase *sums_tc = tcase_create("sums");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_wc_known);
	tcase_add_test(tc, test_wc_wide_counts);
	tcase_add_test(tc, test_wc_every_split);
	tcase_add_loop_test(tc, test_wc_long_model, 0, 2 * 13);
	tcase_add_test(tc, test_wc_block_offsets);
	tcase_add_test(tc, test_wc_chunking_same);
	suite_add_tcase(s, tc);

	tcase_set_timeout(sums_tc, 120);
	tcase_add_test(sums_tc, test_sums_known);
	tcase_add_loop_test(sums_tc, test_sums_every_split, 0, 3);
	tcase_add_test(sums_tc, test_sha256_on_libcrypto);
	tcase_add_test(sums_tc, test_sums_in_pipelines);
	suite_add_tcase(s, sums_tc);

	tc = sh_tcase(s, "tee");
	tcase_add_test(tc, test_tee_every_chunking);
	tcase_add_test(tc, test_tee_downstream_done);
	tcase_add_test(tc, test_tee_failure_leaves_file);
	tcase_add_test(tc, test_tee_copy_equals_input);
	tcase_add_test(tc, test_tee_modes_and_links);
	tcase_add_test(tc, test_tee_special_files);
	tcase_add_test(tc, test_tee_failed_pipeline);
	tcase_add_test(tc, test_tee_write_error);
	tcase_add_test(tc, test_tee_cannot_create);
	tcase_add_test(tc, test_tee_killed);

	tc = sh_tcase(s, "tools");
	tcase_add_loop_test(tc, test_vs_tools, 0,
			    (int)(sizeof(tool_cases) / sizeof(tool_cases[0])));

	tc = sh_tcase(s, "errors");
	tcase_add_loop_test(tc, test_usage_errors, 0,
			    (int)(sizeof(usage_cases) / sizeof(usage_cases[0])));
	tcase_add_test(tc, test_help_pages);
	tcase_add_test(tc, test_crypto_loaded_on_use);
	tcase_add_test(tc, test_sha256_engines_vs_sha256sum);
	tcase_add_test(tc, test_memory_bounded);
	return s;
}
