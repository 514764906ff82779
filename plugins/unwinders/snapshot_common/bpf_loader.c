// SPDX-License-Identifier: MIT
/* Loads snapshot.bpf.c, attaches it to the perf events and reads its ring buffer and counters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_log.h"
#include "counted.h"
#include "filter.h"
#include "kernel_support.h"
#include "perf_attach.h"
#include "snap_internal.h"
#include "snapshot.skel.h"

struct pb_snap_bpf {
	const struct pb_host *host;
	struct snapshot_bpf *skel;
	struct pb_perf_links links;
	struct pb_filter_links filter_links;
	struct ring_buffer *rb;
	/* Off-CPU samples (snapshot_offcpu.bpf.h): settings and attach as fp's and dwarf's. */
	struct pb_counting offcpu;
	__u64 oncpu_ns;
	uint64_t *percpu;
	int n_cpus;
	uint64_t lost_seen[PB_SNAP_LOST_MAX];
};

static const struct {
	const char *name;
	const char *hint;
} causes[PB_SNAP_LOST_MAX] = {
	[PB_SNAP_LOST_RING_FULL] = {"snapshot ring buffer full (unwinding fell behind)",
				    "ring-size or a lower -F"},
	[PB_SNAP_LOST_STACK_READ] = {"user stack not readable", NULL},
	[PB_SNAP_LOST_KSTACK] = {"kernel stack not readable", NULL},
	[PB_SNAP_LOST_NO_TASK_REGS] = {"user stack of samples in the kernel (needs Linux 5.15)",
				       NULL},
	[PB_SNAP_LOST_OFFCPU_RING] = {"off-CPU samples: ring buffer full (unwinding fell behind)",
				      "ring-size, a smaller stack-size or --min-block-us"},
	[PB_SNAP_LOST_BLOCKS_FULL] = {"off-CPU blocks: too many threads off CPU at once", NULL},
};

/* Threads off CPU at once that are remembered (16 bytes each): as fp's and dwarf's. */
#define MAX_OFFCPU_BLOCKS 16384

void pb_snap_bpf__free(struct pb_snap_bpf *b)
{
	if (!b)
		return;
	pb_perf_links_destroy(&b->links);
	bpf_link__destroy(b->offcpu.offcpu_link);
	pb_filter_detach(&b->filter_links);
	ring_buffer__free(b->rb);
	snapshot_bpf__destroy(b->skel);
	free(b->percpu);
	free(b);
}

static int configure(struct pb_snap_bpf *b, const struct pb_sample_params *params,
		     const struct pb_snap_bpf_opts *opts)
{
	struct snapshot_bpf *skel = b->skel;
	int err = PB_FILTER_CONFIGURE(skel, params);
	bool offcpu;

	skel->rodata->stack_size = opts->stack_size;
	skel->rodata->wakeup_bytes = opts->ring_size / 4;
	skel->rodata->use_task_regs = pb_unwinder_task_regs(b->host, "snapshot");
	/* The interpreter walk is bpf_loop steps: without it, native frames only. */
	skel->rodata->python_walk =
		params->user && pb_counted_python_mode(params) != PB_PYTHON_OFF &&
		pb_unwinder_optional(b->host, "snapshot", PB_KERNEL_LOOP,
				     "Python processes show native frames only");
	skel->rodata->use_find_vma =
		pb_kernel__has(PB_KERNEL_TASK_BTF) &&
		pb_unwinder_optional(b->host, "snapshot", PB_KERNEL_FIND_VMA,
				     "stack copies that would run past the stack take one page");
	err = err ?: pb_counting_offcpu(&b->offcpu, params, skel->progs.pb_snap_switch, &b->oncpu_ns,
				       &skel->rodata->offcpu_states, &skel->rodata->min_block_ns,
				       &skel->rodata->max_block_ns, &skel->rodata->offcpu_cpu,
				       &skel->bss->offcpu_paused, &skel->bss->self_tgid);
	offcpu = b->offcpu.event != PB_EVENT_CPU;
	/* The sched_switch program's scratch slots follow the perf program's. */
	skel->rodata->switch_slot_base = b->n_cpus;
	err = err ?: bpf_map__set_max_entries(skel->maps.scratch, b->n_cpus * (offcpu ? 2 : 1));
	err = err ?: bpf_map__set_max_entries(skel->maps.snap_blocks,
					      offcpu ? MAX_OFFCPU_BLOCKS : 1);
	err = err ?: bpf_map__set_max_entries(skel->maps.ring, opts->ring_size);
	return err;
}

/* Samples reach userspace through a ring buffer; tp_btf (following forks) only with a filter. */
static const enum pb_kernel_feature needs[] = { PB_KERNEL_BTF, PB_KERNEL_RINGBUF,
						PB_KERNEL_TP_BTF };

