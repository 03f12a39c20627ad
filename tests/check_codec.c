/* check_codec.c - zlib, unzlib, deflate, inflate, base64 and hex against zlib, base64 and xxd. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gen.h"
#include "suites.h"
#include "test_diff.h"

/*
 * In process: each stage in naive mode against zlib called directly or
 * known answers, and stream mode equal to naive at every chunking.
 * Through the binary: each stage and option against the real tool on the
 * generated corpus (diff_check), round trips through the real decoders,
 * data errors at the right byte in every mode and buffer size, usage
 * errors, and peak memory that does not grow with the input.
 */

/* Python's zlib module: zlib called directly, as a filter. */
#define PY_ZLIB "python3 -c 'import sys,zlib; "
#define PY_COMPRESS(level, wbits) PY_ZLIB "c=zlib.compressobj(" #level \
	", zlib.DEFLATED, " #wbits "); " \
	"sys.stdout.buffer.write(c.compress(sys.stdin.buffer.read())+c.flush())'"
#define PY_INFLATE PY_ZLIB \
	"sys.stdout.buffer.write(zlib.decompress(sys.stdin.buffer.read(), -15))'"

/* ---- helpers ---- */

/* in[0..len) compressed by zlib directly. */
static unsigned char *zlib_compress(const void *in, size_t len, int level,
				    int wbits, size_t *out_len)
{
	z_stream zs;
	size_t cap;
	unsigned char *out;

	memset(&zs, 0, sizeof(zs));
	ck_assert_int_eq(deflateInit2(&zs, level, Z_DEFLATED, wbits, 8,
				      Z_DEFAULT_STRATEGY), Z_OK);
	cap = deflateBound(&zs, (uLong)len) + 32;
	out = malloc(cap);
	ck_assert_ptr_nonnull(out);
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*out_len = cap - zs.avail_out;
	deflateEnd(&zs);
	return out;
}

/* One stream decompressed by zlib directly; it must use all of in. */
static unsigned char *zlib_expand(const void *in, size_t len, int wbits,
				  size_t *out_len)
{
	size_t cap = len * 8 + 1024;
	unsigned char *out = malloc(cap);
	z_stream zs;

	ck_assert_ptr_nonnull(out);
	memset(&zs, 0, sizeof(zs));
	ck_assert_int_eq(inflateInit2(&zs, wbits), Z_OK);
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	ck_assert_int_eq(inflate(&zs, Z_FINISH), Z_STREAM_END);
	ck_assert_uint_eq(zs.avail_in, 0);
	*out_len = cap - zs.avail_out;
	inflateEnd(&zs);
	return out;
}

/* Runs spec in naive mode; it must succeed with exactly want[0..n). */
static void expect_naive(const char *spec, const void *in, size_t len,
			 const void *want, size_t n)
{
	struct run_result r = run_naive(spec, in, len);

	ck_assert_msg(r.status == SX_OK, "%s: %s", spec, r.err.msg);
	ck_assert_msg(r.out_len == n && (n == 0 || memcmp(r.out, want, n) == 0),
		      "%s on %zu bytes: %zu bytes out, wanted %zu", spec, len,
		      r.out_len, n);
	free(r.out);
}

/* expect_naive with C strings, then every chunking. */
static void expect_text(const char *spec, const char *in, const char *want)
{
	expect_naive(spec, in, strlen(in), want, strlen(want));
	assert_every_chunking(spec, in, strlen(in), in);
}

/* Text lines followed by random bytes: both kinds in one input. */
static unsigned char *mixed_input(size_t len, unsigned seed)
{
	unsigned char *text = make_input(SX_GEN_TEXT, len, seed);
	unsigned char *bin = make_input(SX_GEN_BINARY, len / 2, seed + 1);

	memcpy(text + len / 2, bin, len / 2);
	free(bin);
	return text;
}

