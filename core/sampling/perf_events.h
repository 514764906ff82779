/* SPDX-License-Identifier: MIT */
/* Opens the sampling perf events: one per CPU, cpu-cycles where available, else cpu-clock. */
#ifndef PB_PERF_EVENTS_H
#define PB_PERF_EVENTS_H

#include <stdint.h>

struct pb_perf_events {
	int *fds;
	int *cpus;
	int n;
	const char *event_name; /* "cpu-cycles", "cpu-clock", or what -e named */
};

/* cpu < 0: every online CPU. Events are created enabled in frequency mode. */
int pb_perf_events__open(uint32_t frequency, int cpu, struct pb_perf_events **ret);
struct pb_perf_event_kind;
/*
 * The perf event -e named: every period-th event, or with period 0 every one for kinds that
 * count each event, frequency samples a second for the others. No fallback: it was asked for.
 */
int pb_perf_events__open_kind(const struct pb_perf_event_kind *kind, uint64_t period,
			      uint32_t frequency, int cpu, struct pb_perf_events **ret);
void pb_perf_events__free(struct pb_perf_events *ev);

#endif
