/* check_stages.c - every stage, every input shape, every chunking, both drivers. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gen.h"
#include "suites.h"

/*
 * For each stage and each input of the corpus, the naive driver's output
 * (the whole input in one call) is the reference; the stream driver must
 * give the same bytes for reads of 1, 2, 3, 7, 4095, 4096, 4097 and 65536
 * bytes and buffers of 1, 7, 4096 and 65536 bytes. Each stage's output is
 * also checked against an independent expectation (zlib, ctype).
 */
struct input {
	const char *name;
	unsigned char *data;
	size_t len;
};

enum { N_INPUTS = 10 };

static const size_t chunks[] = { 1, 2, 3, 7, 4095, 4096, 4097, 65536 };
static const size_t bufsizes[] = { 1, 7, 4096, 65536 };

static unsigned char *copy_of(const char *s, size_t len)
{
	unsigned char *p = malloc(len ? len : 1);

	memcpy(p, s, len);
	return p;
}

static unsigned char *filled(size_t len, unsigned char (*byte)(size_t))
{
	unsigned char *p = malloc(len);

	for (size_t i = 0; i < len; i++)
		p[i] = byte(i);
	return p;
}

static unsigned char crlf_byte(size_t i) { return "Line\r\n"[i % 6]; }
static unsigned char nul_byte(size_t i) { return i % 3 ? 'a' + i % 26 : 0; }
static unsigned char high_byte(size_t i) { return (unsigned char)(0x80 + i * 7 % 128); }
static unsigned char long_line_byte(size_t i) { return "abcXYZ "[i % 7]; }

static void make_corpus(struct input *in)
{
	in[0] = (struct input){ "empty", copy_of("", 0), 0 };
	in[1] = (struct input){ "one byte", copy_of("q", 1), 1 };
	in[2] = (struct input){ "no final newline", copy_of("abc\nDEF\nghi", 11), 11 };
	in[3] = (struct input){ "CRLF", filled(30000, crlf_byte), 30000 };
	in[4] = (struct input){ "NUL bytes", filled(20000, nul_byte), 20000 };
	in[5] = (struct input){ "invalid UTF-8", filled(20000, high_byte), 20000 };
	in[6] = (struct input){ "long line", filled(300000, long_line_byte), 300000 };
	in[7] = (struct input){ "binary", make_input(SX_GEN_BINARY, 200000, 3), 200000 };
	in[8] = (struct input){ "text", make_input(SX_GEN_TEXT, 150000, 4), 150000 };
	in[9] = (struct input){ "repetitive log", make_input(SX_GEN_LOG, 1 << 20, 5), 1 << 20 };
}

static void free_corpus(struct input *in)
{
	for (int i = 0; i < N_INPUTS; i++)
		free(in[i].data);
}

/* Small reads or buffers over a big input take long and add nothing;
 * compressed input cannot be cut short, though. */
static size_t trimmed(const char *spec, size_t len, size_t chunk, size_t buf)
{
	if (strncmp(spec, "gunzip", 6) == 0)
		return len;
	return (chunk < 64 || buf < 64) && len > 40000 ? 40000 : len;
}

static void assert_same_in_every_chunking(const char *spec, const struct input *in)
{
	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++)
		for (size_t b = 0; b < sizeof(bufsizes) / sizeof(bufsizes[0]); b++)
			assert_chunking_same(spec, in->data,
					     trimmed(spec, in->len, chunks[c], bufsizes[b]),
					     chunks[c], bufsizes[b], in->name);
}