/* Sizes around group and chunk boundaries. */
static const size_t sizes[] = { 0, 1, 2, 3, 4, 5, 6, 7, 58, 59, 60, 4095, 4097, 12001 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

/* ---- compressors, in process ---- */

static const struct {
	const char *spec;
	int level, wbits;
} compressors[] = {
	{ "deflate", 6, -15 }, { "deflate -1", 1, -15 }, { "deflate --best", 9, -15 },
	{ "zlib", 6, 15 }, { "zlib --fast", 1, 15 }, { "zlib -9", 9, 15 },
	{ "zlib -4", 4, 15 }, { "gzip -2", 2, 31 },
};

/* The same bytes zlib writes when called directly, which decompress
 * back; stream mode agrees at every chunking. (gzip cuts its input into
 * 128 KiB blocks, so on these short inputs it too writes zlib's bytes.) */
START_TEST(test_compressor)
{
	const char *spec = compressors[_i].spec;
	static const size_t lens[] = { 0, 1, 30000 };

	for (size_t i = 0; i < 3; i++) {
		unsigned char *in = mixed_input(lens[i] ? lens[i] : 2, (unsigned)i);
		size_t zlen, back_len;
		unsigned char *z = zlib_compress(in, lens[i], compressors[_i].level,
						 compressors[_i].wbits, &zlen);
		struct run_result r = run_naive(spec, in, lens[i]);
		unsigned char *back;

		ck_assert_msg(r.status == SX_OK, "%s: %s", spec, r.err.msg);
		ck_assert_msg(r.out_len == zlen && memcmp(r.out, z, zlen) == 0,
			      "%s on %zu bytes differs from zlib's own", spec, lens[i]);
		back = zlib_expand(r.out, r.out_len, compressors[_i].wbits, &back_len);
		ck_assert_uint_eq(back_len, lens[i]);
		ck_assert(lens[i] == 0 || memcmp(back, in, lens[i]) == 0);
		assert_every_chunking(spec, in, lens[i], "mixed");
		free(r.out);
		free(back);
		free(z);
		free(in);
	}
}
END_TEST

/* ---- decompressors, in process ---- */

static const struct {
	const char *spec;
	int wbits;
} decompressors[] = {
	{ "inflate", -15 }, { "unzlib", 15 },
};

START_TEST(test_decompressor)
{
	const char *spec = decompressors[_i].spec;
	static const int levels[] = { 1, 6, 9 };

	for (size_t l = 0; l < 3; l++) {
		for (size_t i = 0; i < 3; i++) {
			size_t len = i == 0 ? 0 : i == 1 ? 1 : 40000, zlen;
			unsigned char *in = mixed_input(len ? len : 2, (unsigned)(l + i));
			unsigned char *z = zlib_compress(in, len, levels[l],
							 decompressors[_i].wbits, &zlen);

			expect_naive(spec, z, zlen, in, len);
			assert_every_chunking(spec, z, zlen, "compressed");
			free(z);
			free(in);
		}
	}
}
END_TEST

/* Each pair undoes the other in one pipeline, at every chunking. */
START_TEST(test_zlib_chains)
{
	unsigned char *in = mixed_input(20000, 7);

	expect_naive("zlib -1 | unzlib | deflate -9 | inflate | gzip | gunzip",
		     in, 20000, in, 20000);
	assert_every_chunking("deflate | inflate | zlib | unzlib", in, 20000, "mixed");
	free(in);
}
END_TEST

/* Errors are the same in naive mode and at every read and buffer size;
 * each message holds needle. */
static void expect_error_everywhere(const char *spec, const void *in, size_t len,
				    const char *needle)
{
	static const size_t chunks[] = { 1, 2, 3, 7, 4096, 65536 };
	static const size_t bufs[] = { 1, 7, 4096 };
	struct run_result whole = run_naive(spec, in, len);

	ck_assert_msg(whole.status == SX_EDATA, "%s: status %d (%s)", spec,
		      whole.status, whole.err.msg);
	ck_assert_msg(strstr(whole.err.msg, needle), "%s: '%s' lacks '%s'", spec,
		      whole.err.msg, needle);
	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		for (size_t b = 0; b < sizeof(bufs) / sizeof(bufs[0]); b++) {
			struct run_result r = run_stream(spec, in, len, chunks[c], bufs[b]);

			ck_assert_int_eq(r.status, SX_EDATA);
			ck_assert_msg(strcmp(r.err.msg, whole.err.msg) == 0,
				      "%s read %zu buffer %zu: '%s', naive: '%s'", spec,
				      chunks[c], bufs[b], r.err.msg, whole.err.msg);
			ck_assert_uint_eq(r.pool_out, 0);
			free(r.out);
		}
	}
	free(whole.out);
}

START_TEST(test_zlib_errors_in_process)
{
	unsigned char *in = mixed_input(5000, 3);
	size_t zlen, rlen;
	unsigned char *z = zlib_compress(in, 5000, 6, 15, &zlen);
	unsigned char *raw = zlib_compress(in, 5000, 6, -15, &rlen);
	unsigned char *two = malloc(2 * zlen);
	char needle[128];

	ck_assert_ptr_nonnull(two);
	snprintf(needle, sizeof(needle), "unexpected end of input at byte %zu: "
		 "truncated zlib data", zlen - 1);
	expect_error_everywhere("unzlib", z, zlen - 1, needle);
	snprintf(needle, sizeof(needle), "unexpected end of input at byte %zu: "
		 "truncated deflate data", rlen / 2);
	expect_error_everywhere("inflate", raw, rlen / 2, needle);
	memcpy(two, z, zlen);
	memcpy(two + zlen, z, zlen);
	snprintf(needle, sizeof(needle), "trailing garbage after zlib data at byte %zu", zlen);
	expect_error_everywhere("unzlib", two, 2 * zlen, needle);
	expect_error_everywhere("unzlib", "", 0, "at byte 0: no zlib data");
	expect_error_everywhere("inflate", "", 0, "at byte 0: no deflate data");
	z[zlen - 2] ^= 1; /* in the Adler-32 */
	snprintf(needle, sizeof(needle), "corrupt zlib data at byte %zu: "
		 "incorrect data check", zlen);
	expect_error_everywhere("unzlib", z, zlen, needle);
	expect_error_everywhere("unzlib", "hello", 5, "corrupt zlib data at byte 2: "
				"incorrect header check");
	free(two);
	free(raw);
	free(z);
	free(in);
}
END_TEST

/* ---- base64, in process ---- */

