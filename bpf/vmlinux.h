/* SPDX-License-Identifier: MIT */
/*
 * The kernel types and constants profile-bee's BPF programs use, written here instead of dumped
 * from the build machine's BTF: the objects then build on any host (with or without BTF) and
 * load on every kernel from the oldest one we support to the newest.
 *
 * Two kinds of definitions, and the rule for adding one:
 * - ABI: UAPI constants and the x86-64 register frame (the layout ptrace and perf hand to user
 *   space), fixed on every kernel. Plain structs: no CO-RE relocation, nothing to go wrong.
 * - Kernel internals (task_struct, vm_area_struct): only the fields read, under
 *   preserve_access_index, so libbpf finds each by name in the running kernel's BTF. Before
 *   adding a field, check its name and type on the oldest supported kernel (Debian 12's 6.1)
 *   and the newest; a field that changed size or moved to a union needs bpf_core_field_size()
 *   or bpf_core_field_exists() where it is read.
 */
#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#include <stdbool.h>

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef int pid_t;

/* ---- ABI: the BPF UAPI values the programs use (include/uapi/linux/bpf.h) ---- */

enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_STACK_TRACE = 7,
	BPF_MAP_TYPE_CGROUP_ARRAY = 8,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_RINGBUF = 27, /* 5.8 */
};

enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
};

enum {
	BPF_F_NO_PREALLOC = 1U << 0,
};

enum {
	BPF_F_SKIP_FIELD_MASK = 0xffULL, /* bpf_get_stackid: leaf frames to skip */
};

enum {
	BPF_RB_NO_WAKEUP = 1ULL << 0,
	BPF_RB_FORCE_WAKEUP = 1ULL << 1,
};

enum {
	BPF_RB_AVAIL_DATA = 0,
};

/*
 * ---- ABI: x86-64's register frame ----
 * The layout of the uapi pt_regs (ptrace's user_regs_struct, perf's sample regs), under the
 * kernel's field names so bpf_tracing.h's PT_REGS_* macros work. bpf_task_pt_regs() points at
 * the same layout. Linux 6.9 made `cs` a u16 in a union (FRED) but kept its 8-byte slot at
 * offset 136: reading the slot whole and masking works on every kernel. It is deliberately not
 * a CO-RE type: a relocation against 6.9+'s u16 refuses the 8-byte load on older kernels, and
 * the perf_event context only allows 8-byte reads of the registers anyway.
 */
struct pt_regs {
	unsigned long r15;
	unsigned long r14;
	unsigned long r13;
	unsigned long r12;
	unsigned long bp;
	unsigned long bx;
	unsigned long r11;
	unsigned long r10;
	unsigned long r9;
	unsigned long r8;
	unsigned long ax;
	unsigned long cx;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
	unsigned long orig_ax;
	unsigned long ip;
	unsigned long cs; /* the low 16 bits are the selector; the privilege level is bits 0-1 */
	unsigned long flags;
	unsigned long sp;
	unsigned long ss;
};

/* The perf_event program's context (include/uapi/linux/bpf_perf_event.h). */
struct bpf_perf_event_data {
	struct pt_regs regs;
	__u64 sample_period;
	__u64 addr;
};

/* ---- Kernel internals: only what is read, relocated by name (CO-RE) ---- */
#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

typedef struct {
	int counter;
} atomic_t;

struct signal_struct {
	atomic_t live; /* threads of the group not yet exiting */
};

struct task_struct {
	unsigned int __state; /* TASK_* (named state before 5.14; Debian 12's 6.1 has __state) */
	unsigned int flags; /* PF_* */
	pid_t pid;
	pid_t tgid;
	struct signal_struct *signal;
};

struct vm_area_struct {
	unsigned long vm_start;
	unsigned long vm_end;
};

#pragma clang attribute pop

/*
 * Types that libbpf's helper prototypes (bpf_helper_defs.h) name but these programs never use:
 * declared so the prototypes refer to one type each.
 */
struct __sk_buff;
struct bpf_dynptr;
struct bpf_fib_lookup;
struct bpf_map;
struct bpf_perf_event_value;
struct bpf_pidns_info;
struct bpf_redir_neigh;
struct bpf_sk_lookup;
struct bpf_sock;
struct bpf_sock_addr;
struct bpf_sock_ops;
struct bpf_sock_tuple;
struct bpf_spin_lock;
struct bpf_sysctl;
struct bpf_tcp_sock;
struct bpf_timer;
struct bpf_tunnel_key;
struct bpf_xfrm_state;
struct btf_ptr;
struct cgroup;
struct file;
struct in6_addr;
struct inode;
struct iphdr;
struct ipv6_sr_hdr;
struct ipv6hdr;
struct linux_binprm;
struct mptcp_sock;
struct path;
struct perf_branch_entry;
struct seq_file;
struct sk_buff;
struct sk_msg_md;
struct sk_reuseport_md;
struct sock;
struct sockaddr;
struct socket;
struct tcp6_sock;
struct tcp_request_sock;
struct tcp_sock;
struct tcp_timewait_sock;
struct tcphdr;
struct udp6_sock;
struct unix_sock;
struct xdp_buff;
struct xdp_md;

#endif
