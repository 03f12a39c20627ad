/* check_inflate.c - gunzip, unzlib and inflate on ISA-L and on zlib: the same bytes and errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gen.h"
#include "inflate_isal.h"
#include "suites.h"
#include "test_diff.h"

/*
 * Built with ISA-L, the decompressor stages inflate with it unless
 * STREAMX_INFLATE=zlib. check_codec.c, check_cli.c and check_chains.c
 * run their decompressor tests on both engines (inflate_on_zlib marks the
 * second run); this file checks the choice itself, and what only ISA-L's way of
 * working can get wrong: members and stream ends at the edges of the
 * pieces it is fed (SX_ISAL_PIECE), damage and cuts at every kind of
 * place, and output of any expansion in fixed pieces. Tests taking _i
 * run on the default engine (0) and on zlib (1); the CLI ones run in two
 * TCases, the second on zlib.
 */

static void zlib_setup(void)
{
	ck_assert_int_eq(setenv("STREAMX_INFLATE", "zlib", 1), 0);
}

static void zlib_teardown(void)
{
	unsetenv("STREAMX_INFLATE");
}

void inflate_on_zlib(TCase *tc)
{
	tcase_add_checked_fixture(tc, zlib_setup, zlib_teardown);
}

int isal_built_in(void)
{
	return sx_isal_inflate_size() > 0;
}

/* 0: the default engine, 1: zlib. */
static void use_engine(int i)
{
	if (i)
		zlib_setup();
	else
		zlib_teardown();
}

/* ---- building compressed data in memory ---- */

struct bytes {
	unsigned char *p;
	size_t len, cap;
};

/* Appends data[0..n); with data NULL, makes room for n bytes only. */
static void add(struct bytes *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		ck_assert_ptr_nonnull(b->p);
	}
	if (!data)
		return;
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void add_le32(struct bytes *b, uint32_t v)
{
	unsigned char le[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };

	add(b, le, 4);
}

/* Appends data[0..len) compressed by zlib at level with wbits. */
static void add_deflated(struct bytes *b, const void *data, size_t len, int level,
			 int wbits)
{
	z_stream zs;
	size_t bound;

	memset(&zs, 0, sizeof(zs));
	ck_assert_int_eq(deflateInit2(&zs, level, Z_DEFLATED, wbits, 8,
				      Z_DEFAULT_STRATEGY), Z_OK);
	bound = deflateBound(&zs, (uLong)len) + 16;
	add(b, NULL, bound);
	zs.next_in = (Bytef *)data;
	zs.avail_in = (uInt)len;
	zs.next_out = b->p + b->len;
	zs.avail_out = (uInt)bound;
	ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
	b->len += bound - zs.avail_out;
	deflateEnd(&zs);
}

static size_t deflated_size(const void *data, size_t len, int level, int wbits)
{
	struct bytes b = { 0 };
	size_t n;

	add_deflated(&b, data, len, level, wbits);
	n = b.len;
	free(b.p);
	return n;
}

/* Appends a gzip member of data[0..len) whose header stores a name of
 * name_len bytes (none when 0). */
static void add_member(struct bytes *b, const void *data, size_t len, size_t name_len)
{
	unsigned char head[10] = { 0x1f, 0x8b, 8, name_len ? 0x08 : 0, 0, 0, 0, 0, 0, 3 };

	add(b, head, 10);
	for (size_t i = 0; i < name_len; i++)
		add(b, "n", 1);
	if (name_len)
		add(b, "", 1);
	add_deflated(b, data, len, 6, -15);
	add_le32(b, (uint32_t)crc32(0, data, (uInt)len));
	add_le32(b, (uint32_t)len);
}

/* Runs spec in naive mode, then at every chunking: all succeed with
 * exactly want[0..n). */
