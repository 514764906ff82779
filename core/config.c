// SPDX-License-Identifier: MIT
/* Plugin settings: key/value strings checked against the plugin's config-key table. */
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
	const struct pb_config_limit *limits;
	char *owner;
	struct config_item *items;
	size_t n;
};

int pb_config__new(const struct pb_config_key *keys, const struct pb_config_limit *limits,
		   const char *owner, struct pb_config **ret)
{
	struct pb_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg || !(cfg->owner = strdup(owner ? owner : "settings"))) {
		free(cfg);
		return -ENOMEM;
	}
	cfg->keys = keys;
	cfg->limits = limits;
	*ret = cfg;
	return 0;
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

static bool parse_bool(const char *v, bool *out)
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

bool pb_config_value_ok(enum pb_config_type type, const char *value)
{
	char *end;
	bool b;

	switch (type) {
	case PB_CONFIG_STRING:
		return true;
	case PB_CONFIG_INT:
		errno = 0;
		(void)strtoll(value, &end, 0);
		return *value && !*end && !errno;
	case PB_CONFIG_DOUBLE:
		errno = 0;
		(void)strtod(value, &end);
		return *value && !*end && !errno;
	case PB_CONFIG_BOOL:
		return parse_bool(value, &b);
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

/* The limit of key, when the plugin declares one. */
static const struct pb_config_limit *limit_of(const struct pb_config *cfg, const char *key)
{
	for (const struct pb_config_limit *l = cfg->limits; l && l->name; l++)
		if (!strcmp(l->name, key))
			return l;
	return NULL;
}

static int check_limit(const struct pb_config *cfg, const struct pb_config_key *k,
		       const char *value, char *err, size_t err_len)
{
	const struct pb_config_limit *l = limit_of(cfg, k->name);
	double v;

	if (!l)
		return 0;
	if (k->type == PB_CONFIG_STRING) {
		if (!l->choices || one_of(l->choices, value))
			return 0;
		snprintf(err, err_len, "%s: '%s' must be one of %s, not '%s'", cfg->owner, k->name,
			 l->choices, value);
		return -EINVAL;
	}
	if (k->type != PB_CONFIG_INT && k->type != PB_CONFIG_DOUBLE)
		return 0;
	v = k->type == PB_CONFIG_INT ? (double)strtoll(value, NULL, 0) : strtod(value, NULL);
	if (v >= l->min && v <= l->max)
		return 0;
	snprintf(err, err_len, "%s: '%s' must be from %.15g to %.15g, not '%s'", cfg->owner, k->name,
		 l->min, l->max, value);
	return -EINVAL;
}

int pb_config__set(struct pb_config *cfg, const char *key, const char *value, char *err,
		   size_t err_len)
{
	const struct pb_config_key *k = pb_config__key(cfg, key);
	struct config_item *items;
	char *v;

	if (!k) {
		snprintf(err, err_len, "%s has no setting '%s'", cfg->owner, key);
		return -ENOENT;
	}
	if (!pb_config_value_ok(k->type, value)) {
		snprintf(err, err_len, "%s: '%s' must be %s, not '%s'", cfg->owner, key,
			 pb_config_type_name(k->type), value);
		return -EINVAL;
	}
	if (check_limit(cfg, k, value, err, err_len))
		return -EINVAL;
	if (!(v = strdup(value)))
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

int pb_config__set_list(struct pb_config *cfg, const char *list, char *err, size_t err_len)
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
			ret = -EINVAL;
			break;
		}
		*eq = '\0';
		ret = pb_config__set(cfg, item, eq + 1, err, err_len);
	}
	free(copy);
	return ret;
}

int pb_config__copy(struct pb_config *cfg, const struct pb_config *src, char *err, size_t len)
{
	for (size_t i = 0; src && i < src->n; i++) {
		int ret = pb_config__set(cfg, src->items[i].key, src->items[i].value, err, len);

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

int64_t pb_config__int(const struct pb_config *cfg, const char *key)
{
	const char *v = pb_config__get(cfg, key);

	return v ? strtoll(v, NULL, 0) : 0;
}

bool pb_config__bool(const struct pb_config *cfg, const char *key)
{
	const char *v = pb_config__get(cfg, key);
	bool b = false;

	return v && parse_bool(v, &b) && b;
}

double pb_config__double(const struct pb_config *cfg, const char *key)
{
	const char *v = pb_config__get(cfg, key);

	return v ? strtod(v, NULL) : 0.0;
}

const struct pb_config_limit *pb_config_limits_of(const struct pb_plugin *desc)
{
	/* A 1.0 plugin's slot was reserved and zero; read it only where the ABI defines it. */
	return desc->abi_minor >= 1 ? desc->config_limits : NULL;
}
