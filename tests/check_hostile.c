/* check_hostile.c - hostile input: decompression bombs under --max-output, and damage at every byte and bit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gen.h"
#include "pipeline.h"
#include "suites.h"
#include "test_sh.h"

/*
 * Bombs. Deflate expands at most about 1032 to 1, so 100 MB of zeros is
 * a 97 KB gzip file; a 1 KB zlib stream makes 1 MB; a gzip file of that
 * gzip file is 343 bytes and makes 100 MB through two gunzips. Each must
 * stop at the stage that expands it, in every mode, with its RSS close to
 * that of a harmless run, and a run whose output is exactly the limit
 * must pass.
 *
 * Damage. A small gzip file (and one of stored blocks, level 0) cut at
 * every length and with every bit flipped in turn goes through gunzip in
 * stream and naive mode on both inflate engines: each run either fails
 * with SX_EDATA and a one-line message, or succeeds with exactly what
 * zlib itself makes of the same bytes. The same for unzlib; raw inflate
 * has no check, so its runs need only agree with each other and with
 * zlib. base64 -d and hex -d must name the offset of any bad character.
 * The sweeps run in process; a sample goes through the binary.
 */

/* ---- compressed data in memory ---- */

struct bytes {
	unsigned char *p;
	size_t len;
};

enum wrap { RAW = -15, ZLIB = 15, GZIP = 31 };

/* Compresses n bytes (data NULL: n zeros, fed 1 MiB at a time). */
static struct bytes squash(const void *data, size_t n, int level, enum wrap w)
{
	static const unsigned char zeros[1 << 20];
	struct bytes b = { NULL, 0 };
	size_t cap = n / 500 + 4096;
	gz_header head = { 0 };
	z_stream z = { 0 };
	int rc;

	ck_assert_int_eq(deflateInit2(&z, level, Z_DEFLATED, w, 8, Z_DEFAULT_STRATEGY), Z_OK);
	if (w == GZIP && data) {
		/* a name, a time and a header CRC, for the sweeps to hit */
		head.name = (Bytef *)"sample.txt";
		head.time = 1700000000;
		head.hcrc = 1;
		ck_assert_int_eq(deflateSetHeader(&z, &head), Z_OK);
	}
	cap += deflateBound(&z, data ? n : 0);
	b.p = malloc(cap);
	ck_assert_ptr_nonnull(b.p);
	z.next_out = b.p;
	z.avail_out = (uInt)cap;
	do {
		size_t take = n > sizeof(zeros) ? sizeof(zeros) : n;

		z.next_in = data ? (Bytef *)data : (Bytef *)zeros;
		z.avail_in = (uInt)(data ? n : take);
		n -= data ? n : take;
		rc = deflate(&z, n ? Z_NO_FLUSH : Z_FINISH);
		ck_assert_msg(z.avail_out > 0, "compressed data outgrew %zu bytes", cap);
	} while (rc == Z_OK);
	ck_assert_int_eq(rc, Z_STREAM_END);
	b.len = z.total_out;
	deflateEnd(&z);
	return b;
}

/* What zlib makes of in: 1 and *out when one stream decodes and checks
 * out with nothing after it, else 0. The reference for every sweep. */
static int zlib_verdict(const unsigned char *in, size_t len, enum wrap w,
			unsigned char **out, size_t *out_len)
{
	size_t cap = 1 << 16;
	z_stream z = { 0 };
	int rc;

	*out = malloc(cap);
	*out_len = 0;
	ck_assert_ptr_nonnull(*out);
	ck_assert_int_eq(inflateInit2(&z, w), Z_OK);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	do {
		if (*out_len == cap) {
			cap *= 2;
			*out = realloc(*out, cap);
			ck_assert_ptr_nonnull(*out);
		}
		z.next_out = *out + *out_len;
		z.avail_out = (uInt)(cap - *out_len);
		rc = inflate(&z, Z_FINISH);
		*out_len = cap - z.avail_out;
	} while (rc == Z_BUF_ERROR && z.avail_out == 0);
	inflateEnd(&z);
	return rc == Z_STREAM_END && z.avail_in == 0;
}

/* ---- in-process runs ---- */

struct outcome {
	int status;
	unsigned char *out;
	size_t out_len;
	char msg[SX_ERROR_MAX];
	size_t stage_peak;  /* tracked peak of stage 1's owner */
};

