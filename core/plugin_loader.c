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

/* The version an ABI 1 file was built for: its descriptor began with major and minor too. */
static void name_abi1(void *handle, const char *path, char *err, size_t err_len)
{
	const void *(*entry)(void) = (const void *(*)(void))dlsym(handle, PB_PLUGIN_ENTRY_SYMBOL_V1);
	const uint16_t *version = entry ? entry() : NULL;

	snprintf(err, err_len,
		 "cannot load '%s': built for plugin ABI %u.%u, this profile-bee loads %u.0 to "
		 "%u.%u; rebuild it against this profile-bee's <profile-bee/plugin.h>",
		 path, version ? version[0] : 1, version ? version[1] : 0, PB_PLUGIN_ABI_MAJOR,
		 PB_PLUGIN_ABI_MAJOR, PB_PLUGIN_ABI_MINOR);
}

/* Takes the entry's list: every descriptor checked, at least one. */
static int take_list(struct pb_plugin_so *so, const char *path, char *err, size_t err_len)
{
	pb_plugin_list_fn entry = (pb_plugin_list_fn)dlsym(so->handle, PB_PLUGIN_ENTRY_SYMBOL);
	char why[512];
	int ret;

	if (!entry) {
		if (dlsym(so->handle, PB_PLUGIN_ENTRY_SYMBOL_V1)) {
			name_abi1(so->handle, path, err, err_len);
			return -EPROTO;
		}
		snprintf(err, err_len, "cannot load '%s': no %s() listing its plugins", path,
			 PB_PLUGIN_ENTRY_SYMBOL);
		return -ENOENT;
	}
	so->plugins = entry();
	for (so->n = 0; so->plugins && so->plugins[so->n]; so->n++) {
		if ((ret = pb_plugin_check(so->plugins[so->n], why, sizeof(why)))) {
			snprintf(err, err_len, "cannot load '%s': %s", path, why);
			return ret;
		}
	}
	if (!so->n) {
		snprintf(err, err_len, "cannot load '%s': %s() lists no plugin", path,
			 PB_PLUGIN_ENTRY_SYMBOL);
		return -ENOENT;
	}
	return 0;
}

int pb_plugin_so__open(const char *path, struct pb_plugin_so *out, char *err, size_t err_len)
{
	char real[PATH_MAX];
	struct pb_plugin_so so = { 0 };
	int ret;

	/* The resolved path is what is checked and opened, so no link can be swapped between. */
	if ((ret = pb_plugin_trust(path, real, sizeof(real), err, err_len)) ||
	    (ret = pb_plugin_elf_check(real, err, err_len)))
		return ret;
	so.handle = dlopen(real, RTLD_NOW | RTLD_LOCAL);
	if (!so.handle) {
		snprintf(err, err_len, "cannot load '%s': %s", path, dlerror());
		return -ENOEXEC;
	}
	if (!(ret = take_list(&so, path, err, err_len)) && !(so.path = strdup(path)))
		ret = -ENOMEM;
	if (ret) {
		dlclose(so.handle);
		return ret;
	}
	*out = so;
	return 0;
}

void pb_plugin_so__close(struct pb_plugin_so *so)
{
	if (!so)
		return;
	if (so->handle)
		dlclose(so->handle);
	free(so->path);
	*so = (struct pb_plugin_so){ 0 };
}

static bool has_name(const struct pb_plugin_registry *reg, const struct pb_plugin *desc)
{
	for (size_t i = 0; i < reg->n; i++)
		if (reg->items[i]->desc->kind == desc->kind &&
		    !strcmp(reg->items[i]->desc->name, desc->name))
			return true;
	return false;
}

/* Adds the file's plugins not shadowed by an earlier one of their name; how many it added. */
static size_t add_plugins(struct pb_plugin_registry *reg, const struct pb_plugin_so *so)
{
	size_t added = 0;

	for (size_t j = 0; j < so->n; j++) {
		struct pb_loaded_plugin *lp, **items;

		if (has_name(reg, so->plugins[j])) {
			pb_debug("plugin '%s' in %s is shadowed by an earlier one",
				 so->plugins[j]->name, so->path);
			continue;
		}
		items = realloc(reg->items, (reg->n + 1) * sizeof(*items));
		if (!items || !(lp = calloc(1, sizeof(*lp)))) {
			if (items)
				reg->items = items;
			break;
		}
		*lp = (struct pb_loaded_plugin){ .path = so->path, .desc = so->plugins[j] };
		reg->items = items;
		reg->items[reg->n++] = lp;
		added++;
	}
	return added;
}

const struct pb_loaded_plugin *pb_plugin_registry__load_file(struct pb_plugin_registry *reg,
							     size_t i)
{
	struct pb_plugin_file *f = &reg->files[i];
	char err[2 * PATH_MAX + 256];
	size_t first = reg->n;

	if (f->tried)
		return NULL;
	f->tried = true;
	if (pb_plugin_so__open(f->path, &f->so, err, sizeof(err))) {
		pb_warn("%s", err);
		return NULL;
	}
	if (!add_plugins(reg, &f->so)) {
		pb_plugin_so__close(&f->so);
		return NULL;
	}
	return reg->items[first];
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
	for (size_t i = 0; i < reg->n; i++)
		free(reg->items[i]);
	for (size_t i = 0; i < reg->n_files; i++) {
		pb_plugin_so__close(&reg->files[i].so);
		free(reg->files[i].path);
		free(reg->files[i].name);
	}
	free(reg->items);
	free(reg->files);
	free(reg);
}
