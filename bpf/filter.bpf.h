/* SPDX-License-Identifier: MIT */
/* The sample filter every unwinder's perf_event program shares: idle, pids, children, cgroups. */
#ifndef PB_FILTER_BPF_H
#define PB_FILTER_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h> /* BPF_PROG */

/* Set by userspace before load; the verifier then drops the branches that are off. */
const volatile bool filter_pids = false;  /* only tgids in the pids map */
const volatile bool include_idle = false; /* keep samples of the idle task (pid 0) */
const volatile bool user_stacks = true;	  /* walk user stacks */
const volatile bool kernel_stacks = true; /* collect kernel stacks */
/* --cgroup: only tasks in one of the first n_cgroups slots of the cgroups map, or below one. */
const volatile __u32 n_cgroups = 0;

#define PB_FILTER_TARGET 1 /* pids[tgid]: a profiled process */
#define PB_FILTER_SKIP	 2 /* pids[tid]: a thread never sampled (the profiler's own) */

/*
 * Profiled processes (tgid -> PB_FILTER_TARGET) and skipped threads (tid -> PB_FILTER_SKIP) in
 * one map: a thread other than a process's first has a tid no process has as its tgid.
 * Userspace fills it and may resize it before load.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} pids SEC(".maps");

#define PB_FILTER_MAX_CGROUPS 16

/*
 * --cgroup's cgroup v2 directories, as fds userspace puts in before attach. The kernel's
 * descendant test (bpf_current_task_under_cgroup, Linux 4.9) takes a child cgroup for its
 * parent's, and needs no level arithmetic that a cgroup namespace would throw off.
 */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, PB_FILTER_MAX_CGROUPS);
	__type(key, __u32);
	__type(value, __u32);
} cgroups SEC(".maps");

/* How many threads are skipped: samples look a tid up only when there are some. */
__u32 skipped_threads = 0;

/* Whether the current task is in one of --cgroup's cgroups or below one. */
static __always_inline bool pb_in_cgroups(void)
{
	for (__u32 i = 0; i < PB_FILTER_MAX_CGROUPS && i < n_cgroups; i++)
		if (bpf_current_task_under_cgroup(&cgroups, i) == 1)
			return true;
	return false;
}

/*
 * Idle is excluded first, as bcc's profile does: -p with -I still keeps only the pids. The
 * cgroup test comes before any walk, so a process outside costs a few helper calls.
 */
static __always_inline bool pb_should_sample(__u64 pid_tgid)
{
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	__u8 *v;

	if (tgid == 0 && !include_idle)
		return false;
	if (skipped_threads && tid != tgid) {
		v = bpf_map_lookup_elem(&pids, &tid);
		if (v && *v == PB_FILTER_SKIP)
			return false;
	}
	if (n_cgroups && !pb_in_cgroups())
		return false;
	if (filter_pids) {
		v = bpf_map_lookup_elem(&pids, &tgid);
		return v && *v == PB_FILTER_TARGET;
	}
	return true;
}

/*
 * Follows a profiled command's children: a new process (not a thread) whose parent is profiled
 * is profiled too. Runs before the child can be scheduled, so no sample of it is missed.
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(pb_filter_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid;
	__u32 ctgid = child->tgid;
	__u8 target = PB_FILTER_TARGET, *v;

	if (!filter_pids || child->pid != child->tgid)
		return 0;
	v = bpf_map_lookup_elem(&pids, &ptgid);
	if (!v || *v != PB_FILTER_TARGET)
		return 0;
	bpf_map_update_elem(&pids, &ctgid, &target, BPF_ANY);
	return 0;
}

/*
 * With a pid filter, forgets what leaves as it exits: a followed process once its last thread
 * exits, a skipped thread with itself. Their numbers are reused by anything, and a long run
 * with many short children would otherwise end up sampling strangers that got a followed pid.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(pb_filter_exit, struct task_struct *task)
{
	__u32 tid = task->pid, tgid = task->tgid;
	__u8 *v;

	if (skipped_threads && tid != tgid) {
		v = bpf_map_lookup_elem(&pids, &tid);
		if (v && *v == PB_FILTER_SKIP)
			bpf_map_delete_elem(&pids, &tid);
	}
	/* The tracepoint comes after the exiting thread counted itself out of signal->live. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	v = bpf_map_lookup_elem(&pids, &tgid);
	if (v && *v == PB_FILTER_TARGET)
		bpf_map_delete_elem(&pids, &tgid);
	return 0;
}

#endif
