// SPDX-License-Identifier: MIT
/* libcurl, loaded the first time a metadata endpoint is asked, not with libprofilebee. */
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

#include "curl_lazy.h"

static struct pb_curl curl;
static const struct pb_curl *loaded;

static void load(void)
{
	/* Already mapped by the application or an output plugin: the same copy is used. */
	void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	const struct {
		void **fn;
		const char *name;
	} syms[] = {
	    {(void **)&curl.global_init, "curl_global_init"},
	    {(void **)&curl.easy_init, "curl_easy_init"},
	    {(void **)&curl.easy_setopt, "curl_easy_setopt"},
	    {(void **)&curl.easy_perform, "curl_easy_perform"},
	    {(void **)&curl.easy_getinfo, "curl_easy_getinfo"},
	    {(void **)&curl.easy_cleanup, "curl_easy_cleanup"},
	    {(void **)&curl.slist_append, "curl_slist_append"},
	    {(void **)&curl.slist_free_all, "curl_slist_free_all"},
	};

	if (!h)
		return;
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
		if (!(*syms[i].fn = dlsym(h, syms[i].name)))
			return; /* never unloaded: a half-loaded libcurl stays unused */
	/* Never cleaned up: an output plugin may be using libcurl by the time this ends. */
	if (curl.global_init(CURL_GLOBAL_DEFAULT))
		return;
	loaded = &curl;
}

const struct pb_curl *pb_curl(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, load);
	return loaded;
}
