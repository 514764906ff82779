/* SPDX-License-Identifier: MIT */
/* Samples a BPF program could not count, by cause: per-CPU counters userspace sums and reports. */
#ifndef PB_LOST_BPF_H
#define PB_LOST_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/*
 * Declares the program's lost map, a counter per cause (slots of them, the causes its .h
 * numbers), and count_lost(cause), which adds one to this CPU's counter.
 */
#define PB_LOST_COUNTERS(slots)                                                                    \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                                           \
		__uint(max_entries, slots);                                                        \
		__type(key, __u32);                                                                \
		__type(value, __u64);                                                              \
	} lost SEC(".maps");                                                                       \
                                                                                                   \
	static __always_inline void count_lost(__u32 cause)                                        \
	{                                                                                          \
		__u64 *n = bpf_map_lookup_elem(&lost, &cause);                                     \
                                                                                                   \
		if (n)                                                                             \
			(*n)++; /* per-CPU: no other writer */                                     \
	}

#endif
