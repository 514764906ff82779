// SPDX-License-Identifier: MIT
/* One snapshot record: checked, unwound by the backend, counted; retried once if it may be early. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "snap_internal.h"

/*
 * Snapshots waiting for the process table to catch up hold at most this much memory; past it
 * they are unwound with what is known.
 */
#define DEFER_MAX_BYTES (64u << 20)

static const struct {
	const char *name;
	const char *hint;
} causes[PB_SNAP_U_MAX] = {
	[PB_SNAP_U_FAILED] = {"user unwind failed (no caller found)", NULL},
	[PB_SNAP_U_PARTIAL] = {"user unwind stopped early (no unwind info for a frame)", NULL},
	[PB_SNAP_U_SNAPSHOT] = {"user stack deeper than the snapshot", "stack-size"},
	[PB_SNAP_U_MAX_FRAMES] = {"user stack truncated at max-frames", "max-frames"},
	[PB_SNAP_U_BAD_RECORD] = {"malformed snapshot record", NULL},
	[PB_SNAP_U_BLOCK_UNKNOWN] = {"off-CPU block ends without their sample", NULL},
	/* Not a loss: said beside them so a user sees how often JIT code was walked by fp. */
	[PB_SNAP_U_FP_BRIDGED] = {"user stacks walked by fp through code without CFI (not lost)",
				  NULL},
};

/*
 * Unwinds the user part of a snapshot into raw. Returns false when the result may only be poor
 * because the process table is behind (pc in no known object, or the walk failed): the caller
 * may try again after the core has read its side-band records.
 */
static bool unwind_user(struct pb_snap_state *st, const struct pb_snap_sample *h,
			const uint8_t *stack, uint64_t *ips, struct pb_raw_stack *raw, bool final)
{
	uint64_t pc = h->regs[PB_SNAP_REG_IP], t0 = st->host->now_ns();
	struct pb_snap_proc *p = pb_snap_procs__get(st->procs, h->pid, true);
	struct pb_snap_unwind u = {
		.proc = p, .sample = h, .stack = stack, .ips = ips, .max = st->max_frames};
	bool bridged = false;
	int err = -ENOENT;

	if (p) {
		p->last_window = st->window;
		err = pb_snap_procs__prepare(st->procs, p, pc);
		/* A pc in no object is JIT code to a backend that can bridge it by frame pointer. */
		if ((!err || (err == -ENOENT && st->backend->has_cfi)) && p->priv)
			err = pb_snap_unwind_bridged(st->backend, p->priv, &u, &bridged);
	}
	st->unwound++;
	st->unwind_ns += st->host->now_ns() - t0;
	if (err < 0 && !final && !u.beyond_snapshot)
		return false;
	if (!u.n) {
		ips[0] = pc;
		u.n = 1;
	}
	raw->n_user = u.n;
	st->lost[PB_SNAP_U_FP_BRIDGED] += bridged;
	if (u.n >= u.max && err >= 0) {
		raw->flags |= PB_RAW_USER_TRUNCATED;
		st->lost[PB_SNAP_U_MAX_FRAMES]++;
	} else if (err < 0 || u.beyond_snapshot) {
		/* libdw ends a walk quietly when memory runs out: the snapshot's end says why. */
		raw->flags |= PB_RAW_USER_TRUNCATED;
		st->lost[u.beyond_snapshot ? PB_SNAP_U_SNAPSHOT
			 : u.n < 2	   ? PB_SNAP_U_FAILED
					   : PB_SNAP_U_PARTIAL]++;
	}
	return true;
}

/* A CPython process's sample: the frames walked at sample time spliced into the unwound ones. */
static void add_python(struct pb_snap_state *st, const struct pb_snap_sample *h,
		       const uint8_t *frames, struct pb_raw_stack *raw)
{
	const struct pb_pyproc_info *pi;

	pb_pyprocs__seen(st->py, h->pid, raw->comm);
	if (!h->n_py || !(pi = pb_pyprocs__find(st->py, h->pid)))
		return;
	st->py_stack.n = h->n_py;
	st->py_stack.flags = h->py_flags;
	memcpy(st->py_stack.frames, frames, h->n_py * sizeof(struct pb_py_frame));
	pb_py_splice_raw(pi, pb_pyprocs__mode(st->py), &st->py_stack, raw, st->spliced,
			 sizeof(st->spliced) / sizeof(st->spliced[0]));
}

