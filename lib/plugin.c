/* plugin.c - stages from shared objects loaded at run time. */
#include "plugin.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* dlerror()'s text names the file and the reason. */
static const char *load_error(void)
{
	const char *msg = dlerror();

	return msg ? msg : "unknown error";
}

static int add_stages(struct sx_registry *reg, const char *path,
		      const struct sx_plugin *p, struct sx_error *err)
{
	if (!p->stages || !p->stages[0])
		return sx_error_set(err, SX_EUSAGE, "plugin %s: it has no stages", path);
	for (size_t i = 0; p->stages[i]; i++) {
		struct sx_error why;
		int rc = sx_registry_add(reg, p->stages[i], &why);

		if (rc)
			return sx_error_set(err, rc, "plugin %s: %s", path, why.msg);
	}
	return SX_OK;
}

int sx_plugin_load(struct sx_registry *reg, const char *path, struct sx_error *err)
{
	/* dlopen searches the library path for a bare name; a plugin is a
	 * file, so a name without a slash means the current directory. */
	char local[PATH_MAX];
	const char *file = path;
	const struct sx_plugin *p;
	void *handle;

	if (!strchr(path, '/')) {
		if (snprintf(local, sizeof(local), "./%s", path) >= (int)sizeof(local))
			return sx_error_set(err, SX_EUSAGE, "plugin %s: name too long", path);
		file = local;
	}
	handle = dlopen(file, RTLD_NOW | RTLD_LOCAL);
	if (!handle)
		return sx_error_set(err, SX_EUSAGE, "cannot load plugin: %s", load_error());
	p = dlsym(handle, SX_PLUGIN_SYMBOL);
	if (!p) {
		dlclose(handle);
		return sx_error_set(err, SX_EUSAGE,
				    "plugin %s: no '" SX_PLUGIN_SYMBOL "' symbol "
				    "(is it a streamx plugin?)", path);
	}
	if (p->abi != SX_STAGE_ABI) {
		unsigned abi = p->abi;

		dlclose(handle);
		return sx_error_set(err, SX_EUSAGE,
				    "plugin %s was built for stage ABI %u, this streamx has ABI %u: "
				    "rebuild it against this version's headers",
				    path, abi, SX_STAGE_ABI);
	}
	return add_stages(reg, path, p, err);
}

static int is_plugin_name(const char *name)
{
	size_t n = strlen(name);

	return n > 3 && name[0] != '.' && strcmp(name + n - 3, ".so") == 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads the plugins of one directory, in name order. */
static int load_dir(struct sx_registry *reg, const char *dir, struct sx_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = SX_OK;

	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? SX_OK :
			sx_error_set(err, SX_EUSAGE, "plugin directory %s: %s", dir,
				     strerror(errno));
	while ((e = readdir(d)) && rc == SX_OK) {
		if (!is_plugin_name(e->d_name))
			continue;
		if (n == cap) {
			char **more = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*names));
			if (!more)
				rc = sx_error_set(err, SX_ENOMEM, "out of memory listing %s", dir);
			else
				names = more;
		}
		if (rc == SX_OK && !(names[n++] = strdup(e->d_name)))
			rc = sx_error_set(err, SX_ENOMEM, "out of memory listing %s", dir);
	}
	closedir(d);
	if (rc == SX_OK && n)
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX];

		if (rc == SX_OK && names[i]) {
			if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >=
			    (int)sizeof(path))
				rc = sx_error_set(err, SX_EUSAGE, "plugin path too long in %s", dir);
			else
				rc = sx_plugin_load(reg, path, err);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int sx_plugin_load_dirs(struct sx_registry *reg, const char *dirs,
			struct sx_error *err)
{
	const char *p = dirs;

	while (p && *p) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char dir[PATH_MAX];
		int rc;

		if (len > 0 && len < sizeof(dir)) {
			memcpy(dir, p, len);
			dir[len] = '\0';
			rc = load_dir(reg, dir, err);
			if (rc)
				return rc;
		}
		p = end ? end + 1 : NULL;
	}
	return SX_OK;
}
