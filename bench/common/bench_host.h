/* SPDX-License-Identifier: MIT */
/* What the unwinder benchmarks share: a minimal host, a stack counter, BPF program stats. */
#ifndef PB_BENCH_HOST_H
#define PB_BENCH_HOST_H

#include <stdint.h>
#include <profile-bee/plugin.h>

/* A host that logs to stderr (info and above), has no settings and prints lost stacks. */
struct pb_host pb_bench_host(void);

struct pb_bench_totals {
	uint64_t samples, frames;
};

/* A pb_raw_stack_fn: adds a drained stack's samples and user frames to a pb_bench_totals. */
int pb_bench_count(void *ctx, const struct pb_raw_stack *s);

/* run_time_ns and run_cnt of the loaded BPF program called name; -1 when there is none. */
int pb_bench_prog_stats(const char *name, uint64_t *ns, uint64_t *cnt);

#endif
