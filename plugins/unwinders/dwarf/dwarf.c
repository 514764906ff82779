// SPDX-License-Identifier: MIT
/* The dwarf unwinder plugin: loads dwarf.bpf.c, feeds it CFI tables and mappings, drains it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_log.h"
#include "counted.h"
#include "dwarf.skel.h"
#include "dwarf_internal.h"
#include "filter.h"
#include "kernel_support.h"
#include "unwinder.h"

/* The walk's own causes, numbered from PB_LOST_COMMON as in dwarf_abi.h. */
static const struct pb_counted_cause dwarf_causes[] = {
	{ "dwarf: user stack cut at a CFI rule BPF cannot follow", NULL },
	{ "dwarf: user stack cut at a pc without CFI", NULL },
	{ "dwarf: user stack cut at a binary whose table was being built", NULL },
	{ "dwarf: user stack cut at a binary left without a table", "unwinder.dwarf.max-rows" },
	{ "dwarf: user stack cut at an unreadable or inconsistent frame", NULL },
	{ "dwarf: user stack cut at a pc outside known mappings", NULL },
	/* Not a loss: said beside them so a user sees how often JIT code was walked by fp. */
	{ "dwarf: stacks walked by fp through code without CFI (not lost)", NULL },
};
_Static_assert(PB_LOST_COMMON + sizeof(dwarf_causes) / sizeof(dwarf_causes[0]) ==
		       PB_DWARF_LOST_MAX,
	       "one name per dwarf lost cause");

struct dw_settings {
	int64_t max_frames, max_binaries, max_rows, max_processes, keep_unused;
};

#define KEY_INT(field, key, def, max, help)                                                        \
	PB_KEY_INT(struct dw_settings, field, key, def, 1, max, help)

static const struct pb_config_key config_keys[] = {
	PB_UNWINDER_KEY_MAX_FRAMES(struct dw_settings, max_frames,
				   "user frames walked at most per sample; fewer is cheaper"),
	KEY_INT(max_binaries, "max-binaries", "4096", 1 << 20,
		"distinct binaries (files and the vDSO) given an unwind table"),
	KEY_INT(max_rows, "max-rows", "2097152", 1 << 28,
		"unwind rows of all binaries together, 12 bytes each (libc: ~28k rows)"),
	KEY_INT(max_processes, "max-processes", "8192", 1 << 22,
		"processes with a mapping table (up to 256 executable mappings each); others are "
		"walked with frame pointers"),
	/*
	 * Measured: a 2-minute soak beside a compile loop built cc1's table (6.8 s) again for
	 * every compile when tables went 2 s after their last process. Rows of unused tables cost
	 * nothing until a new table needs them, and then they go at once.
	 */
	PB_KEY_INT(struct dw_settings, keep_unused, "keep-unused", "30", 0, 86400,
		   "seconds a table no process maps is kept for the program's next run (sooner "
		   "when a new table needs its rows)"),
	{ .name = NULL },
};

static void dw_close(void *state)
{
	struct dw_state *st = state;

	if (!st)
		return;
	pb_counting_release(&st->counting);
	ring_buffer__free(st->events);
	dw_binaries__report(st->bins);
	dw_procs__report(st->procs);
	/* The worker first: it writes to the maps the skeleton owns. */
	dw_binaries__free(st->bins);
	dw_procs__free(st->procs);
	dwarf_bpf__destroy(st->skel);
	free(st);
}

static int configure(struct dw_state *st, const struct pb_sample_params *params,
		     const struct dw_settings *set)
{
	struct dwarf_bpf *skel = st->skel;
	int err;

	st->max_frames = set->max_frames;
	st->limits = (struct dw_limits){
		.max_binaries = set->max_binaries,
		.max_rows = set->max_rows,
		.max_processes = set->max_processes,
		.keep_unused_ns = set->keep_unused * 1000000000ull,
	};
	skel->rodata->max_frames = st->max_frames;
	skel->rodata->key_tid = PB_HAS(params, per_thread) && params->per_thread;
	skel->rodata->key_cpu = PB_HAS(params, per_cpu) && params->per_cpu;
	skel->rodata->use_task_regs = pb_unwinder_task_regs(st->counting.host, "dwarf");
	skel->rodata->python_walk =
		params->user && pb_counted_python_mode(params) != PB_PYTHON_OFF;
	st->user = params->user;
	st->counting.sample = skel->progs.pb_perf_sample;
	st->counting.pids = skel->maps.pids;
	st->counting.skipped_threads = &skel->bss->skipped_threads;
	st->counting.params = params;
	st->counting.probes = PB_PROBE_PROGS(skel);
	err = pb_probes_prepare(&st->counting.probes, params);
	err = err ?: PB_FILTER_CONFIGURE(skel, params) ?:
		     PB_COUNTING_OFFCPU(&st->counting, skel, params);
	err = err ?: pb_counted_size_maps(&PB_COUNTED_MAPS(skel), params);
	/* Without user stacks there is nothing to unwind: keep the tables minimal. */
	err = err ?: bpf_map__set_max_entries(skel->maps.rows,
					      params->user ? st->limits.max_rows : 1);
	err = err ?: bpf_map__set_max_entries(skel->maps.tables,
					      params->user ? st->limits.max_binaries : 1);
	err = err ?: bpf_map__set_max_entries(skel->maps.procs,
					      params->user ? st->limits.max_processes : 1);
	return err;
}

