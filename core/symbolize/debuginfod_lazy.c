// SPDX-License-Identifier: MIT
/* libdebuginfod, dlopen()ed on first use (see debuginfod_lazy.h for why). */
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

#include "debuginfod_lazy.h"

static struct pb_debuginfod_api api;
static const struct pb_debuginfod_api *loaded;

static void load(void)
{
	void *h = dlopen("libdebuginfod.so.1", RTLD_NOW | RTLD_LOCAL);
	const struct {
		void **fn;
		const char *name;
	} syms[] = {
		{ (void **)&api.begin, "debuginfod_begin" },
		{ (void **)&api.end, "debuginfod_end" },
		{ (void **)&api.set_user_data, "debuginfod_set_user_data" },
		{ (void **)&api.get_user_data, "debuginfod_get_user_data" },
		{ (void **)&api.set_progressfn, "debuginfod_set_progressfn" },
		{ (void **)&api.find_debuginfo, "debuginfod_find_debuginfo" },
	};

	if (!h)
		return;
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
		if (!(*syms[i].fn = dlsym(h, syms[i].name)))
			return; /* never unloaded: a half-loaded library stays unused */
	loaded = &api;
}

const struct pb_debuginfod_api *pb_debuginfod_api(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, load);
	return loaded;
}
