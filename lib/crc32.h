/* crc32.h - the gzip CRC-32, with carry-less multiplication where the CPU has it. */
#ifndef SX_CRC32_H
#define SX_CRC32_H

#include <stddef.h>
#include <stdint.h>

/*
 * sx_crc32(crc, buf, len) continues crc over len bytes exactly as zlib's
 * crc32_z(crc, buf, len) does (start from 0; the same values for every
 * split of the input). On x86-64 processors with PCLMULQDQ it folds 64
 * bytes a step; elsewhere, and for short pieces, zlib does the work.
 * Never fails; buf may be NULL only when len is 0.
 */
uint32_t sx_crc32(uint32_t crc, const void *buf, size_t len);

/* Nonzero when sx_crc32 uses the folding code on this CPU. */
int sx_crc32_folds(void);

#endif