static void expect_everywhere(const char *spec, const struct bytes *in,
			      const void *want, size_t n, const char *name)
{
	struct run_result r = run_naive(spec, in->p, in->len);

	ck_assert_msg(r.status == SX_OK, "%s on %s: %s", spec, name, r.err.msg);
	ck_assert_msg(r.out_len == n && (n == 0 || memcmp(r.out, want, n) == 0),
		      "%s on %s: %zu bytes out, wanted %zu", spec, name, r.out_len, n);
	free(r.out);
	assert_every_chunking(spec, in->p, in->len, name);
}

/* Runs spec in naive mode and at several chunkings: each fails with
 * exactly the message want. */
static void expect_error_everywhere(const char *spec, const struct bytes *in,
				    const char *want)
{
	static const size_t chunks[] = { 1, 3, 4095, 4097, 65536 };
	static const size_t bufs[] = { 1, 7, 65536 };
	struct run_result r = run_naive(spec, in->p, in->len);

	ck_assert_msg(r.status == SX_EDATA && strstr(r.err.msg, want),
		      "%s naive: status %d '%s', wanted '%s'", spec, r.status,
		      r.err.msg, want);
	free(r.out);
	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		for (size_t b = 0; b < sizeof(bufs) / sizeof(bufs[0]); b++) {
			r = run_stream(spec, in->p, in->len, chunks[c], bufs[b]);
			ck_assert_msg(r.status == SX_EDATA && strstr(r.err.msg, want),
				      "%s read %zu buffer %zu: '%s', wanted '%s'", spec,
				      chunks[c], bufs[b], r.err.msg, want);
			ck_assert_uint_eq(r.pool_out, 0);
			free(r.out);
		}
	}
}

/* ---- in process ---- */

/* The second member's header starts at and around the edge of a piece,
 * with a name that runs across it or none; an empty member and zero
 * padding follow. */
START_TEST(test_member_at_piece_edge)
{
	static const size_t before_edge[] = { 0, 1, 2, 3, 4, 9, 10, 11, 17 };
	unsigned char *a = make_input(SX_GEN_TEXT, 20000, 1);
	unsigned char *b = make_input(SX_GEN_BINARY, 5000, 2);
	size_t first = 10 + 1 + deflated_size(a, 20000, 6, -15) + 8;
	unsigned char *want = malloc(25000);
	char name[64];

	use_engine(_i);
	ck_assert_ptr_nonnull(want);
	memcpy(want, a, 20000);
	memcpy(want + 20000, b, 5000);
	ck_assert_uint_lt(first, SX_ISAL_PIECE);
	for (size_t k = 0; k < sizeof(before_edge) / sizeof(before_edge[0]); k++) {
		for (size_t named = 0; named < 2; named++) {
			struct bytes in = { 0 };

			add_member(&in, a, 20000, SX_ISAL_PIECE - before_edge[k] - first);
			ck_assert_uint_eq(in.len, SX_ISAL_PIECE - before_edge[k]);
			add_member(&in, b, 5000, named ? 30 : 0);
			add_member(&in, "", 0, 0);
			add(&in, "\0\0\0", 3);
			snprintf(name, sizeof(name), "member at %zu%s", in.len,
				 named ? ", named" : "");
			expect_everywhere("gunzip", &in, want, 25000, name);
			free(in.p);
		}
	}
	free(want);
	free(b);
	free(a);
}
END_TEST

/* Random bytes then text, of which zlib makes a stream of size bytes
 * that ends in a coded block. Appends the stream; returns the length of
 * the plain data, 0 if none was found. */