/* RFC 4648's test vectors, with and without line breaks. */
START_TEST(test_base64_vectors)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const coded[] = {
		"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"
	};
	char want[64];

	for (size_t i = 0; i < 7; i++) {
		expect_text("base64 -w 0", plain[i], coded[i]);
		snprintf(want, sizeof(want), "%s%s", coded[i], i ? "\n" : "");
		expect_text("base64", plain[i], want);
		expect_text("base64 -d", want, plain[i]);
		expect_text("base64 --decode", coded[i], plain[i]);
	}
	expect_text("base64 -w 4", "foobar", "Zm9v\nYmFy\n");
	expect_text("base64 -w 4", "foob", "Zm9v\nYg==\n");
	expect_text("base64 --wrap=5", "foobar", "Zm9vY\nmFy\n");
	expect_text("base64 -w 1", "f", "Z\ng\n=\n=\n");
	expect_text("base64 -w 3", "fooba", "Zm9\nvYm\nE=\n");
	expect_text("base64 -w 8", "foobar", "Zm9vYmFy\n");
}
END_TEST

static const char *const b64_specs[] = {
	"base64", "base64 -w 0", "base64 -w 1", "base64 -w 5", "base64 --wrap=4",
	"base64 -w 3", "base64 -w 64", "base64 -w 77",
};
#define NB64 (sizeof(b64_specs) / sizeof(b64_specs[0]))

/* Every wrap width, at sizes around groups and chunks: the encoding
 * decodes back, and both directions agree at every chunking. */
START_TEST(test_base64_every_chunking)
{
	const char *spec = b64_specs[_i];

	for (size_t i = 0; i < NSIZES; i++) {
		unsigned char *in = mixed_input(sizes[i] ? sizes[i] : 2, (unsigned)i);
		struct run_result enc = run_naive(spec, in, sizes[i]);
		/* empty output comes back as NULL: never hand NULL on */
		const void *coded = enc.out ? (const void *)enc.out : "";

		ck_assert_int_eq(enc.status, SX_OK);
		assert_every_chunking(spec, in, sizes[i], "mixed");
		expect_naive("base64 -d", coded, enc.out_len, in, sizes[i]);
		assert_every_chunking("base64 -d", coded, enc.out_len, spec);
		free(enc.out);
		free(in);
	}
}
END_TEST

/* What GNU base64 -d accepts besides its own output. */
START_TEST(test_base64_decode_forms)
{
	expect_text("base64 -d", "YQ==YQ==", "aa");
	expect_text("base64 -d", "YWJjZA==ZGVm\n", "abcddef");
	expect_text("base64 -d", "Y\nQ==", "a");
	expect_text("base64 -d", "YQ=\n=", "a");
	expect_text("base64 -d", "YR==", "a");  /* stray low bits are dropped */
	expect_text("base64 -d", "YWK=", "ab");
	expect_text("base64 -d", "\n\n", "");
	expect_text("base64 -d", "\nYW\nJj\n\n", "abc");
	expect_text("base64 -d", "+/+/", "\xfb\xff\xbf");
	expect_text("base64 -d -w 3", "YWJj", "abc"); /* -w is ignored */
}
END_TEST

START_TEST(test_base64_errors_in_process)
{
	expect_error_everywhere("base64 -d", "YWJj\nZGVm\nZ*Vm\n", 16,
				"invalid base64 input at byte 11: '*' is not base64");
	expect_error_everywhere("base64 -d", "YWJjZGVm\r\n", 10,
				"invalid base64 input at byte 8: 0x0d");
	expect_error_everywhere("base64 -d", "YWJjZGVmY", 9,
				"invalid base64 input at byte 9");
	expect_error_everywhere("base64 -d", "YWJjZGVmYQ=a", 12,
				"invalid base64 input at byte 11");
	expect_error_everywhere("base64 -d", "YWJjZGVmY===", 12,
				"invalid base64 input at byte 9");
}
END_TEST

/* ---- hex, in process ---- */

/* Bytes 0..255 as xxd -p writes them: 30 to a line. */
START_TEST(test_hex_known)
{
	unsigned char all[256];
	char want[1024], *p = want;

	for (int i = 0; i < 256; i++) {
		all[i] = (unsigned char)i;
		p += sprintf(p, "%02x%s", i, i % 30 == 29 || i == 255 ? "\n" : "");
	}
	expect_naive("hex", all, 256, want, strlen(want));
	expect_naive("hex -d", want, strlen(want), all, 256);
	expect_text("hex", "", "");
	expect_text("hex -c 0", "", "");
	expect_text("hex -c 0", "abc", "616263\n");
	expect_text("hex -c 2", "abcde", "6162\n6364\n65\n");
	expect_text("hex --cols=1", "ab", "61\n62\n");
	expect_text("hex -c 3", "abc", "616263\n");
	expect_text("hex -d", "", "");
	expect_text("hex -d", "6 1\t6\r\n2 ", "ab");
	expect_text("hex -d", "4A4b\n4c", "JKL");
	expect_text("hex --decode", "\n\n", "");
}
END_TEST

static const char *const hex_specs[] = {
	"hex", "hex -c 16", "hex -c 1", "hex -c 0", "hex --cols=7",
};
#define NHEX (sizeof(hex_specs) / sizeof(hex_specs[0]))

