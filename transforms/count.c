/* count.c - summary stages: wc (lines, words, bytes), crc32, adler32 and sha256. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <dlfcn.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include "builtin.h"
#include "crc32.h"
#include "sha256.h"
#include "opts.h"

/*
 * These stages read everything and write one line at the end, so memory
 * is their fixed state whatever the input. Nothing is held back between
 * chunks but a counter or a checksum's running value: wc remembers
 * whether the last byte seen was inside a word, so that a word split
 * across chunks counts once.
 *
 * wc counts words as GNU wc does in the C locale: space, \t, \n, \v, \f
 * and \r end a word; a printable byte (0x21 .. 0x7e) starts or continues
 * one; every other byte (NUL, control bytes, DEL, bytes >= 0x80) neither
 * starts nor ends a word, so "a\0b" is one word and "\0" none. Its output
 * is GNU wc's for a pipe on stdin: one count alone, else each count right
 * aligned in 7 columns (wider when it needs more), one space between.
 * (For a regular file on stdin GNU widens the columns to the digits of
 * the file's size; a stream has no size to ask.)
 */

/* ---- wc ---- */

enum {
	WC_LINES = 1,
	WC_WORDS = 2,
	WC_BYTES = 4
};

struct wc_state {
	unsigned what;     /* WC_* counted and printed */
	uint64_t lines, words, bytes;
	unsigned in_word;  /* 1: the last byte that was not neutral was printable */
};

/* Byte classes for words: bit 0 printable (starts or continues a word),
 * bit 1 space (ends a word), bit 2 newline; 0 is neutral. */
#define P 1
#define S 2
#define N 6
static const unsigned char wc_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, S, N, S, S, S, 0, 0,   /* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* 0x10 */
	S, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,   /* 0x20 */
	P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,   /* 0x30 */
	P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,   /* 0x40 */
	P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,   /* 0x50 */
	P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,   /* 0x60 */
	P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, 0,   /* 0x70 */
	/* 0x80 .. 0xff: all neutral */
};
#undef P
#undef S
#undef N

/*
 * Newlines counted 64 bytes at a time with 16-byte vectors (SSE2 on
 * x86-64, NEON on arm64, plain code elsewhere): a lane of an accumulator
 * goes up by one per newline it sees. A lane holds at most 255, so the
 * lanes are summed every 255 rounds.
 */
typedef unsigned char vbytes __attribute__((vector_size(16)));

#define LANE_ROUNDS 255

static uint64_t byte_sum(uint64_t x)
{
	x = (x & 0x00ff00ff00ff00ffULL) + ((x >> 8) & 0x00ff00ff00ff00ffULL);
	return (x * 0x0001000100010001ULL) >> 48;
}

static uint64_t lane_sum(vbytes v)
{
	uint64_t half[2];

	memcpy(half, &v, sizeof(half));
	return byte_sum(half[0]) + byte_sum(half[1]);
}

static uint64_t count_newlines(const unsigned char *p, size_t n)
{
	uint64_t lines = 0;
	vbytes nl;

	memset(&nl, '\n', sizeof(nl));
	while (n >= 64) {
		size_t rounds = n / 64 < LANE_ROUNDS ? n / 64 : LANE_ROUNDS;
		vbytes a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };

		for (size_t i = 0; i < rounds; i++, p += 64) {
			vbytes x[4];

			memcpy(x, p, sizeof(x));
			/* a true lane compares as -1 */
			a -= (vbytes)(x[0] == nl);
			b -= (vbytes)(x[1] == nl);
			c -= (vbytes)(x[2] == nl);
			d -= (vbytes)(x[3] == nl);
		}
		n -= rounds * 64;
		lines += lane_sum(a) + lane_sum(b) + lane_sum(c) + lane_sum(d);
	}
	for (; n > 0; n--)
		lines += *p++ == '\n';
	return lines;
}

