// SPDX-License-Identifier: MIT
/* Plugin settings: key/value strings checked against the plugin's key table, bound into structs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

struct config_item {
	char *key;
	char *value;
};

struct pb_config {
	const struct pb_config_key *keys;
	char *owner;
	struct config_item *items;
	size_t n;
};

int pb_config__new(const struct pb_config_key *keys, const char *owner, struct pb_config **ret)
{
	struct pb_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg || !(cfg->owner = strdup(owner ? owner : "settings"))) {
		free(cfg);
		return -ENOMEM;
	}
	cfg->keys = keys;
	*ret = cfg;
	return 0;
}

int pb_config__new_for(const struct pb_plugin *desc, struct pb_config **ret)
{
	char owner[128];

	snprintf(owner, sizeof(owner), "%s.%s",
		 desc->kind == PB_PLUGIN_UNWINDER ? "unwinder" : "output", desc->name);
	return pb_config__new(desc->config_keys, owner, ret);
}

void pb_config__free(struct pb_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n; i++) {
		free(cfg->items[i].key);
		free(cfg->items[i].value);
	}
	free(cfg->items);
	free(cfg->owner);
	free(cfg);
}

const struct pb_config_key *pb_config__key(const struct pb_config *cfg, const char *key)
{
	for (const struct pb_config_key *k = cfg->keys; k && k->name; k++)
		if (!strcmp(k->name, key))
			return k;
	return NULL;
}

/* "SOURCE: " before a message already in err, when the source is known. */
static void prefix_source(const char *source, char *err, size_t err_len)
{
	char msg[512];

	if (!source || !*source || !err_len)
		return;
	snprintf(msg, sizeof(msg), "%s", err);
	snprintf(err, err_len, "%s: %s", source, msg);
}

static int store(struct pb_config *cfg, const char *key, const char *value)
{
	struct config_item *items;
	char *v = strdup(value);

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->n; i++) {
		if (!strcmp(cfg->items[i].key, key)) {
			free(cfg->items[i].value);
			cfg->items[i].value = v;
			return 0;
		}
	}
	items = realloc(cfg->items, (cfg->n + 1) * sizeof(*items));
	if (!items || !(items[cfg->n].key = strdup(key))) {
		free(v);
		if (items)
			cfg->items = items;
		return -ENOMEM;
	}
	items[cfg->n++].value = v;
	cfg->items = items;
	return 0;
}

int pb_config__set(struct pb_config *cfg, const char *key, const char *value, const char *source,
		   char *err, size_t err_len)
{
	const struct pb_config_key *k = pb_config__key(cfg, key);
	int ret;

	if (!k) {
		snprintf(err, err_len, "%s has no setting '%s'", cfg->owner, key);
		prefix_source(source, err, err_len);
		return -ENOENT;
	}
	if ((ret = pb_config_check_value(k, cfg->owner, value, err, err_len))) {
		prefix_source(source, err, err_len);
		return ret;
	}
	return store(cfg, key, value);
}

int pb_config__set_list(struct pb_config *cfg, const char *list, const char *source, char *err,
			size_t err_len)
{
	char *copy = strdup(list ? list : ""), *save = NULL;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (char *item = strtok_r(copy, ",", &save); item && !ret;
	     item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');

		if (!eq) {
			snprintf(err, err_len, "%s: '%s' is not key=value", cfg->owner, item);
			prefix_source(source, err, err_len);
			ret = -EINVAL;
			break;
		}
		*eq = '\0';
		ret = pb_config__set(cfg, item, eq + 1, source, err, err_len);
	}
	free(copy);
	return ret;
}

int pb_config__copy(struct pb_config *cfg, const struct pb_config *src, char *err, size_t len)
{
	for (size_t i = 0; src && i < src->n; i++) {
		int ret = pb_config__set(cfg, src->items[i].key, src->items[i].value, NULL, err, len);

		if (ret)
			return ret;
	}
	return 0;
}

const char *pb_config__get(const struct pb_config *cfg, const char *key)
{
	const struct pb_config_key *k;

	if (!cfg)
		return NULL;
	for (size_t i = 0; i < cfg->n; i++)
		if (!strcmp(cfg->items[i].key, key))
			return cfg->items[i].value;
	k = pb_config__key(cfg, key);
	return k ? k->default_value : NULL;
}

void pb_config__bind(const struct pb_config *cfg, void *settings)
{
	/* Values were checked when set, defaults when the plugin was loaded. */
	for (const struct pb_config_key *k = cfg->keys; k && k->name; k++)
		pb_config_bind_value(k, pb_config__get(cfg, k->name), settings);
}
