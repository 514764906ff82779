// SPDX-License-Identifier: MIT
/* Plugin settings: key/value strings checked against the plugin's key table, bound into structs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

bool pb_config_parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i]))
			return *out = true, true;
		if (!strcasecmp(v, no[i]))
			return *out = false, true;
	}
	return false;
}

const char *pb_config_type_name(enum pb_config_type type)
{
	static const char *const names[] = { "a string", "an integer", "a boolean", "a number" };

	return type <= PB_CONFIG_DOUBLE ? names[type] : "?";
}

static bool one_of(const char *choices, const char *value)
{
	size_t n = strlen(value);

	for (const char *c = choices; *c; c += strspn(c, ", ")) {
		size_t len = strcspn(c, ",");

		if (len == n && !strncmp(c, value, n))
			return true;
		c += len;
	}
	return false;
}

/* The number value holds, when it is one of type's; false otherwise. */
static bool parse_number(enum pb_config_type type, const char *value, double *out)
{
	char *end;

	errno = 0;
	if (type == PB_CONFIG_INT)
		*out = (double)strtoll(value, &end, 0);
	else
		*out = strtod(value, &end);
	return *value && !*end && !errno;
}

int pb_config_check_value(const struct pb_config_key *k, const char *owner, const char *value,
			  char *err, size_t err_len)
{
	double v;
	bool b;

	switch (k->type) {
	case PB_CONFIG_STRING:
		if (!k->choices || one_of(k->choices, value))
			return 0;
		snprintf(err, err_len, "%s: '%s' must be one of %s, not '%s'", owner, k->name,
			 k->choices, value);
		return -EINVAL;
	case PB_CONFIG_BOOL:
		if (pb_config_parse_bool(value, &b))
			return 0;
		break;
	case PB_CONFIG_INT:
	case PB_CONFIG_DOUBLE:
		if (!parse_number(k->type, value, &v))
			break;
		if ((k->min == 0 && k->max == 0) || (v >= k->min && v <= k->max))
			return 0;
		snprintf(err, err_len, "%s: '%s' must be from %.15g to %.15g, not '%s'", owner,
			 k->name, k->min, k->max, value);
		return -EINVAL;
	}
	snprintf(err, err_len, "%s: '%s' must be %s, not '%s'", owner, k->name,
		 pb_config_type_name(k->type), value);
	return -EINVAL;
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
	for (const struct pb_config_key *k = cfg->keys; k && k->name; k++) {
		const char *v = pb_config__get(cfg, k->name);
		char *field = (char *)settings + k->offset;
		/* Values were checked when set, defaults when the plugin was loaded. */
		int64_t i = v ? strtoll(v, NULL, 0) : 0;
		double d = v ? strtod(v, NULL) : 0;
		bool b = false;

		switch (k->type) {
		case PB_CONFIG_STRING:
			memcpy(field, &v, sizeof(v));
			break;
		case PB_CONFIG_INT:
			memcpy(field, &i, sizeof(i));
			break;
		case PB_CONFIG_DOUBLE:
			memcpy(field, &d, sizeof(d));
			break;
		case PB_CONFIG_BOOL:
			if (v)
				pb_config_parse_bool(v, &b);
			memcpy(field, &b, sizeof(b));
			break;
		}
	}
}