/* Words and lines over n bytes, one at a time. A word is counted where
 * it starts, so one split across chunks counts once; in between, the
 * state is in_word. The update is arithmetic, not a branch, so text with
 * short words does not pay for mispredictions. */
static void words_bytewise(struct wc_state *s, const unsigned char *p,
			   size_t n)
{
	uint64_t words = 0, lines = 0;
	unsigned in_word = s->in_word;

	for (size_t i = 0; i < n; i++) {
		unsigned k = wc_class[p[i]];

		words += (k & 1) & ~in_word;
		in_word = (in_word | (k & 1)) & ~(k >> 1) & 1;
		lines += k >> 2;
	}
	s->in_word = in_word;
	s->words += words;
	s->lines += lines;
}

/*
 * The same 16 bytes at a time. Where no byte of a block is neutral (most
 * text), a word starts at each printable byte whose predecessor is not
 * printable, which needs no byte-by-byte state: the printable lanes are
 * shifted by one lane (as two 64-bit halves), in_word filling the first.
 * A block holding a neutral byte goes byte by byte. Word starts gather
 * in the bytes of a 64-bit word (two per round at most), newlines in
 * vector lanes; both are summed before a byte could overflow. The shift
 * takes the first byte in memory as the lowest: big-endian machines go
 * byte by byte throughout.
 */
#define WORD_ROUNDS 127
#define ONES 0x0101010101010101ULL

static void count_words(struct wc_state *s, const unsigned char *p, size_t n)
{
	vbytes c09, c05, c20, c21, c5e, nl;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	words_bytewise(s, p, n);
	return;
#endif
	memset(&c09, 9, sizeof(c09));
	memset(&c05, 5, sizeof(c05));
	memset(&c20, ' ', sizeof(c20));
	memset(&c21, 0x21, sizeof(c21));
	memset(&c5e, 0x7f - 0x21, sizeof(c5e));
	memset(&nl, '\n', sizeof(nl));
	while (n >= 16) {
		size_t rounds = n / 16 < WORD_ROUNDS ? n / 16 : WORD_ROUNDS;
		vbytes lines = { 0 };
		uint64_t starts = 0;

		for (size_t i = 0; i < rounds; i++, p += 16) {
			vbytes x, print, known;
			uint64_t pr[2], kn[2], prev0, prev1;

			memcpy(&x, p, sizeof(x));
			print = (vbytes)(x - c21 < c5e);
			known = print | (vbytes)(x == c20) | (vbytes)(x - c09 < c05);
			memcpy(kn, &known, sizeof(kn));
			if ((kn[0] & kn[1]) != ~0ULL) {
				words_bytewise(s, p, 16);
				continue;
			}
			lines -= (vbytes)(x == nl);
			memcpy(pr, &print, sizeof(pr));
			prev0 = (pr[0] << 8) | (s->in_word ? 0xff : 0);
			prev1 = (pr[1] << 8) | (pr[0] >> 56);
			starts += (pr[0] & ~prev0 & ONES) + (pr[1] & ~prev1 & ONES);
			s->in_word = (unsigned)(pr[1] >> 63);
		}
		n -= rounds * 16;
		s->lines += lane_sum(lines);
		s->words += byte_sum(starts);
	}
	words_bytewise(s, p, n);
}

static int wc_init(struct sx_stage *st, int argc, char **argv)
{
	static const struct sx_opt_long longs[] = {
		{ "lines", 0, 'l' }, { "words", 0, 'w' }, { "bytes", 0, 'c' },
		{ NULL, 0, 0 }
	};
	struct wc_state *s = st->priv;
	struct sx_opts o;
	int c;

	sx_opts_init(&o, st, argc, argv);
	while ((c = sx_opts_next(&o, "lwc", longs)) > 0)
		s->what |= c == 'l' ? WC_LINES : c == 'w' ? WC_WORDS : WC_BYTES;
	if (c < 0)
		return c;
	if (!s->what)
		s->what = WC_LINES | WC_WORDS | WC_BYTES;
	return sx_opts_want(&o, 0, 0, "");
}

