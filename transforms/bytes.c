/* bytes.c - byte-for-byte stages: cat (identity), upper and lower (ASCII case). */
#include <string.h>

#include "builtin.h"

/*
 * Each output byte depends on one input byte only, so a chunk is mapped
 * straight into whatever output space there is; nothing is held back and
 * there is no state. Case mapping is ASCII only, as `tr a-z A-Z` in the C
 * locale: bytes >= 0x80 pass through untouched.
 */
typedef void (*map_fn)(unsigned char *dst, const unsigned char *src, size_t n);

static void map_copy(unsigned char *dst, const unsigned char *src, size_t n)
{
	memcpy(dst, src, n);
}

/* Branch-free so that compilers vectorise the loop. */
static void map_upper(unsigned char *dst, const unsigned char *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = src[i];
		dst[i] = c - (((unsigned char)(c - 'a') < 26u) << 5);
	}
}

static void map_lower(unsigned char *dst, const unsigned char *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = src[i];
		dst[i] = c + (((unsigned char)(c - 'A') < 26u) << 5);
	}
}

static int map_chunk(map_fn map, const unsigned char *in, size_t len,
		     struct sx_out *out)
{
	while (len > 0) {
		unsigned char *dst;
		size_t avail;
		int rc = sx_out_space(out, &dst, &avail);

		if (rc)
			return rc;
		if (avail > len)
			avail = len;
		map(dst, in, avail);
		sx_out_commit(out, avail);
		in += avail;
		len -= avail;
	}
	return SX_OK;
}

static int cat_process(struct sx_stage *st, const unsigned char *in,
		       size_t len, struct sx_out *out)
{
	(void)st;
	return map_chunk(map_copy, in, len, out);
}

static int upper_process(struct sx_stage *st, const unsigned char *in,
			 size_t len, struct sx_out *out)
{
	(void)st;
	return map_chunk(map_upper, in, len, out);
}

static int lower_process(struct sx_stage *st, const unsigned char *in,
			 size_t len, struct sx_out *out)
{
	(void)st;
	return map_chunk(map_lower, in, len, out);
}

const struct sx_stage_ops sx_stage_cat = {
	.abi = SX_STAGE_ABI,
	.name = "cat",
	.summary = "copy the input unchanged",
	.usage = "cat\n  Passes every byte through unchanged.\n"
		 "  Example: streamx -i in.txt -o out.txt 'cat'",
	.process = cat_process,
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