START_TEST(test_hex_every_chunking)
{
	const char *spec = hex_specs[_i];

	for (size_t i = 0; i < NSIZES; i++) {
		unsigned char *in = mixed_input(sizes[i] ? sizes[i] : 2, (unsigned)i);
		struct run_result enc = run_naive(spec, in, sizes[i]);
		/* empty output comes back as NULL: never hand NULL on */
		const void *coded = enc.out ? (const void *)enc.out : "";

		ck_assert_int_eq(enc.status, SX_OK);
		ck_assert_uint_eq(enc.out_len >= 2 * sizes[i], 1);
		assert_every_chunking(spec, in, sizes[i], "mixed");
		expect_naive("hex -d", coded, enc.out_len, in, sizes[i]);
		assert_every_chunking("hex -d", coded, enc.out_len, spec);
		free(enc.out);
		free(in);
	}
}
END_TEST

/* Upper case and white space between and inside pairs, across chunks. */
START_TEST(test_hex_decode_spaced)
{
	unsigned char *in = make_input(SX_GEN_BINARY, 3000, 4);
	char *text = malloc(3000 * 8), *p = text;

	ck_assert_ptr_nonnull(text);
	for (size_t i = 0; i < 3000; i++) {
		static const char *const gaps[] = { "", " ", "\t", "\r\n", "\n", "  " };
		const char *digits = i % 2 ? "0123456789ABCDEF" : "0123456789abcdef";

		*p++ = digits[in[i] >> 4];
		if (i % 5 == 0)
			p += sprintf(p, "%s", gaps[i % 6]);
		*p++ = digits[in[i] & 15];
		p += sprintf(p, "%s", gaps[(i / 7) % 6]);
	}
	expect_naive("hex -d", text, (size_t)(p - text), in, 3000);
	assert_every_chunking("hex -d", text, (size_t)(p - text), "spaced hex");
	free(text);
	free(in);
}
END_TEST

START_TEST(test_hex_errors_in_process)
{
	expect_error_everywhere("hex -d", "6162\n63zz", 9,
				"invalid hex input at byte 7: 'z' is not a hex digit");
	expect_error_everywhere("hex -d", "61:62", 5, "invalid hex input at byte 2: ':'");
	expect_error_everywhere("hex -d", "6162\n6", 6,
				"invalid hex input at byte 5: odd number of hex digits");
	expect_error_everywhere("hex -d", "6 1 6 \n", 7,
				"invalid hex input at byte 4: odd number of hex digits");
	expect_error_everywhere("hex -d", "61\xff", 3, "at byte 2: 0xff is not a hex digit");
}
END_TEST

/* ---- against the real tools ---- */

static const struct diff_case tool_cases[] = {
	/* compressors: the bytes zlib writes when called directly */
	{ "deflate", PY_COMPRESS(6, -15), NULL, 0 },
	{ "deflate -1", PY_COMPRESS(1, -15), NULL, 0 },
	{ "deflate --best", PY_COMPRESS(9, -15), NULL, 0 },
	/* zlib-flate writes nothing at all for empty input, not a stream */
	{ "zlib", "zlib-flate -compress=6", NULL, DIFF_EMPTY },
	{ "zlib --fast", "zlib-flate -compress=1", NULL, DIFF_EMPTY },
	{ "zlib -9", "zlib-flate -compress=9", NULL, DIFF_EMPTY },
	/* gzip writes pigz's format; pigz -p 1 differs at levels 1 to 3 */
	{ "gzip", "pigz -n -p 2 -c", NULL, 0 },
	{ "gzip -1", "pigz -n -p 2 -1 -c", NULL, 0 },
	{ "gzip --best", "pigz -n -p 2 -9 -c", NULL, 0 },
	/* decompressors: the real decoder of what a real encoder wrote */
	{ "unzlib", "zlib-flate -uncompress", "zlib-flate -compress=6", DIFF_EMPTY },
	{ "unzlib", "zlib-flate -uncompress", "pigz -z -9 -c", 0 },
	{ "inflate", PY_INFLATE, PY_COMPRESS(6, -15), 0 },
	{ "gunzip", "gzip -dc", "gzip -c", 0 },
	{ "gunzip", "gzip -dc", "{ gzip -1 -c; printf x | gzip -c; }", 0 },
	/* base64 */
	{ "base64", "base64", NULL, 0 },
	{ "base64 -w 0", "base64 -w 0", NULL, 0 },
	{ "base64 -w 1", "base64 -w 1", NULL, 0 },
	{ "base64 -w 5", "base64 -w 5", NULL, 0 },
	{ "base64 --wrap=4", "base64 --wrap=4", NULL, 0 },
	{ "base64 -d", "base64 -d", "base64", 0 },
	{ "base64 -d", "base64 -d", "base64 -w 0", 0 },
	{ "base64 --decode", "base64 -d", "base64 -w 5", 0 },
	/* two encodings back to back: padding, then more groups */
	{ "base64 -d", "base64 -d", "{ base64 -w 6 > c.tmp; cat c.tmp c.tmp; }", 0 },
	/* hex */
	{ "hex", "xxd -p", NULL, 0 },
	{ "hex -c 16", "xxd -p -c 16", NULL, 0 },
	{ "hex --cols=7", "xxd -p -c 7", NULL, 0 },
	/* xxd -p -c 0 writes a lone newline for empty input; hex writes nothing */
	{ "hex -c 0", "xxd -p -c 0", NULL, DIFF_EMPTY },
	{ "hex -d", "xxd -r -p", "xxd -p", 0 },
	{ "hex --decode", "xxd -r -p", "{ xxd -p -c 7 | tr a-f A-F; }", 0 },
	{ "hex -d", "xxd -r -p", "{ xxd -p | unix2dos; }", 0 },
	{ "hex -d", "xxd -r -p", "{ xxd -p -c 9 | sed 's/\\(.\\)\\(.\\)/\\1\\t\\2 /g'; }", 0 },
	/* everything at once */
	{ "gunzip | base64 | base64 -d | zlib -9 | unzlib | hex -c 3 | hex -d"
	  " | deflate -1 | inflate", "gzip -dc", "gzip -c", 0 },
};
#define NTOOLS (sizeof(tool_cases) / sizeof(tool_cases[0]))

