/* SPDX-License-Identifier: MIT */
/* What the perf unwinder knows of each task its events sample: name, and whether one samples it. */
#ifndef PB_PERF_TASKS_H
#define PB_PERF_TASKS_H

#include <stdbool.h>
#include <stdint.h>

#define PB_PERF_COMM_LEN 16

struct pb_perf_task {
	uint32_t tid, pid;
	bool covered;	   /* an event of ours samples it: its own, or one it inherited */
	bool seen_unknown; /* a rescan found it uncovered: opened at the next unless it samples */
	bool own;	   /* events were opened on it (one per CPU) */
	bool skip;	   /* the profiler's own thread: never opened, its samples dropped */
	uint64_t scan;	   /* the last rescan that found it */
	char comm[PB_PERF_COMM_LEN + 1]; /* "" until known */
	struct pb_perf_task *next;
};

struct pb_perf_tasks {
	struct pb_perf_task **buckets;
	size_t n_buckets, n;
};

int pb_perf_tasks_init(struct pb_perf_tasks *m);
void pb_perf_tasks_clear(struct pb_perf_tasks *m);
/* tid's entry; with create, a new one (nothing known) when there is none. */
struct pb_perf_task *pb_perf_tasks_get(struct pb_perf_tasks *m, uint32_t tid, bool create);
void pb_perf_tasks_remove(struct pb_perf_tasks *m, uint32_t tid);
/* Removes every task of pid that scan did not find and that has no event of its own. */
void pb_perf_tasks_forget_unseen(struct pb_perf_tasks *m, uint32_t pid, uint64_t scan);
/* Reads tid's name from /proc when it is not known yet. */
void pb_perf_tasks_read_comm(struct pb_perf_task *task);

#endif
