/* SPDX-License-Identifier: MIT */
/*
 * The one entry of every event source into an unwinder that counts in BPF (fp, dwarf): take the
 * current task's stacks, walk its user stack from given registers, count a value. The perf_event
 * program (on-CPU samples) and the sched_switch program (off-CPU, bpf/offcpu.bpf.h) call it; so
 * may any other program type, without copying the walk.
 *
 * The unwinder defines, before including this file:
 *   static __always_inline const struct pb_user_stack *
 *   pb_walk_user(const struct pb_user_regs *r, __u32 slot, struct pb_count_key *key);
 * walking the current task's user stack from r into its per-CPU scratch slot (fills user_depth,
 * ustack_hash and flags of key), NULL when there is nothing to count.
 */
#ifndef PB_SAMPLE_BPF_H
#define PB_SAMPLE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "filter.bpf.h"
#include "counts.bpf.h"
#include "regs.bpf.h"

/*
 * Per-CPU scratch slots, one per kind of program context: a perf event is an NMI and can
 * interrupt the sched_switch program on its CPU in the middle of a walk; each keeps its own
 * buffer so neither sees the other's half-written stack.
 */
#define PB_SLOT_PERF   0
#define PB_SLOT_SWITCH 1
#define PB_SLOT_PROBE  2 /* -e probes (probes.bpf.h) */
#define PB_SLOTS       3

/*
 * What one perf sample counts, set before load: 1 (samples), or in a wall-clock profile the
 * nanoseconds it stands for (1e9 / frequency), the unit off-CPU time is counted in.
 */
const volatile __u64 oncpu_value = 1;

/* The current task's user registers, wherever ctx (a perf sample, or NULL) landed; or NULL. */
static __always_inline struct pb_user_regs *
pb_current_user_regs(const struct bpf_perf_event_data *ctx, bool user_mode, struct pb_user_regs *r)
{
	if (!user_stacks)
		return NULL;
	if (ctx ? pb_user_frame(ctx, user_mode, r) : pb_task_user_frame(r))
		return r->ip ? r : NULL;
	if (pb_task_regs_missing())
		count_lost(PB_LOST_NO_TASK_REGS);
	return NULL;
}

/*
 * Fills key for the current task (zeroed by the caller, flags may be set) and stores its stacks
 * in the active map set: the kernel stack when kernel is set (less kernel_skip leaf frames),
 * the user stack from regs (NULL: none). Returns the set, where key is to be counted
 * (pb_count_in_set).
 */
static __always_inline __u32 pb_stack_current(void *ctx, const struct pb_user_regs *regs,
					      __u32 slot, bool kernel, __u32 kernel_skip,
					      struct pb_count_key *key)
{
	const struct pb_user_stack *ust = NULL;
	__u64 id = bpf_get_current_pid_tgid();

	key->pid = id >> 32;
	pb_key_views(key, id);
	key->kstack_id = -1;
	bpf_get_current_comm(&key->comm, sizeof(key->comm));
	if (regs)
		ust = pb_walk_user(regs, slot, key);
	return pb_store_stacks(ctx, kernel_stacks && kernel, kernel_skip, slot, key, ust);
}

/* Counts value for the current task's stacks (pb_stack_current) in the active set. */
static __always_inline int pb_sample_current(void *ctx, const struct pb_user_regs *regs,
					     __u32 slot, bool kernel, __u32 kernel_skip,
					     __u64 value)
{
	struct pb_count_key key = {};

	pb_count_in_set(pb_stack_current(ctx, regs, slot, kernel, kernel_skip, &key), &key, value);
	return 0;
}

/* On-CPU: the session's perf events (cpu-clock timers) fire here. */
SEC("perf_event")
int pb_perf_sample(struct bpf_perf_event_data *ctx)
{
	struct pb_user_regs r;
	bool user_mode;

	if (!pb_should_sample(bpf_get_current_pid_tgid()))
		return 0;
	user_mode = pb_user_mode(ctx);
	return pb_sample_current(ctx, pb_current_user_regs(ctx, user_mode, &r), PB_SLOT_PERF,
				 !user_mode, 0, oncpu_value);
}

#endif
