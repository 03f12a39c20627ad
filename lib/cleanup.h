/* cleanup.h - files to remove if the process is stopped by a signal. */
#ifndef SX_CLEANUP_H
#define SX_CLEANUP_H

/*
 * A stage that writes a named temporary (tee's copy before its rename)
 * lists it here while it exists. The library installs no signal
 * handlers; the program's handler for SIGINT, SIGTERM and SIGHUP calls
 * sx_cleanup_now() before it dies. The list is process-wide, the one
 * piece of global state in the library: a handler cannot reach a
 * pipeline's private state. It is a fixed table of atomic pointers, so
 * adding and forgetting are safe from any thread and walking it is safe
 * in a signal handler. Paths stay owned by the caller and must stay
 * valid until forgotten.
 */
#define SX_CLEANUP_SLOTS 64

/* Lists path; returns its slot, or -1 when the table is full (then path
 * is simply not removed by a signal). */
int sx_cleanup_add(const char *path);

/* Takes a slot off the list (a negative slot is ignored). */
void sx_cleanup_forget(int slot);

/* Removes every listed file. Async-signal-safe. */
void sx_cleanup_now(void);

#endif
