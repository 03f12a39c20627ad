/* mem.c - the tracked allocator: a size header per block, atomic per-owner counters. */
#include "mem.h"

#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 16 bytes keep the caller's block aligned for any type malloc serves. */
struct header {
	size_t size;
	struct sx_mem_owner *owner;
};
#define HEADER 16
_Static_assert(sizeof(struct header) <= HEADER, "header must fit 16 bytes");

void sx_mem_account_init(struct sx_mem_account *acct, size_t limit)
{
	memset(acct, 0, sizeof(*acct));
	acct->limit = limit;
}

struct sx_mem_owner *sx_mem_owner_new(struct sx_mem_account *acct,
				      const char *name)
{
	unsigned i = atomic_fetch_add(&acct->owners_used, 1);
	struct sx_mem_owner *o;

	if (i >= SX_MEM_OWNERS - 1) {
		atomic_store(&acct->owners_used, SX_MEM_OWNERS);
		o = &acct->owners[SX_MEM_OWNERS - 1];
		snprintf(o->name, sizeof(o->name), "other");
	} else {
		o = &acct->owners[i];
		snprintf(o->name, sizeof(o->name), "%s", name);
	}
	o->account = acct;
	return o;
}

static void raise_peak(atomic_size_t *peak, size_t now)
{
	size_t seen = atomic_load(peak);

	while (now > seen && !atomic_compare_exchange_weak(peak, &seen, now))
		;
}

static void refuse(struct sx_mem_owner *o, size_t size, size_t used)
{
	struct sx_mem_account *a = o->account;

	snprintf(a->refusal, sizeof(a->refusal),
		 "memory limit of %zu bytes reached: %s asked for %zu bytes with %zu in use",
		 a->limit, o->name, size, used);
	atomic_store(&a->refused, 1);
}

/* Claims size bytes for o against the budget; 0 on success. */
static int charge(struct sx_mem_owner *o, size_t size)
{
	struct sx_mem_account *a;
	size_t used;

	if (!o)
		return 0;
	a = o->account;
	used = atomic_fetch_add(&a->current, size) + size;

	if (a->limit && (used > a->limit || used < size)) {
		atomic_fetch_sub(&a->current, size);
		refuse(o, size, used - size);
		return -1;
	}
	raise_peak(&a->peak, used);
	raise_peak(&o->peak, atomic_fetch_add(&o->current, size) + size);
	atomic_fetch_add(&o->allocs, 1);
	return 0;
}

static void credit(struct sx_mem_owner *o, size_t size)
{
	if (!o)
		return;
	atomic_fetch_sub(&o->current, size);
	atomic_fetch_sub(&o->account->current, size);
	atomic_fetch_add(&o->frees, 1);
}

void *sx_malloc(struct sx_mem_owner *owner, size_t size)
{
	struct header *h;

	if (size > SIZE_MAX - HEADER || charge(owner, size) != 0)
		return NULL;
	h = malloc(HEADER + size);
	if (!h) {
		credit(owner, size);
		return NULL;
	}
	h->size = size;
	h->owner = owner;
	return (char *)h + HEADER;
}

void *sx_calloc(struct sx_mem_owner *owner, size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = sx_malloc(owner, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *sx_realloc(struct sx_mem_owner *owner, void *p, size_t size)
{
	struct header *h, *moved;
	size_t old;

	if (!p)
		return sx_malloc(owner, size);
	h = (struct header *)((char *)p - HEADER);
	old = h->size;
	if (size > SIZE_MAX - HEADER)
		return NULL;
	if (size > old && charge(h->owner, size - old) != 0)
		return NULL;
	moved = realloc(h, HEADER + size);
	if (!moved) {
		if (size > old)
			credit(h->owner, size - old);
		return NULL;
	}
	if (size < old && moved->owner) {
		atomic_fetch_sub(&moved->owner->current, old - size);
		atomic_fetch_sub(&moved->owner->account->current, old - size);
	}
	moved->size = size;
	return (char *)moved + HEADER;
}

void sx_free(void *p)
{
	struct header *h;

	if (!p)
		return;
	h = (struct header *)((char *)p - HEADER);
	credit(h->owner, h->size);
	free(h);
}

int sx_mem_fail(struct sx_mem_owner *owner, size_t size, struct sx_error *err)
{
	if (owner && atomic_exchange(&owner->account->refused, 0))
		return sx_error_set(err, SX_ENOMEM, "%s", owner->account->refusal);
	if (!size)
		return sx_error_set(err, SX_ENOMEM, "out of memory in %s",
				    owner ? owner->name : "streamx");
	return sx_error_set(err, SX_ENOMEM, "out of memory: %s asked for %zu bytes",
			    owner ? owner->name : "streamx", size);
}

size_t sx_mem_headroom(const struct sx_mem_account *acct)
{
	size_t used = atomic_load(&acct->current);

	if (!acct->limit)
		return SIZE_MAX;
	return used >= acct->limit ? 0 : acct->limit - used;
}

unsigned sx_mem_owner_count(const struct sx_mem_account *acct)
{
	unsigned n = atomic_load(&acct->owners_used);

	return n > SX_MEM_OWNERS ? SX_MEM_OWNERS : n;
}

size_t sx_mem_leaks(const struct sx_mem_account *acct,
		    void (*fn)(const struct sx_mem_owner *owner, void *ctx),
		    void *ctx)
{
	size_t leaks = 0;

	for (unsigned i = 0; i < sx_mem_owner_count(acct); i++) {
		const struct sx_mem_owner *o = &acct->owners[i];

		if (atomic_load(&o->current) > 0) {
			leaks++;
			if (fn)
				fn(o, ctx);
		}
	}
	return leaks;
}

/* zlib needs no zeroed memory, and zeroing would touch every page. */
void *sx_mem_zalloc(void *owner, unsigned items, unsigned size)
{
	if (size && items > SIZE_MAX / size)
		return NULL;
	return sx_malloc(owner, (size_t)items * size);
}

void sx_mem_zfree(void *owner, void *p)
{
	(void)owner;
	sx_free(p);
}
