// SPDX-License-Identifier: MIT
/* Layered settings: storing items, checking the core keys, turning them into session options. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "settings.h"

static bool is_plugin_section(const char *section)
{
	const char *dot = strchr(section, '.');

	return dot && dot[1] && !strchr(dot + 1, '.') &&
	       (!strncmp(section, "output.", 7) || !strncmp(section, "unwinder.", 9));
}

static int check_item(const char *section, const char *key, const char *value, char *err,
		      size_t len)
{
	if (is_plugin_section(section))
		return 0; /* checked against the plugin's table once the plugins are loaded */
	/* [labels]: any name, each stack carries name=value. */
	if (!strcmp(section, "labels")) {
		if (!key[0] || strlen(key) > PB_LABEL_MAX_LEN || strlen(value) > PB_LABEL_MAX_LEN) {
			snprintf(err, len, "label '%.64s': the name must not be empty, name and value "
				 "at most %d bytes", key, PB_LABEL_MAX_LEN);
			return -EINVAL;
		}
		return 0;
	}
	if (!pb_core_settings_keys(section)) {
		snprintf(err, len,
			 "unknown section [%s] (known: profile, plugins, labels, output.NAME, "
			 "unwinder.NAME)",
			 section);
		return -ENOENT;
	}
	return pb_core_settings_check(section, key, value, err, len);
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
	free(st->labels);
	st->labels = NULL;
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

		/* "--set profile.cpu: profile: 'cpu' must be ...", as for a plugin's key. */
		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, len, "%s: %s", origin, why);
		return -EINVAL;
	}
	return 0;
}

static uint64_t seconds_ms(double s)
{
	return s > 0 && s * 1000 < 1 ? 1 : (uint64_t)(s * 1000 + 0.5);
}

/* The core keys' defaults with every [profile] and [plugins] item over them (checked when set). */
static void bind_core(const struct pb_settings *st, struct pb_core_settings *c)
{
	pb_core_settings_defaults(c);
	for (size_t i = 0; i < st->n; i++) {
		const struct pb_settings_item *it = &st->items[i];
		const struct pb_config_key *k = pb_core_settings_key(it->section, it->key);

		if (k)
			pb_config_bind_value(k, it->value, c);
	}
}

/* The [labels] items as opts' labels, pointing into st (which keeps the array). */
static int labels_to_opts(struct pb_settings *st, struct pb_session_opts *opts, char *err,
			  size_t len)
{
	size_t n = 0;

	free(st->labels);
	st->labels = calloc(st->n + 1, sizeof(*st->labels));
	if (!st->labels) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < st->n; i++)
		if (!strcmp(st->items[i].section, "labels"))
			st->labels[n++] = (struct pb_label){ st->items[i].key, st->items[i].value };
	if (n > PB_PROFILE_MAX_LABELS / 2) {
		snprintf(err, len, "labels: at most %d, not %zu", PB_PROFILE_MAX_LABELS / 2, n);
		return -EINVAL;
	}
	opts->labels = st->labels;
	opts->n_labels = n;
	return 0;
}

int pb_settings_to_opts(struct pb_settings *st, struct pb_session_opts *opts, char *err,
			size_t len)
{
	struct pb_core_settings c;
	int ret;

	bind_core(st, &c);
	opts->frequency = c.frequency;
	/* The default duration ends sampling unless a command's end is the end. */
	opts->duration_ms = pb_settings_get(st, "profile", "duration") || !opts->command
				    ? seconds_ms(c.duration)
				    : 0;
	opts->window_ms = seconds_ms(c.flush_interval);
	opts->unwinder = c.unwinder;
	opts->kernel_only = !c.user;
	opts->user_only = !c.kernel;
	opts->idle = c.idle;
	opts->quiet = c.quiet;
	opts->python = !strcmp(c.python, "off")	   ? PB_PYTHON_OFF
		       : !strcmp(c.python, "only") ? PB_PYTHON_ONLY
						   : PB_PYTHON_AUTO;
	opts->event = pb_core_event(c.event);
	opts->offcpu_states = pb_core_offcpu_states(c.state);
	opts->min_block_us = c.min_block_us;
	opts->max_block_us = c.max_block_us;
	if (opts->max_block_us && opts->max_block_us < opts->min_block_us) {
		snprintf(err, len, "max-block-us (%llu) is below min-block-us (%llu)",
			 (unsigned long long)opts->max_block_us,
			 (unsigned long long)opts->min_block_us);
		return -EINVAL;
	}
	opts->inline_frames = c.inline_frames;
	opts->lines = c.lines;
	opts->per_thread = c.per_thread;
	opts->per_cpu = c.per_cpu;
	opts->one_cpu = c.cpu >= 0;
	opts->cpu = c.cpu >= 0 ? c.cpu : 0;
	opts->stack_storage_size = c.stack_storage_size;
	opts->hash_storage_size = c.hash_storage_size;
	/* 0 in the options means the default: a cap rounded down to no bytes is one byte. */
	opts->cache_bytes = c.cache_mb > 0 ? (uint64_t)(c.cache_mb * 1048576) ?: 1 : UINT64_MAX;
	if (*c.plugin_path)
		opts->plugin_path = c.plugin_path;
	opts->group_by = c.group_by;
	opts->cgroups = *c.cgroup ? c.cgroup : NULL;
	/* Not a mode: -e's perf events and probes, counted as on-CPU samples are. */
	opts->events = pb_core_event_specs(c.event);
	opts->period = c.period;
	if ((ret = labels_to_opts(st, opts, err, len)))
		return ret;
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
