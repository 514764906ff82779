/* SPDX-License-Identifier: MIT */
/* What an unwinder needs from the kernel: required features refused clearly, fallbacks said. */
#ifndef PB_UNWINDER_KERNEL_SUPPORT_H
#define PB_UNWINDER_KERNEL_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <profile-bee/kernel.h>
#include <profile-bee/plugin.h>

/*
 * 0 when the kernel has every feature in need[0..n); otherwise logs the one message naming the
 * first missing feature and the release that added it, and returns -EOPNOTSUPP.
 */
int pb_unwinder_require(const struct pb_host *host, const enum pb_kernel_feature *need, size_t n);

/*
 * Whether samples taken in the kernel can have user stacks (bpf_get_current_task_btf and
 * bpf_task_pt_regs); when not, says so once at info level: those user stacks are counted lost.
 */
bool pb_unwinder_task_regs(const struct pb_host *host, const char *who);

/* Whether f is there; when not, says at info level what the unwinder does instead. */
bool pb_unwinder_optional(const struct pb_host *host, const char *who, enum pb_kernel_feature f,
			  const char *instead);

#endif
