/* util.h - size parsing and the process's memory figures from the kernel. */
#ifndef SX_UTIL_H
#define SX_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Parses a size: digits with an optional suffix K, M, G or T (powers of
 * 1024; "KiB", "MB" style suffixes are accepted too, also powers of 1024).
 * Returns 0 and *out, or -1 on an empty, malformed or overflowing text. */
int sx_parse_size(const char *text, uint64_t *out);

/* Writes n as the largest unit that divides it exactly ("10 MiB", "3 KiB",
 * "1000 bytes") into buf of size bytes; returns buf. */
char *sx_format_size(uint64_t n, char *buf, size_t size);

/* Current and peak resident set size of this process in bytes, read from
 * /proc/self/status (VmRSS, VmHWM), else from getrusage (peak only).
 * Returns 0, or -1 when neither source answers. */
int sx_mem_rss(uint64_t *current, uint64_t *peak);

/* Seconds from a monotonic clock. */
double sx_now(void);

#endif
