/* SPDX-License-Identifier: MIT */
/* Finds plugin files, checks and dlopen()s the ones a run needs; which handles an -o target. */
#ifndef PB_PLUGIN_LOADER_H
#define PB_PLUGIN_LOADER_H

#include <profile-bee/plugin.h>

/* One plugin of a loaded file: a .so may hold several (the http file: serve and push). */
struct pb_loaded_plugin {
	const char *path; /* the file's, owned by its pb_plugin_so */
	const struct pb_plugin *desc;
};

/* A dlopen()ed plugin file and the descriptors its entry point listed. */
struct pb_plugin_so {
	char *path;
	void *handle;
	const struct pb_plugin *const *plugins; /* NULL-terminated */
	size_t n;
};

/*
 * A plugin file the scan found. Files are named KIND-NAME.so (output-svg.so): the name says
 * which file a run needs, so the others are never dlopen()ed (nor their constructors run).
 */
struct pb_plugin_file {
	char *path;
	int kind;   /* from the file name: a pb_plugin_kind, or -1 */
	char *name; /* NAME from the file name, or NULL */
	bool tried; /* loaded, or failed and reported */
	struct pb_plugin_so so; /* once loaded */
};

struct pb_plugin_registry {
	struct pb_plugin_file *files; /* in search order */
	size_t n_files;
	struct pb_loaded_plugin **items; /* loaded so far; each stays where it is */
	size_t n;
};

/*
 * Loads one plugin file: refuses it unless only root (or the current user) can replace it or
 * any directory or link on its path, when it is not a complete ELF shared object for this
 * machine, without the entry symbol, built for an ABI this core does not load (ABI 1's entry
 * is recognised and named), or with a descriptor pb_plugin_check refuses. err says why.
 */
int pb_plugin_so__open(const char *path, struct pb_plugin_so *out, char *err, size_t err_len);
void pb_plugin_so__close(struct pb_plugin_so *so);

/* d's encoder of format that can be called (its struct reaches encode, which is set), or NULL. */
const struct pb_encoder *pb_plugin_encoder(const struct pb_plugin *d, const char *format);

/* 0 when the core can use d; -EPROTO (another ABI) or -EINVAL with why otherwise. */
int pb_plugin_check(const struct pb_plugin *d, char *why, size_t len);

/*
 * Finds the plugin files in extra_dirs (a ':' list, may be NULL), $PROFILE_BEE_PLUGIN_PATH,
 * the build tree (when libprofilebee runs from it) and the install directory, in that order;
 * nothing is loaded yet. The first plugin of a name wins. Lookups below load files on demand;
 * a file that fails to load is reported once and skipped.
 */
int pb_plugin_registry__new(const char *extra_dirs, struct pb_plugin_registry **ret);
void pb_plugin_registry__free(struct pb_plugin_registry *reg);

/* Loads file i (once); the plugin it added, or NULL (failed, or shadowed by an earlier one). */
const struct pb_loaded_plugin *pb_plugin_registry__load_file(struct pb_plugin_registry *reg,
							     size_t i);
/* Loads every file not tried yet (--list-plugins, and the lists in error messages). */
void pb_plugin_registry__load_all(struct pb_plugin_registry *reg);

const struct pb_loaded_plugin *pb_plugin_registry__find(struct pb_plugin_registry *reg,
							enum pb_plugin_kind kind,
							const char *name);
/* The output plugin that claims target (an -o value), and the matched claim's format. */
const struct pb_loaded_plugin *
pb_plugin_registry__match_output(struct pb_plugin_registry *reg, const char *target,
				 const char **format);
/* The extension (".svg") of a format's files ("svg", or ".svg" itself), or NULL. */
const char *pb_plugin_registry__extension(struct pb_plugin_registry *reg, const char *format);
/* Writes the names of kind's plugins, or the output claims, comma-separated, into buf. */
void pb_plugin_registry__names(struct pb_plugin_registry *reg, enum pb_plugin_kind kind,
			       bool claims, char *buf, size_t len);

#endif
