// SPDX-License-Identifier: MIT
/* The fp unwinder's perf_event program: walks user frame pointers in BPF, counts stacks. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "filter.bpf.h"
#include "fp.h"

#define PF_KTHREAD 0x00200000
/* vmlinux.h has no errno values. */
#define ENOMEM 12
#define EEXIST 17

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Frames walked at most (<= PB_FP_MAX_FRAMES), set before load. */
const volatile __u32 max_frames = PB_FP_MAX_FRAMES;

/* Which map set samples go to; userspace flips it and drains the other set. */
__u32 active = 0;

/* Two identical map sets: samples fill one while userspace drains the other. */
#define PB_FP_COUNTS(name)                                                                         \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_HASH);                                                   \
		__uint(max_entries, 40960);                                                        \
		__type(key, struct pb_fp_key);                                                     \
		__type(value, __u64);                                                              \
	} name SEC(".maps")
#define PB_FP_KSTACKS(name)                                                                        \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_STACK_TRACE);                                            \
		__uint(max_entries, 16384);                                                        \
		__uint(key_size, sizeof(__u32));                                                   \
		__uint(value_size, PB_FP_MAX_FRAMES * sizeof(__u64));                              \
	} name SEC(".maps")
#define PB_FP_USTACKS(name)                                                                        \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_HASH);                                                   \
		__uint(max_entries, 16384);                                                        \
		__type(key, __u64);                                                                \
		__type(value, struct pb_fp_ustack);                                                \
	} name SEC(".maps")

PB_FP_COUNTS(counts0);
PB_FP_COUNTS(counts1);
PB_FP_KSTACKS(kstacks0);
PB_FP_KSTACKS(kstacks1);
PB_FP_USTACKS(ustacks0);
PB_FP_USTACKS(ustacks1);

/* The ip array is larger than the 512-byte BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pb_fp_ustack);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_FP_LOST_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

struct frame {
	__u64 next_fp;
	__u64 ret;
};

static __always_inline void count_lost(__u32 cause)
{
	__u64 *n = bpf_map_lookup_elem(&lost, &cause);

	if (n)
		(*n)++; /* per-CPU: no other writer */
}

/* Cheap and order-sensitive; the depth is in the key too, so only equal-length stacks collide. */
static __always_inline __u64 mix(__u64 h, __u64 v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 32);
}

/* Fills st->ips leaf first from (ip, fp); returns the depth and the hash of the ips. */
static __always_inline __u32 walk_user(__u64 ip, __u64 fp, struct pb_fp_ustack *st, __u64 *hash,
				       bool *truncated)
{
	struct frame f;
	__u64 h = mix(0, ip);
	__u32 n = 1, i;

	st->ips[0] = ip;
	for (i = 1; i < PB_FP_MAX_FRAMES; i++) {
		if (!fp || i >= max_frames)
			break;
		if (bpf_probe_read_user(&f, sizeof(f), (void *)fp) || !f.ret)
			break;
		st->ips[i] = f.ret;
		h = mix(h, f.ret);
		n = i + 1;
		/* Stacks grow down: a caller's frame is always above; anything else is garbage. */
		fp = f.next_fp > fp ? f.next_fp : 0;
	}
	*truncated = fp && n >= max_frames;
	*hash = h ? h : 1;
	return n;
}

/* Map pointers are constants at each call site, as bpf_get_stackid needs. */
static __always_inline int sample(struct bpf_perf_event_data *ctx, __u32 tgid, void *counts,
				  void *kstacks, void *ustacks)
{
	struct pb_fp_key key = {};
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
			count_lost(PB_FP_LOST_KSTACK_FULL);
		else if (key.kstack_id == -EEXIST)
			count_lost(PB_FP_LOST_KSTACK_COLLISION);
	}

	if (user_stacks) {
		struct task_struct *task = bpf_get_current_task_btf();
		__u32 zero = 0;
		struct pb_fp_ustack *st = bpf_map_lookup_elem(&scratch, &zero);
		__u64 ip = 0, fp = 0;
		bool truncated;

		if (user_mode) {
			ip = ctx->regs.ip;
			fp = ctx->regs.bp;
		} else if (!(task->flags & PF_KTHREAD)) {
			struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);

			ip = BPF_CORE_READ(regs, ip);
			fp = BPF_CORE_READ(regs, bp);
		}
		if (st && ip) {
			key.user_depth = walk_user(ip, fp, st, &key.ustack_hash, &truncated);
			if (truncated) {
				key.flags |= PB_FP_F_USER_TRUNCATED;
				count_lost(PB_FP_LOST_USTACK_TRUNCATED);
			}
			err = bpf_map_update_elem(ustacks, &key.ustack_hash, st, BPF_NOEXIST);
			if (err && err != -EEXIST) {
				count_lost(PB_FP_LOST_USTACK_FULL);
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
		count_lost(PB_FP_LOST_COUNTS_FULL);
	}
	return 0;
}

SEC("perf_event")
int pb_fp_sample(struct bpf_perf_event_data *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (!pb_should_sample(tgid))
		return 0;
	if (active)
		return sample(ctx, tgid, &counts1, &kstacks1, &ustacks1);
	return sample(ctx, tgid, &counts0, &kstacks0, &ustacks0);
}
