/* SPDX-License-Identifier: MIT */
/* Plugin settings: key/value strings checked against the plugin's config-key table. */
#ifndef PB_CONFIG_H
#define PB_CONFIG_H

#include <profile-bee/plugin.h>

/*
 * keys may be NULL (accept nothing), limits NULL (no ranges); owner names the settings in
 * messages ("output.svg").
 */
int pb_config__new(const struct pb_config_key *keys, const struct pb_config_limit *limits,
		   const char *owner, struct pb_config **ret);
/* The plugin's limits, when its ABI has them (1.1 and later). */
const struct pb_config_limit *pb_config_limits_of(const struct pb_plugin *desc);
void pb_config__free(struct pb_config *cfg);

/* Sets key; on a bad key, or a value of the wrong type or out of its limit, returns -ENOENT / -EINVAL and writes why into err. */
int pb_config__set(struct pb_config *cfg, const char *key, const char *value, char *err,
		   size_t err_len);
/* Sets every "k=v" of a comma-separated list (as pb_config__set). */
int pb_config__set_list(struct pb_config *cfg, const char *list, char *err, size_t err_len);
/* Copies every setting of src into cfg (later wins). */
int pb_config__copy(struct pb_config *cfg, const struct pb_config *src, char *err, size_t len);

const char *pb_config__get(const struct pb_config *cfg, const char *key);
int64_t pb_config__int(const struct pb_config *cfg, const char *key);
bool pb_config__bool(const struct pb_config *cfg, const char *key);
double pb_config__double(const struct pb_config *cfg, const char *key);
const struct pb_config_key *pb_config__key(const struct pb_config *cfg, const char *key);

/* Checks value against type: true when it parses. */
bool pb_config_value_ok(enum pb_config_type type, const char *value);
/* "an integer", "a boolean", ...: for messages. */
const char *pb_config_type_name(enum pb_config_type type);

#endif
