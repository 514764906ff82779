/* SPDX-License-Identifier: MIT */
/*
 * Probe-driven stacks (-e kprobe:, uprobe:, tracepoint:, usdt:): each hit counts the stack of
 * the task that hit it. Included at the end of an unwinder's program (fp.bpf.c, dwarf.bpf.c),
 * which defines pb_sample_current(ctx, pid_tgid, user registers or NULL, take the kernel stack)
 * before it: the walk and the count are the unwinder's, shared with its perf_event program.
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
 * kprobe: and kretprobe: (one program; the attach says which). The task is in the kernel: its
 * user stack starts from the registers it entered with, the kernel stack from the probe's.
 */
SEC("kprobe")
int pb_probe_kernel(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pb_uregs u;

	if (probes_paused || !pb_should_sample(id))
		return 0;
	return pb_sample_current(ctx, id, user_stacks && pb_task_uregs(&u) ? &u : NULL, true);
}

/* tracepoint: as kprobe:, with a tracepoint's context. */
SEC("tracepoint")
int pb_probe_tracepoint(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pb_uregs u;

	if (probes_paused || !pb_should_sample(id))
		return 0;
	return pb_sample_current(ctx, id, user_stacks && pb_task_uregs(&u) ? &u : NULL, true);
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
