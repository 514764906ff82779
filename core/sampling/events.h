/* SPDX-License-Identifier: MIT */
/* What -e names: a perf event the session opens, or probes an unwinder attaches (checked here). */
#ifndef PB_EVENTS_H
#define PB_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <profile-bee/plugin.h>

/* A perf event -e can name. */
struct pb_perf_event_kind {
	const char *name;
	uint32_t type;	 /* PERF_TYPE_HARDWARE or PERF_TYPE_SOFTWARE */
	uint64_t config; /* PERF_COUNT_* */
	/*
	 * Rare events (page faults, switches) count every one by default (period 1); the others
	 * (clocks, cycles, instructions) are sampled at -F unless --period says otherwise.
	 */
	bool each;
	const char *help;
};

struct pb_event_set {
	/* The perf event -e named; NULL: the default timer when there are no probes. */
	const struct pb_perf_event_kind *perf;
	struct pb_probe **probes; /* resolved: a uprobe glob gives one per symbol */
	uint32_t n_probes;
};

/*
 * Parses specs (-e values joined by ',') and checks each: the kernel function, tracepoint,
 * binary, symbol (glob) or USDT note exists. On error returns -EINVAL (-ENOMEM) with the
 * message, naming the spec, in err.
 */
int pb_event_set__parse(const char *specs, struct pb_event_set **ret, char *err, size_t len);
void pb_event_set__free(struct pb_event_set *set);

/* Whether every ','-separated item of specs is a perf event name or KIND:... of a probe kind. */
bool pb_events__form_ok(const char *specs);

/* --list-events: the perf events and the probe forms, with examples. */
void pb_events__list(FILE *out);

/* probe_elf.c: the functions of path whose names match glob, as uprobes (appended to set). */
int pb_probe_elf__uprobes(struct pb_event_set *set, uint32_t kind, const char *spec,
			  const char *path, const char *glob, char *err, size_t len);
/* probe_elf.c: whether path has the USDT note provider:name; -errno or -ENOENT with err. */
int pb_probe_elf__usdt(const char *spec, const char *path, const char *provider,
		       const char *name, char *err, size_t len);
/* events.c: appends a probe (strings copied; name and provider may be NULL). */
int pb_event_set__add(struct pb_event_set *set, uint32_t kind, const char *spec,
		      const char *target, const char *name, const char *provider, uint64_t offset);

#endif
