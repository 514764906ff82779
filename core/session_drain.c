// SPDX-License-Identifier: MIT
/* Drains the unwinder's raw stacks and symbolizes them into a profile. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "session_internal.h"
#include "symbolize/srcinfo.h"

/* frames: state (--wall) + [cpu N] + comm + [tid N name] + marker + user (with inlined ones) +
 * kernel */
#define MAX_USER_FRAMES 1024
#define MAX_FRAMES (5 + MAX_USER_FRAMES + 512)

struct drain_ctx {
	struct pb_session *s;
	struct pb_profile *into;
	uint64_t now_ns;
	int err;
};

/* The unwinder fills pb_raw_stack.cpu from ABI 2.4 on; before, the field is not there. */
static bool has_cpu(const struct pb_session *s)
{
	return s->opts.per_cpu && s->unwinder->desc->abi_minor >= 4;
}

/*
 * The stack's labels: the views' (tid, thread_name, cpu), where its process runs (cgroup),
 * then the user's (theirs win).
 */
static int64_t stack_labels(struct drain_ctx *ctx, const struct pb_raw_stack *rs)
{
	struct pb_session *s = ctx->s;
	struct pb_label l[PB_PROFILE_MAX_LABELS];
	char tid[16], cpu[16];
	size_t n = 0;

	if (s->opts.per_thread) {
		snprintf(tid, sizeof(tid), "%u", rs->tid);
		l[n++] = (struct pb_label){ "tid", tid };
		l[n++] = (struct pb_label){ "thread_name", rs->comm ? rs->comm : "" };
	}
	if (has_cpu(s)) {
		snprintf(cpu, sizeof(cpu), "%u", rs->cpu);
		l[n++] = (struct pb_label){ "cpu", cpu };
	}
	if (s->cgroups)
		n += pb_cgroup_labels(pb_cgroup_cache__get(s->cgroups, rs->pid, ctx->now_ns), l + n,
				      PB_PROFILE_MAX_LABELS / 2 - n);
	for (size_t i = 0; i < s->opts.n_labels; i++)
		l[n++] = s->opts.labels[i];
	return pb_profile__intern_labels(ctx->into, l, n);
}

static int intern(struct pb_profile *p, const char *name, uint32_t *ids, uint32_t *n)
{
	int64_t id = pb_profile__intern(p, name, strlen(name));

	if (id < 0)
		return id;
	ids[(*n)++] = id;
	return 0;
}

/* The kernel's mapping: its half of the address space, whatever the architecture's split. */
#define KERNEL_START (1ull << 63)

/*
 * Where the frame ids[from..*n) were seen (pprof's and OTLP's mappings and addresses): set on a
 * frame's first sight in the profile, so the build id is read once per name, not per sample.
 * m NULL with kernel: the kernel; m NULL otherwise (no mapping, interpreter frames): nothing.
 */
static int set_site(struct drain_ctx *ctx, const struct pb_mapping *m, bool kernel,
		    uint64_t addr, const uint32_t *ids, uint32_t from, uint32_t n)
{
	struct pb_profile *p = ctx->into;
	char hex[2 * 64 + 1];
	struct pb_profile_mapping pm = { .start = KERNEL_START, .limit = UINT64_MAX,
					 .path = "[kernel.kallsyms]", .build_id = hex };
	uint32_t unset = from;
	int64_t id;

	while (unset < n && pb_profile__frame_site(p, ids[unset], NULL))
		unset++;
	if ((!m && !kernel) || unset == n)
		return 0;
	pb_symbolizer__build_id(ctx->s->symbolizer, m, hex, sizeof(hex));
	if (m)
		pm = (struct pb_profile_mapping){ .start = m->start, .limit = m->end,
						  .offset = m->pgoff,
						  .path = m->path[0] ? m->path : "[anon]",
						  .build_id = hex };
	id = pb_profile__intern_mapping(p, &pm);
	for (uint32_t i = unset; id > 0 && i < n; i++)
		id = pb_profile__set_frame_site(p, ids[i], id, addr) ?: id;
	return id < 0 ? id : 0;
}

/*
 * The frames before the code's: "[cpu N]" (--per-cpu), the root, "[tid N NAME]"
 * (--per-thread). The root is the comm the sample came with, which is its thread's; with
 * threads shown apart it is the process's (its main thread's) and the thread's goes in its frame.
 */
static int add_view_frames(struct drain_ctx *ctx, const struct pb_raw_stack *rs, uint32_t *ids,
			   uint32_t *n)
{
	struct pb_session *s = ctx->s;
	const char *comm = rs->comm && rs->comm[0] ? rs->comm : "[unknown]";
	const char *root = comm;
	char frame[64];
	int err = 0;

	/* A wall-clock profile: the thread's state first, so one graph shows both halves. */
	if (s->opts.event == PB_EVENT_WALL)
		err = intern(ctx->into, rs->flags & PB_RAW_OFF_CPU ? PB_FRAME_OFF_CPU : PB_FRAME_ON_CPU,
			     ids, n);
	if (!err && has_cpu(s)) {
		snprintf(frame, sizeof(frame), "[cpu %u]", rs->cpu);
		err = intern(ctx->into, frame, ids, n);
	}
	if (s->opts.per_thread && rs->pid)
		root = pb_proctab__comm(s->proctab, rs->pid) ?: comm;
	if (!err)
		err = intern(ctx->into, root, ids, n);
	if (!err && s->opts.per_thread) {
		snprintf(frame, sizeof(frame), "[tid %u %s]", rs->tid, comm);
		err = intern(ctx->into, frame, ids, n);
	}
	return err;
}

