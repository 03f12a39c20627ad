/* cli.h - what the command-line files share: messages, exit codes, child runs. */
#ifndef SX_CMD_CLI_H
#define SX_CMD_CLI_H

#include <signal.h>

#include "error.h"

/* Exit statuses, as documented in streamx(1). */
enum {
	EXIT_OK = 0,
	EXIT_FAILURE_ = 1,  /* data or I/O failure */
	EXIT_USAGE = 2      /* bad command line or pipeline */
};

/* Prints "streamx: <message>" on stderr; returns -1. */
int cli_error(const char *fmt, ...) SX_PRINTF(1, 2);

/* The exit status for an engine status. */
int cli_exit_status(int status);

struct sx_registry;

/* Remembers a plugin given with --plugin PATH (at most CLI_PLUGINS_MAX);
 * returns an exit status, or -1 to go on. */
#define CLI_PLUGINS_MAX 32
int cli_add_plugin(const char *path);

/* Fills reg with the built-in stages, then the plugins in the
 * directories of $STREAMX_PLUGIN_PATH, then those given with --plugin.
 * Prints what fails; returns -1 to go on, else the exit status. */
int cli_registry(struct sx_registry *reg);

/* Appends "--plugin PATH" for each plugin given, to pass them on to a
 * child streamx, at argv[n]; returns the new n (at most
 * 2 * CLI_PLUGINS_MAX words are added). */
int cli_plugin_args(char **argv, int n);

/* Builds and frees the pipeline spec, so that a bad one is a usage error
 * before any child runs; messages start with "who: ". Returns -1 to go
 * on, else the exit status. */
int cli_check_pipeline(const char *spec, const char *who);

/* This program's path, to exec it again for child runs (resolved once;
 * /proc/self/exe if it was replaced since we started). */
const char *cli_self_path(void);

/* Blocks SIGINT, SIGTERM and SIGHUP (how = SIG_BLOCK, the old mask saved
 * in *old), or sets the mask back from *old (how = SIG_SETMASK). */
void cli_hold_stop_signals(int how, sigset_t *old);

/* The subcommands. Each returns an exit status. */
int cmd_gen(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_batch(int argc, char **argv);
int cmd_snapdiff(int argc, char **argv);

#endif
