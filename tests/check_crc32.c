/* check_crc32.c - sx_crc32 gives zlib's CRC-32 for every length, alignment, start and split. */
#include <stdlib.h>
#include <zlib.h>

#include "crc32.h"
#include "gen.h"
#include "suites.h"

#define BIG (8u << 20)

/* Every length up to past four folding steps and the fold threshold, at
 * 16 alignments, from a start value that changes with the length. */
START_TEST(test_every_length_and_alignment)
{
	unsigned char *data = make_input(SX_GEN_BINARY, 2048 + 16, 7);

	for (size_t len = 0; len <= 2048; len++)
		for (size_t off = 0; off < 16; off++) {
			uint32_t start = (uint32_t)(len * 2654435761u + off);
			uint32_t want = (uint32_t)crc32_z(start, data + off, len);

			ck_assert_msg(sx_crc32(start, data + off, len) == want,
				      "length %zu at offset %zu", len, off);
		}
	free(data);
}
END_TEST

/* Text, zeros (a lane of zeros must still fold) and random bytes. */
START_TEST(test_large_inputs)
{
	static const int kinds[] = { SX_GEN_TEXT, SX_GEN_LOG, SX_GEN_BINARY };
	unsigned char *zeros = calloc(BIG, 1);

	ck_assert_ptr_nonnull(zeros);
	ck_assert_uint_eq(sx_crc32(0, zeros, BIG), (uint32_t)crc32_z(0, zeros, BIG));
	ck_assert_uint_eq(sx_crc32(0xffffffffU, zeros, BIG),
			  (uint32_t)crc32_z(0xffffffffU, zeros, BIG));
	free(zeros);
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		unsigned char *data = make_input(kinds[k], BIG + 5, (unsigned)k);

		ck_assert_uint_eq(sx_crc32(0, data, BIG + 5),
				  (uint32_t)crc32_z(0, data, BIG + 5));
		free(data);
	}
}
END_TEST

/* Continuing over pieces of any size gives the value of the whole. */
START_TEST(test_any_split)
{
	size_t len = 1 << 20;
	unsigned char *data = make_input(SX_GEN_LOG, len, 3);
	uint32_t whole = (uint32_t)crc32_z(0, data, len);
	unsigned seed = 11;

	for (int round = 0; round < 50; round++) {
		uint32_t crc = 0;

		for (size_t at = 0, n; at < len; at += n) {
			seed = seed * 1103515245u + 12345u;
			n = (seed >> 8) % (round < 25 ? 300 : 70000) + 1;
			if (n > len - at)
				n = len - at;
			crc = sx_crc32(crc, data + at, n);
		}
		ck_assert_msg(crc == whole, "round %d", round);
	}
	free(data);
}
END_TEST

START_TEST(test_empty)
{
	ck_assert_uint_eq(sx_crc32(0, NULL, 0), 0);
	ck_assert_uint_eq(sx_crc32(0x12345678U, NULL, 0), 0x12345678U);
}
END_TEST

Suite *crc32_suite(void)
{
	Suite *s = suite_create("crc32");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_every_length_and_alignment);
	tcase_add_test(tc, test_large_inputs);
	tcase_add_test(tc, test_any_split);
	tcase_add_test(tc, test_empty);
	suite_add_tcase(s, tc);
	return s;
}
