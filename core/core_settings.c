// SPDX-License-Identifier: MIT
/* The core's own settings, [profile] and [plugins]: their key tables, checks and defaults. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "config.h"
#include "core_settings.h"

#define S struct pb_core_settings
#define STR_(x) #x
#define STR(x) STR_(x)
#define MIN_FLUSH STR(PB_MIN_FLUSH_INTERVAL)

/* Defaults, ranges and help stated once; conf/profile-bee.conf documents these. */
static const struct pb_config_key profile_keys[] = {
	/* The kernel's default perf_event_max_sample_rate: past it perf_event_open fails. */
	PB_KEY_INT(S, frequency, "frequency", "99", 1, 100000, "samples per second per CPU (-F)"),
	PB_KEY_DOUBLE(S, duration, "duration", "10", 0, 10000000,
		      "seconds to sample; 0: until Ctrl-C or the command ends (-d)"),
	PB_KEY_STRING(S, unwinder, "unwinder", "fp",
		      "fp, dwarf, libdw, libunwind, perf (--unwinder, --no-bpf)"),
	PB_KEY_BOOL(S, user, "user", "true", "collect user stacks (-K sets false)"),
	PB_KEY_BOOL(S, kernel, "kernel", "true", "collect kernel stacks (-U sets false)"),
	PB_KEY_BOOL(S, idle, "idle", "false", "keep samples of idle CPUs (-I)"),
	/* The top is this machine's last CPU when checked (machine_rule). */
	PB_KEY_INT(S, cpu, "cpu", "-1", -1, 65535,
		   "sample only this CPU (at most this machine's last); -1: every CPU (-C)"),
	PB_KEY_INT(S, stack_storage_size, "stack-storage-size", "16384", 16, 1 << 24,
		   "distinct kernel stacks kept per window (--stack-storage-size)"),
	PB_KEY_INT(S, hash_storage_size, "hash-storage-size", "40960", 16, 1 << 24,
		   "distinct stacks counted per window (--hash-storage-size)"),
	/*
	 * Other than 0, at least PB_MIN_FLUSH_INTERVAL when checked (machine_rule); at most what
	 * pb_session_opts.window_ms (32 bits of milliseconds) holds.
	 */
	PB_KEY_DOUBLE(S, flush_interval, "flush-interval", "0", 0, 4294967,
		      "seconds between windows for windowed outputs; 0: one window, else at least "
		      MIN_FLUSH " (--flush-interval)"),
	PB_KEY_BOOL(S, quiet, "quiet", "false", "no summary of lost stacks and unnamed frames (-q)"),
	/*
	 * Measured: libc with its debug file 0.2 MiB, node 8 MiB; a 2-minute system-wide soak on a
	 * busy development host loaded 60 MiB, mostly binaries sampled once. 16 MiB holds a
	 * service's working set and keeps an always-on session small.
	 */
	PB_KEY_DOUBLE(S, cache_mb, "cache-mb", "16", 0, 1048576,
		   "MiB the symbol caches may hold (ELF symbols, demangled names, JIT perf maps) "
		   "before the least recently used go; 0: no cap"),
	PB_KEY_STRING(S, group_by, "group-by", NULL,
		      "container, pod or label:NAME: a frame per value before the comm "
		      "(--group-by)"),
	PB_KEY_STRING(S, python, "python", "auto",
		      "CPython frames: auto (in place of the eval loop), off, only (--python)",
		      .choices = "auto, off, only"),
	/* Checked to be cgroup v2 directories (pb_core_settings_check). */
	PB_KEY_STRING(S, cgroup, "cgroup", "",
		      "only processes in these cgroup v2 directories or below them, comma-separated, "
		      "absolute or relative to the v2 mount; filtered in BPF (--cgroup)"),
	/* Measured in bench/symbols: see --help for what they cost. */
	PB_KEY_BOOL(S, inline_frames, "inline", "false",
		    "inlined functions as frames of their own, caller first, from DWARF (--inline)"),
	PB_KEY_BOOL(S, lines, "lines", "false",
		    "source file and line in every frame: func (file.c:123), from DWARF (--lines)"),
	PB_KEY_BOOL(S, per_thread, "per-thread", "false",
		    "threads apart: the process's name, then a frame [tid N NAME] (--per-thread)"),
	PB_KEY_BOOL(S, per_cpu, "per-cpu", "false",
		    "CPUs apart: a root frame [cpu N] before the process (--per-cpu)"),
	/* Perf events and probes are checked by the session, before anything loads (exit 2). */
	PB_KEY_STRING(S, event, "event", "cpu",
		      "what is counted: cpu (on-CPU samples), off-cpu (microseconds off CPU, "
		      "--off-cpu), wall (both, in microseconds, --wall), or ','-separated a perf "
		      "event (page-faults, cycles, ...) and/or probes (kprobe:FUNC, "
		      "uprobe:PATH:GLOB, tracepoint:CAT:NAME, usdt:PATH:PROVIDER:NAME; "
		      "--list-events) counting stacks instead of the CPU timer (-e)"),
	PB_KEY_STRING(S, state, "state", "all",
		      "off-CPU time of threads that are: all (also preempted), both (sleeping), "
		      "interruptible, uninterruptible (--state)",
		      .choices = "all, both, interruptible, uninterruptible"),
	/* offcputime's default minimum too. */
	PB_KEY_INT(S, min_block_us, "min-block-us", "1", 0, 1e15,
		   "off-CPU blocks shorter than this many microseconds are left out (--min-block-us)"),
	PB_KEY_INT(S, max_block_us, "max-block-us", "0", 0, 1e15,
		   "off-CPU blocks longer than this many microseconds are left out; 0: none "
		   "(--max-block-us)"),
	PB_KEY_INT(S, period, "period", "0", 0, 1e15,
		   "with a perf event: a sample every N events; 0: each event for page-faults and "
		   "other rare ones, -F for clocks and counters (--period, -c N)"),
	{ 0 },
};

