/* mem.h - tracked allocation: current and peak bytes per owner, under an optional budget. */
#ifndef SX_MEM_H
#define SX_MEM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Every allocation the engine and the stages make goes through an owner
 * (the pool, the pipeline, each stage by name, naive mode's whole
 * buffers). An owner counts its live bytes and their high-water mark, as
 * heapUsed does beside rss. Owners belong to an account, which sums them
 * and may hold a budget: an allocation that would take the account past
 * its budget fails (NULL) instead of being made, and the account keeps a
 * one-line description of the refusal, naming the owner.
 *
 * A NULL owner allocates untracked (and unbudgeted) memory through the
 * same functions, so code need not care whether accounting is on.
 *
 * Counters are atomic so that stages in threads may allocate at once.
 * Each block carries a 16-byte header holding its size and owner, so
 * frees need not be told either. An account and its owners are set up
 * before use and live as long as any block they counted.
 */
#define SX_MEM_OWNERS 64
#define SX_MEM_NAME 64

struct sx_mem_account;

struct sx_mem_owner {
	char name[SX_MEM_NAME];
	struct sx_mem_account *account;
	atomic_size_t current;     /* live bytes (headers not counted) */
	atomic_size_t peak;
	atomic_uint_fast64_t allocs, frees;
};

struct sx_mem_account {
	atomic_size_t current;     /* sum over owners */
	atomic_size_t peak;
	size_t limit;              /* 0: no budget */
	atomic_uint owners_used;
	struct sx_mem_owner owners[SX_MEM_OWNERS];
	char refusal[256];         /* why the last allocation was refused */
	atomic_int refused;
};

/* Sets up an account with a budget of limit bytes (0: none). */
void sx_mem_account_init(struct sx_mem_account *acct, size_t limit);

/* Returns a new owner named name (truncated to fit), or the account's
 * last slot "other" when all are taken; never NULL. */
struct sx_mem_owner *sx_mem_owner_new(struct sx_mem_account *acct,
				      const char *name);

/* Allocation through an owner. NULL on failure or over budget; the
 * account's refusal text then says which. sx_free(NULL) is a no-op;
 * sx_realloc(NULL, ...) allocates, and on failure leaves p untouched. */
void *sx_malloc(struct sx_mem_owner *owner, size_t size);
void *sx_calloc(struct sx_mem_owner *owner, size_t n, size_t size);
void *sx_realloc(struct sx_mem_owner *owner, void *p, size_t size);
void sx_free(void *p);

/* Records in err why an allocation of size bytes by owner failed: the
 * budget's refusal when there was one, else plain lack of memory.
 * Returns SX_ENOMEM. */
struct sx_error;
int sx_mem_fail(struct sx_mem_owner *owner, size_t size, struct sx_error *err);

/* Bytes the account could still hand out under its budget (SIZE_MAX with
 * none). */
size_t sx_mem_headroom(const struct sx_mem_account *acct);

/* Calls fn for each owner that still holds memory; returns their number.
 * After everything is freed it is 0: the leak check. */
size_t sx_mem_leaks(const struct sx_mem_account *acct,
		    void (*fn)(const struct sx_mem_owner *owner, void *ctx),
		    void *ctx);

/* The number of owners made so far (at most SX_MEM_OWNERS). */
unsigned sx_mem_owner_count(const struct sx_mem_account *acct);

/* Adapters for zlib's zalloc/zfree, with the owner as opaque. */
void *sx_mem_zalloc(void *owner, unsigned items, unsigned size);
void sx_mem_zfree(void *owner, void *p);

#endif
