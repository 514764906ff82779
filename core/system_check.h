/* SPDX-License-Identifier: MIT */
/* Whether this process and kernel can profile at all: privileges, BTF, perf_event_paranoid. */
#ifndef PB_SYSTEM_CHECK_H
#define PB_SYSTEM_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/* 0, or -EPERM / -ENOTSUP with why written into why. */
int pb_check_system(char *why, size_t len);
/* Root, or CAP_BPF and CAP_PERFMON: what loading BPF and CPU-wide perf events need. */
bool pb_check_bpf_privileges(void);
/* /proc/sys/kernel/perf_event_paranoid (2 when it cannot be read). */
int pb_check_perf_paranoid(void);
/*
 * Whether this process may sample user stacks of its own (same-user) processes with perf
 * events, no BPF: 0, or -EACCES with why (naming perf_event_paranoid) written into why.
 */
int pb_check_perf_self(char *why, size_t len);

#endif