/*
 * The walk is bpf_loop steps; tables ask for work through a ring buffer. tp_btf (following
 * forks) is needed only with a pid filter, so it stays last.
 */
static const enum pb_kernel_feature needs[] = { PB_KERNEL_BTF, PB_KERNEL_LOOP, PB_KERNEL_RINGBUF,
						PB_KERNEL_TP_BTF };

static int dw_open(const struct pb_host *host, const struct pb_sample_params *params,
		   const struct pb_config *cfg, void **state)
{
	struct dw_settings set;
	struct dw_state *st;
	libbpf_print_fn_t prev;
	void *mem;
	int err;

	err = pb_counting_new(host, params, "dwarf", sizeof(*st), &mem);
	if (err)
		return err;
	st = mem;
	pb_config__bind(cfg, &set);
	prev = pb_bpf_log_begin(host, "dwarf");
	err = pb_unwinder_require(host, needs,
				  sizeof(needs) / sizeof(needs[0]) - !params->filter_pids);
	if (err)
		goto out;
	st->skel = dwarf_bpf__open();
	if (!st->skel) {
		err = -errno;
		goto out;
	}
	err = configure(st, params, &set);
	if (err)
		goto out;
	err = dwarf_bpf__load(st->skel);
	if (err) {
		pb_bpf_log_load_failed(host, err);
		goto out;
	}
	err = PB_FILTER_ATTACH(st->skel, params, &st->counting.filter_links);
	err = err ?: dw_binaries__new(host, bpf_map__fd(st->skel->maps.rows),
				      bpf_map__fd(st->skel->maps.tables), &st->limits,
				      !params->filter_pids, &st->bins);
	err = err ?: pb_counting_skip_thread(st, (uint32_t)dw_binaries__worker_tid(st->bins));
	err = err ?: dw_procs__new(host, st->bins, bpf_map__fd(st->skel->maps.procs), &st->limits,
				   &st->procs);
	err = err ?: dw_events_init(st);
	err = err ?: pb_counting_python(&st->counting, params, &PB_COUNTED_MAPS(st->skel));
	err = err ?: pb_counted__new(host, &PB_COUNTED_MAPS(st->skel), dwarf_causes,
				     sizeof(dwarf_causes) / sizeof(dwarf_causes[0]),
				     st->max_frames < PB_MAX_FRAMES ? "unwinder.dwarf.max-frames"
								    : NULL,
				     &st->counting.counted);
out:
	pb_bpf_log_end(prev);
	if (err) {
		dw_close(st);
		return err;
	}
	*state = st;
	return 0;
}

static void dw_on_mapping(void *state, uint32_t pid, const struct pb_mapping *m)
{
	struct dw_state *st = state;

	if (st->user)
		dw_procs__add_mapping(st->procs, pid, m);
	pb_counting_on_mapping(state, pid, m);
}

static void dw_on_exit(void *state, uint32_t pid)
{
	struct dw_state *st = state;

	dw_procs__exit(st->procs, pid);
	pb_counting_on_exit(state, pid);
}

static const struct pb_unwinder_ops ops = {
	PB_COUNTING_OPS_INIT,
	.open = dw_open,
	.close = dw_close,
	.poll_fd = dw_events_fd,
	.consume = dw_events_consume,
	.on_mapping = dw_on_mapping,
	.on_exit = dw_on_exit,
};

static const struct pb_plugin descriptor = {
	PB_PLUGIN_DESCRIPTOR_INIT,
	.kind = PB_PLUGIN_UNWINDER,
	.name = "dwarf",
	.description = ".eh_frame CFI turned into tables in BPF maps and walked in BPF "
		       "(works without frame pointers; Linux 5.17+)",
	.config_keys = config_keys,
	.settings_size = sizeof(struct dw_settings),
	.unwinder = &ops,
	.unwinder_flags = PB_UNWINDER_OFF_CPU,
};

PB_PLUGIN_EXPORT(&descriptor)
