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
#include "kernel_support.h"
#include "perf_attach.h"

/* The walk's own causes, numbered from PB_LOST_COMMON as in dwarf_abi.h. */
static const struct pb_counted_cause dwarf_causes[] = {
	{ "dwarf: user stack cut at a CFI rule BPF cannot follow", NULL },
	{ "dwarf: user stack cut at a pc without CFI", NULL },
	{ "dwarf: user stack cut at a binary whose table was being built", NULL },
	{ "dwarf: user stack cut at a binary left without a table", "unwinder.dwarf.max-rows" },
	{ "dwarf: user stack cut at an unreadable or inconsistent frame", NULL },
	{ "dwarf: user stack cut at a pc outside known mappings", NULL },
};
_Static_assert(PB_LOST_COMMON + sizeof(dwarf_causes) / sizeof(dwarf_causes[0]) ==
		       PB_DWARF_LOST_MAX,
	       "one name per dwarf lost cause");

static struct pb_counted_maps counted_maps(struct dwarf_bpf *skel)
{
	return (struct pb_counted_maps){
		.counts = { skel->maps.counts0, skel->maps.counts1 },
		.kstacks = { skel->maps.kstacks0, skel->maps.kstacks1 },
		.ustacks = { skel->maps.ustacks0, skel->maps.ustacks1 },
		.lost = skel->maps.lost,
		.active = &skel->bss->active,
	};
}

static void dw_close(void *state)
{
	struct dw_state *st = state;

	if (!st)
		return;
	pb_perf_links_destroy(&st->links);
	bpf_link__destroy(st->fork_link);
	ring_buffer__free(st->events);
	dw_binaries__report(st->bins);
	dw_procs__report(st->procs);
	/* The worker first: it writes to the maps the skeleton owns. */
	dw_binaries__free(st->bins);
	dw_procs__free(st->procs);
	pb_counted__free(st->counted);
	dwarf_bpf__destroy(st->skel);
	free(st);
}