/* The raw stack's frames come leaf first; a profile's stack is root first. */
static int add_raw(void *vctx, const struct pb_raw_stack *rs)
{
	struct drain_ctx *ctx = vctx;
	struct pb_session *s = ctx->s;
	uint32_t ids[MAX_FRAMES], n = 0;
	uint32_t n_user = rs->n_user > 512 ? 512 : rs->n_user;
	uint32_t n_kernel = rs->n_kernel > 512 ? 512 : rs->n_kernel;
	int err = add_view_frames(ctx, rs, ids, &n);
	uint32_t head = n; /* the view frames and the root */

	/* A stack whose root is missing says so, instead of passing for a short one. */
	if (!err && (rs->flags & PB_RAW_USER_TRUNCATED))
		err = intern(ctx->into, "[truncated]", ids, &n);
	for (uint32_t i = n_user; !err && i-- > 0;) {
		const struct pb_mapping *m = pb_proctab__find(s->proctab, rs->pid, rs->user_ips[i]);
		const char *names[PB_SRC_MAX_FRAMES];
		/* Inlined frames may not crowd out the leaf side: each address keeps one slot. */
		int room = MAX_USER_FRAMES - (int)(n - head - 1) - (int)i;
		int k = pb_symbolizer__frames_n(s->symbolizer, rs->pid, m, rs->user_ips[i], i > 0,
						rs->count, names,
						room < PB_SRC_MAX_FRAMES ? (room > 1 ? room : 1)
									 : PB_SRC_MAX_FRAMES);

		uint32_t first = n;

		for (int j = 0; !err && j < k; j++)
			err = intern(ctx->into, names[j], ids, &n);
		if (!err)
			err = set_site(ctx, m, false, rs->user_ips[i] - (i > 0), ids, first, n);
	}
	/* Past the first, kernel frames are return addresses: the call is the byte before. */
	for (uint32_t i = n_kernel; !err && i-- > 0;) {
		uint64_t pc = rs->kernel_ips[i] - (i > 0);

		err = intern(ctx->into, pb_symbolizer__kernel(s->symbolizer, pc), ids, &n);
		if (!err)
			err = set_site(ctx, NULL, true, pc, ids, n - 1, n);
	}
	int64_t set = err ? 0 : stack_labels(ctx, rs);

	if (set < 0)
		err = set;
	if (!err)
		err = pb_profile__add_labeled(ctx->into, rs->pid, set, ids, n, rs->count);
	if (err)
		ctx->err = err;
	return err;
}

static int live_mappings(void *ctx, pb_mapping_fn fn, void *fn_ctx)
{
	return pb_proctab__for_each_live_mapping(ctx, fn, fn_ctx);
}

static int read_early(void *vctx, const struct pb_raw_stack *rs)
{
	struct pb_session *s = vctx;

	pb_symbolizer__read_early(s->symbolizer, rs->pid, rs->user_ips, rs->n_user);
	return 0;
}

void pb_session_tick(struct pb_session *s, uint64_t now_ns, uint32_t period_ms)
{
	const struct pb_unwinder_ops *ops = s->unwinder->desc->unwinder;

	if (now_ns - s->last_tick_ns < period_ms * 1000000ull)
		return;
	s->last_tick_ns = now_ns;
	/*
	 * Not only when nothing else woke the loop: a snapshot unwinder's ring wakes it often,
	 * and a process that became Python (a new mapping) must be known before the drain.
	 */
	pb_proctab__consume(s->proctab);
	/* A process that exits before the drain keeps the names read here (CPython's code). */
	if (PB_OPTIONAL_OP(ops, peek) && s->unwinder_state)
		ops->peek(s->unwinder_state, read_early, s);
}

int pb_session_drain(struct pb_session *s, struct pb_profile *into)
{
	struct drain_ctx ctx = { .s = s, .into = into };
	struct timespec ts;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ctx.now_ns = ts.tv_sec * 1000000000ull + ts.tv_nsec;
	/* Without it stacks still come, unlabelled: attribution is never worth losing them. */
	if (!s->cgroups)
		pb_cgroup_cache__new(NULL, &s->cgroups);
	/* Learn of the last mappings and exits first: the stacks may need them. */
	pb_proctab__consume(s->proctab);
	err = s->unwinder->desc->unwinder->drain(s->unwinder_state, add_raw, &ctx);
	pb_proctab__end_window(s->proctab);
	pb_symbolizer__end_window(s->symbolizer, live_mappings, s->proctab);
	return err ? err : ctx.err;
}
