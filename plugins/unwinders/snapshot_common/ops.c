// SPDX-License-Identifier: MIT
/* The unwinder ops libdw and libunwind share: snapshots in, unwound and counted stacks out. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "counted.h"
#include "snap_internal.h"

/* The main loop gets control back this often while a backlog is unwound... */
#define CONSUME_BUDGET_NS (50 * 1000000ull)
/* ...and a drain waits at most this long for the ring to empty before it hands stacks over. */
#define DRAIN_BUDGET_NS (500 * 1000000ull)

#define KEY_INT(field, key, def, min, max, help)                                                   \
	PB_KEY_INT(struct pb_snap_settings, field, key, def, min, max, help)

const struct pb_config_key pb_snap_config_keys[] = {
	KEY_INT(stack_size, "stack-size", PB_UNWINDER_STR(PB_SNAP_DEFAULT_STACK), 8,
		PB_SNAP_MAX_STACK, "bytes of user stack copied per sample; deeper stacks need more"),
	KEY_INT(ring_size, "ring-size", "8192", 1, 1 << 20,
		"KiB of ring buffer between BPF and the unwinder (rounded up to a power of 2)"),
	PB_UNWINDER_KEY_MAX_FRAMES(struct pb_snap_settings, max_frames,
				   "user frames unwound at most per sample"),
	{ .name = NULL },
};

void pb_snap_close(void *state)
{
	struct pb_snap_state *st = state;

	if (!st)
		return;
	if (st->unwound)
		st->host->log(st->host->session, PB_LOG_DEBUG, st->backend->name,
			      "%llu unwinds, %.1f us each", (unsigned long long)st->unwound,
			      st->unwind_ns / 1e3 / (double)st->unwound);
	pb_snap_bpf__free(st->bpf);
	pb_pyprocs__free(st->py);
	for (size_t i = 0; i < st->n_deferred; i++)
		free(st->deferred[i]);
	free(st->deferred);
	pb_snap_agg__free(st->agg);
	pb_snap_blocks__free(st->blocks);
	pb_snap_procs__free(st->procs);
	pb_snap_binaries__free(st->bins);
	free(st);
}

static uint32_t pow2_at_least(uint64_t v)
{
	uint32_t p = 4096;

	while (p < v && p < (1u << 30))
		p <<= 1;
	return p;
}

static void apply_settings(struct pb_snap_state *st, const struct pb_config *cfg,
			   struct pb_snap_bpf_opts *opts)
{
	struct pb_snap_settings set;
	uint64_t ring, min_ring;

	pb_config__bind(cfg, &set);
	opts->stack_size = set.stack_size & ~7;
	/* At least a few whole records, or a deep stack could never fit. */
	ring = (uint64_t)set.ring_size * 1024;
	min_ring = 4 * ((uint64_t)set.stack_size + 2048);
	opts->ring_size = pow2_at_least(ring > min_ring ? ring : min_ring);
	st->max_frames = set.max_frames;
}

/* --python (not off): CPython processes get their py_procs entry, their samples spliced. */
static int open_python(struct pb_snap_state *st, const struct pb_sample_params *params)
{
	uint32_t mode = pb_counted_python_mode(params);

	if (mode == PB_PYTHON_OFF || !params->user)
		return 0;
	return pb_pyprocs__new(st->host, st->backend->name, pb_snap_bpf__py_procs(st->bpf), mode,
			       &st->py);
}

/* --off-cpu, --wall: blocks kept until they end; a wall profile's samples count microseconds. */
static int open_offcpu(struct pb_snap_state *st)
{
	uint64_t oncpu_us;

	st->event = pb_snap_bpf__event(st->bpf, &oncpu_us);
	st->oncpu_count = st->event == PB_EVENT_WALL ? oncpu_us : 1;
	return st->event == PB_EVENT_CPU ? 0 : pb_snap_blocks__new(&st->blocks);
}

