/* SPDX-License-Identifier: MIT */
/* The counting programs' (fp, dwarf) Python frames: kept in maps under the stack's hash. */
#ifndef PB_PYTHON_STACKS_BPF_H
#define PB_PYTHON_STACKS_BPF_H

#include "python.bpf.h"

/* Samples whose Python frames found no room in py_stacks<N>: counted with native frames only. */
__u64 py_stacks_full = 0;

#define PB_PY_STACKS_MAP(name)                                                                     \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_HASH);                                                   \
		__uint(max_entries, 4096);                                                         \
		__type(key, __u64);                                                                \
		__type(value, struct pb_py_stack);                                                 \
	} name SEC(".maps")

PB_PY_STACKS_MAP(py_stacks0);
PB_PY_STACKS_MAP(py_stacks1);

/*
 * The user stack hash of a sample of tgid once the current thread's Python frames are added
 * (ustack_hash itself when there are none); py_stacks<set> then holds them under it. A
 * process without a py_procs entry costs one map lookup.
 *
 * A global function: the verifier checks it once, on its own. Inlined after the native walk
 * it was checked in every state the walk left (load time 0.2 -> 1.2 s).
 */
__noinline __u64 pb_py_sample(__u32 tgid, __u64 ustack_hash, __u32 set, __u32 slot)
{
	struct py_scratch *s = NULL;
	__u64 h, key;
	int err;

	h = py_walk_current(tgid, slot, &s);
	if (!h || !s)
		return ustack_hash;
	key = (ustack_hash ^ h) * 0x9e3779b97f4a7c15ULL;
	key = key ? key : 1;
	s->st.tgid = tgid;
	if (set)
		err = bpf_map_update_elem(&py_stacks1, &key, &s->st, BPF_NOEXIST);
	else
		err = bpf_map_update_elem(&py_stacks0, &key, &s->st, BPF_NOEXIST);
	/* int: see pb_count_in on 6.1's unsigned map update results. */
	if (err && err != -17) {
		__sync_fetch_and_add(&py_stacks_full, 1);
		return ustack_hash;
	}
	return key;
}

#endif