/* Runs spec over in: mode 0 stream (reads of chunk, buffers of 4 KiB),
 * 1 naive, 2 threaded (two threads); max is the output limit (0: none). */
static struct outcome run_mode(const char *spec, const void *in, size_t len,
			       int mode, size_t chunk, uint64_t max)
{
	struct outcome o = { 0 };
	struct sx_mem_account acct;
	struct sx_pipeline *pl;
	struct sx_source src;
	struct sx_sink sink;
	struct sx_pool pool;
	struct sx_error err;

	sx_error_clear(&err);
	sx_mem_account_init(&acct, 0);
	o.status = sx_pipeline_new(&pl, test_registry(), spec, &acct, &err);
	ck_assert_msg(o.status == SX_OK, "%s: %s", spec, err.msg);
	sx_pipeline_set_threads(pl, mode == 2 ? 2 : 1);
	sx_pipeline_set_max_output(pl, max);
	sx_source_mem(&src, in, len, chunk);
	sx_sink_mem(&sink);
	sx_pool_init(&pool, 4096, (unsigned)sx_pipeline_buffers(pl));
	if (mode == 1)
		o.status = sx_pipeline_naive(pl, &src, &sink, &err);
	else
		o.status = sx_pipeline_stream(pl, &src, &sink, &pool, &err);
	o.stage_peak = atomic_load(&pl->stages[0].mem->peak);
	sx_pipeline_free(pl);
	ck_assert_uint_eq(sx_pool_drain(&pool), 0);
	ck_assert_uint_eq(sx_mem_leaks(&acct, NULL, NULL), 0);
	snprintf(o.msg, sizeof(o.msg), "%s", err.msg);
	o.out = sink.mem;
	o.out_len = sink.mem_len;
	return o;
}

static const char *const mode_names[] = { "stream", "naive", "threads" };

/* ---- --max-output in process ---- */

/* 100,000 bytes of text, gzipped: exactly the limit passes, one byte
 * less fails at the decoder, in every mode and read size. */
START_TEST(test_limit_exact)
{
	unsigned char *text = make_input(SX_GEN_TEXT, 100000, 7);
	struct bytes gz = squash(text, 100000, 6, GZIP);
	static const size_t chunks[] = { 1, 7, 4096, 1 << 20 };
	static const char want[] = "gunzip (stage 1): output passes --max-output 99999 bytes "
				   "at input byte ";

	for (int mode = 0; mode < 3; mode++) {
		for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			const char *spec = mode == 2 ? "gunzip | cat" : "gunzip";
			struct outcome fit = run_mode(spec, gz.p, gz.len, mode, chunks[c], 100000);
			struct outcome over = run_mode(spec, gz.p, gz.len, mode, chunks[c], 99999);

			ck_assert_msg(fit.status == SX_OK, "%s, reads of %zu: %s",
				      mode_names[mode], chunks[c], fit.msg);
			ck_assert_uint_eq(fit.out_len, 100000);
			ck_assert_mem_eq(fit.out, text, 100000);
			ck_assert_msg(over.status == SX_EDATA, "%s, reads of %zu: status %d",
				      mode_names[mode], chunks[c], over.status);
			ck_assert_msg(strncmp(over.msg, want, strlen(want)) == 0,
				      "%s: %s", mode_names[mode], over.msg);
			ck_assert_uint_le(over.out_len, 99999);
			free(fit.out);
			free(over.out);
		}
	}
	free(gz.p);
	free(text);
}
END_TEST

/* Naive mode's whole buffer stops growing at the limit: a 1 MiB limit on
 * 64 MiB of zeros holds the stage's tracked peak near 1 MiB plus its
 * inflater. */
START_TEST(test_naive_buffer_bounded)
{
	struct bytes gz = squash(NULL, (size_t)64 << 20, 9, GZIP);
	struct outcome o = run_mode("gunzip", gz.p, gz.len, 1, 0, 1 << 20);

	ck_assert_int_eq(o.status, SX_EDATA);
	assert_contains(o.msg, "output passes --max-output 1 MiB");
	ck_assert_msg(o.stage_peak < (1 << 20) + (512 << 10),
		      "gunzip's peak was %zu bytes", o.stage_peak);
	ck_assert_uint_eq(o.out_len, 0);
	free(o.out);
	free(gz.p);
}
END_TEST