START_TEST(test_vs_tools)
{
	diff_check(&tool_cases[_i]);
}
END_TEST

/* The rows of tool_cases that decompress, for the run on zlib. */
static size_t inflating[NTOOLS], ninflating;

START_TEST(test_inflating_vs_tools)
{
	diff_check(&tool_cases[inflating[_i]]);
}
END_TEST

/* Encoders' output through the real decoders gives the input back. */
static const struct {
	const char *spec, *decoder;
} round_trips[] = {
	{ "gzip -9", "gzip -dc" }, { "gzip", "pigz -dc" },
	{ "zlib -1", "zlib-flate -uncompress" }, { "zlib --best", "pigz -dz -c" },
	{ "deflate -9", PY_INFLATE }, { "base64 -w 7", "base64 -d" },
	{ "hex -c 16", "xxd -r -p" },
};
#define NROUND (sizeof(round_trips) / sizeof(round_trips[0]))

START_TEST(test_round_trip)
{
	diff_corpus_make();
	ok("for f in corpus/*; do " SX " -b 7 '%s' < $f > enc &&"
	   " { %s; } < enc > back && cmp back $f || { echo \"$f\"; exit 1; }; done",
	   round_trips[_i].spec, round_trips[_i].decoder);
}
END_TEST

/* ---- data errors through the binary ---- */


/* Runs spec over file in configuration c; it must exit 1 with one line
 * naming the stage and a byte offset. Returns the line. */
static const char *data_fails(size_t c, const char *spec, const char *file)
{
	char needle[64];
	const char *line;

	snprintf(needle, sizeof(needle), "%.*s (stage 1): ",
		 (int)strcspn(spec, " "), spec);
	line = fails(1, needle, SX " %s -b %s '%s' < %s > out", error_modes[c].mode,
		     error_modes[c].buf, spec, file);
	ck_assert_msg(message_byte(line) >= 0, "`%s`: no byte offset in: %s", last_cmd, line);
	return line;
}

static const struct {
	const char *spec, *encoder, *name;
} zstreams[] = {
	{ "inflate", PY_COMPRESS(6, -15), "deflate" },
	{ "unzlib", "zlib-flate -compress=6", "zlib" },
};

/* Writes text and its compressed form a.z; returns a.z's size. */
static size_t make_stream(size_t k)
{
	ok(SX " gen --kind text --size 20000 --seed 3 > a");
	ok("%s < a > a.z", zstreams[k].encoder);
	ok("%s < a.z | cmp - a", k == 0 ? PY_INFLATE : "zlib-flate -uncompress");
	return (size_t)file_size("a.z");
}

static void cut_copy(const char *src, const char *dst, size_t n)
{
	size_t len;
	char *data = slurp(src, &len);

	ck_assert_ptr_nonnull(data);
	ck_assert_uint_le(n, len);
	put_file(dst, data, n);
	free(data);
}

/* Cut anywhere, the stream is reported as ending early at the cut. */
START_TEST(test_truncated)
{
	size_t len = make_stream((size_t)_i), cuts[40], n = 0;
	char want[128];

	for (size_t c = 0; c < 12; c++)
		cuts[n++] = c;
	for (size_t c = 1; c < 8; c++)
		cuts[n++] = len * c / 8;
	for (size_t c = 1; c <= 8; c++)
		cuts[n++] = len - c;
	for (size_t i = 0; i < n; i++) {
		cut_copy("a.z", "cut", cuts[i]);
		if (cuts[i] == 0)
			snprintf(want, sizeof(want), "unexpected end of input at byte 0: "
				 "no %s data", zstreams[_i].name);
		else
			snprintf(want, sizeof(want), "unexpected end of input at byte %zu: "
				 "truncated %s data", cuts[i], zstreams[_i].name);
		for (size_t c = 0; c < N_ERROR_MODES; c++)
			assert_contains(data_fails(c, zstreams[_i].spec, "cut"), want);
	}
}
END_TEST

/* Python's zlib as a strict reference: exactly one whole stream. (It is
 * stricter than zlib-flate, which ignores a wrong Adler-32.) */
#define PY_STRICT(wbits) PY_ZLIB "d=zlib.decompressobj(" #wbits "); " \
	"o=d.decompress(sys.stdin.buffer.read()); " \
	"sys.exit(1) if not d.eof or d.unused_data else sys.stdout.buffer.write(o)'"

/* A damaged byte is found at it or after it, at the same place in every
 * mode and buffer size. Raw deflate has no checksum, and its Huffman
 * codes often fall back into step after a damaged byte: where zlib itself
 * reads the damaged stream as one whole stream, inflate must give the
 * same bytes. unzlib's Adler-32 catches every flip. */