static size_t add_stream_of_size(struct bytes *out, size_t size, int wbits)
{
	unsigned char *rnd = make_input(SX_GEN_BINARY, size, 3);
	unsigned char *text = make_input(SX_GEN_TEXT, 4000, 4);
	unsigned char *work = malloc(size + 4000);
	size_t found = 0;
	long r = (long)size - 2000;

	ck_assert_ptr_nonnull(work);
	/* each random byte costs about one byte: get near, then search */
	for (int i = 0; i < 20; i++) {
		long n;

		memcpy(work, rnd, (size_t)r);
		memcpy(work + r, text, 3000);
		n = (long)deflated_size(work, (size_t)r + 3000, 6, wbits);
		if (n == (long)size || labs(n - (long)size) > 3000)
			break;
		r += (long)size - n;
	}
	for (size_t t = 3000; t < 4000 && !found; t += 7) {
		for (long q = r - 8; q < r + 8 && !found; q++) {
			memcpy(work, rnd, (size_t)q);
			memcpy(work + q, text, t);
			if (deflated_size(work, (size_t)q + t, 6, wbits) == size) {
				add_deflated(out, work, (size_t)q + t, 6, wbits);
				found = (size_t)q + t;
			}
		}
	}
	free(work);
	free(text);
	free(rnd);
	return found;
}

/* A zlib or raw deflate stream that ends just before the edge of a piece:
 * a byte after it is garbage at its end, in every chunking. */
START_TEST(test_stream_end_at_piece_edge)
{
	static const struct {
		const char *spec, *name;
		int wbits;
	} fmts[] = { { "unzlib", "zlib", 15 }, { "inflate", "deflate", -15 } };
	char want[128];

	use_engine(_i);
	for (size_t f = 0; f < 2; f++) {
		for (size_t k = 1; k <= 9; k += 4) {
			struct bytes in = { 0 };
			size_t size = SX_ISAL_PIECE - k;
			size_t plain = add_stream_of_size(&in, size, fmts[f].wbits);

			ck_assert_msg(plain > 0, "no %s stream of %zu bytes", fmts[f].name, size);
			add(&in, "x", 1);
			snprintf(want, sizeof(want), "trailing garbage after %s data at byte %zu",
				 fmts[f].name, size);
			expect_error_everywhere(fmts[f].spec, &in, want);
			free(in.p);
		}
	}
}
END_TEST

/* Each format at three levels over input spanning several pieces: the
 * input back, the same at every chunking, on either engine. */
START_TEST(test_formats_over_pieces)
{
	static const struct {
		const char *spec;
		int wbits;
	} fmts[] = { { "gunzip", 31 }, { "unzlib", 15 }, { "inflate", -15 } };
	static const int levels[] = { 1, 6, 9 };
	size_t len = 3 * SX_ISAL_PIECE + 777;
	unsigned char *plain = make_input(SX_GEN_LOG, len, 5);

	use_engine(_i);
	for (size_t f = 0; f < 3; f++) {
		for (size_t l = 0; l < 3; l++) {
			struct bytes in = { 0 };

			add_deflated(&in, plain, len, levels[l], fmts[f].wbits);
			expect_everywhere(fmts[f].spec, &in, plain, len, fmts[f].spec);
			free(in.p);
		}
	}
	free(plain);
}
END_TEST

/* A gzip member of "hello" with the optional header fields flags asks
 * for (FEXTRA with extra_len bytes, FNAME, FCOMMENT, FHCRC), its header
 * CRC off by bad. */
static void add_fancy_member(struct bytes *b, unsigned flags, size_t extra_len,
			     unsigned bad)
{
	unsigned char head[10] = { 0x1f, 0x8b, 8, (unsigned char)flags, 1, 2, 3, 4, 0, 3 };
	size_t start = b->len;

	add(b, head, 10);
	if (flags & 0x04) {
		unsigned char xlen[2] = { extra_len & 0xff, extra_len >> 8 };

		add(b, xlen, 2);
		for (size_t i = 0; i < extra_len; i++)
			add(b, i % 3 ? "\0" : "x", 1);
	}
	if (flags & 0x08)
		add(b, "name.txt", 9);
	if (flags & 0x10)
		add(b, "a comment\n", 11);
	if (flags & 0x02) {
		uLong crc = crc32(0, b->p + start, (uInt)(b->len - start)) + bad;
		unsigned char c16[2] = { crc & 0xff, (crc >> 8) & 0xff };

		add(b, c16, 2);
	}
	add_deflated(b, "hello", 5, 6, -15);
	add_le32(b, (uint32_t)crc32(0, (const Bytef *)"hello", 5));
	add_le32(b, 5);
}

