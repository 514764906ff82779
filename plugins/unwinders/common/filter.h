/* SPDX-License-Identifier: MIT */
/* The userspace half of bpf/filter.bpf.h, for the skeleton of every program that includes it. */
#ifndef PB_UNWINDER_FILTER_H
#define PB_UNWINDER_FILTER_H

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

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
	uint8_t target = 1; /* PB_FILTER_TARGET */

	return bpf_map__update_elem(pids, &pid, sizeof(pid), &target, sizeof(target), BPF_ANY);
}

/*
 * Never samples thread tid (a process's first thread cannot be skipped: its tid is the
 * process's pid). skipped is the skeleton's bss->skipped_threads, which turns the lookup on.
 */
static inline int pb_filter_skip_thread(struct bpf_map *pids, uint32_t *skipped, uint32_t tid)
{
	uint8_t skip = 2; /* PB_FILTER_SKIP */
	int err;

	if (tid == (uint32_t)getpid())
		return -EINVAL;
	err = bpf_map__update_elem(pids, &tid, sizeof(tid), &skip, sizeof(skip), BPF_ANY);
	if (!err)
		__atomic_add_fetch(skipped, 1, __ATOMIC_RELAXED);
	return err;
}

#endif
