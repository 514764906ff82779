/* SPDX-License-Identifier: MIT */
/* The sampled task's user registers, on every supported kernel: from the sample or the task. */
#ifndef PB_REGS_BPF_H
#define PB_REGS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define PF_KTHREAD 0x00200000

/*
 * Whether the kernel has bpf_get_current_task_btf (5.11) and bpf_task_pt_regs (5.15), set by
 * userspace from its probes before load. Without them a sample taken in the kernel has no user
 * registers: its user stack is left out (callers count it), and the calls below are dead code
 * the verifier drops, so the program still loads.
 */
const volatile bool use_task_regs = true;

/* Where a user stack walk starts. */
struct pb_user_regs {
	__u64 ip, sp, bp;
};

/* The sample interrupted user code (privilege level 3 in cs; see vmlinux.h on its slot). */
static __always_inline bool pb_user_mode(const struct bpf_perf_event_data *ctx)
{
	return (ctx->regs.cs & 3) == 3;
}

/* A kernel thread has no user stack at all. Works on every kernel (no BTF task pointer). */
static __always_inline bool pb_kernel_thread(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, flags) & PF_KTHREAD;
}

/* A sample in the kernel of a user task whose registers this kernel cannot give. */
static __always_inline bool pb_task_regs_missing(void)
{
	return !use_task_regs && !pb_kernel_thread();
}

/*
 * For a sample taken in the kernel: the registers the task entered the kernel with, or NULL for
 * a kernel thread or when the kernel cannot say. Read it with bpf_probe_read_kernel: a load
 * through it could be merged by the compiler with a load from the context, and the verifier
 * refuses one instruction reading two kinds of pointer.
 */
static __always_inline struct pt_regs *pb_task_user_regs(void)
{
	struct task_struct *task;

	if (!use_task_regs)
		return NULL;
	task = bpf_get_current_task_btf();
	if (task->flags & PF_KTHREAD)
		return NULL;
	return (struct pt_regs *)bpf_task_pt_regs(task);
}

/* The user registers the current task entered the kernel with; false: none (see above). */
static __always_inline bool pb_task_user_frame(struct pb_user_regs *r)
{
	struct pt_regs *regs = pb_task_user_regs();

	return regs && !bpf_probe_read_kernel(&r->ip, sizeof(r->ip), &regs->ip) &&
	       !bpf_probe_read_kernel(&r->sp, sizeof(r->sp), &regs->sp) &&
	       !bpf_probe_read_kernel(&r->bp, sizeof(r->bp), &regs->bp);
}

/* The user ip, sp and bp of the sampled task, wherever the sample landed; false: none. */
static __always_inline bool pb_user_frame(const struct bpf_perf_event_data *ctx, bool user_mode,
					  struct pb_user_regs *r)
{
	if (user_mode) {
		r->ip = ctx->regs.ip;
		r->sp = ctx->regs.sp;
		r->bp = ctx->regs.bp;
		return true;
	}
	return pb_task_user_frame(r);
}

#endif
