/* SPDX-License-Identifier: MIT */
/* Plugin settings: key/value strings checked against the plugin's key table, bound into structs. */
#ifndef PB_CONFIG_H
#define PB_CONFIG_H

#include <profile-bee/plugin.h>

/* keys may be NULL (accept nothing); owner names the settings in messages ("output.svg"). */
int pb_config__new(const struct pb_config_key *keys, const char *owner, struct pb_config **ret);
/* Sets every "k=v" of a comma-separated list (as pb_config__set). */
int pb_config__set_list(struct pb_config *cfg, const char *list, const char *source, char *err,
			size_t err_len);
/* Copies every setting of src into cfg (later wins). */
int pb_config__copy(struct pb_config *cfg, const struct pb_config *src, char *err, size_t len);
const struct pb_config_key *pb_config__key(const struct pb_config *cfg, const char *key);

/*
 * One value against one key (config_value.c, also built into the settings front ends): the
 * checker every source of settings uses, plugin tables and the core's [profile] alike.
 * Checks value against k's type, range and choices: 0, or -EINVAL with why in err.
 */
int pb_config_check_value(const struct pb_config_key *k, const char *owner, const char *value,
			  char *err, size_t err_len);
/* Parses a boolean as every settings source spells it: 1/0, true/false, yes/no, on/off. */
bool pb_config_parse_bool(const char *value, bool *out);
/* "an integer", "a boolean", ...: for messages. */
const char *pb_config_type_name(enum pb_config_type type);
/* Stores value (checked before; NULL: unset) into k's field of the struct at settings. */
void pb_config_bind_value(const struct pb_config_key *k, const char *value, void *settings);

#endif