/* A positive integer setting within [1, max], or its default; -EINVAL after logging. */
static int limit(struct dw_state *st, const struct pb_config *cfg, const char *key, int64_t def,
		 int64_t max, uint32_t *out)
{
	int64_t v = cfg ? st->host->config_int(cfg, key) : 0;

	if (v <= 0)
		v = def;
	if (v > max) {
		st->host->log(st->host->session, PB_LOG_ERROR, "dwarf",
			      "%s is %lld, at most %lld is supported", key, (long long)v,
			      (long long)max);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

static int configure(struct dw_state *st, const struct pb_sample_params *params,
		     const struct pb_config *cfg)
{
	struct dwarf_bpf *skel = st->skel;
	struct pb_counted_maps maps = counted_maps(skel);
	struct dw_limits *l = &st->limits;
	int err;

	err = limit(st, cfg, "max-frames", PB_MAX_FRAMES, PB_MAX_FRAMES,
		    &st->max_frames);
	err = err ?: limit(st, cfg, "max-binaries", 4096, 1 << 20, &l->max_binaries);
	err = err ?: limit(st, cfg, "max-rows", 2 << 20, 1 << 28, &l->max_rows);
	err = err ?: limit(st, cfg, "max-processes", 8192, 1 << 22, &l->max_processes);
	if (err)
		return err;

	skel->rodata->filter_pids = params->filter_pids;
	skel->rodata->include_idle = params->idle;
	skel->rodata->user_stacks = params->user;
	skel->rodata->kernel_stacks = params->kernel;
	skel->rodata->max_frames = st->max_frames;
	skel->rodata->use_task_regs = pb_unwinder_task_regs(st->host, "dwarf");
	st->user = params->user;

	err = pb_counted_size_maps(&maps, params);
	/* Without user stacks there is nothing to unwind: keep the tables minimal. */
	err = err ?: bpf_map__set_max_entries(skel->maps.rows, params->user ? l->max_rows : 1);
	err = err ?: bpf_map__set_max_entries(skel->maps.tables,
					      params->user ? l->max_binaries : 1);
	err = err ?: bpf_map__set_max_entries(skel->maps.procs,
					      params->user ? l->max_processes : 1);
	/* Without a pid filter the fork follower has nothing to do. */
	err = err ?: bpf_program__set_autoload(skel->progs.pb_filter_fork, params->filter_pids);
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
	struct pb_counted_maps maps;
	struct dw_state *st;
	libbpf_print_fn_t prev;
	int err;

	if (!host || host->abi_major != PB_PLUGIN_ABI_MAJOR || !params ||
	    params->sz < sizeof(*params))
		return -EINVAL;
	if (!params->user && !params->kernel)
		return -EINVAL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->host = host;

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
	err = configure(st, params, cfg);
	if (err)
		goto out;
	err = dwarf_bpf__load(st->skel);
	if (err) {
		pb_bpf_log_load_failed(host, err);
		goto out;
	}
	if (params->filter_pids) {
		st->fork_link = bpf_program__attach(st->skel->progs.pb_filter_fork);
		if (!st->fork_link) {
			err = -errno;
			goto out;
		}
	}
	err = dw_binaries__new(host, bpf_map__fd(st->skel->maps.rows),
			       bpf_map__fd(st->skel->maps.tables), &st->limits,
			       !params->filter_pids, &st->bins);
	err = err ?: dw_procs__new(host, st->bins, bpf_map__fd(st->skel->maps.procs), &st->limits,
				   &st->procs);
	err = err ?: dw_events_init(st);
	if (!err) {
		maps = counted_maps(st->skel);
		err = pb_counted__new(host, &maps, dwarf_causes,
				      sizeof(dwarf_causes) / sizeof(dwarf_causes[0]),
				      st->max_frames < PB_MAX_FRAMES ? "unwinder.dwarf.max-frames" : NULL,
				      &st->counted);
	}
out:
	pb_bpf_log_end(prev);
	if (err) {
		dw_close(st);
		return err;
	}
	*state = st;
	return 0;
}

static int dw_attach(void *state, const int *perf_fds, int n_fds)
{
	struct dw_state *st = state;
	libbpf_print_fn_t prev = pb_bpf_log_begin(st->host, "dwarf");
	int err = pb_perf_links_attach(&st->links, st->skel->progs.pb_dwarf_sample, perf_fds,
				       n_fds);

	pb_bpf_log_end(prev);
	return err;
}

static int dw_drain(void *state, pb_raw_stack_fn fn, void *ctx)
{
	struct dw_state *st = state;

	return pb_counted__drain(st->counted, fn, ctx);
}

static int dw_add_pid(void *state, uint32_t pid)
{
	struct dw_state *st = state;
	uint8_t one = 1;

	return bpf_map__update_elem(st->skel->maps.pids, &pid, sizeof(pid), &one, sizeof(one),
				    BPF_ANY);
}

static void dw_on_mapping(void *state, uint32_t pid, const struct pb_mapping *m)
{
	struct dw_state *st = state;

	if (st->user)
		dw_procs__add_mapping(st->procs, pid, m);
}

static void dw_on_exit(void *state, uint32_t pid)
{
	struct dw_state *st = state;

	dw_procs__exit(st->procs, pid);
}

static const struct pb_unwinder_ops ops = {
	.sz = sizeof(struct pb_unwinder_ops),
	.open = dw_open,
	.attach = dw_attach,
	.add_pid = dw_add_pid,
	.drain = dw_drain,
	.poll_fd = dw_events_fd,
	.consume = dw_events_consume,
	.on_mapping = dw_on_mapping,
	.on_exit = dw_on_exit,
	.close = dw_close,
};

static const struct pb_config_key config_keys[] = {
	{
		.name = "max-frames",
		.type = PB_CONFIG_INT,
		.default_value = "127",
		.help = "user frames walked at most per sample (1-127); fewer is cheaper",
	},
	{
		.name = "max-binaries",
		.type = PB_CONFIG_INT,
		.default_value = "4096",
		.help = "distinct binaries (files and the vDSO) given an unwind table",
	},
	{
		.name = "max-rows",
		.type = PB_CONFIG_INT,
		.default_value = "2097152",
		.help = "unwind rows of all binaries together, 12 bytes each (libc: ~28k rows)",
	},
	{
		.name = "max-processes",
		.type = PB_CONFIG_INT,
		.default_value = "8192",
		.help = "processes with a mapping table (up to 256 executable mappings each); "
			"others are walked with frame pointers",
	},
	{.name = NULL},
};

/* The same bounds configure() applies; 0 keeps the default. */
static const struct pb_config_limit limits[] = {
	{ "max-frames", 0, PB_MAX_FRAMES },
	{ "max-binaries", 0, 1 << 20 },
	{ "max-rows", 0, 1 << 28 },
	{ "max-processes", 0, 1 << 22 },
	{ .name = NULL },
};

static const struct pb_plugin descriptor = {
	PB_PLUGIN_DESCRIPTOR_INIT,
	.kind = PB_PLUGIN_UNWINDER,
	.name = "dwarf",
	.description = ".eh_frame CFI turned into tables in BPF maps and walked in BPF "
		       "(works without frame pointers; Linux 5.17+)",
	.config_keys = config_keys,
	.config_limits = limits,
	.unwinder = &ops,
};

PB_PLUGIN_EXPORT(&descriptor)
