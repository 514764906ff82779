// SPDX-License-Identifier: MIT
/* Counts identical unwound stacks once, so a drain hands each distinct stack over one time. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "snap_internal.h"

struct entry {
	struct entry *next;
	uint64_t hash, count;
	uint32_t pid, tid, cpu, flags, n_user, n_kernel;
	bool peeked; /* handed out by pb_snap_agg__peek already */
	char comm[PB_SNAP_COMM_LEN + 1];
	uint64_t ips[]; /* user ips, then kernel ips */
};

struct pb_snap_agg {
	struct entry **buckets;
	size_t n_buckets, n;
};

int pb_snap_agg__new(struct pb_snap_agg **ret)
{
	struct pb_snap_agg *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->n_buckets = 1024;
	a->buckets = calloc(a->n_buckets, sizeof(*a->buckets));
	if (!a->buckets) {
		free(a);
		return -ENOMEM;
	}
	*ret = a;
	return 0;
}

static void clear(struct pb_snap_agg *a)
{
	for (size_t i = 0; i < a->n_buckets; i++)
		while (a->buckets[i]) {
			struct entry *e = a->buckets[i];

			a->buckets[i] = e->next;
			free(e);
		}
	a->n = 0;
}

void pb_snap_agg__free(struct pb_snap_agg *a)
{
	if (!a)
		return;
	clear(a);
	free(a->buckets);
	free(a);
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 32);
}

static uint64_t hash_stack(const struct pb_raw_stack *s)
{
	uint64_t h = mix(mix(s->pid, s->flags), ((uint64_t)s->n_user << 32) | s->n_kernel);

	h = mix(h, ((uint64_t)s->tid << 32) | s->cpu);

	for (uint32_t i = 0; i < s->n_user; i++)
		h = mix(h, s->user_ips[i]);
	for (uint32_t i = 0; i < s->n_kernel; i++)
		h = mix(h, s->kernel_ips[i]);
	for (const char *c = s->comm; c && *c; c++)
		h = mix(h, (unsigned char)*c);
	return h;
}

static bool same(const struct entry *e, uint64_t h, const struct pb_raw_stack *s)
{
	return e->hash == h && e->pid == s->pid && e->tid == s->tid && e->cpu == s->cpu &&
	       e->flags == s->flags &&
	       e->n_user == s->n_user && e->n_kernel == s->n_kernel &&
	       !memcmp(e->ips, s->user_ips, s->n_user * sizeof(uint64_t)) &&
	       !memcmp(e->ips + s->n_user, s->kernel_ips, s->n_kernel * sizeof(uint64_t)) &&
	       !strcmp(e->comm, s->comm ? s->comm : "");
}

static void grow(struct pb_snap_agg *a)
{
	size_t n = a->n_buckets * 2;
	struct entry **b = calloc(n, sizeof(*b));

	if (!b)
		return; /* longer chains; still correct */
	for (size_t i = 0; i < a->n_buckets; i++)
		while (a->buckets[i]) {
			struct entry *e = a->buckets[i];

			a->buckets[i] = e->next;
			e->next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	free(a->buckets);
	a->buckets = b;
	a->n_buckets = n;
}

int pb_snap_agg__add(struct pb_snap_agg *a, const struct pb_raw_stack *s)
{
	uint64_t h = hash_stack(s);
	struct entry **head = &a->buckets[h & (a->n_buckets - 1)], *e;

	for (e = *head; e; e = e->next)
		if (same(e, h, s)) {
			e->count += s->count;
			return 0;
		}
	e = malloc(sizeof(*e) + (s->n_user + s->n_kernel) * sizeof(uint64_t));
	if (!e)
		return -ENOMEM;
	e->hash = h;
	e->peeked = false;
	e->count = s->count;
	e->pid = s->pid;
	e->tid = s->tid;
	e->cpu = s->cpu;
	e->flags = s->flags;
	e->n_user = s->n_user;
	e->n_kernel = s->n_kernel;
	strncpy(e->comm, s->comm ? s->comm : "", PB_SNAP_COMM_LEN);
	e->comm[PB_SNAP_COMM_LEN] = '\0';
	memcpy(e->ips, s->user_ips, s->n_user * sizeof(uint64_t));
	memcpy(e->ips + s->n_user, s->kernel_ips, s->n_kernel * sizeof(uint64_t));
	e->next = *head;
	*head = e;
	if (++a->n > a->n_buckets)
		grow(a);
	return 0;
}

/* Hands fn each stack (with peek set: each not handed by a peek before). */
static int hand(struct pb_snap_agg *a, bool peek, pb_raw_stack_fn fn, void *ctx)
{
	int ret = 0;

	for (size_t i = 0; i < a->n_buckets && !ret; i++)
		for (struct entry *e = a->buckets[i]; e && !ret; e = e->next) {
			struct pb_raw_stack s = {
				.pid = e->pid,
				.tid = e->tid,
				.cpu = e->cpu,
				.comm = e->comm,
				.user_ips = e->ips,
				.n_user = e->n_user,
				.kernel_ips = e->ips + e->n_user,
				.n_kernel = e->n_kernel,
				.count = e->count,
				.flags = e->flags,
			};

			if (peek && e->peeked)
				continue;
			e->peeked = true;
			ret = fn(ctx, &s);
		}
	return ret;
}

int pb_snap_agg__peek(struct pb_snap_agg *a, pb_raw_stack_fn fn, void *ctx)
{
	return hand(a, true, fn, ctx);
}

int pb_snap_agg__drain(struct pb_snap_agg *a, pb_raw_stack_fn fn, void *ctx)
{
	int ret = hand(a, false, fn, ctx);

	clear(a);
	return ret;
}
