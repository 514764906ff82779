// SPDX-License-Identifier: MIT
/* The dwarf unwinder's perf_event program: walks user stacks with CFI tables, counts stacks. */
/* Needs Linux 5.17 (bpf_loop; bpf_task_pt_regs is 5.15, tp_btf and BPF_F_NO_PREALLOC older). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "filter.bpf.h"
#include "counts.bpf.h"
#include "dwarf_abi.h"
#include "dwarf_walk.bpf.h"

#define PF_KTHREAD 0x00200000

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Frames walked at most (<= PB_MAX_FRAMES), set before load. */
const volatile __u32 max_frames = PB_MAX_FRAMES;

/* Fills s->st.ips leaf first; returns the depth, sets the hash and whether the walk was cut. */
static __always_inline __u32 walk_user(__u32 tgid, __u64 ip, __u64 sp, __u64 bp,
				       struct dw_scratch *s, __u64 *hash, bool *truncated)
{
	struct walk c = {.s = s, .proc = bpf_map_lookup_elem(&procs, &tgid)};
	struct walk_state *w = &s->w;
	__u32 n, stop;

	*w = (struct walk_state){.ip = ip, .sp = sp, .bp = bp, .hash = pb_mix(0, ip), .n = 1};
	s->st.ips[0] = ip;
	bpf_loop(max_frames - 1, walk_step, &c, 0);
	n = w->n;
	stop = w->stop;
	/* Unknown process, or a pc its mappings miss (exec, dlopen): userspace reads them again. */
	if (!c.proc || stop == PB_DWARF_LOST_NO_MAPPING + 1)
		ask_refresh(tgid);
	*truncated = false;
	if (!stop && n >= max_frames) {
		count_lost(PB_LOST_MAX_FRAMES);
		*truncated = true;
	} else if (stop && stop != STOP_END) {
		count_lost(stop - 1);
		*truncated = true;
	}
	*hash = w->hash ? w->hash : 1;
	return n;
}

SEC("perf_event")
int pb_dwarf_sample(struct bpf_perf_event_data *ctx)
{
	struct pb_count_key key = {};
	/* Context fields must be read whole; newer kernels make cs a u16 in a union. */
	bool user_mode = (*(volatile __u64 *)&ctx->regs.cs & 3) == 3;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct dw_scratch *st = NULL;

	if (!pb_should_sample(tgid))
		return 0;
	key.pid = tgid;
	key.kstack_id = -1;
	bpf_get_current_comm(&key.comm, sizeof(key.comm));
	if (user_stacks) {
		struct task_struct *task = bpf_get_current_task_btf();
		__u32 zero = 0;
		__u64 ip = 0, sp = 0, bp = 0;
		bool truncated;

		st = bpf_map_lookup_elem(&scratch, &zero);
		if (user_mode) {
			ip = ctx->regs.ip;
			sp = ctx->regs.sp;
			bp = ctx->regs.bp;
		} else if (!(task->flags & PF_KTHREAD)) {
			/* In the kernel: the registers the task entered it with. */
			struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);

			ip = BPF_CORE_READ(regs, ip);
			sp = BPF_CORE_READ(regs, sp);
			bp = BPF_CORE_READ(regs, bp);
		}
		if (st && ip) {
			key.user_depth = walk_user(tgid, ip, sp, bp, st, &key.ustack_hash,
						   &truncated);
			if (truncated)
				key.flags |= PB_F_USER_TRUNCATED;
		} else {
			st = NULL;
		}
	}
	return pb_count(ctx, kernel_stacks && !user_mode, &key, st ? &st->st : NULL);
}
