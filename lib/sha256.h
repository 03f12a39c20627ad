/* sha256.h - SHA-256 with the x86 SHA extensions, for CPUs that have them. */
#ifndef SX_SHA256_H
#define SX_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SX_SHA256_LEN 32

/*
 * A digest in progress: sx_sha256_init, any number of sx_sha256_update
 * calls (every split of the input gives the same digest), then
 * sx_sha256_final. The struct is plain memory: nothing to release. The
 * functions exist on every build but only do their work where
 * sx_sha256_available() is nonzero (x86-64 with SHA-NI, SSSE3 and
 * SSE4.1); elsewhere the caller uses another implementation.
 */
struct sx_sha256 {
	uint32_t h[8];
	uint64_t bytes;              /* hashed so far, the partial block too */
	unsigned char block[64];     /* a partial block, fill bytes of it */
	size_t fill;
};

int sx_sha256_available(void);
void sx_sha256_init(struct sx_sha256 *s);
void sx_sha256_update(struct sx_sha256 *s, const void *data, size_t len);
void sx_sha256_final(struct sx_sha256 *s, unsigned char md[SX_SHA256_LEN]);

#endif
