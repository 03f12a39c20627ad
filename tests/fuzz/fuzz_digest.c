/* fuzz_digest.c - sx_crc32 against zlib's crc32_z, and sx_sha256 against OpenSSL's SHA256, over random splits. */
#include <openssl/sha.h>
#include <string.h>
#include <zlib.h>

#include "crc32.h"
#include "fuzz.h"
#include "sha256.h"

/*
 * Input: four bytes of a starting CRC, eight bytes that cut the rest into
 * up to nine pieces (each byte times 97 is the length of a piece, the rest
 * is the last), then the data. The CRC of the pieces in turn, from the
 * starting value, must be zlib's over the whole; the SHA-256 of the
 * pieces, OpenSSL's (where the CPU has the SHA extensions).
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CUTS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_input in = { data, size };
	size_t cut[CUTS], off, i;
	uint32_t start = 0, mine;
	unsigned char md[SX_SHA256_LEN], ref[SHA256_DIGEST_LENGTH];
	struct sx_sha256 s;

	for (i = 0; i < 4; i++)
		start = start << 8 | fz_byte(&in);
	for (i = 0; i < CUTS; i++)
		cut[i] = (size_t)fz_byte(&in) * 97;

	mine = start;
	off = 0;
	for (i = 0; i < CUTS && off < in.len; i++) {
		size_t n = cut[i] < in.len - off ? cut[i] : in.len - off;

		mine = sx_crc32(mine, in.p + off, n);
		off += n;
	}
	mine = sx_crc32(mine, in.p + off, in.len - off);
	FZ_CHECK(mine == (uint32_t)crc32_z(start, in.p, in.len));

	if (!sx_sha256_available())
		return 0;
	sx_sha256_init(&s);
	off = 0;
	for (i = 0; i < CUTS && off < in.len; i++) {
		size_t n = cut[i] < in.len - off ? cut[i] : in.len - off;

		sx_sha256_update(&s, in.p + off, n);
		off += n;
	}
	sx_sha256_update(&s, in.p + off, in.len - off);
	sx_sha256_final(&s, md);
	SHA256(in.p, in.len, ref);
	FZ_CHECK(memcmp(md, ref, sizeof(md)) == 0);
	return 0;
}
