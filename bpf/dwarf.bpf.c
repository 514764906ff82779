// SPDX-License-Identifier: MIT
/* The dwarf unwinder's perf_event program: walks user stacks with CFI tables, counts stacks. */
/* Needs Linux 5.17 (bpf_loop) and ring buffers (5.8); userspace probes both before loading. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "filter.bpf.h"
#include "counts.bpf.h"
#include "regs.bpf.h"
#include "dwarf_abi.h"
#include "dwarf_walk.bpf.h"

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
	/*
	 * Unknown process, or a pc its mappings miss (exec, dlopen, or JIT code walked by frame
	 * pointers): userspace reads them again, at most once per ASK_INTERVAL_NS per process.
	 */
	if (!c.proc || stop == PB_DWARF_LOST_NO_MAPPING + 1 || w->fallbacks)
		ask_refresh(tgid);
	if (w->fallbacks)
		count_lost(PB_DWARF_FP_FALLBACK);
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

/*
 * Counts one stack of the current task (id: its pid_tgid): the user stack walked from u (NULL:
 * none), the kernel stack taken from ctx when kernel is set. Every program of this unwinder
 * (the perf_event sampler, the probes of probes.bpf.h) ends here.
 */
static __always_inline int pb_sample_current(void *ctx, __u64 id, const struct pb_uregs *u,
					     bool kernel)
{
	struct pb_count_key key = {};
	__u32 tgid = id >> 32, zero = 0;
	struct dw_scratch *st = NULL;
	bool truncated;

	key.pid = tgid;
	pb_key_views(&key, id);
	key.kstack_id = -1;
	bpf_get_current_comm(&key.comm, sizeof(key.comm));
	if (user_stacks) {
		if (!u && pb_task_regs_missing())
			count_lost(PB_LOST_NO_TASK_REGS);
		st = bpf_map_lookup_elem(&scratch, &zero);
		if (st && u && u->ip) {
			key.user_depth = walk_user(tgid, u->ip, u->sp, u->bp, st, &key.ustack_hash,
						   &truncated);
			if (truncated)
				key.flags |= PB_F_USER_TRUNCATED;
		} else {
			st = NULL;
		}
	}
	return pb_count(ctx, kernel_stacks && kernel, &key, st ? &st->st : NULL);
}

#include "probes.bpf.h"

SEC("perf_event")
int pb_dwarf_sample(struct bpf_perf_event_data *ctx)
{
	return pb_sample_perf_event(ctx);
}
