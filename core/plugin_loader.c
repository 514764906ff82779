// SPDX-License-Identifier: MIT
/* Finds plugin files, checks them and dlopen()s one when a lookup needs what it may hold. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "plugin_file.h"
#include "plugin_loader.h"

#ifndef PB_PLUGIN_DIR
#define PB_PLUGIN_DIR "/usr/local/lib/profile-bee/plugins"
#endif

int pb_plugin_load(const char *path, struct pb_loaded_plugin *out, char *err, size_t err_len)
{
	char real[PATH_MAX];
	pb_plugin_entry_fn entry;
	const struct pb_plugin *desc;
	void *handle;
	int ret;

	/* The resolved path is what is checked and opened, so no link can be swapped between. */
	if ((ret = pb_plugin_trust(path, real, sizeof(real), err, err_len)) ||
	    (ret = pb_plugin_elf_check(real, err, err_len)))
		return ret;
	handle = dlopen(real, RTLD_NOW | RTLD_LOCAL);
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
		if (reg->items[i]->desc->kind == desc->kind &&
		    !strcmp(reg->items[i]->desc->name, desc->name))
			return true;
	return false;
}

const struct pb_loaded_plugin *pb_plugin_registry__load_file(struct pb_plugin_registry *reg,
							     size_t i)
{
	struct pb_plugin_file *f = &reg->files[i];
	struct pb_loaded_plugin *lp, **items;
	char err[2 * PATH_MAX + 256];

	if (f->tried)
		return NULL;
	f->tried = true;
	if (!(lp = calloc(1, sizeof(*lp))))
		return NULL;
	if (pb_plugin_load(f->path, lp, err, sizeof(err))) {
		pb_warn("%s", err);
		free(lp);
		return NULL;
	}
	if (has_name(reg, lp->desc)) {
		pb_debug("plugin '%s' in %s is shadowed by an earlier one", lp->desc->name, f->path);
		goto drop;
	}
	items = realloc(reg->items, (reg->n + 1) * sizeof(*items));
	if (!items)
		goto drop;
	reg->items = items;
	reg->items[reg->n++] = lp;
	return lp;
drop:
	pb_plugin_unload(lp);
	free(lp);
	return NULL;
}

void pb_plugin_registry__load_all(struct pb_plugin_registry *reg)
{
	for (size_t i = 0; i < reg->n_files; i++)
		pb_plugin_registry__load_file(reg, i);
}

/* "output-svg.so" -> PB_PLUGIN_OUTPUT, "svg"; any other name leaves kind -1. */
static void name_hint(struct pb_plugin_file *f)
{
	static const struct {
		const char *prefix;
		int kind;
	} kinds[] = { { "output-", PB_PLUGIN_OUTPUT }, { "unwinder-", PB_PLUGIN_UNWINDER } };
	const char *base = strrchr(f->path, '/');
	size_t len;

	base = base ? base + 1 : f->path;
	len = strlen(base) - 3; /* ".so" */
	f->kind = -1;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t plen = strlen(kinds[k].prefix);

		if (len > plen && !strncmp(base, kinds[k].prefix, plen) &&
		    (f->name = strndup(base + plen, len - plen)))
			f->kind = kinds[k].kind;
	}
}

static void add_file(struct pb_plugin_registry *reg, const char *path)
{
	struct pb_plugin_file *files = realloc(reg->files, (reg->n_files + 1) * sizeof(*files));
	char *copy;

	if (!files)
		return;
	reg->files = files;
	if (!(copy = strdup(path)))
		return;
	reg->files[reg->n_files] = (struct pb_plugin_file){ .path = copy };
	name_hint(&reg->files[reg->n_files++]);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Plugin file names are sorted so the search order (and shadowing) is deterministic. */
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
	for (size_t i = 0; i < reg->n; i++) {
		pb_plugin_unload(reg->items[i]);
		free(reg->items[i]);
	}
	for (size_t i = 0; i < reg->n_files; i++) {
		free(reg->files[i].path);
		free(reg->files[i].name);
	}
	free(reg->items);
	free(reg->files);
	free(reg);
}