static const struct pb_config_key plugins_keys[] = {
	PB_KEY_STRING(S, plugin_path, "path", "",
		      "extra plugin directories, ':'-separated (--plugin-path)"),
	{ 0 },
};

const struct pb_core_section pb_core_settings_sections[] = {
	{ "profile", "what to sample and how ([profile], --set profile.KEY=VALUE)", profile_keys },
	{ "plugins", "where plugins are found ([plugins], --set plugins.KEY=VALUE)", plugins_keys },
	{ 0 },
};

const struct pb_config_key *pb_core_settings_keys(const char *section)
{
	for (const struct pb_core_section *s = pb_core_settings_sections; s->name; s++)
		if (!strcmp(s->name, section))
			return s->keys;
	return NULL;
}

const struct pb_config_key *pb_core_settings_key(const char *section, const char *key)
{
	const struct pb_config_key *k = pb_core_settings_keys(section);

	for (; k && k->name; k++)
		if (!strcmp(k->name, key))
			return k;
	return NULL;
}

long long pb_core_settings_cpu_max(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	return n > 0 ? n - 1 : 65535;
}

/*
 * The two rules a fixed range cannot state, as a narrower copy of the key so that the message
 * reads like every other: a CPU number goes up to this machine's last CPU (perf_event_open
 * would only say "Invalid argument"), and a flush interval other than 0 is at least
 * PB_MIN_FLUSH_INTERVAL (a shorter window cannot be drained and written in time).
 */
static struct pb_config_key machine_rule(const struct pb_config_key *k, const char *value)
{
	struct pb_config_key narrow = *k;
	char *end;
	double v = strtod(value, &end);

	if (k->offset == offsetof(S, cpu))
		narrow.max = pb_core_settings_cpu_max();
	else if (k->offset == offsetof(S, flush_interval) && *value && !*end && v != 0)
		narrow.min = PB_MIN_FLUSH_INTERVAL;
	return narrow;
}

