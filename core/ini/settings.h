/* SPDX-License-Identifier: MIT */
/* Layered settings by section and key (conf files, a script's table, the command line). */
#ifndef PB_SETTINGS_H
#define PB_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <profile-bee/profile-bee.h>

#include "core_settings.h"

/*
 * Sections: "profile" (what and how to sample), "plugins" (where plugins are), and one per
 * plugin, "output.NAME" and "unwinder.NAME", holding that plugin's keys. Every item remembers
 * where it was given so messages can say "file:line:".
 */
struct pb_settings_item {
	char *section;
	char *key;
	char *value;
	char *origin; /* a file name, "--set", "script", ... */
	int line;     /* 0 when the origin has no lines */
};

struct pb_settings {
	struct pb_settings_item *items;
	size_t n;
	struct pb_label *labels; /* the [labels] items, as pb_settings_to_opts hands them out */
};

/* Sets (or replaces) section.key; checks core keys and values at once (their table), into err. */
int pb_settings_set(struct pb_settings *st, const char *section, const char *key,
		    const char *value, const char *origin, int line, char *err, size_t len);
const char *pb_settings_get(const struct pb_settings *st, const char *section, const char *key);
const struct pb_settings_item *pb_settings_find(const struct pb_settings *st, const char *section,
						const char *key);
/* Copies every item of src into dst; src wins. */
int pb_settings_merge(struct pb_settings *dst, const struct pb_settings *src);
void pb_settings_clear(struct pb_settings *st);

/* "file:line: " (or "origin: ") of an item, for messages. */
void pb_settings_where(const struct pb_settings_item *it, char *buf, size_t len);

/* Parses "section.key=value" (--set) into st: output.NAME.KEY, unwinder.NAME.KEY or a core key. */
int pb_settings_set_arg(struct pb_settings *st, const char *arg, char *err, size_t len);

/*
 * Fills opts from the [profile] and [plugins] items over the defaults of their key tables
 * (core_settings.c). Set opts->command first: with a command and no duration given, the
 * command's end is the end.
 */
int pb_settings_to_opts(struct pb_settings *st, struct pb_session_opts *opts, char *err,
			size_t len);
/* Hands every plugin section's item to pb_session__set; err gets "file:line: why". */
int pb_settings_apply_plugins(const struct pb_settings *st, struct pb_session *s, char *err,
			      size_t len);

/*
 * Reads the conf files: only path when given, else /etc/profile-bee/profile-bee.conf then
 * $XDG_CONFIG_HOME (or ~/.config)/profile-bee/profile-bee.conf, those that exist. An unknown
 * section or core key, a bad value or a syntax error is "file:line: message" in err.
 */
int pb_ini_load_default(const char *path, struct pb_settings *st, char *err, size_t len);
int pb_ini_load(const char *path, struct pb_settings *st, char *err, size_t len);

#endif
