// SPDX-License-Identifier: MIT
/* Drains the unwinder's raw stacks and symbolizes them into a profile. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "session_internal.h"
#include "symbolize/srcinfo.h"

/* frames: state (--wall) + comm + marker + user (with inlined ones) + kernel */
#define MAX_USER_FRAMES 1024
#define MAX_FRAMES (3 + MAX_USER_FRAMES + 512)

struct drain_ctx {
	struct pb_session *s;
	struct pb_profile *into;
	uint64_t now_ns;
	int err;
};

/* The stack's labels: where its process runs (cgroup), then the user's (theirs win). */
static int64_t stack_labels(struct drain_ctx *ctx, uint32_t pid)
{
	struct pb_session *s = ctx->s;
	struct pb_label l[PB_PROFILE_MAX_LABELS];
	size_t n = 0;

	if (s->cgroups)
		n = pb_cgroup_labels(pb_cgroup_cache__get(s->cgroups, pid, ctx->now_ns), l,
				     PB_PROFILE_MAX_LABELS / 2);
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

/* The raw stack's frames come leaf first; a profile's stack is root first. */
static int add_raw(void *vctx, const struct pb_raw_stack *rs)
{
	struct drain_ctx *ctx = vctx;
	struct pb_session *s = ctx->s;
	uint32_t ids[MAX_FRAMES], n = 0;
	uint32_t n_user = rs->n_user > 512 ? 512 : rs->n_user;
	uint32_t n_kernel = rs->n_kernel > 512 ? 512 : rs->n_kernel;
	uint32_t first = n;
	int err = 0;

	/* A wall-clock profile: the thread's state first, so one graph shows both halves. */
	if (s->opts.event == PB_EVENT_WALL)
		err = intern(ctx->into, rs->flags & PB_RAW_OFF_CPU ? PB_FRAME_OFF_CPU : PB_FRAME_ON_CPU,
			     ids, &n);
	first = n;
	err = err ?: intern(ctx->into, rs->comm && rs->comm[0] ? rs->comm : "[unknown]", ids, &n);

	/* A stack whose root is missing says so, instead of passing for a short one. */
	if (!err && (rs->flags & PB_RAW_USER_TRUNCATED))
		err = intern(ctx->into, "[truncated]", ids, &n);
	for (uint32_t i = n_user; !err && i-- > 0;) {
		const struct pb_mapping *m = pb_proctab__find(s->proctab, rs->pid, rs->user_ips[i]);
		const char *names[PB_SRC_MAX_FRAMES];
		/* Inlined frames may not crowd out the leaf side: each address keeps one slot. */
		int room = MAX_USER_FRAMES - (int)(n - first - 2) - (int)i;
		int k = pb_symbolizer__frames_n(s->symbolizer, rs->pid, m, rs->user_ips[i], i > 0,
						rs->count, names,
						room < PB_SRC_MAX_FRAMES ? (room > 1 ? room : 1)
									 : PB_SRC_MAX_FRAMES);

		for (int j = 0; !err && j < k; j++)
			err = intern(ctx->into, names[j], ids, &n);
	}
	/* Past the first, kernel frames are return addresses: the call is the byte before. */
	for (uint32_t i = n_kernel; !err && i-- > 0;)
		err = intern(ctx->into,
			     pb_symbolizer__kernel(s->symbolizer, rs->kernel_ips[i] - (i > 0)), ids,
			     &n);
	int64_t set = err ? 0 : stack_labels(ctx, rs->pid);

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
