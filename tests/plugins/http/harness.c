// SPDX-License-Identifier: MIT
/* What the http plugin tests share: the standalone host (pb_host__new), its messages kept. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

struct pb_host *harness_host;

static const struct pb_plugin *plugin;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char *log_text;
static size_t log_len;

/* Every message, as the session would print it (escaped, one line), kept and echoed as TAP. */
static void keep_log(void *ctx, enum pb_log_level level, const char *who, const char *msg)
{
	size_t n = strlen(msg) + (who ? strlen(who) + 2 : 0) + 1;
	char *grown;

	fprintf(stderr, "# [%d] %s%s%s\n", level, who ? who : "", who ? ": " : "", msg);
	pthread_mutex_lock(&log_lock);
	if ((grown = realloc(log_text, log_len + n + 1))) {
		log_text = grown;
		log_len += (size_t)sprintf(log_text + log_len, "%s%s%s\n", who ? who : "",
					   who ? ": " : "", msg);
	}
	pthread_mutex_unlock(&log_lock);
}

const struct pb_plugin *harness_load(const char *so_path, const char *name)
{
	struct pb_host_opts opts = { .sz = sizeof(opts), .log = keep_log };
	void *h = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
	pb_plugin_list_fn list;

	if (!h) {
		fprintf(stderr, "# %s\n", dlerror());
		return NULL;
	}
	list = (pb_plugin_list_fn)dlsym(h, PB_PLUGIN_ENTRY_SYMBOL);
	for (const struct pb_plugin *const *p = list ? list() : NULL; p && *p; p++)
		if (!strcmp((*p)->name, name))
			plugin = *p;
	if (!plugin) {
		fprintf(stderr, "# %s holds no plugin '%s'\n", so_path, name);
		return NULL;
	}
	/* Every message is kept, debug ones too: the tests look for what the plugin said. */
	pb_log__set_level(PB_LOG_DEBUG);
	if (pb_host__new(&opts, &harness_host)) {
		fprintf(stderr, "# cannot make a host\n");
		return NULL;
	}
	return plugin;
}

void harness_request_stop(void)
{
	harness_host->request_stop(harness_host->session);
}

struct pb_config *harness_config(const char *settings)
{
	char *copy = strdup(settings ? settings : ""), *save = NULL, why[512];
	struct pb_config *cfg = NULL;

	if (!copy || pb_config__new_for(plugin, &cfg))
		abort();
	for (char *it = strtok_r(copy, ",", &save); it; it = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(it, '=');

		if (eq)
			*eq = '\0';
		if (!eq || pb_config__set(cfg, it, eq + 1, "test", why, sizeof(why))) {
			printf("Bail out! bad setting in '%s': %s\n", settings, eq ? why : it);
			exit(1);
		}
	}
	free(copy);
	return cfg;
}

void harness_config_free(struct pb_config *cfg)
{
	pb_config__free(cfg);
}

const char *harness_log(void)
{
	return log_text ? log_text : "";
}

int harness_log_count(const char *needle)
{
	int n = 0;

	pthread_mutex_lock(&log_lock);
	for (const char *p = log_text; p && (p = strstr(p, needle)); p += strlen(needle))
		n++;
	pthread_mutex_unlock(&log_lock);
	return n;
}

void harness_log_clear(void)
{
	pthread_mutex_lock(&log_lock);
	log_len = 0;
	if (log_text)
		log_text[0] = '\0';
	pthread_mutex_unlock(&log_lock);
}

struct pb_profile *harness_profile(const char *folded, uint64_t start_ns, uint64_t end_ns)
{
	struct pb_profile *p;
	FILE *f = fmemopen((void *)folded, strlen(folded), "r");

	if (pb_profile__new(&p) || pb_profile__read_folded(p, f, NULL))
		abort();
	fclose(f);
	pb_profile__meta(p)->start_ns = start_ns;
	pb_profile__meta(p)->end_ns = end_ns;
	pb_profile__meta(p)->frequency = 99;
	snprintf(pb_profile__meta(p)->hostname, 64, "testhost");
	snprintf(pb_profile__meta(p)->unwinder, 32, "fp");
	return p;
}
