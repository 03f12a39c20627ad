/* spill.h - byte stores that move to a temporary file past a memory limit. */
#ifndef SX_SPILL_H
#define SX_SPILL_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "mem.h"
#include "stage.h"

/*
 * Line stages must take lines of any length (a 200 MiB line with no
 * newline) in bounded memory. A struct sx_spill holds bytes in memory,
 * charged to an owner, up to a limit; the append that would pass the
 * limit moves the whole content into an unlinked temporary file and from
 * then on appends go to the file. Memory then stays at the limit however
 * long the content grows; the disk holds the rest.
 *
 * Temporary files are made in $TMPDIR (else /tmp) and unlinked at once
 * (O_TMPFILE where the file system has it), so they vanish with the
 * descriptor on every exit path, a crash or SIGKILL included.
 *
 * Errors are recorded in the struct sx_error passed in (a stage passes
 * &st->err) and returned as a status: SX_ENOMEM when memory below the
 * limit cannot be had, SX_EIO when the temporary cannot be made, written
 * (a full disk) or read. On error the store is left as it was.
 */

struct sx_spill {
	struct sx_mem_owner *mem;
	size_t limit;          /* most bytes held in memory */
	unsigned char *buf;    /* the content while in memory */
	size_t cap;
	uint64_t len;          /* bytes stored */
	int in_file;           /* the content lives in the temporary */
	int fd;                /* the temporary, once made, else -1 */
	uint64_t spills;       /* times the content moved to a file */
};

/* Makes an empty store; allocates nothing yet. limit 0 means the
 * default: the size in $STREAMX_LINE_MEM (K/M/G suffixes) when set and
 * valid, else SX_SPILL_DEFAULT. */
#define SX_SPILL_DEFAULT ((size_t)1 << 20)
void sx_spill_init(struct sx_spill *sp, struct sx_mem_owner *mem, size_t limit);

/* The default limit described above. */
size_t sx_spill_default_limit(void);

/* Appends n bytes. Returns a status. */
int sx_spill_append(struct sx_spill *sp, const void *data, size_t n,
		    struct sx_error *err);

/* The content as one piece of memory, or NULL once it is in a file. */
static inline const unsigned char *sx_spill_mem(const struct sx_spill *sp)
{
	return sp->in_file ? NULL : sp->buf;
}

/* Copies n bytes from offset off (off + n <= len) into dst. */
int sx_spill_read(const struct sx_spill *sp, uint64_t off, void *dst, size_t n,
		  struct sx_error *err);

/* Writes bytes [off, off + n) of the content to out, reading a file
 * straight into the output's space. Returns a status (downstream ones
 * unchanged). */
int sx_spill_emit(const struct sx_spill *sp, uint64_t off, uint64_t n,
		  struct sx_out *out, struct sx_error *err);

/* Empties the store. A temporary is kept (truncated) for reuse. */
void sx_spill_clear(struct sx_spill *sp);

/* Exchanges the contents of two stores (their limits and owners too). */
void sx_spill_swap(struct sx_spill *a, struct sx_spill *b);

/* Frees memory and closes the temporary. */
void sx_spill_release(struct sx_spill *sp);

/* Makes an unlinked temporary file for reading and writing; returns its
 * descriptor, or -1 with the reason recorded in err (status SX_EIO). */
int sx_temp_open(struct sx_error *err);

/* Writes all of data at offset off of fd (pwrite, retried on EINTR and
 * short writes). Returns a status. */
int sx_temp_write(int fd, uint64_t off, const void *data, size_t n,
		  struct sx_error *err);

/* Reads exactly n bytes at offset off of fd. Returns a status; a short
 * file is SX_EIO. */
int sx_temp_read(int fd, uint64_t off, void *dst, size_t n, struct sx_error *err);

#endif