START_TEST(test_flipped)
{
	static const char *const strict[] = { PY_STRICT(-15), PY_STRICT(15) };
	size_t len = make_stream((size_t)_i), at[32], n = 0, failed = 0;
	char first[1024];
	char *z;

	for (size_t c = 0; c < 6; c++)
		at[n++] = c;
	for (size_t c = 1; c < 14; c++)
		at[n++] = len * c / 14 + c % 5;
	at[n++] = len - 3;
	at[n++] = len - 1;
	z = slurp("a.z", NULL);
	ck_assert_ptr_nonnull(z);
	for (size_t i = 0; i < n; i++) {
		z[at[i]] ^= 0x55;
		put_file("bad", z, len);
		z[at[i]] ^= 0x55;
		if (sh("%s < bad > want", strict[_i]) == 0) {
			ck_assert_msg(_i == 0, "zlib reads unzlib's input flipped at %zu", at[i]);
			for (size_t c = 0; c < N_ERROR_MODES; c++)
				ok(SX " %s -b %s inflate < bad | cmp - want",
				   error_modes[c].mode, error_modes[c].buf);
			continue;
		}
		failed++;
		for (size_t c = 0; c < N_ERROR_MODES; c++) {
			const char *line = data_fails(c, zstreams[_i].spec, "bad");
			long long b = message_byte(line);

			ck_assert_msg(b > (long long)at[i] && b <= (long long)len,
				      "`%s`, flip at %zu of %zu: %s", last_cmd, at[i], len, line);
			if (c == 0)
				snprintf(first, sizeof(first), "%s", line);
			ck_assert_str_eq(line, first);
		}
	}
	/* the header and the first block's tables are always damaged */
	ck_assert_uint_ge(failed, 8);
	free(z);
}
END_TEST

/* One stream only: anything after it, zeros or a second stream, is
 * garbage at the stream's end. */
START_TEST(test_trailing_garbage)
{
	size_t len = make_stream((size_t)_i);
	char want[128];

	snprintf(want, sizeof(want), "trailing garbage after %s data at byte %zu",
		 zstreams[_i].name, len);
	ok("cat a.z a.z > two.z && cat a.z > zero.z && printf '\\000' >> zero.z");
	ok("cat a.z > x.z && printf x >> x.z");
	for (size_t c = 0; c < N_ERROR_MODES; c++) {
		assert_contains(data_fails(c, zstreams[_i].spec, "two.z"), want);
		assert_contains(data_fails(c, zstreams[_i].spec, "zero.z"), want);
		assert_contains(data_fails(c, zstreams[_i].spec, "x.z"), want);
	}
}
END_TEST

START_TEST(test_zlib_not_zlib)
{
	put_file("empty", "", 0);
	ok("printf 'hello world' > text");
	/* zlib made with a preset dictionary cannot be read without it */
	ok(PY_ZLIB "c=zlib.compressobj(6, zlib.DEFLATED, 15, zdict=b\"hello\"); "
	   "sys.stdout.buffer.write(c.compress(b\"hello hello\")+c.flush())' > dict.z");
	for (size_t c = 0; c < N_ERROR_MODES; c++) {
		assert_contains(data_fails(c, "unzlib", "empty"),
				"unexpected end of input at byte 0: no zlib data");
		assert_contains(data_fails(c, "inflate", "empty"),
				"unexpected end of input at byte 0: no deflate data");
		assert_contains(data_fails(c, "unzlib", "text"),
				"corrupt zlib data at byte 2: incorrect header check");
		assert_contains(data_fails(c, "unzlib", "dict.z"),
				"corrupt zlib data at byte 6: needs a preset dictionary");
		ck_assert_int_eq(file_size("out"), 0);
	}
}
END_TEST

/* Input GNU base64 -d rejects, with the byte streamx names. */
static const struct {
	const char *in;
	long long at;
} bad_base64[] = {
	{ "YW*j", 2 }, { "YQ=a", 3 }, { "Y===", 1 }, { "====", 0 }, { "=", 0 },
	{ "YQ", 2 }, { "YWJ", 3 }, { "Y", 1 }, { "YQ=", 3 }, { "YQ=\\n", 4 },
	{ "YQ==\\nY", 6 }, { "YQ==YQ", 6 }, { "YWJjYWJj=", 8 }, { "YWJj\\r\\n", 4 },
	{ "YW Jj", 2 }, { "YWJj\\t", 4 }, { "YQ==\\000", 4 }, { "YWJj\\nZ\\377==", 6 },
	{ "Y=Q=", 1 }, { "YWJjZA==ZGV", 11 },
};
#define NBADB64 (sizeof(bad_base64) / sizeof(bad_base64[0]))

START_TEST(test_base64_rejects)
{
	for (size_t i = 0; i < NBADB64; i++) {
		ok("printf '%s' > in", bad_base64[i].in);
		ck_assert_msg(sh("base64 -d < in > /dev/null") == 1,
			      "coreutils accepts '%s'", bad_base64[i].in);
		for (size_t c = 0; c < N_ERROR_MODES; c++) {
			const char *line = data_fails(c, "base64 -d", "in");

			assert_contains(line, "invalid base64 input at byte ");
			ck_assert_msg(message_byte(line) == bad_base64[i].at,
				      "'%s': wanted byte %lld: %s", bad_base64[i].in,
				      bad_base64[i].at, line);
		}
	}
}
END_TEST

