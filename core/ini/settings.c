// SPDX-License-Identifier: MIT
/* Layered settings: storing items, checking the core keys, turning them into session options. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "settings.h"

enum kind { K_INT, K_SECONDS, K_BOOL, K_STRING };

struct core_key {
	const char *section;
	const char *name;
	enum kind kind;
	long long min, max;
};

/* Kinds and ranges of the core keys; their defaults and help are in pb_settings_keys. */
static const struct core_key core_keys[] = {
	{ "profile", "frequency", K_INT, 1, 100000 },
	{ "profile", "duration", K_SECONDS, 0, 10000000 },
	{ "profile", "unwinder", K_STRING },
	{ "profile", "user", K_BOOL },
	{ "profile", "kernel", K_BOOL },
	{ "profile", "idle", K_BOOL },
	{ "profile", "cpu", K_INT, -1, 65535 },
	{ "profile", "stack-storage-size", K_INT, 16, 1 << 24 },
	{ "profile", "hash-storage-size", K_INT, 16, 1 << 24 },
	{ "profile", "flush-interval", K_SECONDS, 0, 10000000 },
	{ "profile", "quiet", K_BOOL },
	{ "plugins", "path", K_STRING },
	{ 0 },
};

const struct pb_settings_key pb_settings_keys[] = {
	{ "profile", "frequency", "99", "samples per second per CPU (-F)" },
	{ "profile", "duration", "10", "seconds to sample; 0: until Ctrl-C or the command ends (-d)" },
	{ "profile", "unwinder", "fp", "fp, dwarf, libdw, libunwind (--unwinder)" },
	{ "profile", "user", "true", "collect user stacks (-K sets false)" },
	{ "profile", "kernel", "true", "collect kernel stacks (-U sets false)" },
	{ "profile", "idle", "false", "keep samples of idle CPUs (-I)" },
	{ "profile", "cpu", "-1", "sample only this CPU; -1: all (-C)" },
	{ "profile", "stack-storage-size", "16384", "distinct kernel stacks kept per window" },
	{ "profile", "hash-storage-size", "40960", "distinct stacks counted per window" },
	{ "profile", "flush-interval", "0", "seconds between windows for windowed outputs; 0: one" },
	{ "profile", "quiet", "false", "no summary of lost stacks (-q)" },
	{ "plugins", "path", "", "extra plugin directories, ':'-separated (--plugin-path)" },
	{ 0 },
};

static const struct core_key *core_key(const char *section, const char *key)
{
	for (const struct core_key *k = core_keys; k->name; k++)
		if (!strcmp(k->section, section) && !strcmp(k->name, key))
			return k;
	return NULL;
}

static bool is_core_section(const char *section)
{
	return !strcmp(section, "profile") || !strcmp(section, "plugins");
}

