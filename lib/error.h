/* error.h - status codes and the error object every engine call fills in. */
#ifndef SX_ERROR_H
#define SX_ERROR_H

/*
 * Engine functions return an int status: SX_OK (0) on success, SX_DONE (1)
 * when a stage needs no more input, or a negative SX_E* code on failure.
 * On failure the message is left in a struct sx_error; the engine never
 * prints. The command line maps statuses to exit codes (see cmd/).
 */
enum sx_status {
	SX_OK = 0,
	SX_DONE = 1,       /* a stage wants no more input (head) */
	SX_EUSAGE = -1,    /* bad stage name or argument */
	SX_EDATA = -2,     /* corrupt or truncated input data */
	SX_EIO = -3,       /* read or write failure */
	SX_ENOMEM = -4,    /* allocation failed or a budget was exceeded */
	SX_EPIPE = -5      /* the reader of our output went away */
};

#define SX_ERROR_MAX 512

struct sx_error {
	int status;             /* SX_OK while no error was recorded */
	char msg[SX_ERROR_MAX]; /* one line, no trailing newline */
};

#if defined(__GNUC__) || defined(__clang__)
#define SX_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SX_PRINTF(f, a)
#endif

/* Clears err (status SX_OK, empty message). */
void sx_error_clear(struct sx_error *err);

/* Records status and message in err, replacing what was there; returns status. */
int sx_error_set(struct sx_error *err, int status, const char *fmt, ...)
	SX_PRINTF(3, 4);

/* The name of a status, for messages and JSON ("data error", ...). */
const char *sx_status_name(int status);

#endif
