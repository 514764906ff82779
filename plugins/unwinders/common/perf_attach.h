/* SPDX-License-Identifier: MIT */
/* Attaches a BPF program to the session's perf events and keeps the links. */
#ifndef PB_UNWINDER_PERF_ATTACH_H
#define PB_UNWINDER_PERF_ATTACH_H

#include <bpf/libbpf.h>
#include <profile-bee/plugin.h>

struct pb_perf_links {
	struct bpf_link **links; /* one per perf event */
	int n;
};

/*
 * Attaches prog to every fd (the caller keeps owning its fds), with libbpf's messages in the
 * host's log under who; 0 or -errno.
 */
int pb_perf_links_attach(struct pb_perf_links *l, const struct pb_host *host, const char *who,
			 struct bpf_program *prog, const int *fds, int n_fds);
void pb_perf_links_destroy(struct pb_perf_links *l);

#endif