/* Decompresses gzip data with zlib directly, members one after another. */
static unsigned char *zlib_gunzip(const unsigned char *in, size_t len, size_t *out_len)
{
	size_t cap = len * 4 + 1024, used = 0;
	unsigned char *out = malloc(cap);
	z_stream zs;

	memset(&zs, 0, sizeof(zs));
	ck_assert_int_eq(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	while (zs.avail_in > 0) {
		int rc;

		if (used == cap)
			out = realloc(out, cap *= 2);
		zs.next_out = out + used;
		zs.avail_out = (uInt)(cap - used);
		rc = inflate(&zs, Z_NO_FLUSH);
		used = cap - zs.avail_out;
		if (rc == Z_STREAM_END && zs.avail_in > 0)
			ck_assert_int_eq(inflateReset(&zs), Z_OK);
		else
			ck_assert_msg(rc == Z_OK || rc == Z_STREAM_END, "inflate: %d", rc);
	}
	inflateEnd(&zs);
	*out_len = used;
	return out;
}

/* One gzip member made by zlib directly, for gunzip to read. */
static unsigned char *zlib_gzip(const unsigned char *in, size_t len, int level,
				size_t *out_len)
{
	z_stream zs;
	size_t cap;
	unsigned char *out;

	memset(&zs, 0, sizeof(zs));
	ck_assert_int_eq(deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8,
				      Z_DEFAULT_STRATEGY), Z_OK);
	cap = deflateBound(&zs, (uLong)len) + 32;
	out = malloc(cap);
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*out_len = cap - zs.avail_out;
	deflateEnd(&zs);
	return out;
}

static void map_ref(unsigned char *p, size_t n, int (*fn)(int))
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)fn(p[i]);
}

static void check_bytewise(const char *spec, int (*ref)(int))
{
	struct input in[N_INPUTS];

	make_corpus(in);
	for (int i = 0; i < N_INPUTS; i++) {
		struct run_result r = run_naive(spec, in[i].data, in[i].len);
		unsigned char *want = copy_of((const char *)in[i].data, in[i].len);

		if (ref)
			map_ref(want, in[i].len, ref);
		ck_assert_int_eq(r.status, SX_OK);
		ck_assert_uint_eq(r.out_len, in[i].len);
		ck_assert_msg(in[i].len == 0 || memcmp(r.out, want, in[i].len) == 0,
			      "%s on %s", spec, in[i].name);
		assert_same_in_every_chunking(spec, &in[i]);
		free(want);
		free(r.out);
	}
	free_corpus(in);
}

START_TEST(test_cat)
{
	check_bytewise("cat", NULL);
}
END_TEST

START_TEST(test_upper)
{
	check_bytewise("upper", toupper);
}
END_TEST

START_TEST(test_lower)
{
	check_bytewise("lower", tolower);
}
END_TEST

START_TEST(test_gzip)
{
	static const char *const specs[] = { "gzip -1", "gzip", "gzip -9" };
	const char *spec = specs[_i];
	struct input in[N_INPUTS];

	make_corpus(in);
	for (int i = 0; i < N_INPUTS; i++) {
		struct run_result r = run_naive(spec, in[i].data, in[i].len);
		size_t back_len;
		unsigned char *back;

		ck_assert_int_eq(r.status, SX_OK);
		ck_assert_uint_ge(r.out_len, 18); /* header and trailer */
		ck_assert_int_eq(r.out[0], 0x1f);
		ck_assert_int_eq(r.out[1], 0x8b);
		back = zlib_gunzip(r.out, r.out_len, &back_len);
		ck_assert_uint_eq(back_len, in[i].len);
		ck_assert_mem_eq(back, in[i].data, in[i].len);
		assert_same_in_every_chunking(spec, &in[i]);
		free(back);
		free(r.out);
	}
	free_corpus(in);
}
END_TEST

START_TEST(test_gunzip)
{
	struct input in[N_INPUTS];

	make_corpus(in);
	for (int i = 0; i < N_INPUTS; i++) {
		size_t zlen;
		unsigned char *z = zlib_gzip(in[i].data, in[i].len, 1 + i % 9, &zlen);
		struct input packed = { in[i].name, z, zlen };
		struct run_result r = run_naive("gunzip", z, zlen);

		ck_assert_msg(r.status == SX_OK, "%s: %s", in[i].name, r.err.msg);
		ck_assert_uint_eq(r.out_len, in[i].len);
		if (in[i].len > 0)
			ck_assert_mem_eq(r.out, in[i].data, in[i].len);
		assert_same_in_every_chunking("gunzip", &packed);
		free(r.out);
		free(z);
	}
	free_corpus(in);
}
END_TEST