/* Every optional field of a gzip header, alone and together, in members
 * one after another: "hello" from each. */
START_TEST(test_header_fields)
{
	static const unsigned flags[] = { 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1e, 0x1f };
	static const size_t extras[] = { 0, 1, 300 };
	struct bytes in = { 0 }, want = { 0 };

	use_engine(_i);
	for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
		for (size_t e = 0; e < 3; e++) {
			if (e > 0 && !(flags[f] & 0x04))
				continue;
			add_fancy_member(&in, flags[f], extras[e], 0);
			add(&want, "hello", 5);
		}
	}
	expect_everywhere("gunzip", &in, want.p, want.len, "fancy headers");
	free(want.p);
	free(in.p);
}
END_TEST

/* Headers zlib refuses: both engines say the same, at the same byte. */
START_TEST(test_header_errors_same)
{
	static const struct {
		const char *spec;
		const char *data;
		size_t len;
		const char *want;
	} bad[] = {
		{ "gunzip", "\x1f\x8c\x08\x00", 4, "not in gzip format at byte 0" },
		{ "gunzip", "\x1f\x8b\x07\x00\0\0\0\0\0\3", 10,
		  "corrupt gzip data at byte 4: unknown compression method" },
		{ "gunzip", "\x1f\x8b\x08\x20\0\0\0\0\0\3", 10,
		  "corrupt gzip data at byte 4: unknown header flags set" },
		{ "unzlib", "\x78\x9d\x01", 3, "corrupt zlib data at byte 2: incorrect header check" },
		{ "unzlib", "\x79\x18\x01", 3,
		  "corrupt zlib data at byte 2: unknown compression method" },
		{ "unzlib", "\x88\x1c\x01", 3, "corrupt zlib data at byte 2: invalid window size" },
		{ "unzlib", "\x78\xbb\0\0\0\1\3", 7,
		  "corrupt zlib data at byte 6: needs a preset dictionary" },
	};
	struct bytes crc = { 0 };

	add_fancy_member(&crc, 0x1a, 4, 1);
	for (int engine = 0; engine < 2; engine++) {
		use_engine(engine);
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct bytes in = { 0 };

			add(&in, bad[i].data, bad[i].len);
			expect_error_everywhere(bad[i].spec, &in, bad[i].want);
			free(in.p);
		}
		expect_error_everywhere("gunzip", &crc,
					"corrupt gzip data at byte 32: header crc mismatch");
	}
	free(crc.p);
}
END_TEST

/* ---- the choice of engine ---- */

/* streamx --version names the engine: ISA-L when built in, unless
 * STREAMX_INFLATE=zlib. */
START_TEST(test_version_names_engine)
{
	unsetenv("STREAMX_INFLATE");
	ok(SX " --version > v");
	if (isal_built_in())
		ok("grep -q '^streamx [0-9.]* (inflate: ISA-L [0-9]' v");
	else
		ok("grep -q '^streamx [0-9.]* (inflate: zlib [0-9]' v");
	ok("STREAMX_INFLATE=zlib " SX " --version | grep -q '(inflate: zlib [0-9]'");
	ok("STREAMX_INFLATE= " SX " --version | cmp - v");
}
END_TEST

/* The peak memory of the gunzip stage, from --stats=json. */
static long long stage_peak(const char *env)
{
	char *js, *p;
	long long peak;

	ok("%s " SX " --stats=json gunzip < in.gz 2> stats | cmp - in", env);
	js = slurp("stats", NULL);
	ck_assert_ptr_nonnull(js);
	p = strstr(js, "\"name\":\"gunzip (stage 1)\",\"peak_bytes\":");
	ck_assert_msg(p != NULL, "no gunzip owner in %s", js);
	peak = strtoll(p + strlen("\"name\":\"gunzip (stage 1)\",\"peak_bytes\":"), NULL, 10);
	free(js);
	return peak;
}

