/* SPDX-License-Identifier: MIT */
/* Public API of libprofilebee: what the running kernel offers the BPF programs, probed once. */
#ifndef PROFILE_BEE_KERNEL_H
#define PROFILE_BEE_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Kernel features the unwinders use. Each is probed by asking the kernel (a tiny program or
 * map it loads, or its BTF), never by version number: distribution kernels backport features.
 * The version given with each is the mainline release that added it, for messages.
 */
enum pb_kernel_feature {
	PB_KERNEL_BTF,		/* /sys/kernel/btf/vmlinux: CO-RE relocations (5.4) */
	PB_KERNEL_TP_BTF,	/* BTF tracepoints: following forks of profiled processes (5.5) */
	PB_KERNEL_BATCH_OPS,	/* batched map lookups and updates (5.6) */
	PB_KERNEL_RINGBUF,	/* ring buffer maps (5.8) */
	PB_KERNEL_TASK_BTF,	/* bpf_get_current_task_btf (5.11) */
	PB_KERNEL_TASK_PT_REGS, /* bpf_task_pt_regs: user registers of a task in the kernel (5.15)
				 */
	PB_KERNEL_LOOP,		/* bpf_loop (5.17) */
	PB_KERNEL_FIND_VMA,	/* bpf_find_vma (5.17) */
	PB_KERNEL_FEATURE_COUNT
};

/*
 * Whether this kernel has f (probed on first use, then cached). The environment variable
 * PROFILE_BEE_KERNEL_FEATURES_OFF (a comma-separated list of names, e.g. "bpf_loop,ringbuf")
 * makes features read as missing: it shows what profile-bee does on a kernel without them.
 */
bool pb_kernel__has(enum pb_kernel_feature f);
/* The feature's name as messages and PROFILE_BEE_KERNEL_FEATURES_OFF spell it ("bpf_loop"). */
const char *pb_kernel__feature_name(enum pb_kernel_feature f);
/* The mainline release that added it ("5.17"). */
const char *pb_kernel__feature_since(enum pb_kernel_feature f);
/* This kernel's release (uname -r). */
const char *pb_kernel__release(void);

/*
 * 0 when every feature in need[0..n) is there; otherwise -EOPNOTSUPP and why says which is
 * missing and since when: "needs bpf_loop (Linux 5.17 or later); this kernel is 5.15.0-91".
 */
int pb_kernel__require(const enum pb_kernel_feature *need, size_t n, char *why, size_t len);

/*
 * What works on this kernel (profile-bee --check): the release, each feature, and whether each
 * unwinder plugin (from plugin_path, or the default search) loads its BPF program here.
 * 0 when every unwinder loads, -EOPNOTSUPP when one does not, another -errno on failure.
 */
int pb_kernel__check(FILE *out, const char *plugin_path);

#ifdef __cplusplus
}
#endif

#endif