int pb_snap_bpf__open(const struct pb_host *host, const struct pb_sample_params *params,
		      const struct pb_snap_bpf_opts *opts, struct pb_snap_bpf **ret)
{
	struct pb_snap_bpf *b = calloc(1, sizeof(*b));
	libbpf_print_fn_t prev;
	int err;

	if (!b)
		return -ENOMEM;
	b->host = host;
	b->n_cpus = libbpf_num_possible_cpus();
	if (b->n_cpus <= 0) {
		err = b->n_cpus ?: -EINVAL;
		free(b);
		return err;
	}
	b->percpu = calloc(b->n_cpus, sizeof(*b->percpu));
	if (!b->percpu) {
		free(b);
		return -ENOMEM;
	}
	prev = pb_bpf_log_begin(host, "snapshot");
	err = pb_unwinder_require(host, needs, params->filter_pids ? 3 : 2);
	if (err)
		goto out;
	b->skel = snapshot_bpf__open();
	if (!b->skel) {
		err = -errno;
		goto out;
	}
	if ((err = configure(b, params, opts)))
		goto out;
	err = snapshot_bpf__load(b->skel);
	if (err) {
		pb_bpf_log_load_failed(host, err);
		goto out;
	}
	err = PB_FILTER_ATTACH(b->skel, params, &b->filter_links);
	if (err)
		goto out;
	b->rb = ring_buffer__new(bpf_map__fd(b->skel->maps.ring), opts->on_sample, opts->ctx,
				 NULL);
	if (!b->rb)
		err = -errno;
out:
	pb_bpf_log_end(prev);
	if (err) {
		pb_snap_bpf__free(b);
		return err;
	}
	*ret = b;
	return 0;
}

int pb_snap_bpf__attach(struct pb_snap_bpf *b, const int *perf_fds, int n_fds)
{
	return pb_perf_links_attach(&b->links, b->host, "snapshot",
				    b->skel->progs.pb_snapshot_sample, perf_fds, n_fds) ?:
	       pb_counting_offcpu_attach(&b->offcpu);
}

int pb_snap_bpf__add_pid(struct pb_snap_bpf *b, uint32_t pid)
{
	int err = pb_filter_add_pid(b->skel->maps.pids, pid);

	/* The profiler profiling itself (an agent): its own threads are skipped by tid. */
	if (!err && pid == (uint32_t)getpid())
		b->skel->bss->self_tgid = 0;
	return err;
}

int pb_snap_bpf__set_enabled(struct pb_snap_bpf *b, bool on)
{
	return pb_counting_set_enabled(&b->offcpu, on);
}

bool pb_snap_bpf__block_open(struct pb_snap_bpf *b, uint32_t tid, uint64_t start_ns)
{
	uint64_t start;

	return !bpf_map_lookup_elem(bpf_map__fd(b->skel->maps.snap_blocks), &tid, &start) &&
	       start == start_ns;
}

uint32_t pb_snap_bpf__event(const struct pb_snap_bpf *b, uint64_t *oncpu_us)
{
	*oncpu_us = b->oncpu_ns / 1000;
	return b->offcpu.event;
}

int pb_snap_bpf__skip_thread(struct pb_snap_bpf *b, uint32_t tid)
{
	return pb_filter_skip_thread(b->skel->maps.pids, &b->skel->bss->skipped_threads, tid);
}

int pb_snap_bpf__poll_fd(struct pb_snap_bpf *b)
{
	return ring_buffer__epoll_fd(b->rb);
}

int pb_snap_bpf__consume(struct pb_snap_bpf *b)
{
	return ring_buffer__consume(b->rb);
}

void pb_snap_bpf__report_lost(struct pb_snap_bpf *b)
{
	int fd = bpf_map__fd(b->skel->maps.lost);
	uint64_t sum;

	for (uint32_t cause = 0; cause < PB_SNAP_LOST_MAX; cause++) {
		if (bpf_map_lookup_elem(fd, &cause, b->percpu))
			continue;
		sum = 0;
		for (int cpu = 0; cpu < b->n_cpus; cpu++)
			sum += b->percpu[cpu];
		/* Totals only grow; reporting the difference needs no reset racing the program. */
		if (sum > b->lost_seen[cause])
			b->host->count_lost(b->host->session, causes[cause].name,
					    sum - b->lost_seen[cause], causes[cause].hint);
		b->lost_seen[cause] = sum;
	}
}

struct bpf_map *pb_snap_bpf__py_procs(struct pb_snap_bpf *b)
{
	return b->skel->maps.py_procs;
}