static bool is_plugin_section(const char *section)
{
	const char *dot = strchr(section, '.');

	return dot && dot[1] && !strchr(dot + 1, '.') &&
	       (!strncmp(section, "output.", 7) || !strncmp(section, "unwinder.", 9));
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

long long pb_settings_cpu_max(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	return n > 0 ? n - 1 : 65535;
}

static int check_core(const struct core_key *k, const char *value, char *err, size_t len)
{
	char *end;
	bool b;

	errno = 0;
	switch (k->kind) {
	case K_INT: {
		long long v = strtoll(value, &end, 10);
		/* A CPU number is only good up to this machine's last CPU. */
		long long max = !strcmp(k->name, "cpu") ? pb_settings_cpu_max() : k->max;

		if (*value && !*end && !errno && v >= k->min && v <= max)
			return 0;
		snprintf(err, len, "%s: '%s' is not a whole number from %lld to %lld", k->name,
			 value, k->min, max);
		return -EINVAL;
	}
	case K_SECONDS: {
		double v = strtod(value, &end);
		/* Windows shorter than this cannot be drained and written in time: refused. */
		double floor = !strcmp(k->name, "flush-interval") ? PB_SETTINGS_MIN_FLUSH : 0;

		if (*value && !*end && !errno && v >= k->min && v <= k->max && (v == 0 || v >= floor))
			return 0;
		if (floor)
			snprintf(err, len, "%s: '%s' is not 0 or a number of seconds from %g to %lld",
				 k->name, value, floor, k->max);
		else
			snprintf(err, len, "%s: '%s' is not a number of seconds (0 or more)", k->name,
				 value);
		return -EINVAL;
	}
	case K_BOOL:
		if (parse_bool(value, &b))
			return 0;
		snprintf(err, len, "%s: '%s' is not a boolean (true, false, yes, no, on, off, 1, 0)",
			 k->name, value);
		return -EINVAL;
	case K_STRING:
		return 0;
	}
	return -EINVAL;
}

static int check_item(const char *section, const char *key, const char *value, char *err,
		      size_t len)
{
	const struct core_key *k;

	if (is_plugin_section(section))
		return 0; /* checked against the plugin's table once the plugins are loaded */
	if (!is_core_section(section)) {
		snprintf(err, len,
			 "unknown section [%s] (known: profile, plugins, output.NAME, unwinder.NAME)",
			 section);
		return -ENOENT;
	}
	if (!(k = core_key(section, key))) {
		char known[512];
		size_t used = 0;

		known[0] = '\0';
		for (const struct core_key *c = core_keys; c->name; c++)
			if (!strcmp(c->section, section))
				used += snprintf(known + used, sizeof(known) - used, "%s%s",
						 used ? ", " : "", c->name);
		snprintf(err, len, "[%s] has no setting '%s' (known: %s)", section, key, known);
		return -ENOENT;
	}
	return check_core(k, value, err, len);
}

const struct pb_settings_item *pb_settings_find(const struct pb_settings *st, const char *section,
						const char *key)
{
	for (size_t i = 0; st && i < st->n; i++)
		if (!strcmp(st->items[i].section, section) && !strcmp(st->items[i].key, key))
			return &st->items[i];
	return NULL;
}

const char *pb_settings_get(const struct pb_settings *st, const char *section, const char *key)
{
	const struct pb_settings_item *it = pb_settings_find(st, section, key);

	return it ? it->value : NULL;
}

static void free_item(struct pb_settings_item *it)
{
	free(it->section);
	free(it->key);
	free(it->value);
	free(it->origin);
}

int pb_settings_set(struct pb_settings *st, const char *section, const char *key,
		    const char *value, const char *origin, int line, char *err, size_t len)
{
	struct pb_settings_item it = { 0 }, *grown;
	int ret = check_item(section, key, value, err, len);

	if (ret)
		return ret;
	it.section = strdup(section);
	it.key = strdup(key);
	it.value = strdup(value);
	it.origin = strdup(origin ? origin : "");
	it.line = line;
	if (!it.section || !it.key || !it.value || !it.origin)
		goto nomem;
	for (size_t i = 0; i < st->n; i++) {
		if (!strcmp(st->items[i].section, section) && !strcmp(st->items[i].key, key)) {
			free_item(&st->items[i]);
			st->items[i] = it;
			return 0;
		}
	}
	grown = realloc(st->items, (st->n + 1) * sizeof(*grown));
	if (!grown)
		goto nomem;
	st->items = grown;
	st->items[st->n++] = it;
	return 0;
nomem:
	free_item(&it);
	snprintf(err, len, "out of memory");
	return -ENOMEM;
}

int pb_settings_merge(struct pb_settings *dst, const struct pb_settings *src)
{
	char err[256];

	for (size_t i = 0; src && i < src->n; i++) {
		const struct pb_settings_item *it = &src->items[i];
		int ret = pb_settings_set(dst, it->section, it->key, it->value, it->origin,
					  it->line, err, sizeof(err));

		if (ret)
			return ret;
	}
	return 0;
}

void pb_settings_clear(struct pb_settings *st)
{
	for (size_t i = 0; i < st->n; i++)
		free_item(&st->items[i]);
	free(st->items);
	st->items = NULL;
	st->n = 0;
}

void pb_settings_where(const struct pb_settings_item *it, char *buf, size_t len)
{
	if (it->line > 0)
		snprintf(buf, len, "%s:%d: ", it->origin, it->line);
	else if (it->origin[0])
		snprintf(buf, len, "%s: ", it->origin);
	else
		buf[0] = '\0';
}

int pb_settings_set_arg(struct pb_settings *st, const char *arg, char *err, size_t len)
{
	const char *eq = strchr(arg, '='), *dot;
	char section[128], key[128], origin[300];
	size_t slen;

	if (!eq || eq == arg) {
		snprintf(err, len, "--set: '%s' is not SECTION.KEY=VALUE (e.g. output.svg.title=X)",
			 arg);
		return -EINVAL;
	}
	dot = memchr(arg, '.', eq - arg);
	/* output.NAME.KEY and unwinder.NAME.KEY: the section holds the first dot. */
	if (dot && (!strncmp(arg, "output.", 7) || !strncmp(arg, "unwinder.", 9)))
		dot = memchr(dot + 1, '.', eq - dot - 1);
	if (!dot || dot + 1 == eq || (size_t)(dot - arg) >= sizeof(section) ||
	    (size_t)(eq - dot) > sizeof(key)) {
		snprintf(err, len, "--set: '%s' is not SECTION.KEY=VALUE (e.g. output.svg.title=X)",
			 arg);
		return -EINVAL;
	}
	slen = dot - arg;
	memcpy(section, arg, slen);
	section[slen] = '\0';
	memcpy(key, dot + 1, eq - dot - 1);
	key[eq - dot - 1] = '\0';
	snprintf(origin, sizeof(origin), "--set %s.%s", section, key);
	if (pb_settings_set(st, section, key, eq + 1, origin, 0, err, len)) {
		char why[512];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, len, "--set %s: %s", arg, why);
		return -EINVAL;
	}
	return 0;
}

