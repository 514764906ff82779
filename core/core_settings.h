/* SPDX-License-Identifier: MIT */
/* The core's own settings, [profile] and [plugins]: one key table per section, one struct. */
#ifndef PB_CORE_SETTINGS_H
#define PB_CORE_SETTINGS_H

#include <profile-bee/plugin.h>

/*
 * What the [profile] and [plugins] keys bind into (pb_config_bind_value); conf files, --set,
 * flags, Lua tables and the agent are all checked against the same tables, and the session
 * takes its defaults from them.
 */
struct pb_core_settings {
	int64_t frequency;	    /* Hz */
	double duration;	    /* seconds; 0: until Ctrl-C or the command ends */
	const char *unwinder;
	bool user;
	bool kernel;
	bool idle;
	int64_t cpu;		    /* -1: every CPU */
	int64_t stack_storage_size;
	int64_t hash_storage_size;
	double flush_interval;	    /* seconds; 0: one window */
	bool quiet;
	double cache_mb;	    /* MiB of symbol caches; 0: no cap */
	const char *group_by;	    /* NULL: none */
	const char *python;	    /* "auto", "off", "only" */
	const char *cgroup;	    /* --cgroup: comma-separated cgroup v2 directories; "": all */
	bool inline_frames;	    /* --inline */
	bool lines;		    /* --lines */
	bool per_thread;	    /* --per-thread */
	bool per_cpu;		    /* --per-cpu */
	const char *event;	    /* "cpu", "off-cpu", "wall", or -e specs (','-separated) */
	const char *state;	    /* "all", "both", "interruptible", "uninterruptible" */
	int64_t min_block_us;
	int64_t max_block_us;	    /* 0: no limit */
	const char *plugin_path;    /* [plugins] path: ':'-separated, "" for none */
	int64_t period;		    /* --period; 0: the event's default */
};

/* A core section and its keys (ending with { .name = NULL }). */
struct pb_core_section {
	const char *name;
	const char *help;
	const struct pb_config_key *keys;
};
/* "profile" and "plugins", ending with { .name = NULL }. */
extern const struct pb_core_section pb_core_settings_sections[];

/* The key table of a core section, or NULL when section is not one. */
const struct pb_config_key *pb_core_settings_keys(const char *section);
/* The key section.key, or NULL. */
const struct pb_config_key *pb_core_settings_key(const char *section, const char *key);
/*
 * Checks value for section.key (a core section): -ENOENT for an unknown key (err lists the
 * known ones), -EINVAL for a bad value with "section: 'key' must be ..., not 'value'" in err.
 */
int pb_core_settings_check(const char *section, const char *key, const char *value, char *err,
			   size_t len);
/* The PB_EVENT_* of an event value ("cpu", "off-cpu", "wall"; NULL: cpu). */
uint32_t pb_core_event(const char *event);
/* The event value when it names perf events or probes (-e), not a mode; else NULL. */
const char *pb_core_event_specs(const char *event);
/* The PB_OFFCPU_* mask of a state value ("all", "both", ...; NULL: all). */
uint32_t pb_core_offcpu_states(const char *state);
/* Stores every key's default into out. */
void pb_core_settings_defaults(struct pb_core_settings *out);

/* The shortest flush interval other than 0 (seconds): a window is drained and written in that. */
#define PB_MIN_FLUSH_INTERVAL 0.1
/* The last CPU number of this machine (-C, profile.cpu). */
long long pb_core_settings_cpu_max(void);

#endif
