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

/* Adds value to key's count in counts (a map of the set the key's stacks are in). */
static __always_inline void pb_count_add_in(void *counts, const struct pb_count_key *key,
					    __u64 value)
{
	__u64 *val = bpf_map_lookup_elem(counts, key);
	/*
	 * int, not long: some kernels (Debian 12's 6.1) turn map updates into direct calls of the
	 * map's int-returning op without sign-extending the result: -EEXIST comes back as
	 * 0x00000000ffffffef. Comparing 32 bits works on every kernel.
	 */
	int err;

	if (val) {
		__sync_fetch_and_add(val, value);
		return;
	}
	err = bpf_map_update_elem(counts, key, &value, BPF_NOEXIST);
	if (err == -PB_EEXIST) {
		/* Another CPU inserted the same key in between. */
		val = bpf_map_lookup_elem(counts, key);
		if (val)
			__sync_fetch_and_add(val, value);
	} else if (err) {
		count_lost(PB_LOST_COUNTS_FULL);
	}
}

/* Map pointers are constants at each call site, as bpf_get_stackid needs. */
static __always_inline void pb_store_stacks_in(void *ctx, bool kernel, __u32 kernel_skip,
					       struct pb_count_key *key,
					       const struct pb_user_stack *ust, void *kstacks,
					       void *ustacks)
{
	int err;

	if (kernel) {
		key->kstack_id = bpf_get_stackid(ctx, kstacks, kernel_skip & BPF_F_SKIP_FIELD_MASK);
		if (key->kstack_id == -PB_ENOMEM)
			count_lost(PB_LOST_KSTACK_FULL);
		else if (key->kstack_id == -PB_EEXIST)
			count_lost(PB_LOST_KSTACK_COLLISION);
	}
	if (ust) {
		err = bpf_map_update_elem(ustacks, &key->ustack_hash, ust, BPF_NOEXIST);
		if (err && err != -PB_EEXIST) {
			count_lost(PB_LOST_USTACK_FULL);
			key->ustack_hash = 0;
			key->user_depth = 0;
		}
	}
}

/*
 * Stores the stacks of key (pid, comm, flags and user depth/hash filled): the kernel stack taken
 * here when kernel is set (less its kernel_skip leaf frames: the tracing machinery above a
 * tracepoint) and the user stack ust (NULL: none; its interpreter frames walked in scratch slot
 * slot), in the active map set. Returns that set, the one key is to be counted in
 * (pb_count_in_set).
 */
static __always_inline __u32 pb_store_stacks(void *ctx, bool kernel, __u32 kernel_skip,
					     __u32 slot, struct pb_count_key *key,
					     const struct pb_user_stack *ust)
{
	__u32 set = active;

	/* Once, before the set's branches: the walk is not repeated in each. */
	if (ust && python_walk)
		key->ustack_hash = pb_py_sample(key->pid, key->ustack_hash, set, slot);
	if (set)
		pb_store_stacks_in(ctx, kernel, kernel_skip, key, ust, &kstacks1, &ustacks1);
	else
		pb_store_stacks_in(ctx, kernel, kernel_skip, key, ust, &kstacks0, &ustacks0);
	return set;
}

/* Adds value to key's count in map set set. */
static __always_inline void pb_count_in_set(__u32 set, const struct pb_count_key *key, __u64 value)
{
	if (set)
		pb_count_add_in(&counts1, key, value);
	else
		pb_count_add_in(&counts0, key, value);
}

/*
 * Counts value (one sample, or nanoseconds) of key with its stacks (as pb_store_stacks) in the
 * active map set.
 */
static __always_inline int pb_count(void *ctx, bool kernel, struct pb_count_key *key,
				    const struct pb_user_stack *ust, __u64 value)
{
	pb_count_in_set(pb_store_stacks(ctx, kernel, 0, 0, key, ust), key, value);
	return 0;
}

#endif
