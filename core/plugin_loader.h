/* SPDX-License-Identifier: MIT */
/* Finds, checks and dlopen()s plugins; answers which plugin handles an unwinder or an -o target. */
#ifndef PB_PLUGIN_LOADER_H
#define PB_PLUGIN_LOADER_H

#include <profile-bee/plugin.h>

struct pb_loaded_plugin {
	char *path;
	void *handle;
	const struct pb_plugin *desc;
};

struct pb_plugin_registry {
	struct pb_loaded_plugin *items;
	size_t n;
};

/*
 * Loads one plugin file: refuses files or directories writable by others than root (or the
 * current user), missing entry symbols and another ABI major. On failure err says why.
 */
int pb_plugin_load(const char *path, struct pb_loaded_plugin *out, char *err, size_t err_len);
void pb_plugin_unload(struct pb_loaded_plugin *p);

/*
 * Loads every plugin found in extra_dirs (a ':' list, may be NULL), $PROFILE_BEE_PLUGIN_PATH,
 * the build tree (when libprofilebee runs from it) and the install directory, in that order;
 * the first plugin of a name wins. Plugins that fail to load are reported and skipped.
 */
int pb_plugin_registry__new(const char *extra_dirs, struct pb_plugin_registry **ret);
void pb_plugin_registry__free(struct pb_plugin_registry *reg);

const struct pb_loaded_plugin *pb_plugin_registry__find(const struct pb_plugin_registry *reg,
							enum pb_plugin_kind kind,
							const char *name);
/* The output plugin that claims target (an -o value), and the matched claim's format. */
const struct pb_loaded_plugin *
pb_plugin_registry__match_output(const struct pb_plugin_registry *reg, const char *target,
				 const char **format);
/* Writes the names of kind's plugins, or the output claims, comma-separated, into buf. */
void pb_plugin_registry__names(const struct pb_plugin_registry *reg, enum pb_plugin_kind kind,
			       bool claims, char *buf, size_t len);

#endif
