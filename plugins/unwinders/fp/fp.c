// SPDX-License-Identifier: MIT
/* The fp unwinder plugin: loads fp.bpf.c, attaches it to the perf events, drains its counts. */
#include <errno.h>
#include <stdlib.h>

#include <bpf/libbpf.h>
#include <linux/types.h>

#include <profile-bee/plugin.h>

#include "bpf_log.h"
#include "counted.h"
#include "counts.h"
#include "filter.h"
#include "fp.skel.h"
#include "kernel_support.h"
#include "unwinder.h"

struct fp_settings {
	int64_t max_frames;
};

static const struct pb_config_key config_keys[] = {
	PB_UNWINDER_KEY_MAX_FRAMES(struct fp_settings, max_frames,
				   "user frames walked at most per sample; fewer is cheaper"),
	{ .name = NULL },
};

struct fp_state {
	struct pb_counting counting; /* first: the shared ops take the state for it */
	struct fp_bpf *skel;
};

static void fp_close(void *state)
{
	struct fp_state *st = state;

	if (!st)
		return;
	if (st->skel && st->skel->bss->leaf_callers)
		st->counting.host->log(st->counting.host->session, PB_LOG_INFO, "fp",
				       "the caller of a frameless leaf recovered from the stack in "
				       "%llu samples",
				       (unsigned long long)st->skel->bss->leaf_callers);
	pb_counting_release(&st->counting);
	fp_bpf__destroy(st->skel);
	free(st);
}

/*
 * Following forks and off-CPU time (tp_btf) need BTF tracepoints; nothing else does. bpf_loop and task registers have
 * fallbacks (configure).
 */
static const enum pb_kernel_feature needs[] = { PB_KERNEL_BTF, PB_KERNEL_TP_BTF };

static int configure(struct fp_state *st, const struct pb_sample_params *params,
		     const struct fp_settings *set)
{
	struct fp_bpf *skel = st->skel;
	const struct pb_host *host = st->counting.host;

	skel->rodata->max_frames = set->max_frames;
	skel->rodata->key_tid = PB_HAS(params, per_thread) && params->per_thread;
	skel->rodata->key_cpu = PB_HAS(params, per_cpu) && params->per_cpu;
	skel->rodata->use_bpf_loop = pb_unwinder_optional(
		host, "fp", PB_KERNEL_LOOP, "the walk is a loop the verifier unrolls");
	skel->rodata->use_task_regs = pb_unwinder_task_regs(host, "fp");
	/* The interpreter walk is bpf_loop steps: without it, native frames only. */
	skel->rodata->python_walk = skel->rodata->use_bpf_loop && params->user &&
				    pb_counted_python_mode(params) != PB_PYTHON_OFF;
	st->counting.sample = skel->progs.pb_perf_sample;
	st->counting.pids = skel->maps.pids;
	st->counting.skipped_threads = &skel->bss->skipped_threads;
	st->counting.params = params;
	st->counting.probes = PB_PROBE_PROGS(skel);
	return pb_probes_prepare(&st->counting.probes, params) ?:
	       PB_FILTER_CONFIGURE(skel, params) ?: PB_COUNTING_OFFCPU(&st->counting, skel, params) ?:
	       pb_counted_size_maps(&PB_COUNTED_MAPS(skel), params);
}

static int fp_open(const struct pb_host *host, const struct pb_sample_params *params,
		   const struct pb_config *cfg, void **state)
{
	struct fp_settings set;
	struct fp_state *st;
	libbpf_print_fn_t prev;
	void *mem;
	int err;

	err = pb_counting_new(host, params, "fp", sizeof(*st), &mem);
	if (err)
		return err;
	st = mem;
	pb_config__bind(cfg, &set);
	prev = pb_bpf_log_begin(host, "fp");
	/* BTF tracepoints: following forks, and sched_switch for off-CPU time. */
	err = pb_unwinder_require(host, needs,
				  params->filter_pids || pb_counted_event(params) != PB_EVENT_CPU
					  ? 2
					  : 1);
	if (!err) {
		st->skel = fp_bpf__open();
		err = st->skel ? configure(st, params, &set) : -errno;
	}
	if (!err && (err = fp_bpf__load(st->skel)))
		pb_bpf_log_load_failed(host, err);
	if (!err)
		err = PB_FILTER_ATTACH(st->skel, params, &st->counting.filter_links) ?:
		      pb_counting_python(&st->counting, params, &PB_COUNTED_MAPS(st->skel)) ?:
		      pb_counted__new(host, &PB_COUNTED_MAPS(st->skel), NULL, 0,
				      set.max_frames < PB_MAX_FRAMES ? "max-frames" : NULL,
				      &st->counting.counted);
	pb_bpf_log_end(prev);
	if (err) {
		fp_close(st);
		return err;
	}
	*state = st;
	return 0;
}

static const struct pb_unwinder_ops ops = {
	PB_COUNTING_OPS_INIT,
	.open = fp_open,
	.close = fp_close,
	.on_mapping = pb_counting_on_mapping, /* CPython processes (--python) */
	.on_exit = pb_counting_on_exit,
};

static const struct pb_plugin descriptor = {
	PB_PLUGIN_DESCRIPTOR_INIT,
	.kind = PB_PLUGIN_UNWINDER,
	.name = "fp",
	.description = "frame pointers, walked in BPF (needs binaries built with frame pointers)",
	.config_keys = config_keys,
	.settings_size = sizeof(struct fp_settings),
	.unwinder = &ops,
	.unwinder_flags = PB_UNWINDER_OFF_CPU,
};

PB_PLUGIN_EXPORT(&descriptor)
