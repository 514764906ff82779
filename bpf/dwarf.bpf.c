// SPDX-License-Identifier: MIT
/* The dwarf unwinder's BPF side: walks user stacks with CFI tables, counts stacks (sample.bpf.h). */
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

/* Walks the current task's user stack from r into scratch slot slot; NULL when there is none. */
static __always_inline const struct pb_user_stack *
pb_walk_user(const struct pb_user_regs *r, __u32 slot, struct pb_count_key *key)
{
	struct dw_scratch *st = bpf_map_lookup_elem(&scratch, &slot);
	bool truncated;

	if (!st)
		return NULL;
	key->user_depth = walk_user(key->pid, r->ip, r->sp, r->bp, st, &key->ustack_hash,
				    &truncated);
	if (truncated)
		key->flags |= PB_F_USER_TRUNCATED;
	return &st->st;
}

/* The programs: on-CPU samples and off-CPU time, both through pb_sample_current. */
#include "sample.bpf.h"
#include "offcpu.bpf.h"
#include "probes.bpf.h"