/* Each path must be a cgroup v2 directory now: a typo is a usage error, not an empty profile. */
static int check_cgroups(const char *section, const char *value, char *err, size_t len)
{
	char paths[PB_MAX_CGROUPS][PB_CGROUP_PATH_MAX], why[PB_CGROUP_PATH_MAX * 2 + 64];
	size_t n;

	if (!value || !pb_cgroup_resolve_list(value, paths, PB_MAX_CGROUPS, &n, why, sizeof(why)))
		return 0;
	snprintf(err, len, "%s: 'cgroup': %s", section, why);
	return -EINVAL;
}

/*
 * event: a mode (cpu, off-cpu, wall), or perf events and probes (-e) in their form; whether
 * they exist the session checks before anything loads.
 */
static int check_event(const char *section, const char *value, char *err, size_t len)
{
	if (!value || !pb_core_event_specs(value) || pb_session__events_form(value))
		return 0;
	snprintf(err, len, "%s: 'event' must be cpu, off-cpu, wall, or perf events and probes "
		 "(--list-events), not '%s'", section, value);
	return -EINVAL;
}

int pb_core_settings_check(const char *section, const char *key, const char *value, char *err,
			   size_t len)
{
	const struct pb_config_key *keys = pb_core_settings_keys(section), *k;
	struct pb_config_key narrow;
	size_t used;
	int ret;

	if ((k = pb_core_settings_key(section, key))) {
		/* Unset (NULL) is its default: no grouping. */
		if (k->offset == offsetof(S, group_by)) {
			if (!value || pb_profile__group_by_valid(value))
				return 0;
			snprintf(err, len, "%s: 'group-by' must be container, pod or label:NAME, "
				 "not '%s'", section, value);
			return -EINVAL;
		}
		if (k->offset == offsetof(S, cgroup))
			return check_cgroups(section, value, err, len);
		if (k->offset == offsetof(S, event))
			return check_event(section, value, err, len);
		narrow = machine_rule(k, value);
		ret = pb_config_check_value(&narrow, section, value, err, len);
		/* Below the floor of a flush interval: 0 is good too. */
		if (ret && narrow.min != k->min && (used = strlen(err)) < len)
			snprintf(err + used, len - used, " (or 0: one window)");
		return ret;
	}
	used = snprintf(err, len, "[%s] has no setting '%s' (known: ", section, key);
	for (k = keys; k && k->name && used < len; k++)
		used += snprintf(err + used, len - used, "%s%s", k == keys ? "" : ", ", k->name);
	if (used < len)
		snprintf(err + used, len - used, ")");
	return -ENOENT;
}

uint32_t pb_core_event(const char *event)
{
	return !event			 ? PB_EVENT_CPU
	       : !strcmp(event, "off-cpu") ? PB_EVENT_OFF_CPU
	       : !strcmp(event, "wall")	   ? PB_EVENT_WALL
					   : PB_EVENT_CPU;
}

uint32_t pb_core_offcpu_states(const char *state)
{
	if (state && !strcmp(state, "both"))
		return PB_OFFCPU_INTERRUPTIBLE | PB_OFFCPU_UNINTERRUPTIBLE;
	if (state && !strcmp(state, "interruptible"))
		return PB_OFFCPU_INTERRUPTIBLE;
	if (state && !strcmp(state, "uninterruptible"))
		return PB_OFFCPU_UNINTERRUPTIBLE;
	return PB_OFFCPU_STATES_ALL;
}

void pb_core_settings_defaults(struct pb_core_settings *out)
{
	for (const struct pb_core_section *s = pb_core_settings_sections; s->name; s++)
		for (const struct pb_config_key *k = s->keys; k->name; k++)
			pb_config_bind_value(k, k->default_value, out);
}

const char *pb_core_event_specs(const char *event)
{
	return event && strcmp(event, "cpu") && strcmp(event, "off-cpu") && strcmp(event, "wall")
		       ? event
		       : NULL;
}
