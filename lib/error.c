/* error.c - the error object: a status and a one-line message. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

void sx_error_clear(struct sx_error *err)
{
	err->status = SX_OK;
	err->msg[0] = '\0';
}

int sx_error_set(struct sx_error *err, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->status = status;
	return status;
}

const char *sx_status_name(int status)
{
	switch (status) {
	case SX_OK: return "ok";
	case SX_DONE: return "done";
	case SX_EUSAGE: return "usage error";
	case SX_EDATA: return "data error";
	case SX_EIO: return "I/O error";
	case SX_ENOMEM: return "out of memory";
	case SX_EPIPE: return "broken pipe";
	}
	return "unknown error";
}
