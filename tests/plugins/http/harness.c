// SPDX-License-Identifier: MIT
/* Host mock for the http plugin tests: settings from the plugin's own table, logs kept for asserts. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

bool harness_stop;

struct pb_config {
	const struct pb_config_key *keys;
	char *items[64][2];
	int n;
};

static const struct pb_plugin *plugin;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char *log_text;
static size_t log_len;

static void mock_log(struct pb_session *s, enum pb_log_level level, const char *who,
		     const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	fprintf(stderr, "# [%d] %.*s", level, (int)n, line);
	pthread_mutex_lock(&log_lock);
	log_text = realloc(log_text, log_len + n + 1);
	memcpy(log_text + log_len, line, n);
	log_len += n;
	log_text[log_len] = '\0';
	pthread_mutex_unlock(&log_lock);
}

static const char *mock_get(const struct pb_config *cfg, const char *key)
{
	for (int i = cfg->n - 1; i >= 0; i--)
		if (!strcmp(cfg->items[i][0], key))
			return cfg->items[i][1];
	for (const struct pb_config_key *k = cfg->keys; k->name; k++)
		if (!strcmp(k->name, key))
			return k->default_value;
	fprintf(stderr, "# the plugin asked for an undeclared setting '%s'\n", key);
	abort();
}

static int64_t mock_int(const struct pb_config *cfg, const char *key)
{
	const char *v = mock_get(cfg, key);

	return v ? strtoll(v, NULL, 0) : 0;
}

static bool mock_bool(const struct pb_config *cfg, const char *key)
{
	const char *v = mock_get(cfg, key);

	return v && (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes"));
}

static double mock_double(const struct pb_config *cfg, const char *key)
{
	const char *v = mock_get(cfg, key);

	return v ? strtod(v, NULL) : 0;
}

static bool mock_stop_requested(struct pb_session *s)
{
	return __atomic_load_n(&harness_stop, __ATOMIC_RELAXED);
}

struct pb_host harness_host = {
	.sz = sizeof(struct pb_host),
	.abi_major = PB_PLUGIN_ABI_MAJOR,
	.abi_minor = PB_PLUGIN_ABI_MINOR,
	.log = mock_log,
	.config_get = mock_get,
	.config_int = mock_int,
	.config_bool = mock_bool,
	.config_double = mock_double,
	.stop_requested = mock_stop_requested,
};

const struct pb_plugin *harness_load(const char *so_path)
{
	void *h = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
	pb_plugin_entry_fn entry;

	if (!h) {
		fprintf(stderr, "# %s\n", dlerror());
		return NULL;
	}
	entry = (pb_plugin_entry_fn)dlsym(h, PB_PLUGIN_ENTRY_SYMBOL);
	plugin = entry ? entry() : NULL;
	return plugin;
}

struct pb_config *harness_config(const char *settings)
{
	struct pb_config *cfg = calloc(1, sizeof(*cfg));
	char *copy = strdup(settings ? settings : ""), *save = NULL;

	cfg->keys = plugin->config_keys;
	for (char *it = strtok_r(copy, ",", &save); it && cfg->n < 64; it = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(it, '=');

		if (!eq)
			continue;
		*eq = '\0';
		cfg->items[cfg->n][0] = strdup(it);
		cfg->items[cfg->n++][1] = strdup(eq + 1);
	}
	free(copy);
	return cfg;
}

void harness_config_free(struct pb_config *cfg)
{
	if (!cfg)
		return;
	for (int i = 0; i < cfg->n; i++) {
		free(cfg->items[i][0]);
		free(cfg->items[i][1]);
	}
	free(cfg);
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
