/* SPDX-License-Identifier: MIT */
/*
 * Probe-driven stacks (-e kprobe:, kretprobe:, uprobe:, uretprobe:, tracepoint:, usdt:): each
 * hit counts 1 for the stack of the task that hit it, through the unwinder's one entry
 * (pb_sample_current, sample.bpf.h), in a scratch slot of its own. Userspace loads these
 * programs only when a probe asks for them (autoload off otherwise) and attaches them itself;
 * the section names give the program types, not targets.
 */
#ifndef PB_PROBES_BPF_H
#define PB_PROBES_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
/* Its maps are what bpf_program__attach_usdt needs; userspace creates them only for usdt:. */
#include <bpf/usdt.bpf.h>
#include "sample.bpf.h"

/* Set by userspace while the session is paused: probes have no perf event to switch off. */
__u32 probes_paused = 0;

/*
 * A probe hit in the kernel: the user stack starts from the registers the task entered with,
 * the kernel stack from the probe's context.
 */
static __always_inline int sample_in_kernel(void *ctx)
{
	struct pb_user_regs r;

	if (probes_paused || !pb_should_sample(bpf_get_current_pid_tgid()))
		return 0;
	return pb_sample_current(ctx, pb_current_user_regs(NULL, false, &r), PB_SLOT_PROBE, true,
				 0, 1);
}

/* kprobe: and kretprobe: (one program; the attach says which). */
SEC("kprobe")
int pb_probe_kernel(struct pt_regs *ctx)
{
	return sample_in_kernel(ctx);
}

/* tracepoint:, with a tracepoint's context. */
SEC("tracepoint")
int pb_probe_tracepoint(void *ctx)
{
	return sample_in_kernel(ctx);
}

/*
 * uprobe:, uretprobe: and usdt:. The context is the user registers at the probed instruction;
 * there is no kernel stack (the task runs user code).
 */
SEC("uprobe")
int pb_probe_user(struct pt_regs *ctx)
{
	struct pb_user_regs r = { .ip = ctx->ip, .sp = ctx->sp, .bp = ctx->bp };

	if (probes_paused || !pb_should_sample(bpf_get_current_pid_tgid()))
		return 0;
	return pb_sample_current(ctx, user_stacks && r.ip ? &r : NULL, PB_SLOT_PROBE, false, 0,
				 1);
}

#endif