static int defer(struct pb_snap_state *st, const void *data, size_t size)
{
	void **v;
	void *copy;

	if (st->n_deferred == st->cap_deferred) {
		size_t cap = st->cap_deferred ? st->cap_deferred * 2 : 64;

		v = realloc(st->deferred, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		st->deferred = v;
		st->cap_deferred = cap;
	}
	copy = malloc(size);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, size);
	st->deferred[st->n_deferred++] = copy;
	st->deferred_bytes += size;
	return 0;
}

/*
 * One record; final: the process table is as current as it gets; retry: a deferred sample's
 * second try (an off-CPU one then finds its block's end, or waits for it).
 */
static int handle(struct pb_snap_state *st, const void *data, size_t size, bool final,
		  bool retry)
{
	const struct pb_snap_sample *h = data;
	uint64_t uips[PB_SNAP_MAX_FRAMES];
	char comm[PB_SNAP_COMM_LEN + 1];
	struct pb_raw_stack raw = {.comm = comm, .user_ips = uips, .count = st->oncpu_count};
	bool off_cpu = size >= sizeof(*h) && (h->flags & PB_SNAP_F_OFF_CPU);
	const uint8_t *stack;
	size_t body;

	if (size >= sizeof(struct pb_snap_block_end) && size < sizeof(*h) &&
	    (h->flags & PB_SNAP_F_BLOCK_END)) {
		if (st->blocks)
			pb_snap_blocks__end(st, data);
		return 0;
	}
	if (size < sizeof(*h) || (body = size - sizeof(*h)) / 8 < h->n_kernel ||
	    body - h->n_kernel * 8ull < h->stack_size || h->n_py > PB_PY_MAX_FRAMES ||
	    body - h->n_kernel * 8ull - h->stack_size < h->n_py * sizeof(struct pb_py_frame) ||
	    (off_cpu && !st->blocks)) {
		st->lost[PB_SNAP_U_BAD_RECORD]++;
		return 0;
	}
	raw.pid = h->pid;
	raw.tid = st->per_thread ? h->tid : 0;
	raw.cpu = st->per_cpu ? h->cpu : 0;
	raw.kernel_ips = (const uint64_t *)(h + 1);
	raw.n_kernel = h->n_kernel;
	memcpy(comm, h->comm, PB_SNAP_COMM_LEN);
	comm[PB_SNAP_COMM_LEN] = '\0';
	/* Without room to keep it, this is the only try. */
	final = final || st->deferred_bytes + size > DEFER_MAX_BYTES;
	stack = (const uint8_t *)(raw.kernel_ips + h->n_kernel);
	if (st->user && (h->flags & PB_SNAP_F_USER)) {
		if (!unwind_user(st, h, stack, uips, &raw, final))
			return (off_cpu ? pb_snap_blocks__begin_deferred(st, h) : 0) ?:
			       defer(st, data, size);
		if (st->py)
			add_python(st, h, stack + h->stack_size, &raw);
	}
	if (off_cpu)
		return retry ? pb_snap_blocks__retried(st, h, &raw)
			     : pb_snap_blocks__begin(st, h, &raw);
	return pb_snap_agg__add(st->agg, &raw);
}

int pb_snap_record(void *ctx, void *data, size_t size)
{
	struct pb_snap_state *st = ctx;
	int err = handle(st, data, size, st->final, false);

	if (err && !st->err)
		st->err = err;
	/* The record is consumed either way; a negative return only ends this ring walk. */
	if ((st->unwound & 15) == 0 && st->host->now_ns() > st->deadline_ns)
		return -EAGAIN;
	return 0;
}

void pb_snap_retry_deferred(struct pb_snap_state *st)
{
	for (size_t i = 0; i < st->n_deferred; i++) {
		const struct pb_snap_sample *h = st->deferred[i];
		int err = handle(st, h,
				 sizeof(*h) + h->n_kernel * 8ull + h->stack_size +
					 h->n_py * sizeof(struct pb_py_frame),
				 true, true);

		if (err && !st->err)
			st->err = err;
		free(st->deferred[i]);
	}
	st->n_deferred = 0;
	st->deferred_bytes = 0;
}

void pb_snap_report_user_lost(struct pb_snap_state *st)
{
	for (int c = 0; c < PB_SNAP_U_MAX; c++) {
		if (st->lost[c])
			st->host->count_lost(st->host->session, causes[c].name, st->lost[c],
					     causes[c].hint);
		st->lost[c] = 0;
	}
}
