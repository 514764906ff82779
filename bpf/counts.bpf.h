/* SPDX-License-Identifier: MIT */
/* Counting stacks in BPF, shared by the fp and dwarf programs: two map sets, lost counters. */
#ifndef PB_COUNTS_BPF_H
#define PB_COUNTS_BPF_H

#include "counts.h"
#include "lost.bpf.h"
#include "python_stacks.bpf.h"

/* vmlinux.h has no errno values. */
#define PB_ENOMEM 12
#define PB_EEXIST 17

/* Which map set samples go to; userspace flips it and drains the other set. */
__u32 active = 0;

/* Views, set before load: key stacks by thread (--per-thread) and by CPU (--per-cpu) too. */
const volatile bool key_tid = false;
const volatile bool key_cpu = false;

/* Fills the key's view fields of the current task (id: bpf_get_current_pid_tgid()). */
static __always_inline void pb_key_views(struct pb_count_key *key, __u64 id)
{
	if (key_tid)
		key->tid = (__u32)id;
	if (key_cpu)
		key->cpu = bpf_get_smp_processor_id();
}

/* Sizes are set by userspace before load (--hash-storage-size, --stack-storage-size). */
#define PB_COUNTS_MAP(name)                                                                        \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_HASH);                                                   \
		__uint(max_entries, 40960);                                                        \
		__type(key, struct pb_count_key);                                                  \
		__type(value, __u64);                                                              \
	} name SEC(".maps")
#define PB_KSTACKS_MAP(name)                                                                       \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_STACK_TRACE);                                            \
		__uint(max_entries, 16384);                                                        \
		__uint(key_size, sizeof(__u32));                                                   \
		__uint(value_size, PB_MAX_FRAMES * sizeof(__u64));                                 \
	} name SEC(".maps")
#define PB_USTACKS_MAP(name)                                                                       \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_HASH);                                                   \
		__uint(max_entries, 16384);                                                        \
		__type(key, __u64);                                                                \
		__type(value, struct pb_user_stack);                                               \
	} name SEC(".maps")

/* Two identical map sets: samples fill one while userspace drains the other. */
PB_COUNTS_MAP(counts0);
PB_COUNTS_MAP(counts1);
PB_KSTACKS_MAP(kstacks0);
PB_KSTACKS_MAP(kstacks1);
PB_USTACKS_MAP(ustacks0);
PB_USTACKS_MAP(ustacks1);

PB_LOST_COUNTERS(PB_LOST_SLOTS);

/* Map pointers are constants at each call site, as bpf_get_stackid needs. */
static __always_inline void pb_count_in(void *ctx, bool kernel, struct pb_count_key *key,
					const struct pb_user_stack *ust, void *counts,
					void *kstacks, void *ustacks)
{
	__u64 one = 1, *val;
	/*
	 * int, not long: some kernels (Debian 12's 6.1) turn map updates into direct calls of the
	 * map's int-returning op without sign-extending the result: -EEXIST comes back as
	 * 0x00000000ffffffef. Comparing 32 bits works on every kernel.
	 */
	int err;

	if (kernel) {
		key->kstack_id = bpf_get_stackid(ctx, kstacks, 0);
		if (key->kstack_id == -PB_ENOMEM)
			count_lost(PB_LOST_KSTACK_FULL);
		else if (key->kstack_id == -PB_EEXIST)
			count_lost(PB_LOST_KSTACK_COLLISION);
	}
	/*
	 * A stack counted before in this set has its user stack stored already: one lookup, no
	 * update (an update takes the bucket's lock even when the key exists: a uprobe hit went
	 * from 620 to 560 ns of BPF time).
	 */
	val = bpf_map_lookup_elem(counts, key);
	if (val) {
		__sync_fetch_and_add(val, 1);
		return;
	}
	if (ust) {
		err = bpf_map_update_elem(ustacks, &key->ustack_hash, ust, BPF_NOEXIST);
		if (err && err != -PB_EEXIST) {
			count_lost(PB_LOST_USTACK_FULL);
			key->ustack_hash = 0;
			key->user_depth = 0;
		}
	}
	err = bpf_map_update_elem(counts, key, &one, BPF_NOEXIST);
	if (err == -PB_EEXIST) {
		/* Another CPU inserted the same key in between. */
		val = bpf_map_lookup_elem(counts, key);
		if (val)
			__sync_fetch_and_add(val, 1);
	} else if (err) {
		count_lost(PB_LOST_COUNTS_FULL);
	}
}

/*
 * Counts one sample of key (pid, comm, flags and user depth/hash filled) with the kernel stack
 * taken here when kernel is set and the user stack ust (NULL: none) in the active map set.
 */
static __always_inline int pb_count(void *ctx, bool kernel, struct pb_count_key *key,
				    const struct pb_user_stack *ust)
{
	__u32 set = active;

	/* Once, before the set's branches: the walk is not repeated in each. */
	if (ust && python_walk)
		key->ustack_hash = pb_py_sample(key->pid, key->ustack_hash, set);
	if (set)
		pb_count_in(ctx, kernel, key, ust, &counts1, &kstacks1, &ustacks1);
	else
		pb_count_in(ctx, kernel, key, ust, &counts0, &kstacks0, &ustacks0);
	return 0;
}

#endif
