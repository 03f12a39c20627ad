/* cleanup.c - files to remove if the process is stopped by a signal. */
#include "cleanup.h"

#include <stdatomic.h>
#include <stddef.h>
#include <unistd.h>

static _Atomic(const char *) slots[SX_CLEANUP_SLOTS];

int sx_cleanup_add(const char *path)
{
	for (int i = 0; i < SX_CLEANUP_SLOTS; i++) {
		const char *empty = NULL;

		if (atomic_compare_exchange_strong(&slots[i], &empty, path))
			return i;
	}
	return -1;
}

void sx_cleanup_forget(int slot)
{
	if (slot >= 0 && slot < SX_CLEANUP_SLOTS)
		atomic_store(&slots[slot], NULL);
}

void sx_cleanup_now(void)
{
	for (int i = 0; i < SX_CLEANUP_SLOTS; i++) {
		const char *path = atomic_load(&slots[i]);

		if (path)
			unlink(path);
	}
}
