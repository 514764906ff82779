/* SPDX-License-Identifier: MIT */
/*
 * Off-CPU samples for the snapshot unwinders (libdw, libunwind; --off-cpu, --wall). Included at
 * the end of snapshot.bpf.c, whose record building it shares.
 *
 * A sleeping thread's stack can only be read while it is current, at switch-out; how long it
 * sleeps is only known at switch-in. The stack copy cannot wait in BPF for the switch-in (a
 * ring reservation must be submitted by the program that made it, and keeping up to 64 KiB per
 * sleeping thread in a map would cost more memory than the ring), so a block is two records:
 *  - at switch-out, the thread's sample as any other (flag PB_SNAP_F_OFF_CPU, start_ns = now),
 *    and tid -> start_ns in snap_blocks, but only once that sample is in the ring;
 *  - at switch-in of a tid found in snap_blocks, a 32-byte pb_snap_block_end with the time
 *    away and whether --min/--max-block-us keep it (decided here, where the time is known).
 * Userspace unwinds the sample when it arrives (the thread's stack is not needed again) and
 * counts its stack when the end with the same tid and start_ns follows. The ring orders
 * records by reservation, and a thread is switched in only after its switch-out finished: the
 * end always comes after its sample. A lost sample leaves no block; a lost end leaves
 * userspace a stale stack, replaced at the thread's next block. Both are counted lost.
 */
#ifndef PB_SNAPSHOT_OFFCPU_BPF_H
#define PB_SNAPSHOT_OFFCPU_BPF_H

#include <bpf/bpf_tracing.h>
#include "offcpu_filter.bpf.h"

/* The first scratch slot of the sched_switch program (the possible CPUs), set before load. */
const volatile __u32 switch_slot_base = 0;

/* tid -> when its counted block began. Sized by userspace (1 without off-CPU samples). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} snap_blocks SEC(".maps");

/* The current thread (prev) leaves the CPU: the filters first, then its sample. */
static __always_inline void snap_block_begin(void *ctx, bool preempt, struct task_struct *prev,
					     __u64 now)
{
	__u64 id = bpf_get_current_pid_tgid(), cs = 0, size;
	__u32 cpu = bpf_get_smp_processor_id(), slot = cpu + switch_slot_base, tid = id;
	bool have_regs = false;
	struct scratch *s;

	if (!offcpu_leaving_counted(preempt, prev, id))
		return;
	s = bpf_map_lookup_elem(&scratch, &slot);
	if (!s)
		return;
	begin_record(s, id, cpu, PB_SNAP_F_OFF_CPU | PB_SNAP_F_KERNEL);
	s->hdr.start_ns = now;
	if (user_stacks)
		have_regs = task_user_regs(&s->hdr, &cs);
	size = fill_stacks(ctx, s, true, PB_SWITCH_SKIP, have_regs, cs, 1);
	if (size > sizeof(*s))
		return;
	if (ring_output(s, size)) {
		count_lost(PB_SNAP_LOST_OFFCPU_RING);
		return;
	}
	if (bpf_map_update_elem(&snap_blocks, &tid, &now, BPF_ANY))
		count_lost(PB_SNAP_LOST_BLOCKS_FULL);
}

/* next comes back on a CPU: how long it was away, for the sample it left with. */
static __always_inline void snap_block_end(struct task_struct *next, __u64 now)
{
	struct pb_snap_block_end e = {.flags = PB_SNAP_F_BLOCK_END};
	__u64 *start;

	e.tid = next->pid;
	if (!e.tid)
		return;
	start = bpf_map_lookup_elem(&snap_blocks, &e.tid);
	if (!start)
		return;
	e.pid = next->tgid;
	e.start_ns = *start;
	e.ns = now - e.start_ns;
	e.counted = offcpu_block_counted(e.ns);
	bpf_map_delete_elem(&snap_blocks, &e.tid);
	if (ring_output(&e, sizeof(e)))
		count_lost(PB_SNAP_LOST_OFFCPU_RING);
}

/* current == prev here; both halves run on every switch, so one program serves both. */
SEC("tp_btf/sched_switch")
int BPF_PROG(pb_snap_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns();

	snap_block_end(next, now);
	snap_block_begin(ctx, preempt, prev, now);
	return 0;
}

#endif
