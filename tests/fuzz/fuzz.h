/* fuzz.h - what the libFuzzer targets share: the registry, runs over memory, checks that trap. */
#ifndef SX_FUZZ_H
#define SX_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "registry.h"

/* A failed check must reach libFuzzer as a crash, whatever NDEBUG says. */
#define FZ_CHECK(cond) do { if (!(cond)) fz_fail(#cond, __FILE__, __LINE__); } while (0)

struct fz_run {
	int status;
	unsigned char *out;   /* malloc'd by the memory sink; fz_run_free */
	size_t out_len;
	struct sx_error err;
};

/* How a stream run reads and buffers. */
struct fz_shape {
	size_t chunk;         /* largest read from the source, >= 1 */
	size_t buf;           /* pool buffer size, >= 1 */
	unsigned threads;     /* 1: the single-thread driver */
};

/* Bytes taken from the front of the fuzzer's input, in order. */
struct fz_input {
	const uint8_t *p;
	size_t len;
};

void fz_fail(const char *what, const char *file, int line);

/* The built-in stages, registered once. */
const struct sx_registry *fz_registry(void);

/* Runs spec over in[0..len): naive mode when shape is NULL, else stream
 * mode read and buffered as shape says. Checks that every pool buffer came
 * back. */
void fz_run(struct fz_run *r, const char *spec, const void *in, size_t len,
	    const struct fz_shape *shape);
void fz_run_free(struct fz_run *r);

/* Runs spec both ways and traps unless both succeed with the same bytes or
 * both fail. may_stop_early: the chain has a stage that stops reading
 * (head, tail) after another, so stream mode may succeed where naive mode,
 * which feeds every stage all its input, meets damage further on. */
void fz_same(const char *spec, const void *in, size_t len,
	     const struct fz_shape *shape, int may_stop_early);

/* The next byte (0 when none is left), and a shape drawn from the input. */
unsigned fz_byte(struct fz_input *in);
void fz_shape_take(struct fz_shape *shape, struct fz_input *in, unsigned max_threads);

/* The bytes up to the next sep (or the end) as a NUL-terminated string
 * in buf (at most size - 1 bytes kept, NULs dropped); consumes the sep. */
char *fz_word(struct fz_input *in, uint8_t sep, char *buf, size_t size);

/* Whether word may go to grep -E: glibc's regcomp copies the tree of a
 * repeated expression for each repetition operator stacked on it ("a+++"),
 * using memory exponential in their number, past any limit of the run.
 * Patterns with two operators in a row are left out. */
int fz_regex_ok(const char *word);

/* Appends word to spec quoted so that the spec parser gives it back as one
 * word, whatever bytes it holds. Returns 0, or -1 when spec is full. */
int fz_quote(char *spec, size_t size, const char *word);

#endif
