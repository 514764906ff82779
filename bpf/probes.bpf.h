/* SPDX-License-Identifier: MIT */
/*
 * The entries of an unwinder that counts in BPF: its perf_event program's body, and probe-driven
 * stacks (-e kprobe:, uprobe:, tracepoint:, usdt:), each hit counting the stack of the task
 * that hit it. Included by an unwinder's program (fp.bpf.c, dwarf.bpf.c) after it defines
 * pb_sample_current(ctx, pid_tgid, user registers or NULL, take the kernel stack): the walk and
 * the count are the unwinder's, the same for every entry.
 * Userspace loads these programs only when a probe asks for them (autoload off otherwise) and
 * attaches them itself; the section names give the program types, not targets.
 */
#ifndef PB_PROBES_BPF_H
#define PB_PROBES_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
/* Its maps are what bpf_program__attach_usdt needs; userspace creates them only for usdt:. */
#include <bpf/usdt.bpf.h>
#include "filter.bpf.h"
#include "regs.bpf.h"

/* Set by userspace while the session is paused: probes have no perf event to switch off. */
__u32 probes_paused = 0;

/*
 * The unwinder's perf_event program's body: the user registers from the sample when it
 * interrupted user code, else those the task entered the kernel with.
 */
static __always_inline int pb_sample_perf_event(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	bool user_mode = pb_user_mode(ctx);
	struct pb_uregs u;

	if (!pb_should_sample(id))
		return 0;
	return pb_sample_current(ctx, id,
				 user_stacks && pb_user_frame(ctx, user_mode, &u) ? &u : NULL,
				 !user_mode);
}

/*
 * A probe hit in the kernel: the user stack starts from the registers the task entered with,
 * the kernel stack from the probe's context.
 */
static __always_inline int sample_in_kernel(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pb_uregs u;

	if (probes_paused || !pb_should_sample(id))
		return 0;
	return pb_sample_current(ctx, id, user_stacks && pb_task_uregs(&u) ? &u : NULL, true);
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
	__u64 id = bpf_get_current_pid_tgid();
	struct pb_uregs u = { .ip = ctx->ip, .sp = ctx->sp, .bp = ctx->bp };

	if (probes_paused || !pb_should_sample(id))
		return 0;
	return pb_sample_current(ctx, id, &u, false);
}

#endif
