/* SPDX-License-Identifier: MIT */
/* The userspace half of bpf/filter.bpf.h, for the skeleton of every program that includes it. */
#ifndef PB_UNWINDER_FILTER_H
#define PB_UNWINDER_FILTER_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <profile-bee/plugin.h>

/*
 * Before load: the filter's rodata from the session's params. Without a pid filter the fork
 * follower and the exit watcher have nothing to do, so they are not loaded (tp_btf then is not
 * needed). 0 or -errno.
 */
#define PB_FILTER_CONFIGURE(skel, params)                                                          \
	((skel)->rodata->filter_pids = (params)->filter_pids,                                      \
	 (skel)->rodata->include_idle = (params)->idle,                                            \
	 (skel)->rodata->user_stacks = (params)->user,                                             \
	 (skel)->rodata->kernel_stacks = (params)->kernel,                                         \
	 (skel)->rodata->n_cgroups = pb_filter_n_cgroups(params),                                  \
	 bpf_program__set_autoload((skel)->progs.pb_filter_fork, (params)->filter_pids),            \
	 bpf_program__set_autoload((skel)->progs.pb_filter_exit, (params)->filter_pids))

static inline uint32_t pb_filter_n_cgroups(const struct pb_sample_params *params)
{
	return PB_HAS(params, n_cgroups) && params->cgroups ? params->n_cgroups : 0;
}

/* The filter's tracing programs, attached once loaded. */
struct pb_filter_links {
	struct bpf_link *fork; /* both NULL without a pid filter */
	struct bpf_link *exit;
};

/*
 * After load: --cgroup's directories into the cgroups map, and with a pid filter, the fork
 * follower and the exit watcher (followed processes and skipped threads leave the filter as
 * they exit) attached at once, so that a command spawned before attach still has its children
 * followed. 0 or -errno.
 */
#define PB_FILTER_ATTACH(skel, params, links)                                                      \
	(pb_filter_set_cgroups((skel)->maps.cgroups, (params)) ?:                                  \
	 pb_filter_attach((skel)->progs.pb_filter_fork, (skel)->progs.pb_filter_exit,              \
			  (params)->filter_pids, (links)))

/* Slot i of the cgroups map holds the cgroup of --cgroup's i-th directory (the map keeps it). */
static inline int pb_filter_set_cgroups(struct bpf_map *cgroups,
					const struct pb_sample_params *params)
{
	uint32_t n = pb_filter_n_cgroups(params);

	if (n > PB_MAX_CGROUPS)
		return -E2BIG;
	for (uint32_t i = 0; i < n; i++) {
		int fd = open(params->cgroups[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC), err;

		if (fd < 0)
			return -errno;
		err = bpf_map__update_elem(cgroups, &i, sizeof(i), &fd, sizeof(fd), BPF_ANY);
		close(fd);
		if (err)
			return err;
	}
	return 0;
}

static inline int pb_filter_attach(struct bpf_program *fork, struct bpf_program *exit,
				   bool filter_pids, struct pb_filter_links *links)
{
	if (!filter_pids)
		return 0;
	links->exit = bpf_program__attach(exit);
	if (!links->exit)
		return -errno;
	links->fork = bpf_program__attach(fork);
	return links->fork ? 0 : -errno;
}

static inline void pb_filter_detach(struct pb_filter_links *links)
{
	bpf_link__destroy(links->fork);
	bpf_link__destroy(links->exit);
	links->fork = links->exit = NULL;
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
