/* SPDX-License-Identifier: MIT */
/* The kernel<->user ABI of off-CPU counting (bpf/offcpu.bpf.h): states, the open blocks. */
#ifndef PB_BPF_OFFCPU_ABI_H
#define PB_BPF_OFFCPU_ABI_H

#include "counts.h"

/* What a thread going off CPU is doing (--state): the PB_OFFCPU_* of profile-bee.h. */
#define PB_OFFCPU_BPF_RUNNABLE	      (1u << 0)
#define PB_OFFCPU_BPF_INTERRUPTIBLE   (1u << 1)
#define PB_OFFCPU_BPF_UNINTERRUPTIBLE (1u << 2)
#define PB_OFFCPU_BPF_ALL	      7u

/* A thread off CPU, by tid: when it left, and the key its stacks were stored under. */
struct pb_offcpu_block {
	__u64 start_ns;
	struct pb_count_key key;
	__u32 set; /* the map set holding the stacks */
	__u32 pad;
};

#endif
