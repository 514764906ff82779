/* SPDX-License-Identifier: MIT */
/* What the unwinder benchmarks share: a plugin on a standalone host, stack counts, BPF stats. */
#ifndef PB_BENCH_HOST_H
#define PB_BENCH_HOST_H

#include <stdint.h>
#include <sys/types.h>
#include <profile-bee/plugin.h>

/* An unwinder plugin loaded from its file, with a standalone host and its default settings. */
struct pb_bench_unwinder {
	const struct pb_plugin *plugin;
	const struct pb_unwinder_ops *ops;
	struct pb_host *host; /* logs info and above to stderr */
	struct pb_config *cfg;
	void *state;  /* the plugin's, once started */
	int stats_fd; /* BPF run-time stats are on while it is open */
};

/* Samples per second per CPU. */
#define PB_BENCH_FREQUENCY 999

/*
 * Loads path's first plugin, an unwinder (with on_mapping when mappings is set), and turns on
 * BPF run-time stats (root). 0, or -1 after saying why on stderr.
 */
int pb_bench_unwinder__open(const char *path, bool mappings, struct pb_bench_unwinder *u);

/* Hands the plugin what the process table would (its mappings) before it is attached. */
typedef void (*pb_bench_feed_fn)(const struct pb_unwinder_ops *ops, void *state, pid_t pid);

/*
 * Opens the plugin to sample pid alone (PB_BENCH_FREQUENCY, user and kernel stacks), feeds it
 * (feed may be NULL), then attaches it to the perf events. 0 or -errno.
 */
int pb_bench_unwinder__start(struct pb_bench_unwinder *u, pid_t pid, const int *perf_fds,
			     int n_fds, pb_bench_feed_fn feed);
/* Closes the plugin, prints the stacks counted lost, if any, and frees everything. */
void pb_bench_unwinder__close(struct pb_bench_unwinder *u);

/*
 * Forks the workload pinned to CPU 0, killed when we exit: 0 in the child, its pid here. Only
 * CPU 0 is sampled then, so every run is a real sample, not an idle CPU's run that the filter
 * ends early and that would dilute the mean.
 */
pid_t pb_bench_fork_pinned(void);

struct pb_bench_totals {
	uint64_t samples, frames;
};

/* A pb_raw_stack_fn: adds a drained stack's samples and user frames to a pb_bench_totals. */
int pb_bench_count(void *ctx, const struct pb_raw_stack *s);

/* run_time_ns and run_cnt of the loaded BPF program called name; -1 when there is none. */
int pb_bench_prog_stats(const char *name, uint64_t *ns, uint64_t *cnt);

#endif
