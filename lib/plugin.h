/* plugin.h - stages from shared objects loaded at run time. */
#ifndef SX_PLUGIN_H
#define SX_PLUGIN_H

#include "error.h"
#include "registry.h"
#include "stage.h"

/*
 * A plugin is a shared object that exports one symbol, streamx_plugin,
 * of type struct sx_plugin:
 *
 *     const struct sx_plugin streamx_plugin = {
 *         .abi = SX_STAGE_ABI,
 *         .name = "rev",
 *         .stages = (const struct sx_stage_ops *const[]){ &rev_ops, NULL },
 *     };
 *
 * Its stages are written against stage.h exactly as built-in ones and
 * call the same library functions (sx_out_write, sx_stage_fail,
 * sx_malloc...), which the streamx binary exports. abi comes first and
 * is read before anything else, so a plugin built against another
 * layout of these structures is refused before they are touched: a
 * mismatch is an error naming both versions. Each stage table's own abi
 * is checked again when it is registered.
 *
 * Loaded objects stay loaded until the process ends: their tables are
 * referenced by the registry and by running pipelines.
 */

#define SX_PLUGIN_SYMBOL "streamx_plugin"

struct sx_plugin {
	unsigned abi;                            /* SX_STAGE_ABI, first */
	const char *name;                        /* for messages */
	const struct sx_stage_ops *const *stages; /* NULL-terminated */
};

/* Loads the shared object at path and adds its stages to reg. Returns
 * SX_OK, or SX_EUSAGE with a message naming path: the file cannot be
 * loaded, lacks the symbol, has another ABI version, or a stage name is
 * taken. On error, stages added before the failing one stay added. */
int sx_plugin_load(struct sx_registry *reg, const char *path, struct sx_error *err);

/* Loads every "*.so" file in each directory of dirs, a colon-separated
 * list, in name order. Empty entries and directories that do not exist
 * are skipped; the first failing plugin stops the walk. */
int sx_plugin_load_dirs(struct sx_registry *reg, const char *dirs,
			struct sx_error *err);

#endif