/* Unusual input GNU base64 -d accepts: the same bytes out. */
START_TEST(test_base64_accepts_like_coreutils)
{
	static const char *const good[] = {
		"", "\\n", "\\n\\n\\n", "YQ==YQ==", "YQ==\\nYQ==\\n", "Y\\nQ==", "YQ=\\n=",
		"YR==", "YWK=", "YWJjZA==ZGVm", "\\nYW\\n\\nJj", "////", "AAAA\\n\\n",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ok("printf '%s' > in && base64 -d < in > want", good[i]);
		for (size_t c = 0; c < N_ERROR_MODES; c++)
			ok(SX " %s -b %s 'base64 -d' < in | cmp - want", error_modes[c].mode,
			   error_modes[c].buf);
	}
}
END_TEST

/* hex -d is strict where xxd -r -p is lenient: any character other than
 * a digit or white space, and a lone last digit, are errors. */
static const struct {
	const char *in;
	long long at;
} bad_hex[] = {
	{ "61zz62", 2 }, { "61:62", 2 }, { "6g", 1 }, { "0x61", 1 }, { "\\377", 0 },
	{ "616", 2 }, { "6162 6", 5 }, { "6 1 6\\n", 4 }, { "61\\v62", 2 },
	{ "6162\\n63-64\\n", 7 },
};

START_TEST(test_hex_rejects)
{
	for (size_t i = 0; i < sizeof(bad_hex) / sizeof(bad_hex[0]); i++) {
		ok("printf '%s' > in", bad_hex[i].in);
		for (size_t c = 0; c < N_ERROR_MODES; c++) {
			const char *line = data_fails(c, "hex -d", "in");

			assert_contains(line, "invalid hex input at byte ");
			ck_assert_msg(message_byte(line) == bad_hex[i].at,
				      "'%s': wanted byte %lld: %s", bad_hex[i].in,
				      bad_hex[i].at, line);
		}
	}
}
END_TEST

/* White space anywhere and either case, as xxd -r -p reads them. */
START_TEST(test_hex_accepts_like_xxd)
{
	static const char *const good[] = {
		"", "\\n", "6 1", "ABCDEF", "abcdef\\n", "61\\r\\n62\\t63 64",
		" \\t\\r\\n", "0 0\\n0\\n0", "DeAdBeEf",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ok("printf '%s' > in && xxd -r -p < in > want", good[i]);
		for (size_t c = 0; c < N_ERROR_MODES; c++)
			ok(SX " %s -b %s 'hex -d' < in | cmp - want", error_modes[c].mode,
			   error_modes[c].buf);
	}
}
END_TEST

/* ---- usage errors ---- */

static const struct {
	const char *spec, *needle;
} usage_cases[] = {
	{ "deflate -0", "deflate (stage 1): unknown argument '-0'" },
	{ "deflate 9", "deflate (stage 1): unknown argument '9'" },
	{ "zlib -10", "zlib (stage 1): unknown argument '-10'" },
	{ "zlib --slow", "zlib (stage 1): unknown argument '--slow'" },
	{ "inflate -9", "inflate (stage 1): unknown argument '-9'" },
	{ "unzlib x", "unzlib (stage 1): unknown argument 'x'" },
	{ "base64 -w x", "base64 (stage 1): invalid number 'x'" },
	{ "base64 -w -1", "base64 (stage 1): invalid number '-1'" },
	{ "base64 --wrap=", "base64 (stage 1): invalid number ''" },
	{ "base64 -w 2000000000", "base64 (stage 1): invalid number '2000000000'" },
	{ "base64 -w", "base64 (stage 1): option needs an argument: '-w'" },
	{ "base64 extra", "base64 (stage 1): extra operand 'extra'" },
	{ "base64 -d file", "base64 (stage 1): extra operand 'file'" },
	{ "base64 -i", "base64 (stage 1): unknown option '-i'" },
	{ "base64 --decode=1", "base64 (stage 1): option takes no argument: '--decode=1'" },
	{ "hex -c x", "hex (stage 1): invalid number 'x'" },
	{ "hex -c", "hex (stage 1): option needs an argument: '-c'" },
	{ "hex foo", "hex (stage 1): extra operand 'foo'" },
	{ "hex -r", "hex (stage 1): unknown option '-r'" },
	{ "hex --cols=1k", "hex (stage 1): invalid number '1k'" },
};
#define NUSAGE (sizeof(usage_cases) / sizeof(usage_cases[0]))

START_TEST(test_usage)
{
	fails(2, usage_cases[_i].needle, SX " '%s' < /dev/null", usage_cases[_i].spec);
	ck_assert_int_eq(strncmp(error_line(), "streamx: ", 9), 0);
	ck_assert_int_eq(file_size(out_path), 0);
}
END_TEST

/* ---- memory ---- */

static long long stat_of(const char *js, const char *key)
{
	char k[64];
	const char *p;

	snprintf(k, sizeof(k), "\"%s\":", key);
	p = strstr(js, k);
	ck_assert_msg(p != NULL, "no %s in: %s", key, js);
	return strtoll(p + strlen(k), NULL, 10);
}

/* Peak RSS and tracked memory of a round trip over size bytes of random
 * data; the output must be the input. */
