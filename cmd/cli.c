/* cli.c - messages and exit statuses shared by every command. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

int cli_error(const char *fmt, ...)
{
	char msg[PATH_MAX + 512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* one call, so a line from another thread cannot cut into it */
	fprintf(stderr, "streamx: %s\n", msg);
	return -1;
}

int cli_exit_status(int status)
{
	if (status == SX_OK || status == SX_DONE)
		return EXIT_OK;
	return status == SX_EUSAGE ? EXIT_USAGE : EXIT_FAILURE_;
}