/* The default run really holds an ISA-L inflater (it is charged to the
 * stage), and the zlib run does not. */
START_TEST(test_isal_state_is_used)
{
	long long isal_peak, zlib_peak;

	unsetenv("STREAMX_INFLATE");
	ok(SX " gen --kind log --size 300K > in && gzip -c in > in.gz");
	isal_peak = stage_peak("");
	zlib_peak = stage_peak("STREAMX_INFLATE=zlib");
	ck_assert_msg(zlib_peak < 64 * 1024, "zlib's inflate took %lld bytes", zlib_peak);
	if (!isal_built_in()) {
		ck_assert_int_eq(isal_peak, zlib_peak);
		return;
	}
	ck_assert_msg(isal_peak >= (long long)(sx_isal_inflate_size() + SX_ISAL_PIECE),
		      "the default gunzip took %lld bytes: no ISA-L inflater", isal_peak);
	ok("STREAMX_INFLATE=isa-l " SX " --stats=json gunzip < in.gz 2> stats | cmp - in");
}
END_TEST

/* libisal is loaded by a decompressor that uses it, not mapped into
 * every run: cat does not map it, gunzip does. */
START_TEST(test_isal_loaded_on_use)
{
	ck_assert_int_ne(sh("ldd " SX " | grep -q libisal"), 0);
	if (!isal_built_in())
		return;
	ok("mkfifo f1 f2 && gzip -c < /dev/null > e.gz");
	ok("(" SX " 'cat' < f1 > /dev/null & echo $! > p1; "
	   SX " 'gunzip' < f2 > /dev/null & echo $! > p2; "
	   "exec 3> f1 4> f2; echo x >&3; head -c 5 e.gz >&4; sleep 0.3; "
	   "! grep -q libisal /proc/$(cat p1)/maps && grep -q libisal /proc/$(cat p2)/maps; "
	   "rc=$?; exec 3>&- 4>&-; wait; exit $rc)");
}
END_TEST

/* A value other than zlib or isa-l is a usage error, before any input. */
START_TEST(test_bad_choice)
{
	static const char *const stages[] = { "gunzip", "unzlib", "inflate" };

	for (size_t i = 0; i < 3; i++) {
		fails(2, "STREAMX_INFLATE is 'igzip': zlib or isa-l expected",
		      "STREAMX_INFLATE=igzip " SX " %s < /dev/null", stages[i]);
		if (!isal_built_in())
			fails(2, "STREAMX_INFLATE=isa-l, but streamx was built without ISA-L or cannot load it",
			      "STREAMX_INFLATE=isa-l " SX " %s < /dev/null", stages[i]);
	}
	ok("STREAMX_INFLATE=igzip " SX " gzip < /dev/null | gzip -dc");
}
END_TEST

/* ---- through the binary, on the engine of the TCase ---- */

static const struct diff_case tool_cases[] = {
	{ "gunzip", "gzip -dc", "gzip -1 -c", 0 },
	{ "gunzip", "gzip -dc", "gzip -9 -c", 0 },
	/* pigz: blocks of 32 KiB, each ended by an empty stored block */
	{ "gunzip", "gzip -dc", "pigz -b 32 -c", 0 },
	{ "gunzip", "gzip -dc", "pigz -i -b 32 -c", 0 },
	{ "gunzip", "gzip -dc", "{ gzip -c; printf abc | gzip -c; gzip -c < /dev/null; }", 0 },
	{ "unzlib", "zlib-flate -uncompress", "pigz -z -b 32 -c", 0 },
	{ "gunzip | gzip -1 | gunzip", "gzip -dc", "gzip -c", 0 },
};
#define NTOOLS (sizeof(tool_cases) / sizeof(tool_cases[0]))

START_TEST(test_vs_tools)
{
	diff_check(&tool_cases[_i]);
}
END_TEST


/* Offsets into a file of len bytes: every one of the first head, n
 * spread over the rest, and the last tail. Returns their number. */