/* The limit holds for every stage, not only the first: the nested bomb
 * fails at the second gunzip, whose input (1 MiB less) passes. */
START_TEST(test_limit_names_the_stage)
{
	struct bytes inner = squash(NULL, (size_t)8 << 20, 9, GZIP);
	struct bytes outer = squash(inner.p, inner.len, 9, GZIP);

	for (int mode = 0; mode < 3; mode++) {
		struct outcome o = run_mode("gunzip | gunzip", outer.p, outer.len, mode,
					    65536, 1 << 20);

		ck_assert_int_eq(o.status, SX_EDATA);
		ck_assert_msg(strstr(o.msg, "gunzip (stage 2): output passes --max-output 1 MiB"),
			      "%s: %s", mode_names[mode], o.msg);
		ck_assert_uint_le(o.out_len, 1 << 20);
		free(o.out);
	}
	free(inner.p);
	free(outer.p);
}
END_TEST

/* ---- --max-output through the binary ---- */

static void put_bytes(const char *path, struct bytes b)
{
	put_file(path, b.p, b.len);
	free(b.p);
}

static long rss_kib(const char *path)
{
	char *text = slurp(path, NULL), *line;
	long kib = -1;

	/* the last line: time(1) may say first how the command exited */
	ck_assert_ptr_nonnull(text);
	for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		if (sscanf(line, "%ld", &kib) != 1)
			kib = -1;
	ck_assert_msg(kib > 0, "no RSS in %s", path);
	free(text);
	return kib;
}

static const char *const cli_modes[] = { "--stream", "--naive", "-T 2" };

static const struct {
	const char *file;
	const char *spec;
	const char *stage;
} bombs[] = {
	{ "zeros.gz", "gunzip | cat", "gunzip (stage 1)" },
	{ "zeros.zlib", "unzlib | cat", "unzlib (stage 1)" },
	{ "nested.gz", "gunzip | gunzip", "gunzip (stage 2)" },
};
#define NBOMBS (sizeof(bombs) / sizeof(bombs[0]))

static void make_bombs(void)
{
	struct bytes zeros = squash(NULL, 100000000, 9, GZIP);
	struct bytes small = squash(NULL, 1000000, 9, ZLIB);
	unsigned char *text = make_input(SX_GEN_TEXT, 20000, 3);

	ck_assert_uint_lt(small.len, 1100);
	put_bytes("nested.gz", squash(zeros.p, zeros.len, 9, GZIP));
	put_bytes("zeros.gz", zeros);
	put_bytes("zeros.zlib", small);
	put_bytes("harmless.gz", squash(text, 20000, 6, GZIP));
	free(text);
}

/* Each bomb in each mode: exit 1, the one-line message, no output file,
 * and a peak RSS within 4 MiB of a harmless run's (limit 512 KiB; naive
 * mode without the limit would hold the whole 100 MB). */
START_TEST(test_bombs_stop)
{
	make_bombs();
	for (size_t m = 0; m < 3; m++) {
		long base, peak;

		ok("/usr/bin/time -f %%M -o base.rss " SX " %s -f --max-output 1M "
		   "-i harmless.gz -o o/harmless 'gunzip | cat'", cli_modes[m]);
		base = rss_kib("base.rss");
		for (size_t b = 0; b < NBOMBS; b++) {
			char want[128];

			snprintf(want, sizeof(want), "streamx: %s: output passes --max-output 512 KiB "
				 "at input byte ", bombs[b].stage);
			fails(1, want, "/usr/bin/time -f %%M -o bomb.rss " SX " %s --max-output 512K "
			      "-i %s -o o/out '%s'", cli_modes[m], bombs[b].file, bombs[b].spec);
			ck_assert_msg(!exists("o/out"), "%s left an output", last_cmd);
			peak = rss_kib("bomb.rss");
			ck_assert_msg(peak < base + 4096, "%s: peak RSS %ld KiB, harmless run %ld KiB",
				      last_cmd, peak, base);
		}
	}
}
END_TEST

/* An existing output is left as it was; standard output gets no more
 * than the limit. */
