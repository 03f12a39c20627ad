/* sha256.c - SHA-256 (FIPS 180-4) on the SHA-NI instructions: the block loop, padding, state. */
#include "sha256.h"

#include <string.h>

/*
 * The SHA extensions do four rounds in two sha256rnds2 steps and the
 * message schedule in sha256msg1/sha256msg2; the state lives in two
 * registers as ABEF and CDGH. Each group g of four rounds uses message
 * words W[g mod 4]; from group 1 the oldest words are prepared for four
 * groups ahead (msg1), and from group 3 the next words are completed
 * (add the shifted pair, msg2). Linking OpenSSL's libcrypto instead
 * costs about 3.5 MiB of RSS for the same speed.
 */

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_SHANI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

#ifdef HAVE_SHANI

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define SHA_TARGET __attribute__((target("sha,ssse3,sse4.1")))

SHA_TARGET static inline __m128i load_words(const unsigned char *p)
{
	/* big-endian words */
	const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);

	return _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)p), swap);
}

/* Hashes n whole 64-byte blocks into h. */
SHA_TARGET static void blocks(uint32_t h[8], const unsigned char *p, size_t n)
{
	__m128i t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(void *)h), 0xb1);
	__m128i cdgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(void *)(h + 4)), 0x1b);
	__m128i abef = _mm_alignr_epi8(t, cdgh, 8);

	cdgh = _mm_blend_epi16(cdgh, t, 0xf0);
	for (; n > 0; n--, p += 64) {
		__m128i abef0 = abef, cdgh0 = cdgh, w[4], m;

		for (int i = 0; i < 4; i++)
			w[i] = load_words(p + 16 * i);
#if defined(__clang__)
#pragma clang loop unroll(full)
#elif defined(__GNUC__)
#pragma GCC unroll 16
#endif
		for (int g = 0; g < 16; g++) {
			m = _mm_add_epi32(w[g & 3],
					  _mm_loadu_si128((const __m128i *)(const void *)(K + 4 * g)));
			cdgh = _mm_sha256rnds2_epu32(cdgh, abef, m);
			if (g >= 3 && g <= 14) {
				__m128i shifted = _mm_alignr_epi8(w[g & 3], w[(g + 3) & 3], 4);

				w[(g + 1) & 3] = _mm_sha256msg2_epu32(
					_mm_add_epi32(w[(g + 1) & 3], shifted), w[g & 3]);
			}
			abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(m, 0x0e));
			if (g >= 1 && g <= 12)
				w[(g + 3) & 3] = _mm_sha256msg1_epu32(w[(g + 3) & 3], w[g & 3]);
		}
		abef = _mm_add_epi32(abef, abef0);
		cdgh = _mm_add_epi32(cdgh, cdgh0);
	}
	t = _mm_shuffle_epi32(abef, 0x1b);
	cdgh = _mm_shuffle_epi32(cdgh, 0xb1);
	_mm_storeu_si128((__m128i *)(void *)h, _mm_blend_epi16(t, cdgh, 0xf0));
	_mm_storeu_si128((__m128i *)(void *)(h + 4), _mm_alignr_epi8(cdgh, t, 8));
}

int sx_sha256_available(void)
{
	unsigned a, b, c, d;
	int ssse3_sse41;

	/* cpuid, since not every compiler's __builtin_cpu_supports knows "sha" */
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	ssse3_sse41 = (c & bit_SSSE3) && (c & bit_SSE4_1);
	if (!ssse3_sse41 || !__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return (b & bit_SHA) != 0;
}

#else

static void blocks(uint32_t h[8], const unsigned char *p, size_t n)
{
	(void)h, (void)p, (void)n;
}

int sx_sha256_available(void)
{
	return 0;
}

#endif

void sx_sha256_init(struct sx_sha256 *s)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(s->h, iv, sizeof(iv));
	s->bytes = 0;
	s->fill = 0;
}

void sx_sha256_update(struct sx_sha256 *s, const void *data, size_t len)
{
	const unsigned char *p = data;

	s->bytes += len;
	if (s->fill > 0) {
		size_t n = 64 - s->fill < len ? 64 - s->fill : len;

		memcpy(s->block + s->fill, p, n);
		s->fill += n;
		p += n;
		len -= n;
		if (s->fill < 64)
			return;
		blocks(s->h, s->block, 1);
		s->fill = 0;
	}
	blocks(s->h, p, len / 64);
	p += len - len % 64;
	len %= 64;
	memcpy(s->block, p, len);
	s->fill = len;
}

void sx_sha256_final(struct sx_sha256 *s, unsigned char md[SX_SHA256_LEN])
{
	uint64_t bits = s->bytes * 8;

	s->block[s->fill++] = 0x80;
	if (s->fill > 56) {
		memset(s->block + s->fill, 0, 64 - s->fill);
		blocks(s->h, s->block, 1);
		s->fill = 0;
	}
	memset(s->block + s->fill, 0, 56 - s->fill);
	for (int i = 0; i < 8; i++)
		s->block[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
	blocks(s->h, s->block, 1);
	for (int i = 0; i < 8; i++) {
		md[4 * i] = (unsigned char)(s->h[i] >> 24);
		md[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
		md[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
		md[4 * i + 3] = (unsigned char)s->h[i];
	}
}