static size_t offsets(size_t *at, size_t head, size_t n, size_t tail, size_t len)
{
	size_t k = 0;

	for (size_t i = 0; i < head; i++)
		at[k++] = i;
	for (size_t i = 1; i <= n; i++)
		at[k++] = head + (len - head - tail) * i / (n + 1) + i % 7;
	for (size_t i = tail; i > 0; i--)
		at[k++] = len - i;
	return k;
}

/* A byte flipped anywhere: where gzip -d still reads the file, gunzip
 * gives the same bytes; elsewhere it fails with exit 1 at or after the
 * flip (at the start of the member when the magic is hit), at the same
 * byte in every mode and buffer size. */
START_TEST(test_flipped_anywhere)
{
	size_t len, at[96], n, rejected = 0;
	char first[1024];
	char *gz;

	ok(SX " gen --kind log --size 60000 --seed 8 > a && gzip -c a > a.gz");
	gz = slurp("a.gz", &len);
	ck_assert_ptr_nonnull(gz);
	n = offsets(at, 24, 50, 12, len);
	for (size_t i = 0; i < n; i++) {
		gz[at[i]] ^= 0x55;
		put_file("bad.gz", gz, len);
		gz[at[i]] ^= 0x55;
		if (sh("gzip -dc < bad.gz > want 2> /dev/null") == 0) {
			for (size_t c = 0; c < N_ERROR_MODES; c++)
				ok(SX " %s -b %s gunzip < bad.gz | cmp - want",
				   error_modes[c].mode, error_modes[c].buf);
			continue;
		}
		rejected++;
		for (size_t c = 0; c < N_ERROR_MODES; c++) {
			const char *line = fails(1, "gunzip (stage 1)", SX " %s -b %s gunzip "
						 "< bad.gz > out", error_modes[c].mode,
						 error_modes[c].buf);
			long long b = message_byte(line);

			ck_assert_msg((b > (long long)at[i] ||
				       (at[i] < 2 && strstr(line, "not in gzip format at byte 0"))) &&
				      b <= (long long)len, "flip at %zu of %zu: %s",
				      at[i], len, line);
			if (c == 0)
				snprintf(first, sizeof(first), "%s", line);
			ck_assert_str_eq(line, first);
		}
	}
	/* the magic, method, flags, deflate data and trailer all fail */
	ck_assert_uint_ge(rejected, n - 12);
	free(gz);
}
END_TEST

/* Cut anywhere in one member, or in the second of two: the error is at
 * the cut, in every mode and buffer size (one byte of a second member
 * is garbage after the first, as gzip says). */
START_TEST(test_cut_anywhere)
{
	size_t len, one, at[96], n;
	char *gz;

	ok(SX " gen --kind text --size 30000 --seed 9 > a && gzip -c a > a1.gz");
	one = (size_t)file_size("a1.gz");
	ok("cat a1.gz a1.gz > a.gz");
	gz = slurp("a.gz", &len);
	ck_assert_ptr_nonnull(gz);
	n = offsets(at, 24, 40, 12, len);
	for (size_t i = 0; i < n; i++) {
		char want[128];

		put_file("cut.gz", gz, at[i]);
		if (at[i] == 0)
			snprintf(want, sizeof(want), "unexpected end of input at byte 0: no gzip data");
		else if (at[i] == one + 1)
			snprintf(want, sizeof(want), "trailing garbage after gzip data at byte %zu", one);
		else if (at[i] == one)
			continue; /* a whole member */
		else
			snprintf(want, sizeof(want), "unexpected end of input at byte %zu: "
				 "truncated gzip data", at[i]);
		for (size_t c = 0; c < N_ERROR_MODES; c++)
			fails(1, want, SX " %s -b %s gunzip < cut.gz > out",
			      error_modes[c].mode, error_modes[c].buf);
	}
	free(gz);
}
END_TEST

/* Runs spec over file with --stats=json; the output must have want
 * bytes. Sets the stage's tracked peak and the run's peak RSS. */
