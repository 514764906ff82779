/* SPDX-License-Identifier: MIT */
/* The perf unwinder's events: one per thread of a target, inherited by threads created later. */
#ifndef PB_PERF_THREADS_H
#define PB_PERF_THREADS_H

#include <stdbool.h>
#include <stdint.h>

#include <profile-bee/plugin.h>

#include "ring.h"

struct pb_perf_threads_opts {
	uint32_t frequency;  /* Hz of each thread's CPU time */
	int cpu;	     /* only this CPU, or -1 */
	uint32_t max_stack;  /* user frames per sample at most */
	uint32_t ring_pages; /* data pages of each event's ring (a power of two) */
};

/* A sample's task, as the records told of it. */
struct pb_perf_sample {
	uint32_t pid, tid;
	const char *comm; /* "" when unknown */
	const uint64_t *ips;
	uint64_t n_ips;
};

typedef void (*pb_perf_sample_fn)(void *ctx, const struct pb_perf_sample *s);

struct pb_perf_threads;

int pb_perf_threads__new(const struct pb_host *host, const struct pb_perf_threads_opts *opts,
			 struct pb_perf_threads **ret);
void pb_perf_threads__free(struct pb_perf_threads *t);

/* Opens an event on every thread pid has now; those it creates later inherit them. */
int pb_perf_threads__add_target(struct pb_perf_threads *t, uint32_t pid);

/*
 * Adds threads of the targets that no event samples yet (created while an event was being
 * opened, or missed otherwise): a thread is opened at the second scan that finds it unknown, so
 * that one inherited while sampling was paused can prove itself by a sample first. Only while
 * sampling is on.
 */
void pb_perf_threads__rescan(struct pb_perf_threads *t);

/* Reads every ring: samples go to fn; forks, exits, renames and losses are noted. */
void pb_perf_threads__read(struct pb_perf_threads *t, pb_perf_sample_fn fn, void *ctx);

/* Never samples tid (the profiler's own thread in a profiled process): call before add_target. */
int pb_perf_threads__skip(struct pb_perf_threads *t, uint32_t tid);

/* Sampling on or off for every event (and the threads that inherited them). */
int pb_perf_threads__set_enabled(struct pb_perf_threads *t, bool on);

/* Readable when a ring is half full: poll it, then read. */
int pb_perf_threads__poll_fd(const struct pb_perf_threads *t);

/* Records the kernel dropped, and records that could not be decoded, since the last call. */
void pb_perf_threads__take_lost(struct pb_perf_threads *t, uint64_t *lost, uint64_t *bad);

#endif
