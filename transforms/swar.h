/* swar.h - eight bytes at a time in a 64-bit word, for the byte-mapping stages. */
#ifndef SX_SWAR_H
#define SX_SWAR_H

#include <stdint.h>

#include "stage.h"

#define SX_ONES 0x0101010101010101ULL

/* Bit 7 of each byte of the result is set where that byte of x lies in
 * [lo, hi] (lo, hi < 0x80). Bytes >= 0x80 never match. Each sum stays
 * below 0x100 per byte, so no carry crosses into a neighbour. */
static inline uint64_t sx_swar_in_range(uint64_t x, unsigned char lo,
					unsigned char hi)
{
	uint64_t low7 = x & (0x7f * SX_ONES);
	uint64_t above_hi = low7 + (uint64_t)(0x7f - hi) * SX_ONES;
	uint64_t from_lo = low7 + (uint64_t)(0x80 - lo) * SX_ONES;

	return (from_lo ^ above_hi) & ~x & (0x80 * SX_ONES);
}

/* Maps n bytes of src into dst, each output byte from one input byte. */
typedef void (*sx_map_fn)(unsigned char *restrict dst,
			  const unsigned char *restrict src, size_t n);

/* Writes map(in[0..len)) to out straight into its space, piece by
 * piece. Returns a status (downstream ones unchanged). */
static inline int sx_out_map(struct sx_out *out, const unsigned char *in,
			     size_t len, sx_map_fn map)
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

#endif
