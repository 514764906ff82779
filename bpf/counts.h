/* SPDX-License-Identifier: MIT */
/* The kernel<->user ABI of unwinders that count stacks in BPF (fp, dwarf): key, value, causes. */
#ifndef PB_BPF_COUNTS_H
#define PB_BPF_COUNTS_H

/* Same depth as the kernel's perf_event_max_stack default, so both halves of a stack match. */
#define PB_MAX_FRAMES 127
#define PB_COMM_LEN   16

/* Key flags. USER_TRUNCATED has the value of PB_RAW_USER_TRUNCATED so it passes straight on. */
#define PB_F_USER_TRUNCATED (1u << 0)
/* Off-CPU time (wall-clock profiles tell it from on-CPU samples by it). */
#define PB_F_OFF_CPU (1u << 1)
/* ips[1] is the frameless leaf's caller, read from the top of the stack (pb_leaf_caller). */
#define PB_F_LEAF_CALLER (1u << 2)

/* One distinct (process, kernel stack, user stack); zero-filled so no padding differs. */
struct pb_count_key {
	__u32 pid;	   /* tgid */
	__s32 kstack_id;   /* id in kstacks<N>, or < 0 when there is no kernel stack */
	__u64 ustack_hash; /* key in ustacks<N>, 0 when there is no user stack */
	__u32 user_depth;  /* valid ips in the ustacks value */
	__u32 flags;	   /* PB_F_* */
	char comm[PB_COMM_LEN];
	/* Views: 0 unless --per-thread / --per-cpu, so default runs split no stacks by them. */
	__u32 tid;
	__u32 cpu;
};

/* Leaf first: ips[0] is the sampled pc, then return addresses. */
struct pb_user_stack {
	__u64 ips[PB_MAX_FRAMES];
};

/* Index into the per-CPU lost array. An unwinder numbers its own causes from PB_LOST_COMMON. */
enum pb_count_lost_cause {
	PB_LOST_KSTACK_FULL = 0,      /* bpf_get_stackid: -ENOMEM */
	PB_LOST_KSTACK_COLLISION = 1, /* bpf_get_stackid: -EEXIST */
	PB_LOST_COUNTS_FULL = 2,      /* the counts map had no room for a new key */
	PB_LOST_USTACK_FULL = 3,      /* the user stacks map had no room */
	PB_LOST_MAX_FRAMES = 4,	      /* the user walk hit max_frames */
	PB_LOST_NO_TASK_REGS = 5,     /* in the kernel, and the kernel cannot give user registers */
	PB_LOST_OFFCPU_FULL = 6,      /* off-CPU: no room to remember a thread going off CPU */
	PB_LOST_COMMON = 7,
	PB_LOST_SLOTS = 16, /* size of the lost array */
};

#endif