static void measure(const char *spec, const char *size, long long *rss,
		    long long *tracked)
{
	char *js;

	ok(SX " gen --kind binary --size %s > in && " SX " --stream --stats=json"
	   " '%s' < in 2> stats | cmp - in", size, spec);
	js = slurp("stats", NULL);
	ck_assert_ptr_nonnull(js);
	*rss = stat_of(js, "rss_peak_bytes");
	*tracked = stat_of(js, "tracked_peak_bytes");
	free(js);
}

static const char *const mem_specs[] = {
	"base64 -w 0 | base64 -d", "base64 -w 7 | base64 -d", "hex -c 0 | hex -d",
	"zlib -9 | unzlib", "deflate -1 | inflate", "gzip | gunzip",
};

/* 32 times the input, one unbroken line of base64 or hex among them: the
 * same tracked memory and about the same RSS. */
START_TEST(test_memory_bounded)
{
	long long rss1, rss2, tr1, tr2;

	measure(mem_specs[_i], "2M", &rss1, &tr1);
	measure(mem_specs[_i], "64M", &rss2, &tr2);
	ck_assert_msg(tr2 == tr1, "'%s': tracked peak %lld at 2M, %lld at 64M",
		      mem_specs[_i], tr1, tr2);
	ck_assert_msg(rss2 < rss1 + (2 << 20), "'%s': peak RSS %lld at 2M, %lld at 64M",
		      mem_specs[_i], rss1, rss2);
}
END_TEST

/* ISA-L inflates by default: the decompressor tests once more on zlib. */
static void add_zlib_inflate_tests(Suite *s)
{
	TCase *zl = tcase_create("zlib_inflate");
	TCase *sh = sh_tcase(s, "zlib_inflate_cli");

	inflate_on_zlib(zl);
	tcase_add_loop_test(zl, test_decompressor, 0, 2);
	tcase_add_test(zl, test_zlib_chains);
	tcase_add_test(zl, test_zlib_errors_in_process);
	tcase_set_timeout(zl, 120);
	suite_add_tcase(s, zl);
	inflate_on_zlib(sh);
	ninflating = 0;
	for (size_t i = 0; i < NTOOLS; i++)
		if (strstr(tool_cases[i].spec, "gunzip") || strstr(tool_cases[i].spec, "unzlib") ||
		    strstr(tool_cases[i].spec, "inflate"))
			inflating[ninflating++] = i;
	tcase_add_loop_test(sh, test_inflating_vs_tools, 0, (int)ninflating);
	tcase_add_loop_test(sh, test_truncated, 0, 2);
	tcase_add_loop_test(sh, test_flipped, 0, 2);
	tcase_add_loop_test(sh, test_trailing_garbage, 0, 2);
	tcase_add_test(sh, test_zlib_not_zlib);
	/* "zlib -9 | unzlib", "deflate -1 | inflate", "gzip | gunzip" */
	tcase_add_loop_test(sh, test_memory_bounded, 3, 6);
}

Suite *codec_suite(void)
{
	Suite *s = suite_create("codec");
	TCase *zl = tcase_create("zlib");
	TCase *enc = tcase_create("encode");
	TCase *tools, *errors, *mem;

	tcase_add_loop_test(zl, test_compressor, 0,
			    (int)(sizeof(compressors) / sizeof(compressors[0])));
	tcase_add_loop_test(zl, test_decompressor, 0, 2);
	tcase_add_test(zl, test_zlib_chains);
	tcase_add_test(zl, test_zlib_errors_in_process);
	tcase_set_timeout(zl, 120);
	suite_add_tcase(s, zl);
	tcase_add_test(enc, test_base64_vectors);
	tcase_add_loop_test(enc, test_base64_every_chunking, 0, (int)NB64);
	tcase_add_test(enc, test_base64_decode_forms);
	tcase_add_test(enc, test_base64_errors_in_process);
	tcase_add_test(enc, test_hex_known);
	tcase_add_loop_test(enc, test_hex_every_chunking, 0, (int)NHEX);
	tcase_add_test(enc, test_hex_decode_spaced);
	tcase_add_test(enc, test_hex_errors_in_process);
	tcase_set_timeout(enc, 120);
	suite_add_tcase(s, enc);

	tools = sh_tcase(s, "tools");
	tcase_add_loop_test(tools, test_vs_tools, 0, (int)NTOOLS);
	tcase_add_loop_test(tools, test_round_trip, 0, (int)NROUND);
	errors = sh_tcase(s, "errors");
	tcase_add_loop_test(errors, test_truncated, 0, 2);
	tcase_add_loop_test(errors, test_flipped, 0, 2);
	tcase_add_loop_test(errors, test_trailing_garbage, 0, 2);
	tcase_add_test(errors, test_zlib_not_zlib);
	tcase_add_test(errors, test_base64_rejects);
	tcase_add_test(errors, test_base64_accepts_like_coreutils);
	tcase_add_test(errors, test_hex_rejects);
	tcase_add_test(errors, test_hex_accepts_like_xxd);
	tcase_add_loop_test(errors, test_usage, 0, (int)NUSAGE);
	mem = sh_tcase(s, "memory");
	tcase_add_loop_test(mem, test_memory_bounded, 0,
			    (int)(sizeof(mem_specs) / sizeof(mem_specs[0])));
	if (isal_built_in())
		add_zlib_inflate_tests(s);
	return s;
}
