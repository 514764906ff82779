// SPDX-License-Identifier: MIT
/* Finds, checks and dlopen()s plugins; answers which plugin handles an unwinder or an -o target. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "plugin_loader.h"

#ifndef PB_PLUGIN_DIR
#define PB_PLUGIN_DIR "/usr/local/lib/profile-bee/plugins"
#endif

/*
 * profile-bee runs as root: a plugin that another user can replace is a way to run code as
 * root. Owner must be root or us, and nobody else may write it.
 */
static int check_owner(const char *what, const char *path, char *err, size_t len)
{
	struct stat st;

	if (stat(path, &st)) {
		snprintf(err, len, "cannot open '%s': %s", path, strerror(errno));
		return -errno;
	}
	if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(err, len,
			 "refusing plugin %s '%s': writable by users other than root "
			 "(owner uid %u, mode %04o)",
			 what, path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

int pb_plugin_load(const char *path, struct pb_loaded_plugin *out, char *err, size_t err_len)
{
	char dir[PATH_MAX];
	pb_plugin_entry_fn entry;
	const struct pb_plugin *desc;
	void *handle;
	int ret;

	snprintf(dir, sizeof(dir), "%s", path);
	ret = check_owner("directory", dirname(dir), err, err_len);
	if (!ret)
		ret = check_owner("file", path, err, err_len);
	if (ret)
		return ret;
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		snprintf(err, err_len, "cannot load '%s': %s", path, dlerror());
		return -ENOEXEC;
	}
	entry = (pb_plugin_entry_fn)dlsym(handle, PB_PLUGIN_ENTRY_SYMBOL);
	desc = entry ? entry() : NULL;
	if (!desc) {
		snprintf(err, err_len, "cannot load '%s': no %s() returning a descriptor", path,
			 PB_PLUGIN_ENTRY_SYMBOL);
		ret = -ENOENT;
	} else if (desc->abi_major != PB_PLUGIN_ABI_MAJOR) {
		snprintf(err, err_len, "cannot load '%s': ABI %u.%u, core expects %u.x", path,
			 desc->abi_major, desc->abi_minor, PB_PLUGIN_ABI_MAJOR);
		ret = -EPROTO;
	} else if (desc->struct_size < offsetof(struct pb_plugin, claims) || !desc->name ||
		   (desc->kind == PB_PLUGIN_UNWINDER && !desc->unwinder) ||
		   (desc->kind == PB_PLUGIN_OUTPUT && !desc->output) ||
		   (desc->kind != PB_PLUGIN_UNWINDER && desc->kind != PB_PLUGIN_OUTPUT)) {
		snprintf(err, err_len, "cannot load '%s': malformed plugin descriptor", path);
		ret = -EINVAL;
	}
	if (ret) {
		dlclose(handle);
		return ret;
	}
	out->path = strdup(path);
	if (!out->path) {
		dlclose(handle);
		return -ENOMEM;
	}
	out->handle = handle;
	out->desc = desc;
	return 0;
}

void pb_plugin_unload(struct pb_loaded_plugin *p)
{
	if (!p)
		return;
	if (p->handle)
		dlclose(p->handle);
	free(p->path);
	p->path = NULL;
	p->handle = NULL;
}

static bool has_name(const struct pb_plugin_registry *reg, const struct pb_plugin *desc)
{
	for (size_t i = 0; i < reg->n; i++)
		if (reg->items[i].desc->kind == desc->kind &&
		    !strcmp(reg->items[i].desc->name, desc->name))
			return true;
	return false;
}

static void add_file(struct pb_plugin_registry *reg, const char *path)
{
	struct pb_loaded_plugin lp = { 0 }, *items;
	char err[PATH_MAX + 256];

	if (pb_plugin_load(path, &lp, err, sizeof(err))) {
		pb_warn("%s", err);
		return;
	}
	if (has_name(reg, lp.desc)) {
		pb_debug("plugin '%s' in %s is shadowed by an earlier one", lp.desc->name, path);
		pb_plugin_unload(&lp);
		return;
	}
	items = realloc(reg->items, (reg->n + 1) * sizeof(*items));
	if (!items) {
		pb_plugin_unload(&lp);
		return;
	}
	reg->items = items;
	reg->items[reg->n++] = lp;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Plugin file names are sorted so the load order (and shadowing) is deterministic. */
static void scan_dir(struct pb_plugin_registry *reg, const char *dir, int depth)
{
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		char **grown;

		if (de->d_name[0] == '.')
			continue;
		grown = realloc(names, (n + 1) * sizeof(*names));
		if (!grown)
			break;
		names = grown;
		if (asprintf(&names[n], "%s/%s", dir, de->d_name) >= 0)
			n++;
	}
	closedir(d);
	/* An empty directory leaves names NULL, which qsort must not be given. */
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		size_t len = strlen(names[i]);

		/* A name that vanished since readdir has no st_mode to look at. */
		if (stat(names[i], &st))
			;
		else if (S_ISDIR(st.st_mode) && depth > 0)
			scan_dir(reg, names[i], depth - 1);
		else if (S_ISREG(st.st_mode) && len > 3 && !strcmp(names[i] + len - 3, ".so"))
			add_file(reg, names[i]);
		free(names[i]);
	}
	free(names);
}