START_TEST(test_gunzip_members_and_padding)
{
	unsigned char *text = make_input(SX_GEN_TEXT, 50000, 9);
	size_t alen, blen;
	unsigned char *a = zlib_gzip(text, 30000, 6, &alen);
	unsigned char *b = zlib_gzip(text + 30000, 20000, 1, &blen);
	size_t len = alen + blen + 512;
	unsigned char *both = calloc(1, len); /* 512 zero bytes of padding */
	struct input in = { "two members and padding", both, len };
	struct run_result r;

	memcpy(both, a, alen);
	memcpy(both + alen, b, blen);
	r = run_naive("gunzip", both, len);
	ck_assert_msg(r.status == SX_OK, "%s", r.err.msg);
	ck_assert_uint_eq(r.out_len, 50000);
	ck_assert_mem_eq(r.out, text, 50000);
	assert_same_in_every_chunking("gunzip", &in);
	free(r.out);
	free(both);
	free(a);
	free(b);
	free(text);
}
END_TEST

START_TEST(test_chain_round_trip)
{
	unsigned char *log = make_input(SX_GEN_LOG, 300000, 11);
	struct input in = { "log", log, 300000 };
	struct run_result r = run_stream("gzip -1 | gunzip | upper | gzip | gunzip | lower",
					  log, 300000, 4097, 4096);
	unsigned char *want = copy_of((const char *)log, 300000);

	map_ref(want, 300000, tolower);
	ck_assert_int_eq(r.status, SX_OK);
	ck_assert_uint_eq(r.out_len, 300000);
	ck_assert_mem_eq(r.out, want, 300000);
	assert_same_in_every_chunking("upper | gzip -3 | cat | gunzip | lower", &in);
	free(r.out);
	free(want);
	free(log);
}
END_TEST

static void expect_init_error(const char *spec, const char *needle)
{
	struct run_result r = run_naive(spec, "x", 1);

	ck_assert_int_eq(r.status, SX_EUSAGE);
	ck_assert_msg(strstr(r.err.msg, needle), "'%s': '%s' lacks '%s'", spec,
		      r.err.msg, needle);
	ck_assert_ptr_null(r.out);
}

START_TEST(test_bad_arguments)
{
	expect_init_error("gzip -0", "gzip (stage 1): unknown argument '-0'");
	expect_init_error("gzip -10", "unknown argument '-10'");
	expect_init_error("gzip 9", "unknown argument '9'");
	expect_init_error("gzip -1 --slow", "unknown argument '--slow'");
	expect_init_error("gunzip -f", "gunzip (stage 1): unknown argument '-f'");
	expect_init_error("cat -n", "cat (stage 1): takes no arguments");
	expect_init_error("upper x", "upper (stage 1): takes no arguments");
	expect_init_error("cat | gzp", "unknown stage 'gzp' (did you mean 'gzip'?)");
}
END_TEST

START_TEST(test_gzip_levels_all_accepted)
{
	static const char *const specs[] = {
		"gzip -1", "gzip -2", "gzip -3", "gzip -4", "gzip -5", "gzip -6",
		"gzip -7", "gzip -8", "gzip -9", "gzip --fast", "gzip --best",
	};
	unsigned char *text = make_input(SX_GEN_TEXT, 100000, 2);
	size_t fast_len = 0, best_len = 0;

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct run_result r = run_naive(specs[i], text, 100000);

		ck_assert_int_eq(r.status, SX_OK);
		if (i == 0)
			fast_len = r.out_len;
		if (i == 8)
			best_len = r.out_len;
		free(r.out);
	}
	ck_assert_uint_lt(best_len, fast_len); /* the level reaches zlib */
	free(text);
}
END_TEST

Suite *stages_suite(void)
{
	Suite *s = suite_create("stages");
	TCase *bytes = tcase_create("bytes");
	TCase *zlib = tcase_create("zlib");
	TCase *args = tcase_create("arguments");

	tcase_add_test(bytes, test_cat);
	tcase_add_test(bytes, test_upper);
	tcase_add_test(bytes, test_lower);
	tcase_add_loop_test(zlib, test_gzip, 0, 3);
	tcase_add_test(zlib, test_gunzip);
	tcase_add_test(zlib, test_gunzip_members_and_padding);
	tcase_add_test(zlib, test_chain_round_trip);
	tcase_add_test(args, test_bad_arguments);
	tcase_add_test(args, test_gzip_levels_all_accepted);
	tcase_set_timeout(bytes, 120);
	tcase_set_timeout(zlib, 300);
	suite_add_tcase(s, bytes);
	suite_add_tcase(s, zlib);
	suite_add_tcase(s, args);
	return s;
}
