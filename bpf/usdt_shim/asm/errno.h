/* SPDX-License-Identifier: MIT */
/*
 * The errno values libbpf's usdt.bpf.h uses. Its <linux/errno.h> includes <asm/errno.h>, which
 * Debian keeps in the multiarch directory a BPF target does not search. bpf/meson.build adds
 * this directory to the BPF compiler's search path only (userspace keeps the real one).
 */
#ifndef PB_BPF_ASM_ERRNO_H
#define PB_BPF_ASM_ERRNO_H
#define ENOENT 2
#define ESRCH  3
#define EINVAL 22
#endif