static void scan_list(struct pb_plugin_registry *reg, const char *list)
{
	char *copy = strdup(list), *save = NULL;

	for (char *dir = copy ? strtok_r(copy, ":", &save) : NULL; dir;
	     dir = strtok_r(NULL, ":", &save))
		scan_dir(reg, dir, 0);
	free(copy);
}

/* True when this library (or the program it is linked into) lives in the build tree. */
static bool running_from_build_tree(void)
{
#ifdef PB_BUILD_ROOT
	Dl_info info;
	char real[PATH_MAX];

	if (!dladdr((void *)running_from_build_tree, &info) || !info.dli_fname ||
	    !realpath(info.dli_fname, real))
		return false;
	return !strncmp(real, PB_BUILD_ROOT "/", strlen(PB_BUILD_ROOT) + 1);
#else
	return false;
#endif
}

int pb_plugin_registry__new(const char *extra_dirs, struct pb_plugin_registry **ret)
{
	struct pb_plugin_registry *reg = calloc(1, sizeof(*reg));
	const char *env = getenv("PROFILE_BEE_PLUGIN_PATH");

	if (!reg)
		return -ENOMEM;
	if (extra_dirs)
		scan_list(reg, extra_dirs);
	if (env)
		scan_list(reg, env);
#ifdef PB_BUILD_PLUGIN_DIR
	if (running_from_build_tree())
		scan_dir(reg, PB_BUILD_PLUGIN_DIR, 3);
#endif
	scan_dir(reg, PB_PLUGIN_DIR, 0);
	*ret = reg;
	return 0;
}

void pb_plugin_registry__free(struct pb_plugin_registry *reg)
{
	if (!reg)
		return;
	for (size_t i = 0; i < reg->n; i++)
		pb_plugin_unload(&reg->items[i]);
	free(reg->items);
	free(reg);
}

const struct pb_loaded_plugin *pb_plugin_registry__find(const struct pb_plugin_registry *reg,
							enum pb_plugin_kind kind,
							const char *name)
{
	for (size_t i = 0; i < reg->n; i++)
		if (reg->items[i].desc->kind == kind && !strcmp(reg->items[i].desc->name, name))
			return &reg->items[i];
	return NULL;
}

static bool is_scheme(const char *pattern)
{
	size_t n = strlen(pattern);

	return n > 3 && !strcmp(pattern + n - 3, "://");
}

static bool claim_matches(const char *pattern, const char *target)
{
	size_t plen = strlen(pattern), tlen = strlen(target);

	if (pattern[0] == '.') /* an extension */
		return tlen > plen && !strcmp(target + tlen - plen, pattern);
	if (is_scheme(pattern))
		return !strncmp(target, pattern, plen);
	return !strcmp(target, pattern); /* a format name, or "-" */
}

/*
 * A plugin name first, then URL schemes, then the rest, so "s3://b/x.folded" goes to s3, not to
 * the .folded output.
 */
const struct pb_loaded_plugin *
pb_plugin_registry__match_output(const struct pb_plugin_registry *reg, const char *target,
				 const char **format)
{
	/* A plugin's own name works too ("s3", "svg"): its first claim says the format. */
	for (size_t i = 0; i < reg->n; i++) {
		const struct pb_plugin *d = reg->items[i].desc;

		if (d->kind == PB_PLUGIN_OUTPUT && d->claims && d->claims[0].pattern &&
		    !strcmp(d->name, target)) {
			if (format)
				*format = d->claims[0].format;
			return &reg->items[i];
		}
	}
	for (int schemes = 1; schemes >= 0; schemes--) {
		for (size_t i = 0; i < reg->n; i++) {
			const struct pb_plugin *d = reg->items[i].desc;

			if (d->kind != PB_PLUGIN_OUTPUT || !d->claims)
				continue;
			for (const struct pb_output_claim *c = d->claims; c->pattern; c++) {
				if (is_scheme(c->pattern) == schemes &&
				    claim_matches(c->pattern, target)) {
					if (format)
						*format = c->format;
					return &reg->items[i];
				}
			}
		}
	}
	return NULL;
}

void pb_plugin_registry__names(const struct pb_plugin_registry *reg, enum pb_plugin_kind kind,
			       bool claims, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < reg->n && used < len; i++) {
		const struct pb_plugin *d = reg->items[i].desc;

		if (d->kind != kind)
			continue;
		if (!claims) {
			used += snprintf(buf + used, len - used, "%s%s", used ? ", " : "", d->name);
			continue;
		}
		for (const struct pb_output_claim *c = d->claims; c && c->pattern && used < len;
		     c++)
			used += snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
					 c->pattern);
	}
	if (!buf[0])
		snprintf(buf, len, "none found");
}
