// SPDX-License-Identifier: MIT
/* The perf unwinder: frame-pointer stacks from plain perf events, no BPF (--no-bpf, the agent
 * without privileges). The kernel walks the user stack; samples are counted here. */
#include <errno.h>
#include <stdlib.h>
#include <linux/perf_event.h>

#include <profile-bee/plugin.h>

#include "snap_internal.h"
#include "threads.h"
#include "unwinder.h"

/* Rescans of the targets' threads at most this often (a drain, or a half-full ring). */
#define RESCAN_NS 500000000ull

struct perf_settings {
	int64_t max_frames;
	int64_t ring_pages;
};

static const struct pb_config_key config_keys[] = {
	PB_UNWINDER_KEY_MAX_FRAMES(struct perf_settings, max_frames,
				   "user frames the kernel walks at most per sample"),
	/*
	 * One ring per CPU. 16 pages hold about 270 samples of 25 frames (240 bytes each): 2.7 s
	 * of a CPU at 99 Hz, and the reader wakes at half. Without privileges rings are locked
	 * memory (kernel.perf_event_mlock_kb, 516 KiB per user and CPU by default).
	 */
	PB_KEY_INT(struct perf_settings, ring_pages, "ring-pages", "16", 1, 1024,
		   "data pages of each CPU's sample ring, a power of two; more loses fewer "
		   "samples, costs locked memory"),
	{ .name = NULL },
};

struct perf_state {
	const struct pb_host *host;
	struct pb_perf_threads *threads;
	struct pb_snap_agg *agg;
	uint32_t max_frames;
	bool per_thread; /* hand tid on (else 0: a process's threads are counted together) */
	uint64_t last_rescan_ns;
	int err; /* what adding a sample last failed with */
};

static void perf_close(void *state)
{
	struct perf_state *st = state;

	if (!st)
		return;
	pb_perf_threads__free(st->threads);
	pb_snap_agg__free(st->agg);
	free(st);
}

static int perf_open(const struct pb_host *host, const struct pb_sample_params *params,
		     const struct pb_config *cfg, void **state)
{
	struct perf_settings set;
	struct perf_state *st;
	int err;

	if (!pb_unwinder_open_ok(host, params))
		return -EINVAL;
	pb_config__bind(cfg, &set);
	if (!params->user) {
		host->log(host->session, PB_LOG_ERROR, "perf",
			  "samples user stacks only (the kernel's are not given without privileges)");
		return -EINVAL;
	}
	/* Its samples do not say where they ran (no PERF_SAMPLE_CPU in the ring records). */
	if (PB_HAS(params, per_cpu) && params->per_cpu) {
		host->log(host->session, PB_LOG_ERROR, "perf",
			  "cannot show CPUs apart (--per-cpu needs a BPF unwinder)");
		return -EINVAL;
	}
	/*
	 * A cgroup perf event (PERF_FLAG_PID_CGROUP) is per CPU and needs the privileges this
	 * unwinder exists to do without; its per-thread events cannot filter by cgroup.
	 */
	if (PB_HAS(params, n_cgroups) && params->n_cgroups) {
		host->log(host->session, PB_LOG_ERROR, "perf",
			  "cannot filter by cgroup (--cgroup): its events follow the threads of -p "
			  "or a command; use the fp, dwarf, libdw or libunwind unwinder");
		return -EOPNOTSUPP;
	}
	if (set.ring_pages & (set.ring_pages - 1)) {
		host->log(host->session, PB_LOG_ERROR, "perf",
			  "ring-pages must be a power of two, not %lld", (long long)set.ring_pages);
		return -EINVAL;
	}
	if (!(st = calloc(1, sizeof(*st))))
		return -ENOMEM;
	st->host = host;
	st->max_frames = set.max_frames;
	st->per_thread = PB_HAS(params, per_thread) && params->per_thread;
	err = pb_snap_agg__new(&st->agg);
	if (!err)
		err = pb_perf_threads__new(host,
					   &(struct pb_perf_threads_opts){
						   .frequency = params->frequency,
						   .cpu = params->cpu,
						   .max_stack = set.max_frames,
						   .ring_pages = set.ring_pages,
					   },
					   &st->threads);
	if (err) {
		perf_close(st);
		return err;
	}
	*state = st;
	return 0;
}

