/* crc32.c - the gzip CRC-32 folded 64 bytes a step with PCLMULQDQ, zlib's otherwise. */
#include "crc32.h"

#include <zlib.h>

/*
 * The folding method (Gopal et al., "Fast CRC Computation for Generic
 * Polynomials Using PCLMULQDQ", Intel, 2009). Four 128-bit lanes hold
 * the message so far, reduced modulo nothing but congruent to it; each
 * step multiplies a lane's two halves by x^(512+-32) mod P (carry-less)
 * and adds the next 64 bytes. The lanes then fold into one, 16 bytes at
 * a time, over the rest. Instead of a Barrett reduction at the end, the
 * 16 bytes left are a message with the same CRC as everything folded so
 * far, so zlib finishes them and the last few bytes: fewer constants to
 * get wrong, and the same value by construction.
 *
 * zlib 1.2's table CRC takes about 4 instructions a byte; this, about
 * 0.2. gzip spends some 5% of its time on the CRC at level 1.
 */

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_FOLD 1
#include <immintrin.h>
#endif

/* Below this the set-up costs more than the folding saves. */
#define FOLD_MIN 256

static uint32_t zlib_crc(uint32_t crc, const unsigned char *p, size_t len)
{
	return (uint32_t)crc32_z(crc, p, len);
}

#ifdef HAVE_FOLD

#define FOLD_TARGET __attribute__((target("pclmul,sse2")))

/* x^(512+32) and x^(512-32) mod P, bit-reflected: four lanes ahead. */
#define K_FOLD4_LO 0x154442bd4LL
#define K_FOLD4_HI 0x1c6e41596LL
/* x^(128+32) and x^(128-32) mod P: one lane ahead. */
#define K_FOLD1_LO 0x1751997d0LL
#define K_FOLD1_HI 0x0ccaa009eLL

FOLD_TARGET static inline __m128i load(const unsigned char *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* x carried forward by the distance k stands for, plus next. */
FOLD_TARGET static inline __m128i fold(__m128i x, __m128i k, __m128i next)
{
	__m128i lo = _mm_clmulepi64_si128(x, k, 0x00);
	__m128i hi = _mm_clmulepi64_si128(x, k, 0x11);

	return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}

/* len >= 64. */
FOLD_TARGET static uint32_t fold_crc(uint32_t crc, const unsigned char *p,
				     size_t len)
{
	const __m128i k4 = _mm_set_epi64x(K_FOLD4_HI, K_FOLD4_LO);
	const __m128i k1 = _mm_set_epi64x(K_FOLD1_HI, K_FOLD1_LO);
	__m128i x0 = _mm_xor_si128(load(p), _mm_cvtsi32_si128((int)~crc));
	__m128i x1 = load(p + 16), x2 = load(p + 32), x3 = load(p + 48);
	unsigned char rest[16];

	for (p += 64, len -= 64; len >= 64; p += 64, len -= 64) {
		x0 = fold(x0, k4, load(p));
		x1 = fold(x1, k4, load(p + 16));
		x2 = fold(x2, k4, load(p + 32));
		x3 = fold(x3, k4, load(p + 48));
	}
	x0 = fold(x0, k1, x1);
	x0 = fold(x0, k1, x2);
	x0 = fold(x0, k1, x3);
	for (; len >= 16; p += 16, len -= 16)
		x0 = fold(x0, k1, load(p));
	_mm_storeu_si128((__m128i *)(void *)rest, x0);
	/* the 16 bytes have the folded message's CRC from a zero register:
	 * in zlib's terms, from 0xffffffff */
	crc = zlib_crc(0xffffffffU, rest, sizeof(rest));
	return zlib_crc(crc, p, len);
}

int sx_crc32_folds(void)
{
	return __builtin_cpu_supports("pclmul") != 0;
}

#else

int sx_crc32_folds(void)
{
	return 0;
}

#endif

uint32_t sx_crc32(uint32_t crc, const void *buf, size_t len)
{
#ifdef HAVE_FOLD
	if (len >= FOLD_MIN && sx_crc32_folds())
		return fold_crc(crc, buf, len);
#endif
	return len > 0 ? zlib_crc(crc, buf, len) : crc;
}