START_TEST(test_bomb_keeps_old_output)
{
	make_bombs();
	put_text("o/old", "old\n");
	fails(1, "output passes --max-output 1 MiB",
	      SX " -f --max-output 1M -i zeros.gz -o o/old gunzip");
	ok("test \"$(cat o/old)\" = old");
	ck_assert_int_eq(count_entries("o", NULL), 1);
	fails(1, "output passes --max-output 1 MiB",
	      SX " --max-output 1M -i zeros.gz gunzip");
	ck_assert_int_le(file_size(out_path), 1 << 20);
}
END_TEST

/* Exactly the limit passes and one byte more fails, in every mode and in
 * the kernel's copy of a cat pipeline (file to file, and through pipes). */
START_TEST(test_cli_exact)
{
	unsigned char *text = make_input(SX_GEN_TEXT, 5000, 11);

	put_file("text", text, 5000);
	put_bytes("text.gz", squash(text, 5000, 6, GZIP));
	free(text);
	for (size_t m = 0; m < 3; m++) {
		ok(SX " %s -f --max-output 5000 -i text.gz -o o/a 'gunzip | cat' && cmp o/a text",
		   cli_modes[m]);
		fails(1, "streamx: gunzip (stage 1): output passes --max-output 4999 bytes",
		      SX " %s --max-output 4999 -i text.gz -o o/b 'gunzip | cat'", cli_modes[m]);
		ck_assert(!exists("o/b"));
	}
	ok(SX " --max-output 5000 -i text -o o/c cat && cmp o/c text");
	fails(1, "streamx: cat (stage 1): output passes --max-output 4999 bytes at input byte 5000",
	      SX " --max-output 4999 -i text -o o/d cat");
	ck_assert(!exists("o/d"));
	ok("cat text | " SX " --max-output 5000 'cat | cat' | cmp - text");
	fails(1, "cat (stage 1): output passes --max-output 4999 bytes",
	      "cat text | " SX " --max-output 4999 cat > piped");
	ck_assert_int_eq(file_size("piped"), 4999);
}
END_TEST

START_TEST(test_cli_bad_size)
{
	static const char *const bad[] = { "0", "1X", "-5", "", "K", "99999999999999999999" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[96];

		snprintf(want, sizeof(want), "invalid size '%s' for --max-output", bad[i]);
		fails(2, want, SX " --max-output '%s' cat < /dev/null", bad[i]);
		fails(2, "for --max-output", "STREAMX_OPTIONS=\"--max-output '%s'\" " SX " cat",
		      bad[i]);
		fails(2, "for --max-output", SX " batch --max-output '%s' cat x", bad[i]);
	}
	fails(2, "option '--max-output' needs a value", SX " cat --max-output");
}
END_TEST

/* STREAMX_OPTIONS and batch carry the limit to the run. */
START_TEST(test_cli_limit_passed_on)
{
	make_bombs();
	fails(1, "gunzip (stage 1): output passes --max-output 2 MiB",
	      "STREAMX_OPTIONS='--max-output 2M' " SX " -i zeros.gz -o o/x gunzip");
	ok("mkdir in out && cp zeros.gz harmless.gz in/");
	ck_assert_int_eq(sh(SX " batch -j 2 --max-output 1M -O out --strip-suffix .gz "
			    "gunzip in/zeros.gz in/harmless.gz"), 1);
	assert_contains(stderr_text(), "output passes --max-output 1 MiB");
	ok("test \"$(ls out)\" = harmless && gzip -dc in/harmless.gz | cmp - out/harmless");
}
END_TEST

/* ---- damage sweeps in process ---- */

/* Runs of one damaged input: a failure is SX_EDATA with one line. */
static void assert_failure_clean(const struct outcome *o, const char *what)
{
	ck_assert_msg(o->status == SX_EDATA, "%s: status %d (%s)", what, o->status, o->msg);
	ck_assert_msg(o->msg[0] && !strchr(o->msg, '\n'), "%s: message '%s'", what, o->msg);
}

struct tally {
	unsigned runs, accepted, rejected;
};

/* Each engine and driver on in: they agree with each other, a success
 * is exactly zlib's, and with a checked format (want_check) a failure is
 * zlib's too. */
