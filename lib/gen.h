/* gen.h - deterministic sample data of any size, in constant memory. */
#ifndef SX_GEN_H
#define SX_GEN_H

#include <stddef.h>
#include <stdint.h>

/*
 * The same kind and seed always give the same byte sequence, however it is
 * split across sx_gen_fill calls. text: lines of words; log: access-log
 * style lines with levels (INFO, DEBUG, WARN, ERROR) and request fields;
 * binary: uniformly random bytes.
 */
enum sx_gen_kind { SX_GEN_TEXT, SX_GEN_LOG, SX_GEN_BINARY };

#define SX_GEN_UNIT 4096

struct sx_gen {
	enum sx_gen_kind kind;
	uint64_t rng;
	uint64_t clock_ms;   /* log timestamps */
	size_t pos, len;     /* unread part of unit */
	char unit[SX_GEN_UNIT];
};

/* Parses "text", "log" or "binary". Returns 0, or -1 for another name. */
int sx_gen_kind_parse(const char *name, enum sx_gen_kind *kind);

void sx_gen_init(struct sx_gen *g, enum sx_gen_kind kind, uint64_t seed);

/* Fills buf with the next n bytes of the sequence. */
void sx_gen_fill(struct sx_gen *g, unsigned char *buf, size_t n);

#endif
