/* SPDX-License-Identifier: MIT */
/* The snapshot program's kernel<->user ABI: one ring-buffer record per sample, lost causes. */
#ifndef PB_BPF_SNAPSHOT_H
#define PB_BPF_SNAPSHOT_H

/* Same depth as the kernel's perf_event_max_stack default. */
#define PB_SNAP_MAX_KFRAMES 127
#define PB_SNAP_COMM_LEN    16
/*
 * The most user stack one record carries: what perf_event's own user-stack dump allows
 * (sample_stack_user is capped below 64 KiB), and it keeps the per-CPU scratch one allocation.
 */
#define PB_SNAP_MAX_STACK     65528
#define PB_SNAP_DEFAULT_STACK 16384

/* x86_64 user registers in DWARF numbering: rax rdx rcx rbx rsi rdi rbp rsp r8-r15, then rip. */
#define PB_SNAP_NREGS 17
#define PB_SNAP_REG_SP 7
#define PB_SNAP_REG_IP 16

#define PB_SNAP_F_USER	 (1u << 0) /* regs hold the user registers of a 64-bit task */
#define PB_SNAP_F_KERNEL (1u << 1) /* the sample hit kernel mode */
/* A thread going off CPU (sched_switch): its stacks; the time follows in a block end. */
#define PB_SNAP_F_OFF_CPU (1u << 2)
/* Not a sample: a struct pb_snap_block_end (the first three fields are a sample's). */
#define PB_SNAP_F_BLOCK_END (1u << 3)

/* Room for a sample's interpreter frames (struct pb_py_frame, python.h) in a record. */
#define PB_SNAP_PY_BYTES (64 * 16)

/*
 * A record: this header, then n_kernel kernel ips (leaf first), then stack_size bytes copied
 * from the user stack at regs[PB_SNAP_REG_SP] upwards, then n_py interpreter frames (struct
 * pb_py_frame, leaf first; byte-aligned: stack_size need not be a multiple of 8).
 */
struct pb_snap_sample {
	__u32 pid; /* tgid */
	__u32 tid;
	__u32 flags; /* PB_SNAP_F_* */
	__u32 n_kernel;
	__u32 stack_size;
	__u32 cpu;
	__u32 n_py;	/* CPython frames walked at sample time (python.bpf.h) */
	__u32 py_flags; /* their PB_PY_* flags */
	__u64 start_ns; /* PB_SNAP_F_OFF_CPU: when the thread left the CPU (its block's key) */
	__u64 regs[PB_SNAP_NREGS];
	char comm[PB_SNAP_COMM_LEN];
};

/*
 * A thread back on a CPU after a block that began with an off-CPU sample of the same tid and
 * start_ns: how long it was away. counted is 0 for a block --min/--max-block-us leave out, or
 * that ended while paused: userspace forgets the sample either way.
 */
struct pb_snap_block_end {
	__u32 pid;
	__u32 tid;
	__u32 flags; /* PB_SNAP_F_BLOCK_END */
	__u32 counted;
	__u64 start_ns;
	__u64 ns;
};

/* Index into the per-CPU lost array; userspace names them. */
enum pb_snap_lost_cause {
	PB_SNAP_LOST_RING_FULL = 0,    /* the ring buffer had no room: userspace fell behind */
	PB_SNAP_LOST_STACK_READ = 1,   /* the user stack could not be copied at all */
	PB_SNAP_LOST_KSTACK = 2,       /* bpf_get_stack failed */
	PB_SNAP_LOST_NO_TASK_REGS = 3, /* in the kernel, and the kernel cannot give user registers */
	PB_SNAP_LOST_OFFCPU_RING = 4,  /* an off-CPU sample or block end found the ring full */
	PB_SNAP_LOST_BLOCKS_FULL = 5,  /* more threads off CPU at once than the blocks map holds */
	PB_SNAP_LOST_MAX = 6,
};

#endif