/* The session's per-CPU events are not opened for an unwinder with its own (OWN_EVENTS). */
static int perf_attach(void *state, const int *perf_fds, int n_fds)
{
	(void)state;
	(void)perf_fds;
	return n_fds ? -EINVAL : 0;
}

static int perf_add_pid(void *state, uint32_t pid)
{
	struct perf_state *st = state;

	return pb_perf_threads__add_target(st->threads, pid);
}

/* The kernel's chain: a context marker, then that context's frames leaf first; ours are user. */
static void on_sample(void *ctx, const struct pb_perf_sample *s)
{
	struct perf_state *st = ctx;
	uint64_t ips[PB_MAX_FRAMES], context = 0;
	struct pb_raw_stack raw = { .pid = s->pid, .tid = st->per_thread ? s->tid : 0,
				    .comm = s->comm,
				    .user_ips = ips, .count = 1 };
	int err;

	for (uint64_t i = 0; i < s->n_ips; i++) {
		if (s->ips[i] >= (uint64_t)PERF_CONTEXT_MAX)
			context = s->ips[i];
		else if (context == (uint64_t)PERF_CONTEXT_USER && raw.n_user < PB_MAX_FRAMES)
			ips[raw.n_user++] = s->ips[i];
	}
	if (raw.n_user >= st->max_frames)
		raw.flags |= PB_RAW_USER_TRUNCATED;
	if ((err = pb_snap_agg__add(st->agg, &raw)))
		st->err = err;
}

static void report_lost(struct perf_state *st)
{
	uint64_t lost, bad;

	pb_perf_threads__take_lost(st->threads, &lost, &bad);
	st->host->count_lost(st->host->session, "samples lost: a perf ring was full", lost,
			     "--set unwinder.perf.ring-pages=64");
	st->host->count_lost(st->host->session, "perf records malformed", bad, NULL);
}

static int perf_consume(void *state)
{
	struct perf_state *st = state;
	uint64_t now = st->host->now_ns();

	pb_perf_threads__read(st->threads, on_sample, st);
	if (now - st->last_rescan_ns >= RESCAN_NS) {
		pb_perf_threads__rescan(st->threads);
		st->last_rescan_ns = now;
	}
	return st->err;
}

static int perf_drain(void *state, pb_raw_stack_fn fn, void *ctx)
{
	struct perf_state *st = state;
	int err = perf_consume(st);

	st->err = 0;
	report_lost(st);
	return pb_snap_agg__drain(st->agg, fn, ctx) ?: err;
}

static int perf_poll_fd(void *state)
{
	struct perf_state *st = state;

	return pb_perf_threads__poll_fd(st->threads);
}

static int perf_skip_thread(void *state, uint32_t tid)
{
	struct perf_state *st = state;

	return pb_perf_threads__skip(st->threads, tid);
}

static int perf_set_enabled(void *state, bool on)
{
	struct perf_state *st = state;

	return pb_perf_threads__set_enabled(st->threads, on);
}

static const struct pb_unwinder_ops ops = {
	.sz = sizeof(struct pb_unwinder_ops),
	.open = perf_open,
	.attach = perf_attach,
	.add_pid = perf_add_pid,
	.drain = perf_drain,
	.close = perf_close,
	.poll_fd = perf_poll_fd,
	.consume = perf_consume,
	.skip_thread = perf_skip_thread,
	.set_enabled = perf_set_enabled,
};

static const struct pb_plugin descriptor = {
	PB_PLUGIN_DESCRIPTOR_INIT,
	.kind = PB_PLUGIN_UNWINDER,
	.name = "perf",
	.description = "frame pointers walked by the kernel for plain perf events: no BPF, no "
		       "root (--no-bpf; -p or a command, user stacks only)",
	.config_keys = config_keys,
	.settings_size = sizeof(struct perf_settings),
	.unwinder = &ops,
	.unwinder_flags = PB_UNWINDER_OWN_EVENTS,
};

PB_PLUGIN_EXPORT(&descriptor)