static int wc_process(struct sx_stage *st, const unsigned char *in,
		      size_t len, struct sx_out *out)
{
	struct wc_state *s = st->priv;

	(void)out;
	s->bytes += len;
	if (s->what & WC_WORDS)
		count_words(s, in, len);
	else if (s->what & WC_LINES)
		s->lines += count_newlines(in, len);
	return SX_OK;
}

static int wc_finish(struct sx_stage *st, struct sx_out *out)
{
	struct wc_state *s = st->priv;
	const uint64_t counts[] = { s->lines, s->words, s->bytes };
	const unsigned flags[] = { WC_LINES, WC_WORDS, WC_BYTES };
	int single = s->what == WC_LINES || s->what == WC_WORDS ||
		     s->what == WC_BYTES;
	char line[3 * 22 + 2];
	size_t n = 0;

	for (size_t i = 0; i < 3; i++)
		if (s->what & flags[i])
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%*llu",
					      n ? " " : "", single ? 1 : 7,
					      (unsigned long long)counts[i]);
	line[n++] = '\n';
	return sx_out_write(out, line, n);
}

const struct sx_stage_ops sx_stage_wc = {
	.abi = SX_STAGE_ABI,
	.name = "wc",
	.summary = "count lines, words and bytes; one line at the end (like wc)",
	.usage = "wc [-l] [-w] [-c]\n"
		 "  Prints the counts asked for, always in the order lines, words,\n"
		 "  bytes (all three by default), as `... | wc` does in the C locale.\n"
		 "  -l, --lines   newlines\n"
		 "  -w, --words   runs of printable bytes between spaces\n"
		 "  -c, --bytes   bytes\n"
		 "  Example: streamx -i access.log.gz 'gunzip | wc -l'",
	.priv_size = sizeof(struct wc_state),
	.init = wc_init,
	.process = wc_process,
	.finish = wc_finish,
};

/* ---- crc32 and adler32 ---- */

/* zlib counts in 32-bit units; naive mode can hand over more than that. */
#define ZPIECE ((size_t)1 << 30)

struct sum_state {
	uLong sum;
};

/* The checksum stages take no options and no operands. */
static int no_args(struct sx_stage *st, int argc, char **argv)
{
	struct sx_opts o;
	int c;

	sx_opts_init(&o, st, argc, argv);
	c = sx_opts_next(&o, "", NULL);
	if (c < 0)
		return c;
	return sx_opts_want(&o, 0, 0, "");
}

static int crc_init(struct sx_stage *st, int argc, char **argv)
{
	struct sum_state *s = st->priv;

	s->sum = crc32(0, Z_NULL, 0);
	return no_args(st, argc, argv);
}

static int adler_init(struct sx_stage *st, int argc, char **argv)
{
	struct sum_state *s = st->priv;

	s->sum = adler32(0, Z_NULL, 0);
	return no_args(st, argc, argv);
}

static int crc_process(struct sx_stage *st, const unsigned char *in,
		       size_t len, struct sx_out *out)
{
	struct sum_state *s = st->priv;

	(void)out;
	s->sum = sx_crc32((uint32_t)s->sum, in, len);
	return SX_OK;
}

static int adler_process(struct sx_stage *st, const unsigned char *in,
			 size_t len, struct sx_out *out)
{
	struct sum_state *s = st->priv;

	(void)out;
	for (size_t n; len > 0; in += n, len -= n) {
		n = len < ZPIECE ? len : ZPIECE;
		s->sum = adler32(s->sum, in, (uInt)n);
	}
	return SX_OK;
}

static int sum_finish(struct sx_stage *st, struct sx_out *out)
{
	struct sum_state *s = st->priv;
	char line[16];
	int n = snprintf(line, sizeof(line), "%08lx\n", (unsigned long)s->sum);

	return sx_out_write(out, line, (size_t)n);
}