static uint64_t seconds_ms(const char *v)
{
	double s = strtod(v, NULL);

	return s > 0 && s * 1000 < 1 ? 1 : (uint64_t)(s * 1000 + 0.5);
}

int pb_settings_to_opts(const struct pb_settings *st, struct pb_session_opts *opts, char *err,
			size_t len)
{
	const char *v;
	bool b;

	if ((v = pb_settings_get(st, "profile", "frequency")))
		opts->frequency = strtoul(v, NULL, 10);
	if ((v = pb_settings_get(st, "profile", "duration")))
		opts->duration_ms = seconds_ms(v);
	if ((v = pb_settings_get(st, "profile", "flush-interval")))
		opts->window_ms = seconds_ms(v);
	if ((v = pb_settings_get(st, "profile", "unwinder")))
		opts->unwinder = v;
	if ((v = pb_settings_get(st, "profile", "user")) && parse_bool(v, &b))
		opts->kernel_only = !b;
	if ((v = pb_settings_get(st, "profile", "kernel")) && parse_bool(v, &b))
		opts->user_only = !b;
	if ((v = pb_settings_get(st, "profile", "idle")) && parse_bool(v, &b))
		opts->idle = b;
	if ((v = pb_settings_get(st, "profile", "quiet")) && parse_bool(v, &b))
		opts->quiet = b;
	if ((v = pb_settings_get(st, "profile", "cpu"))) {
		long cpu = strtol(v, NULL, 10);

		opts->one_cpu = cpu >= 0;
		opts->cpu = cpu >= 0 ? cpu : 0;
	}
	if ((v = pb_settings_get(st, "profile", "stack-storage-size")))
		opts->stack_storage_size = strtoul(v, NULL, 10);
	if ((v = pb_settings_get(st, "profile", "hash-storage-size")))
		opts->hash_storage_size = strtoul(v, NULL, 10);
	if ((v = pb_settings_get(st, "plugins", "path")) && *v)
		opts->plugin_path = v;
	if (opts->user_only && opts->kernel_only) {
		const struct pb_settings_item *it = pb_settings_find(st, "profile", "user");
		char where[300] = "";

		if (it)
			pb_settings_where(it, where, sizeof(where));
		snprintf(err, len, "%suser and kernel stacks both off: nothing to sample", where);
		return -EINVAL;
	}
	return 0;
}

int pb_settings_apply_plugins(const struct pb_settings *st, struct pb_session *s, char *err,
			      size_t len)
{
	for (size_t i = 0; i < st->n; i++) {
		const struct pb_settings_item *it = &st->items[i];
		char where[300];
		int ret;

		if (!is_plugin_section(it->section))
			continue;
		ret = pb_session__set(s, it->section, it->key, it->value);
		if (ret) {
			pb_settings_where(it, where, sizeof(where));
			snprintf(err, len, "%s%s", where, pb_session__strerror(s));
			return ret;
		}
	}
	return 0;
}
