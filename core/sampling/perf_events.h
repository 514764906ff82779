/* SPDX-License-Identifier: MIT */
/* Opens the sampling perf events: one per CPU, cpu-cycles where available, else cpu-clock. */
#ifndef PB_PERF_EVENTS_H
#define PB_PERF_EVENTS_H

#include <stdint.h>

struct pb_perf_events {
	int *fds;
	int *cpus;
	int n;
	const char *event_name; /* "cpu-cycles" or "cpu-clock" */
};

/* cpu < 0: every online CPU. Events are created enabled in frequency mode. */
int pb_perf_events__open(uint32_t frequency, int cpu, struct pb_perf_events **ret);
void pb_perf_events__free(struct pb_perf_events *ev);

#endif