const struct sx_stage_ops sx_stage_crc32 = {
	.abi = SX_STAGE_ABI,
	.name = "crc32",
	.summary = "CRC-32 of the input in hex (like crc32, zlib.crc32)",
	.usage = "crc32\n"
		 "  Prints the CRC-32 (the one of gzip and zip) of the whole input\n"
		 "  as 8 lower-case hex digits and a newline.\n"
		 "  Example: streamx -i data.bin 'crc32'",
	.priv_size = sizeof(struct sum_state),
	.init = crc_init,
	.process = crc_process,
	.finish = sum_finish,
};

const struct sx_stage_ops sx_stage_adler32 = {
	.abi = SX_STAGE_ABI,
	.name = "adler32",
	.summary = "Adler-32 of the input in hex (like zlib.adler32)",
	.usage = "adler32\n"
		 "  Prints the Adler-32 (the one of zlib streams) of the whole input\n"
		 "  as 8 lower-case hex digits and a newline.\n"
		 "  Example: streamx -i data.bin 'adler32'",
	.priv_size = sizeof(struct sum_state),
	.init = adler_init,
	.process = adler_process,
	.finish = sum_finish,
};

/* ---- sha256 ---- */

/*
 * On CPUs with the SHA extensions the digest is lib/sha256.c's. Elsewhere,
 * or with STREAMX_SHA256=libcrypto, OpenSSL's libcrypto does it, loaded
 * when a sha256 stage is set up, not linked into the binary: mapping and
 * relocating it costs 1.5 to 3.5 MiB of RSS, which every other pipeline
 * would pay for nothing. Each stage opens its own handle (dlopen counts
 * references) and keeps the functions it needs in its state, so nothing
 * is global. The headers still come from the OpenSSL found at build
 * time; the library is looked up by the soname of that major version.
 */
#if OPENSSL_VERSION_MAJOR >= 3
#define CRYPTO_SONAME "libcrypto.so." SX_STR(OPENSSL_VERSION_MAJOR)
#else
#define CRYPTO_SONAME "libcrypto.so.1.1"
#endif
#define SX_STR(x) SX_STR_(x)
#define SX_STR_(x) #x

struct crypto_api {
	void *handle;
	EVP_MD_CTX *(*ctx_new)(void);
	void (*ctx_free)(EVP_MD_CTX *);
	const EVP_MD *(*sha256)(void);
	int (*init)(EVP_MD_CTX *, const EVP_MD *, ENGINE *);
	int (*update)(EVP_MD_CTX *, const void *, size_t);
	int (*final)(EVP_MD_CTX *, unsigned char *, unsigned int *);
};

/* OpenSSL allocates the context itself, outside the stage's accounting;
 * it is a few hundred bytes. */
struct sha_state {
	struct crypto_api api;
	EVP_MD_CTX *ctx;             /* NULL when ni does the work */
	struct sx_sha256 ni;
};

/* The SHA-NI code, unless the CPU lacks it or the user asks for OpenSSL. */
static int use_ni(void)
{
	const char *which = getenv("STREAMX_SHA256");

	return sx_sha256_available() && !(which && strcmp(which, "libcrypto") == 0);
}

/* dlsym returns an object pointer; POSIX guarantees it converts. */
static void *symbol(void *handle, const char *name, int *missing)
{
	void *p = dlsym(handle, name);

	*missing |= p == NULL;
	return p;
}

