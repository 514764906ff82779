// SPDX-License-Identifier: MIT
/* The dwarf unwinder's perf_event program: walks user stacks with CFI tables, counts stacks. */
/* Needs Linux 5.17 (bpf_loop; bpf_task_pt_regs is 5.15, tp_btf and BPF_F_NO_PREALLOC older). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "filter.bpf.h"
#include "dwarf_abi.h"
#include "dwarf_walk.bpf.h"

#define PF_KTHREAD 0x00200000
/* vmlinux.h has no errno values. */
#define ENOMEM 12
#define EEXIST 17

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Frames walked at most (<= PB_DWARF_MAX_FRAMES), set before load. */
const volatile __u32 max_frames = PB_DWARF_MAX_FRAMES;

/* Which map set samples go to; userspace flips it and drains the other set. */
__u32 active = 0;

#define PB_DWARF_COUNTS(name)                                                                      \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_HASH);                                                   \
		__uint(max_entries, 40960);                                                        \
		__type(key, struct pb_dwarf_key);                                                  \
		__type(value, __u64);                                                              \
	} name SEC(".maps")
#define PB_DWARF_KSTACKS(name)                                                                     \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_STACK_TRACE);                                            \
		__uint(max_entries, 16384);                                                        \
		__uint(key_size, sizeof(__u32));                                                   \
		__uint(value_size, PB_DWARF_MAX_FRAMES * sizeof(__u64));                           \
	} name SEC(".maps")
#define PB_DWARF_USTACKS(name)                                                                     \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_HASH);                                                   \
		__uint(max_entries, 16384);                                                        \
		__type(key, __u64);                                                                \
		__type(value, struct pb_dwarf_ustack);                                             \
	} name SEC(".maps")

/* Two identical map sets: samples fill one while userspace drains the other. */
PB_DWARF_COUNTS(counts0);
PB_DWARF_COUNTS(counts1);
PB_DWARF_KSTACKS(kstacks0);
PB_DWARF_KSTACKS(kstacks1);
PB_DWARF_USTACKS(ustacks0);
PB_DWARF_USTACKS(ustacks1);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_DWARF_LOST_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

static __always_inline void count_lost(__u32 cause)
{
	__u64 *n = bpf_map_lookup_elem(&lost, &cause);

	if (n)
		(*n)++; /* per-CPU: no other writer */
}

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
		count_lost(PB_DWARF_LOST_MAX_FRAMES);
		*truncated = true;
	} else if (stop && stop != STOP_END) {
		count_lost(stop - 1);
		*truncated = true;
	}
	*hash = w->hash ? w->hash : 1;
	return n;
}

/* Map pointers are constants at each call site, as bpf_get_stackid needs. */
static __always_inline int sample(struct bpf_perf_event_data *ctx, __u32 tgid, void *counts,
				  void *kstacks, void *ustacks)
{
	struct pb_dwarf_key key = {};
	/* Context fields must be read whole; newer kernels make cs a u16 in a union. */
	bool user_mode = (*(volatile __u64 *)&ctx->regs.cs & 3) == 3;
	__u64 one = 1, *val;
	long err;

	key.pid = tgid;
	key.kstack_id = -1;
	bpf_get_current_comm(&key.comm, sizeof(key.comm));

	if (kernel_stacks && !user_mode) {
		key.kstack_id = bpf_get_stackid(ctx, kstacks, 0);
		if (key.kstack_id == -ENOMEM)
			count_lost(PB_DWARF_LOST_KSTACK_FULL);
		else if (key.kstack_id == -EEXIST)
			count_lost(PB_DWARF_LOST_KSTACK_COLLISION);
	}

	if (user_stacks) {
		struct task_struct *task = bpf_get_current_task_btf();
		__u32 zero = 0;
		struct dw_scratch *st = bpf_map_lookup_elem(&scratch, &zero);
		__u64 ip = 0, sp = 0, bp = 0;
		bool truncated;

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
				key.flags |= PB_DWARF_F_USER_TRUNCATED;
			err = bpf_map_update_elem(ustacks, &key.ustack_hash, &st->st, BPF_NOEXIST);
			if (err && err != -EEXIST) {
				count_lost(PB_DWARF_LOST_USTACK_FULL);
				key.ustack_hash = 0;
				key.user_depth = 0;
			}
		}
	}

	val = bpf_map_lookup_elem(counts, &key);
	if (val) {
		__sync_fetch_and_add(val, 1);
		return 0;
	}
	err = bpf_map_update_elem(counts, &key, &one, BPF_NOEXIST);
	if (err == -EEXIST) {
		/* Another CPU inserted the same key in between. */
		val = bpf_map_lookup_elem(counts, &key);
		if (val)
			__sync_fetch_and_add(val, 1);
	} else if (err) {
		count_lost(PB_DWARF_LOST_COUNTS_FULL);
	}
	return 0;
}

SEC("perf_event")
int pb_dwarf_sample(struct bpf_perf_event_data *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (!pb_should_sample(tgid))
		return 0;
	if (active)
		return sample(ctx, tgid, &counts1, &kstacks1, &ustacks1);
	return sample(ctx, tgid, &counts0, &kstacks0, &ustacks0);
}