static void judge(const char *spec, enum wrap w, const unsigned char *in, size_t len,
		  const char *what, struct tally *t)
{
	unsigned char *ref;
	size_t ref_len;
	int good = zlib_verdict(in, len, w, &ref, &ref_len);

	for (int engine = 0; engine < 2; engine++) {
		if (engine)
			setenv("STREAMX_INFLATE", "zlib", 1);
		else
			unsetenv("STREAMX_INFLATE");
		for (int mode = 0; mode < 2; mode++) {
			struct outcome o = run_mode(spec, in, len, mode, mode ? 0 : 61, 0);
			char where[160];

			snprintf(where, sizeof(where), "%s, %s, %s engine, %s", spec, what,
				 engine ? "zlib" : "default", mode_names[mode]);
			t->runs++;
			if (o.status == SX_OK) {
				t->accepted++;
				ck_assert_msg(good, "%s: accepted what zlib rejects", where);
				ck_assert_msg(o.out_len == ref_len &&
					      memcmp(o.out, ref, ref_len) == 0,
					      "%s: %zu bytes, zlib %zu", where, o.out_len, ref_len);
			} else {
				t->rejected++;
				assert_failure_clean(&o, where);
				ck_assert_msg(!good, "%s: rejected what zlib accepts: %s",
					      where, o.msg);
			}
			free(o.out);
		}
	}
	unsetenv("STREAMX_INFLATE");
	free(ref);
}

static struct bytes sample(int stored, enum wrap w)
{
	size_t n = stored ? 300 : 2000;
	unsigned char *text = make_input(SX_GEN_TEXT, n, 5);
	struct bytes b = squash(text, n, stored ? 0 : 6, w);

	free(text);
	return b;
}

static const struct {
	const char *spec;
	enum wrap w;
	int stored;
} sweeps[] = {
	{ "gunzip", GZIP, 0 }, { "gunzip", GZIP, 1 },
	{ "unzlib", ZLIB, 0 }, { "unzlib", ZLIB, 1 },
	{ "inflate", RAW, 0 }, { "inflate", RAW, 1 },
};
#define NSWEEPS (int)(sizeof(sweeps) / sizeof(sweeps[0]))

/* Cut after every length from 0 to the whole: only the whole passes. */
START_TEST(test_truncated_everywhere)
{
	struct bytes b = sample(sweeps[_i].stored, sweeps[_i].w);
	struct tally t = { 0 };

	for (size_t cut = 0; cut <= b.len; cut++) {
		char what[64];

		snprintf(what, sizeof(what), "cut to %zu of %zu bytes", cut, b.len);
		judge(sweeps[_i].spec, sweeps[_i].w, b.p, cut, what, &t);
	}
	if (sweeps[_i].w != RAW)
		ck_assert_uint_eq(t.accepted, 4); /* the whole, in 4 runs */
	free(b.p);
}
END_TEST