static int load_crypto(struct sx_stage *st, struct crypto_api *api)
{
	int missing = 0;
	const char *why;

	api->handle = dlopen(CRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!api->handle) {
		why = dlerror();
		return sx_stage_fail(st, SX_EIO, "cannot load OpenSSL's libcrypto: %s",
				     why ? why : CRYPTO_SONAME);
	}
	*(void **)&api->ctx_new = symbol(api->handle, "EVP_MD_CTX_new", &missing);
	*(void **)&api->ctx_free = symbol(api->handle, "EVP_MD_CTX_free", &missing);
	*(void **)&api->sha256 = symbol(api->handle, "EVP_sha256", &missing);
	*(void **)&api->init = symbol(api->handle, "EVP_DigestInit_ex", &missing);
	*(void **)&api->update = symbol(api->handle, "EVP_DigestUpdate", &missing);
	*(void **)&api->final = symbol(api->handle, "EVP_DigestFinal_ex", &missing);
	if (missing)
		return sx_stage_fail(st, SX_EIO, "%s lacks the EVP digest functions",
				     CRYPTO_SONAME);
	return SX_OK;
}

static int sha_init(struct sx_stage *st, int argc, char **argv)
{
	struct sha_state *s = st->priv;
	int rc = no_args(st, argc, argv);

	if (rc == SX_OK && use_ni()) {
		sx_sha256_init(&s->ni);
		return SX_OK;
	}
	if (rc == SX_OK)
		rc = load_crypto(st, &s->api);
	if (rc)
		return rc;
	s->ctx = s->api.ctx_new();
	if (!s->ctx)
		return sx_stage_fail(st, SX_ENOMEM, "cannot allocate a SHA-256 context");
	if (s->api.init(s->ctx, s->api.sha256(), NULL) != 1)
		return sx_stage_fail(st, SX_ENOMEM, "cannot set up SHA-256 (OpenSSL)");
	return SX_OK;
}

static int sha_process(struct sx_stage *st, const unsigned char *in,
		       size_t len, struct sx_out *out)
{
	struct sha_state *s = st->priv;

	(void)out;
	if (!s->ctx)
		sx_sha256_update(&s->ni, in, len);
	else if (s->api.update(s->ctx, in, len) != 1)
		return sx_stage_fail(st, SX_EIO, "SHA-256 update failed at byte %llu",
				     (unsigned long long)st->bytes_in);
	return SX_OK;
}

static int sha_finish(struct sx_stage *st, struct sx_out *out)
{
	static const char hex[] = "0123456789abcdef";
	struct sha_state *s = st->priv;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char line[2 * EVP_MAX_MD_SIZE + 4];
	size_t n = 0;

	if (!s->ctx) {
		sx_sha256_final(&s->ni, md);
		mdlen = SX_SHA256_LEN;
	} else if (s->api.final(s->ctx, md, &mdlen) != 1) {
		return sx_stage_fail(st, SX_EIO, "SHA-256 final step failed");
	}
	for (unsigned i = 0; i < mdlen; i++) {
		line[n++] = hex[md[i] >> 4];
		line[n++] = hex[md[i] & 15];
	}
	/* sha256sum's line for standard input */
	memcpy(line + n, "  -\n", 4);
	return sx_out_write(out, line, n + 4);
}

static void sha_destroy(struct sx_stage *st)
{
	struct sha_state *s = st->priv;

	if (s->ctx)
		s->api.ctx_free(s->ctx);
	s->ctx = NULL;
	/* the library stays mapped: OpenSSL keeps process-wide state that
	 * its own exit handler frees, and that must not outlive the code */
}

const struct sx_stage_ops sx_stage_sha256 = {
	.abi = SX_STAGE_ABI,
	.name = "sha256",
	.summary = "SHA-256 of the input, as sha256sum prints it for stdin",
	.usage = "sha256\n"
		 "  Prints the SHA-256 digest of the whole input in hex followed by\n"
		 "  \"  -\", the line `sha256sum < FILE` prints.\n"
		 "  Example: streamx -i release.tar.gz 'sha256'",
	.priv_size = sizeof(struct sha_state),
	.init = sha_init,
	.process = sha_process,
	.finish = sha_finish,
	.destroy = sha_destroy,
};