int pb_snap_open(const struct pb_snap_backend *backend, const struct pb_host *host,
		 const struct pb_sample_params *params, const struct pb_config *cfg, void **state)
{
	struct pb_snap_bpf_opts opts = {.on_sample = pb_snap_record};
	struct pb_snap_state *st;
	int err;

	if (!pb_unwinder_open_ok(host, params))
		return -EINVAL;
	/* The snapshot program is a perf_event one; probes would need their own (bpf/). */
	if (PB_HAS(params, n_probes) && params->n_probes) {
		host->log(host->session, PB_LOG_ERROR, backend->name,
			  "-e %s: probes are not supported with this unwinder (use fp or dwarf)",
			  params->probes[0]->spec);
		return -EOPNOTSUPP;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->host = host;
	st->backend = backend;
	st->user = params->user;
	st->per_thread = PB_HAS(params, per_thread) && params->per_thread;
	st->per_cpu = PB_HAS(params, per_cpu) && params->per_cpu;
	opts.ctx = st;
	apply_settings(st, cfg, &opts);
	if ((err = pb_snap_binaries__new(&st->bins)) ||
	    (err = pb_snap_procs__new(host, backend, st->bins, &st->procs)) ||
	    (err = pb_snap_agg__new(&st->agg)) ||
	    (err = pb_snap_bpf__open(host, params, &opts, &st->bpf)) ||
	    (err = open_python(st, params)) || (err = open_offcpu(st))) {
		pb_snap_close(st);
		return err;
	}
	*state = st;
	return 0;
}

int pb_snap_attach(void *state, const int *perf_fds, int n_fds)
{
	struct pb_snap_state *st = state;

	return pb_snap_bpf__attach(st->bpf, perf_fds, n_fds);
}

int pb_snap_add_pid(void *state, uint32_t pid)
{
	struct pb_snap_state *st = state;
	int err = pb_snap_bpf__add_pid(st->bpf, pid);

	if (!err)
		pb_pyprocs__check(st->py, pid);
	return err;
}

int pb_snap_skip_thread(void *state, uint32_t tid)
{
	struct pb_snap_state *st = state;

	return pb_snap_bpf__skip_thread(st->bpf, tid);
}

int pb_snap_set_enabled(void *state, bool on)
{
	struct pb_snap_state *st = state;

	return pb_snap_bpf__set_enabled(st->bpf, on);
}

int pb_snap_poll_fd(void *state)
{
	struct pb_snap_state *st = state;

	return pb_snap_bpf__poll_fd(st->bpf);
}

/* Unwinds what the ring holds for at most budget_ns; 1 when records are left, 0, or -errno. */
static int consume_for(struct pb_snap_state *st, uint64_t budget_ns)
{
	int n;

	st->deadline_ns = st->host->now_ns() + budget_ns;
	n = pb_snap_bpf__consume(st->bpf);
	if (n == -EAGAIN)
		return 1;
	return n < 0 ? n : 0;
}

int pb_snap_consume(void *state)
{
	struct pb_snap_state *st = state;
	int err = consume_for(st, CONSUME_BUDGET_NS);

	return err < 0 ? err : 0;
}

/* The core has just read its side-band records: what is unwound now is unwound for good. */
int pb_snap_drain(void *state, pb_raw_stack_fn fn, void *ctx)
{
	struct pb_snap_state *st = state;
	int err, ret;

	st->final = true;
	err = consume_for(st, DRAIN_BUDGET_NS);
	pb_snap_retry_deferred(st);
	st->final = false;
	pb_snap_blocks__prune(st);
	ret = pb_snap_agg__drain(st->agg, fn, ctx);
	pb_snap_bpf__report_lost(st->bpf);
	pb_snap_report_user_lost(st);
	pb_snap_procs__end_window(st->procs, ++st->window);
	pb_pyprocs__end_drain(st->py);
	if (st->err) {
		err = st->err;
		st->err = 0;
	}
	return ret ?: (err < 0 ? err : 0);
}

/* The records in the ring unwound now, and the stacks not handed out before given to fn. */
int pb_snap_peek(void *state, pb_raw_stack_fn fn, void *ctx)
{
	struct pb_snap_state *st = state;
	int err = consume_for(st, CONSUME_BUDGET_NS);

	return pb_snap_agg__peek(st->agg, fn, ctx) ?: (err < 0 ? err : 0);
}

void pb_snap_on_mapping(void *state, uint32_t pid, const struct pb_mapping *m)
{
	struct pb_snap_state *st = state;
	struct pb_snap_proc *p = pb_snap_procs__get(st->procs, pid, false);

	pb_pyprocs__on_mapping(st->py, pid, m);
	if (p) {
		p->generation++;
		p->exited = false; /* a mapping after an exit: the pid is a new process */
	}
}

void pb_snap_on_exit(void *state, uint32_t pid)
{
	struct pb_snap_state *st = state;
	struct pb_snap_proc *p = pb_snap_procs__get(st->procs, pid, false);

	pb_pyprocs__exit(st->py, pid);
	if (!p)
		return;
	/*
	 * Called for an exec too (the old image is gone): records sampled before it are unwound
	 * now, with the objects of the image they were taken in. Left in the ring until the
	 * drain, they would meet the new program's objects and stop at their first frame.
	 */
	if (p->have_objs)
		consume_for(st, CONSUME_BUDGET_NS);
	/* Its last records may still be in the ring: forgotten at the next drain. */
	p->exited = true;
}
