/* SPDX-License-Identifier: MIT */
/* Routes libbpf's messages to the host's log while a plugin calls into libbpf. */
#ifndef PB_UNWINDER_BPF_LOG_H
#define PB_UNWINDER_BPF_LOG_H

#include <bpf/libbpf.h>
#include <profile-bee/plugin.h>

/* libbpf's print hook is process-wide: set it around each libbpf call sequence, then restore. */
libbpf_print_fn_t pb_bpf_log_begin(const struct pb_host *host, const char *who);
void pb_bpf_log_end(libbpf_print_fn_t prev);
/*
 * Reports a skeleton load that failed with err (between begin and end): the verifier's verdict
 * when libbpf logged one, else the error.
 */
void pb_bpf_log_load_failed(const struct pb_host *host, int err);

#endif
