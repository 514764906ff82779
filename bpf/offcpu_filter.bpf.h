/* SPDX-License-Identifier: MIT */
/*
 * Which threads going off CPU are counted, and which blocks: the settings and filters every
 * sched_switch program shares (bpf/offcpu.bpf.h for fp and dwarf, bpf/snapshot_offcpu.bpf.h for
 * libdw and libunwind), applied before any stack is taken.
 */
#ifndef PB_OFFCPU_FILTER_BPF_H
#define PB_OFFCPU_FILTER_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "filter.bpf.h"
#include "offcpu_abi.h"

/* The leaf frames of a kernel stack taken at sched_switch that are not the thread's: the
 * program itself and bpf_trace_run4, which __schedule calls. */
#define PB_SWITCH_SKIP 2

#define PB_TASK_INTERRUPTIBLE	0x1
#define PB_TASK_UNINTERRUPTIBLE 0x2

/* Set before load from --state, --min-block-us and --max-block-us. */
const volatile __u32 offcpu_states = PB_OFFCPU_BPF_ALL;
const volatile __u64 min_block_ns = 0;
const volatile __u64 max_block_ns = ~0ULL;
/* -C: only threads leaving this CPU (-1: any). */
const volatile __s32 offcpu_cpu = -1;

/*
 * The profiler's own process, never counted off CPU (its threads wait for the next drain all
 * the time); 0 when it profiles itself (an agent), whose own threads skip_thread names.
 */
__u32 self_tgid = 0;
/* Userspace sets it while a session is paused between windows. */
__u32 offcpu_paused = 0;

/* The state bit of a thread leaving the CPU, or 0 for one never counted (stopped, dying). */
static __always_inline __u32 offcpu_state(bool preempt, struct task_struct *prev)
{
	unsigned int state = prev->__state;

	if (preempt || !state)
		return PB_OFFCPU_BPF_RUNNABLE;
	if (state & PB_TASK_INTERRUPTIBLE)
		return PB_OFFCPU_BPF_INTERRUPTIBLE;
	if (state & PB_TASK_UNINTERRUPTIBLE)
		return PB_OFFCPU_BPF_UNINTERRUPTIBLE;
	return 0; /* stopped, traced, or dead: never switched in again, or not waiting */
}

/*
 * Whether the current thread (prev), leaving the CPU, is one whose block is counted: not idle
 * (tid 0 never waits: it is what runs when nothing else does), not the profiler, in a state
 * --state asks for, on the -C CPU, and a target (pid, cgroup filters).
 */
static __always_inline bool offcpu_leaving_counted(bool preempt, struct task_struct *prev,
						   __u64 id)
{
	__u32 tid = id;

	return !offcpu_paused && tid && id >> 32 != self_tgid &&
	       (offcpu_state(preempt, prev) & offcpu_states) &&
	       (offcpu_cpu < 0 || bpf_get_smp_processor_id() == (__u32)offcpu_cpu) &&
	       pb_should_sample(id);
}

/* Whether a block of ns nanoseconds ending now is counted (--min/--max-block-us, pauses). */
static __always_inline bool offcpu_block_counted(__u64 ns)
{
	return !offcpu_paused && ns >= min_block_ns && ns <= max_block_ns;
}

#endif
