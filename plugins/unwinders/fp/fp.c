// SPDX-License-Identifier: MIT
/* The fp unwinder plugin: loads fp.bpf.c, attaches it to the perf events, drains its counts. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include <profile-bee/plugin.h>

#include "fp.h"
#include "fp.skel.h"
#include "fp_internal.h"

#define DEFAULT_STACK_STORAGE 16384
#define DEFAULT_HASH_STORAGE  40960

/* libbpf's print hook is process-wide: it points at the host only while we call libbpf. */
static const struct pb_host *log_host;

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[4096];
	int n;

	if (!log_host)
		return 0;
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n > 0 && (size_t)n < sizeof(buf) && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	log_host->log(log_host->session, PB_LOG_DEBUG, "fp", "%s", buf);
	return 0;
}

static libbpf_print_fn_t log_begin(const struct pb_host *host)
{
	log_host = host;
	return libbpf_set_print(libbpf_log);
}

static void log_end(libbpf_print_fn_t prev)
{
	libbpf_set_print(prev);
	log_host = NULL;
}

static void fp_close(void *state)
{
	struct fp_state *st = state;
	int i;

	if (!st)
		return;
	for (i = 0; i < st->n_links; i++)
		bpf_link__destroy(st->links[i]);
	free(st->links);
	bpf_link__destroy(st->fork_link);
	fp_bpf__destroy(st->skel);
	fp_drain_free(st);
	free(st);
}

static int configure(struct fp_state *st, const struct pb_sample_params *params,
		     const struct pb_config *cfg)
{
	struct fp_bpf *skel = st->skel;
	uint32_t kstacks = params->stack_storage_size ?: DEFAULT_STACK_STORAGE;
	uint32_t counts = params->hash_storage_size ?: DEFAULT_HASH_STORAGE;
	/* Nothing is ever stored in a set that is turned off; one entry keeps the map valid. */
	uint32_t ustacks = params->user ? kstacks : 1;
	int64_t max_frames = st->host->config_int(cfg, "max-frames");
	int err = 0;

	if (max_frames <= 0)
		max_frames = PB_FP_MAX_FRAMES;
	if (max_frames > PB_FP_MAX_FRAMES) {
		st->host->log(st->host->session, PB_LOG_ERROR, "fp",
			      "max-frames is %lld, at most %d is supported", (long long)max_frames,
			      PB_FP_MAX_FRAMES);
		return -EINVAL;
	}
	if (!params->kernel)
		kstacks = 1;

	skel->rodata->filter_pids = params->filter_pids;
	skel->rodata->include_idle = params->idle;
	skel->rodata->user_stacks = params->user;
	skel->rodata->kernel_stacks = params->kernel;
	skel->rodata->max_frames = (uint32_t)max_frames;
	st->max_frames = (uint32_t)max_frames;

	err = err ?: bpf_map__set_max_entries(skel->maps.counts0, counts);
	err = err ?: bpf_map__set_max_entries(skel->maps.counts1, counts);
	err = err ?: bpf_map__set_max_entries(skel->maps.kstacks0, kstacks);
	err = err ?: bpf_map__set_max_entries(skel->maps.kstacks1, kstacks);
	err = err ?: bpf_map__set_max_entries(skel->maps.ustacks0, ustacks);
	err = err ?: bpf_map__set_max_entries(skel->maps.ustacks1, ustacks);
	/* Without a pid filter the fork follower has nothing to do. */
	err = err ?: bpf_program__set_autoload(skel->progs.pb_filter_fork, params->filter_pids);
	return err;
}

static int fp_open(const struct pb_host *host, const struct pb_sample_params *params,
		   const struct pb_config *cfg, void **state)
{
	struct fp_state *st;
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

	prev = log_begin(host);
	st->skel = fp_bpf__open();
	if (!st->skel) {
		err = -errno;
		goto out;
	}
	err = configure(st, params, cfg);
	if (err)
		goto out;
	err = fp_bpf__load(st->skel);
	if (err) {
		host->log(host->session, PB_LOG_ERROR, "fp",
			  "cannot load the BPF program: %s (debug logging shows libbpf's reason)",
			  strerror(-err));
		goto out;
	}
	/* Live from the start, so a command spawned before attach still has its forks followed. */
	if (params->filter_pids) {
		st->fork_link = bpf_program__attach(st->skel->progs.pb_filter_fork);
		if (!st->fork_link) {
			err = -errno;
			goto out;
		}
	}
	err = fp_drain_init(st);
out:
	log_end(prev);
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
	struct bpf_link **links;
	libbpf_print_fn_t prev;
	int i, err = 0;

	links = realloc(st->links, (st->n_links + n_fds) * sizeof(*links));
	if (!links)
		return -ENOMEM;
	st->links = links;
	prev = log_begin(st->host);
	for (i = 0; i < n_fds; i++) {
		/* A link closes its perf event when destroyed; the caller keeps owning its fds. */
		int fd = fcntl(perf_fds[i], F_DUPFD_CLOEXEC, 0);

		if (fd < 0) {
			err = -errno;
			break;
		}
		links[st->n_links] =
		    bpf_program__attach_perf_event(st->skel->progs.pb_fp_sample, fd);
		if (!links[st->n_links]) {
			err = -errno;
			close(fd);
			break;
		}
		st->n_links++;
	}
	log_end(prev);
	return err;
}

static int fp_add_pid(void *state, uint32_t pid)
{
	struct fp_state *st = state;
	uint8_t one = 1;

	return bpf_map__update_elem(st->skel->maps.pids, &pid, sizeof(pid), &one, sizeof(one),
				    BPF_ANY);
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
    {.name = NULL},
};

static const struct pb_plugin descriptor = {
    PB_PLUGIN_DESCRIPTOR_INIT,
    .kind = PB_PLUGIN_UNWINDER,
    .name = "fp",
    .description = "frame pointers, walked in BPF (needs binaries built with frame pointers)",
    .config_keys = config_keys,
    .unwinder = &ops,
};

PB_PLUGIN_EXPORT(&descriptor)