/* Every bit flipped in turn. */
START_TEST(test_bit_flipped_everywhere)
{
	struct bytes b = sample(sweeps[_i].stored, sweeps[_i].w);
	struct tally t = { 0 };

	for (size_t bit = 0; bit < b.len * 8; bit++) {
		char what[64];

		b.p[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		snprintf(what, sizeof(what), "bit %zu of byte %zu flipped", bit % 8, bit / 8);
		judge(sweeps[_i].spec, sweeps[_i].w, b.p, b.len, what, &t);
		b.p[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	ck_assert_uint_eq(t.runs, b.len * 8 * 4);
	/* only the unused bits after the last block's end may change and pass */
	if (sweeps[_i].w != RAW)
		ck_assert_uint_le(t.accepted, 7 * 4);
	if (getenv("HOSTILE_TALLY"))
		fprintf(stderr, "%s%s: %zu bits, %u runs, %u accepted\n", sweeps[_i].spec,
			sweeps[_i].stored ? " (stored)" : "", b.len * 8, t.runs, t.accepted);
	free(b.p);
}
END_TEST

/* base64 -d and hex -d: a bad character anywhere is named at its offset. */
START_TEST(test_bad_character_everywhere)
{
	static const unsigned char bad_b64[] = { '!', '*', '.', 0x00, 0x80, 0xff };
	static const unsigned char bad_hex[] = { 'g', 'Z', '!', 0x00, 0x80, 0xff };
	const char *spec = _i ? "hex -d" : "base64 -d";
	const unsigned char *bad = _i ? bad_hex : bad_b64;
	unsigned char *raw = make_input(SX_GEN_BINARY, 240, 9);
	struct outcome enc = run_mode(_i ? "hex" : "base64", raw, 240, 1, 0, 0);

	ck_assert_int_eq(enc.status, SX_OK);
	while (enc.out_len && enc.out[enc.out_len - 1] == '\n')
		enc.out_len--; /* no newline to hit */
	for (size_t i = 0; i < enc.out_len; i++) {
		unsigned char keep = enc.out[i];

		for (size_t c = 0; c < 6; c++) {
			enc.out[i] = bad[c];
			for (int mode = 0; mode < 2; mode++) {
				struct outcome o = run_mode(spec, enc.out, enc.out_len, mode,
							    mode ? 0 : 13, 0);
				char what[96];

				snprintf(what, sizeof(what), "%s, byte %zu = 0x%02x, %s", spec, i,
					 bad[c], mode_names[mode]);
				assert_failure_clean(&o, what);
				ck_assert_msg(message_byte(o.msg) == (long long)i, "%s: %s", what,
					      o.msg);
				free(o.out);
			}
		}
		enc.out[i] = keep;
	}
	free(enc.out);
	free(raw);
}
END_TEST

/* ---- a sample of the damage through the binary ---- */

/* One byte in 13 of the gzip sample (every 7th of those a cut, the others
 * all the byte's bits flipped at once), through the binary: exit 0 with
 * gzip's bytes, or exit 1 with one line; never a signal or a hang. */
START_TEST(test_cli_damage_sample)
{
	struct bytes b = sample(_i, GZIP);
	const char *engine = getenv("STREAMX_INFLATE") ? "zlib" : "default";

	for (size_t i = 0; i < b.len; i += 13) {
		unsigned char keep = b.p[i];
		int st, ref;

		if (i % 7 == 0) /* 0, 91, 182, ...: cuts */
			put_file("d.gz", b.p, i);
		else
			b.p[i] ^= 0xff, put_file("d.gz", b.p, b.len);
		b.p[i] = keep;
		ref = sh("gzip -dc < d.gz > ref 2> /dev/null");
		for (int mode = 0; mode < 2; mode++) {
			st = sh("timeout 10 " SX " %s -i d.gz -o o/out gunzip",
				mode ? "--naive" : "--stream");
			ck_assert_msg(st == 0 || st == 1, "%s (%s): status %d", last_cmd, engine, st);
			if (st == 0) {
				ck_assert_msg(ref == 0, "%s: accepted what gzip rejects", last_cmd);
				ok("cmp o/out ref && rm o/out");
			} else {
				ck_assert_msg(strncmp(error_line(), "streamx: gunzip (stage 1): ", 27) == 0,
					      "%s: %s", last_cmd, stderr_text());
				ck_assert(!exists("o/out"));
			}
		}
	}
	free(b.p);
}
END_TEST

static void on_zlib(void)
{
	setenv("STREAMX_INFLATE", "zlib", 1);
}

static void off_zlib(void)
{
	unsetenv("STREAMX_INFLATE");
}

Suite *hostile_suite(void)
{
	Suite *s = suite_create("hostile");
	TCase *limit = tcase_create("limit");
	TCase *bomb = sh_tcase(s, "bombs");
	TCase *sweep = tcase_create("sweeps");
	TCase *cli = sh_tcase(s, "damage_cli");
	TCase *cli_zlib = sh_tcase(s, "damage_cli_zlib");

	tcase_add_test(limit, test_limit_exact);
	tcase_add_test(limit, test_naive_buffer_bounded);
	tcase_add_test(limit, test_limit_names_the_stage);
	suite_add_tcase(s, limit);
	tcase_add_test(bomb, test_bombs_stop);
	tcase_add_test(bomb, test_bomb_keeps_old_output);
	tcase_add_test(bomb, test_cli_exact);
	tcase_add_test(bomb, test_cli_bad_size);
	tcase_add_test(bomb, test_cli_limit_passed_on);
	tcase_set_timeout(sweep, 120);
	tcase_add_loop_test(sweep, test_truncated_everywhere, 0, NSWEEPS);
	tcase_add_loop_test(sweep, test_bit_flipped_everywhere, 0, NSWEEPS);
	tcase_add_loop_test(sweep, test_bad_character_everywhere, 0, 2);
	suite_add_tcase(s, sweep);
	tcase_add_loop_test(cli, test_cli_damage_sample, 0, 2);
	tcase_add_checked_fixture(cli_zlib, on_zlib, off_zlib);
	tcase_add_loop_test(cli_zlib, test_cli_damage_sample, 0, 2);
	return s;
}
