/* SPDX-License-Identifier: MIT */
/*
 * Off-CPU time (--off-cpu, --wall): at sched_switch the thread going off CPU has its stacks taken
 * (pb_stack_current, the same walk as on-CPU samples); when it is switched in again, the time it
 * was away is counted on them, in nanoseconds (userspace turns them into microseconds).
 * Include after sample.bpf.h.
 *
 * Blocks that span a window flip. The stacks go into the map set active when the thread
 * leaves (S); the count is only known when it comes back, maybe after userspace flipped to the
 * other set (T) and drained S. Counting into S then would be lost (S was drained) and S's
 * stack maps may have been cleared; re-taking the stacks at the return is impossible (a
 * sleeping thread's user memory is not the current one's, and bpf_get_stackid only sees the
 * current stack). So:
 *  - a block ending while its set is active is counted there, as any sample;
 *  - one ending while the other set is active goes to late[T], whose stacks are in S: the drain
 *    of T reads them from S;
 *  - the drain of S keeps (does not clear) the stacks that open blocks of S and late[T] keys
 *    refer to. It reads the open blocks first, then late[T]; here a return is counted into
 *    late[T] before its block is deleted, so every such stack is seen by one of the two reads.
 * Time is charged to the window in which the block ends (as offcputime does at exit), on the
 * stack it began with, and nothing is lost at a flip.
 */
#ifndef PB_OFFCPU_BPF_H
#define PB_OFFCPU_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "offcpu_abi.h"
#include "offcpu_filter.bpf.h"

/* tid -> the block it is in. Sized by userspace (1 when off-CPU time is not counted). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct pb_offcpu_block);
} offcpu_blocks SEC(".maps");

/* Counts of blocks that ended in a window other than the one they began in (see above). */
PB_COUNTS_MAP(late0);
PB_COUNTS_MAP(late1);

/* The current thread (prev) leaves the CPU: the filters first, then its stacks. */
static __always_inline void offcpu_leave(void *ctx, bool preempt, struct task_struct *prev,
					 __u64 now)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pb_offcpu_block b = {};
	struct pb_user_regs r;
	__u32 tid = id;

	if (!offcpu_leaving_counted(preempt, prev, id))
		return;
	b.start_ns = now;
	b.key.flags = PB_F_OFF_CPU;
	b.set = pb_stack_current(ctx, pb_current_user_regs(NULL, false, &r), PB_SLOT_SWITCH, true,
				 PB_SWITCH_SKIP, &b.key);
	if (bpf_map_update_elem(&offcpu_blocks, &tid, &b, BPF_ANY))
		count_lost(PB_LOST_OFFCPU_FULL);
}

/* next comes back on a CPU: the time it was away, on the stacks it left with. */
static __always_inline void offcpu_return(struct task_struct *next, __u64 now)
{
	__u32 tid = next->pid, set = active;
	struct pb_offcpu_block *b;
	struct pb_count_key key;
	__u64 ns;

	if (!tid)
		return;
	b = bpf_map_lookup_elem(&offcpu_blocks, &tid);
	if (!b)
		return;
	ns = now - b->start_ns;
	key = b->key;
	if (offcpu_block_counted(ns)) {
		if (b->set == set)
			pb_count_in_set(set, &key, ns);
		else if (set)
			pb_count_add_in(&late1, &key, ns);
		else
			pb_count_add_in(&late0, &key, ns);
	}
	/* Only now: the drain keeps the stacks of the blocks it sees open (see above). */
	bpf_map_delete_elem(&offcpu_blocks, &tid);
}

/* current == prev here; both halves run on every switch, so one program serves both. */
SEC("tp_btf/sched_switch")
int BPF_PROG(pb_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns();

	offcpu_return(next, now);
	offcpu_leave(ctx, preempt, prev, now);
	return 0;
}

#endif