static void bomb_run(const char *spec, const char *file, long long want,
		     long long *tracked, long long *rss)
{
	char *js, *p;

	ok(SX " --stats=json '%s' < %s 2> stats | wc -c > n", spec, file);
	js = slurp("n", NULL);
	ck_assert_ptr_nonnull(js);
	ck_assert_int_eq(strtoll(js, NULL, 10), want);
	free(js);
	js = slurp("stats", NULL);
	ck_assert_ptr_nonnull(js);
	p = strstr(js, "\"tracked_peak_bytes\":");
	ck_assert_ptr_nonnull(p);
	*tracked = strtoll(p + 21, NULL, 10);
	p = strstr(js, "\"rss_peak_bytes\":");
	ck_assert_ptr_nonnull(p);
	*rss = strtoll(p + 17, NULL, 10);
	free(js);
}

/* Zeros expand a thousandfold: 64 MiB come out through the same fixed
 * memory as 1 MiB do. */
START_TEST(test_bomb_bounded)
{
	static const struct {
		const char *spec, *compress;
	} fmts[] = {
		{ "gunzip", "gzip -9 -c" }, { "unzlib", "zlib-flate -compress=9" },
		{ "inflate", "python3 -c 'import sys,zlib; c=zlib.compressobj(9, zlib.DEFLATED, -15); "
			     "sys.stdout.buffer.write(c.compress(sys.stdin.buffer.read())+c.flush())'" },
	};
	const char *spec = fmts[_i].spec;
	long long t1, t64, r1, r64;

	ok("head -c 1M /dev/zero | %s > small && head -c 64M /dev/zero | %s > big",
	   fmts[_i].compress, fmts[_i].compress);
	ck_assert_int_lt(file_size("big"), 1 << 20);
	bomb_run(spec, "small", 1 << 20, &t1, &r1);
	bomb_run(spec, "big", 64 << 20, &t64, &r64);
	ck_assert_msg(t64 == t1, "%s: tracked peak %lld for 1M, %lld for 64M", spec, t1, t64);
	ck_assert_msg(r64 < r1 + (2 << 20), "%s: peak RSS %lld for 1M, %lld for 64M",
		      spec, r1, r64);
}
END_TEST

/* The CLI tests, in a TCase of s named name. */
static void add_cli_tests(Suite *s, const char *name, int on_zlib)
{
	TCase *tc = sh_tcase(s, name);

	if (on_zlib)
		inflate_on_zlib(tc);
	tcase_add_loop_test(tc, test_vs_tools, 0, (int)NTOOLS);
	tcase_add_test(tc, test_flipped_anywhere);
	tcase_add_test(tc, test_cut_anywhere);
	tcase_add_loop_test(tc, test_bomb_bounded, 0, 3);
	tcase_set_timeout(tc, 180);
}

Suite *inflate_suite(void)
{
	Suite *s = suite_create("inflate");
	TCase *edges = tcase_create("engines");
	TCase *choice;
	int engines = isal_built_in() ? 2 : 1;

	tcase_add_loop_test(edges, test_member_at_piece_edge, 0, engines);
	tcase_add_loop_test(edges, test_stream_end_at_piece_edge, 0, engines);
	tcase_add_loop_test(edges, test_formats_over_pieces, 0, engines);
	tcase_add_loop_test(edges, test_header_fields, 0, engines);
	tcase_add_test(edges, test_header_errors_same);
	tcase_set_timeout(edges, 300);
	suite_add_tcase(s, edges);
	choice = sh_tcase(s, "choice");
	tcase_add_test(choice, test_version_names_engine);
	tcase_add_test(choice, test_isal_state_is_used);
	tcase_add_test(choice, test_bad_choice);
	tcase_add_test(choice, test_isal_loaded_on_use);
	add_cli_tests(s, "cli", 0);
	if (isal_built_in())
		add_cli_tests(s, "cli_zlib", 1);
	return s;
}
