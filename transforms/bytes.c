/* bytes.c - byte-for-byte stages: cat (identity), upper and lower (ASCII case). */
#include <stdint.h>
#include <string.h>

#include "builtin.h"
#include "swar.h"

/*
 * Each output byte depends on one input byte only, so a chunk is mapped
 * straight into whatever output space there is; nothing is held back and
 * there is no state. Case mapping is ASCII only, as `tr a-z A-Z` in the C
 * locale: bytes >= 0x80 pass through untouched.
 */

/* Adds delta (+32 or -32) to every byte of src in [lo, hi]. */
static void map_case(unsigned char *restrict dst, const unsigned char *restrict src,
		     size_t n, unsigned char lo, unsigned char hi, int up)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x, flip;

		memcpy(&x, src + i, 8);
		flip = sx_swar_in_range(x, lo, hi) >> 2; /* 0x80 -> 0x20 */
		x = up ? x - flip : x + flip;
		memcpy(dst + i, &x, 8);
	}
	for (; i < n; i++) {
		unsigned char c = src[i];
		int hit = c >= lo && c <= hi;
		dst[i] = (unsigned char)(up ? c - 32 * hit : c + 32 * hit);
	}
}

static void map_upper(unsigned char *restrict dst, const unsigned char *restrict src,
		      size_t n)
{
	map_case(dst, src, n, 'a', 'z', 1);
}

static void map_lower(unsigned char *restrict dst, const unsigned char *restrict src,
		      size_t n)
{
	map_case(dst, src, n, 'A', 'Z', 0);
}

static int cat_process(struct sx_stage *st, const unsigned char *in,
		       size_t len, struct sx_out *out)
{
	(void)st;
	return sx_out_write(out, in, len);
}

static int upper_process(struct sx_stage *st, const unsigned char *in,
			 size_t len, struct sx_out *out)
{
	(void)st;
	return sx_out_map(out, in, len, map_upper);
}

static int lower_process(struct sx_stage *st, const unsigned char *in,
			 size_t len, struct sx_out *out)
{
	(void)st;
	return sx_out_map(out, in, len, map_lower);
}

const struct sx_stage_ops sx_stage_cat = {
	.abi = SX_STAGE_ABI,
	.name = "cat",
	.summary = "copy the input unchanged",
	.usage = "cat\n  Passes every byte through unchanged.\n"
		 "  Example: streamx -i in.txt -o out.txt 'cat'",
	.process = cat_process,
	.flags = SX_STAGE_COPIES,
};

const struct sx_stage_ops sx_stage_upper = {
	.abi = SX_STAGE_ABI,
	.name = "upper",
	.summary = "ASCII letters to upper case (like tr a-z A-Z)",
	.usage = "upper\n  Maps a-z to A-Z; every other byte passes unchanged.\n"
		 "  Example: streamx -i in.txt 'upper'",
	.process = upper_process,
};

const struct sx_stage_ops sx_stage_lower = {
	.abi = SX_STAGE_ABI,
	.name = "lower",
	.summary = "ASCII letters to lower case (like tr A-Z a-z)",
	.usage = "lower\n  Maps A-Z to a-z; every other byte passes unchanged.\n"
		 "  Example: streamx -i in.txt 'lower'",
	.process = lower_process,
};
