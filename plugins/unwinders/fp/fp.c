// SPDX-License-Identifier: MIT
/* The fp unwinder plugin: loads fp.bpf.c, attaches it to the perf events, drains its counts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include <profile-bee/plugin.h>

#include "bpf_log.h"
#include "counted.h"
#include "counts.h"
#include "fp.skel.h"
#include "kernel_support.h"
#include "perf_attach.h"

struct fp_state {
	const struct pb_host *host;
	struct fp_bpf *skel;
	struct pb_perf_links links;
	struct bpf_link *fork_link;
	struct pb_counted *counted;
};

static void fp_close(void *state)
{
	struct fp_state *st = state;

	if (!st)
		return;
	if (st->skel && st->skel->bss->leaf_callers)
		st->host->log(st->host->session, PB_LOG_INFO, "fp",
			      "the caller of a frameless leaf recovered from the stack in %llu samples",
			      (unsigned long long)st->skel->bss->leaf_callers);
	pb_perf_links_destroy(&st->links);
	bpf_link__destroy(st->fork_link);
	pb_counted__free(st->counted);
	fp_bpf__destroy(st->skel);
	free(st);
}

static struct pb_counted_maps counted_maps(struct fp_bpf *skel)
{
	return (struct pb_counted_maps){
		.counts = { skel->maps.counts0, skel->maps.counts1 },
		.kstacks = { skel->maps.kstacks0, skel->maps.kstacks1 },
		.ustacks = { skel->maps.ustacks0, skel->maps.ustacks1 },
		.lost = skel->maps.lost,
		.active = &skel->bss->active,
	};
}

/* The walk depth from the "max-frames" setting; 0 when it is out of range. */
static uint32_t max_frames_setting(const struct pb_host *host, const struct pb_config *cfg)
{
	int64_t max_frames = host->config_int(cfg, "max-frames");

	if (max_frames <= 0)
		return PB_MAX_FRAMES;
	if (max_frames > PB_MAX_FRAMES) {
		host->log(host->session, PB_LOG_ERROR, "fp",
			  "max-frames is %lld, at most %d is supported", (long long)max_frames,
			  PB_MAX_FRAMES);
		return 0;
	}
	return max_frames;
}

/*
 * Following forks (tp_btf) is needed only with a pid filter. bpf_loop and task registers have
 * fallbacks (configure).
 */
static const enum pb_kernel_feature needs[] = { PB_KERNEL_BTF, PB_KERNEL_TP_BTF };

static int configure(struct fp_state *st, const struct pb_sample_params *params,
		     uint32_t max_frames)
{
	struct fp_bpf *skel = st->skel;
	struct pb_counted_maps maps = counted_maps(skel);

	skel->rodata->filter_pids = params->filter_pids;
	skel->rodata->include_idle = params->idle;
	skel->rodata->user_stacks = params->user;
	skel->rodata->kernel_stacks = params->kernel;
	skel->rodata->max_frames = max_frames;
	skel->rodata->use_bpf_loop = pb_unwinder_optional(
		st->host, "fp", PB_KERNEL_LOOP, "the walk is a loop the verifier unrolls");
	skel->rodata->use_task_regs = pb_unwinder_task_regs(st->host, "fp");
	/* Without a pid filter the fork follower has nothing to do. */
	return pb_counted_size_maps(&maps, params) ?:
	       bpf_program__set_autoload(skel->progs.pb_filter_fork, params->filter_pids);
}

static int fp_open(const struct pb_host *host, const struct pb_sample_params *params,
		   const struct pb_config *cfg, void **state)
{
	struct pb_counted_maps maps;
	struct fp_state *st;
	libbpf_print_fn_t prev;
	uint32_t max_frames;
	int err;

	if (!host || host->abi_major != PB_PLUGIN_ABI_MAJOR || !params ||
	    params->sz < sizeof(*params) || (!params->user && !params->kernel))
		return -EINVAL;
	max_frames = max_frames_setting(host, cfg);
	if (!max_frames)
		return -EINVAL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->host = host;

	prev = pb_bpf_log_begin(host, "fp");
	err = pb_unwinder_require(host, needs, params->filter_pids ? 2 : 1);
	if (!err) {
		st->skel = fp_bpf__open();
		err = st->skel ? configure(st, params, max_frames) : -errno;
	}
	if (!err && (err = fp_bpf__load(st->skel)))
		pb_bpf_log_load_failed(host, err);
	/* Live from the start, so a command spawned before attach still has its forks followed. */
	if (!err && params->filter_pids) {
		st->fork_link = bpf_program__attach(st->skel->progs.pb_filter_fork);
		if (!st->fork_link)
			err = -errno;
	}
	if (!err) {
		maps = counted_maps(st->skel);
		err = pb_counted__new(host, &maps, NULL, 0,
				      max_frames < PB_MAX_FRAMES ? "max-frames" : NULL,
				      &st->counted);
	}
	pb_bpf_log_end(prev);
	if (err) {
		fp_close(st);
		return err;
	}
	*state = st;
	return 0;
}

static int fp_attach(void *state, const int *perf_fds, int n_fds)
{
	struct fp_state *st = state;
	libbpf_print_fn_t prev = pb_bpf_log_begin(st->host, "fp");
	int err = pb_perf_links_attach(&st->links, st->skel->progs.pb_fp_sample, perf_fds, n_fds);

	pb_bpf_log_end(prev);
	return err;
}

static int fp_add_pid(void *state, uint32_t pid)
{
	struct fp_state *st = state;
	uint8_t one = 1;

	return bpf_map__update_elem(st->skel->maps.pids, &pid, sizeof(pid), &one, sizeof(one),
				    BPF_ANY);
}

static int fp_drain(void *state, pb_raw_stack_fn fn, void *ctx)
{
	struct fp_state *st = state;

	return pb_counted__drain(st->counted, fn, ctx);
}

static const struct pb_unwinder_ops ops = {
	.sz = sizeof(struct pb_unwinder_ops),
	.open = fp_open,
	.attach = fp_attach,
	.add_pid = fp_add_pid,
	.drain = fp_drain,
	.close = fp_close,
};

static const struct pb_config_key config_keys[] = {
	{
		.name = "max-frames",
		.type = PB_CONFIG_INT,
		.default_value = "127",
		.help = "user frames walked at most per sample (1-127); fewer is cheaper",
	},
	{ .name = NULL },
};

/* 0 keeps the default. */
static const struct pb_config_limit limits[] = {
	{ "max-frames", 0, PB_MAX_FRAMES },
	{ .name = NULL },
};

static const struct pb_plugin descriptor = {
	PB_PLUGIN_DESCRIPTOR_INIT,
	.kind = PB_PLUGIN_UNWINDER,
	.name = "fp",
	.description = "frame pointers, walked in BPF (needs binaries built with frame pointers)",
	.config_keys = config_keys,
	.config_limits = limits,
	.unwinder = &ops,
};

PB_PLUGIN_EXPORT(&descriptor)
