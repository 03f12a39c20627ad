/* cli.c - messages and exit statuses shared by every command. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "plugin.h"
#include "cli.h"
#include "pipeline.h"

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

static const char *plugins[CLI_PLUGINS_MAX + 1];
static size_t nplugins;

int cli_add_plugin(const char *path)
{
	for (size_t i = 0; i < nplugins; i++)
		if (strcmp(plugins[i], path) == 0)
			return -1; /* named twice: loaded once */
	if (nplugins == CLI_PLUGINS_MAX) {
		cli_error("too many --plugin options (at most %d)", CLI_PLUGINS_MAX);
		return EXIT_USAGE;
	}
	plugins[nplugins++] = path;
	return -1;
}

int cli_plugin_args(char **argv, int n)
{
	for (size_t i = 0; i < nplugins; i++) {
		argv[n++] = "--plugin";
		argv[n++] = (char *)plugins[i];
	}
	return n;
}

int cli_registry(struct sx_registry *reg)
{
	struct sx_error err;
	int rc;

	sx_error_clear(&err);
	sx_registry_init(reg);
	rc = sx_builtin_register(reg, &err);
	if (rc == SX_OK)
		rc = sx_plugin_load_dirs(reg, getenv("STREAMX_PLUGIN_PATH"), &err);
	for (size_t i = 0; i < nplugins && rc == SX_OK; i++)
		rc = sx_plugin_load(reg, plugins[i], &err);
	if (rc == SX_OK)
		return -1;
	cli_error("%s", err.msg);
	return cli_exit_status(rc);
}

int cli_check_pipeline(const char *spec, const char *who)
{
	struct sx_registry reg;
	struct sx_pipeline *pl;
	struct sx_error err;
	int rc = cli_registry(&reg);

	if (rc >= 0)
		return rc;
	if (sx_pipeline_new(&pl, &reg, spec, NULL, &err) != SX_OK) {
		cli_error("%s: %s", who, err.msg);
		return cli_exit_status(err.status);
	}
	sx_pipeline_free(pl);
	return -1;
}

const char *cli_self_path(void)
{
	static char path[PATH_MAX];
	ssize_t n;

	if (path[0])
		return path;
	n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	path[n > 0 ? n : 0] = '\0';
	/* replaced since we started ("... (deleted)"): the kernel still has it */
	if (n <= 0 || access(path, X_OK) != 0)
		snprintf(path, sizeof(path), "/proc/self/exe");
	return path;
}

void cli_hold_stop_signals(int how, sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(how, how == SIG_BLOCK ? &set : old, how == SIG_BLOCK ? old : NULL);
}
