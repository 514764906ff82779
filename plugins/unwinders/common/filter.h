/* SPDX-License-Identifier: MIT */
/* The userspace half of bpf/filter.bpf.h, for the skeleton of every program that includes it. */
#ifndef PB_UNWINDER_FILTER_H
#define PB_UNWINDER_FILTER_H

#include <errno.h>
#include <stdint.h>

#include <bpf/libbpf.h>
#include <profile-bee/plugin.h>

/*
 * Before load: the filter's rodata from the session's params. Without a pid filter the fork
 * follower has nothing to do, so it is not loaded. 0 or -errno.
 */
#define PB_FILTER_CONFIGURE(skel, params)                                                          \
	((skel)->rodata->filter_pids = (params)->filter_pids,                                      \
	 (skel)->rodata->include_idle = (params)->idle,                                            \
	 (skel)->rodata->user_stacks = (params)->user,                                             \
	 (skel)->rodata->kernel_stacks = (params)->kernel,                                         \
	 bpf_program__set_autoload((skel)->progs.pb_filter_fork, (params)->filter_pids))

/*
 * After load, with a pid filter: attaches the fork follower at once, so a command spawned
 * before attach still has its children followed. Without a filter *link stays NULL.
 */
static inline int pb_filter_follow_forks(struct bpf_program *fork, bool filter_pids,
					 struct bpf_link **link)
{
	if (!filter_pids)
		return 0;
	*link = bpf_program__attach(fork);
	return *link ? 0 : -errno;
}

/* Adds a process (its threads, and children once they fork) to the filter's pids map. */
static inline int pb_filter_add_pid(struct bpf_map *pids, uint32_t pid)
{
	uint8_t one = 1;

	return bpf_map__update_elem(pids, &pid, sizeof(pid), &one, sizeof(one), BPF_ANY);
}

#endif
