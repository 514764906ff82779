// SPDX-License-Identifier: MIT
/*
 * Off-CPU samples joined with their block ends (bpf/snapshot_offcpu.bpf.h): a thread's stack,
 * unwound when it went off CPU, is kept by tid until the record of its return says how long it
 * was away; then it is counted, in microseconds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "snap_internal.h"

#define N_BUCKETS 1024 /* grows with the threads off CPU at once */

/* One thread's open block. */
struct block {
	struct block *next;
	uint32_t tid;
	uint64_t start_ns;
	/*
	 * Its sample waits among the deferred records (the process table was behind): the end's
	 * time waits here for the retry, which counts it (ended) or keeps its stack (still open).
	 */
	bool deferred, ended;
	/* The BPF side had no such block at the last drain: its end was lost (see prune). */
	bool missing;
	uint64_t ns;
	struct pb_raw_stack raw; /* its pointers into the fields below */
	char comm[PB_SNAP_COMM_LEN + 1];
	uint64_t ips[]; /* user ips, then kernel ips */
};

struct pb_snap_blocks {
	struct block **buckets;
	size_t n_buckets, n;
};

int pb_snap_blocks__new(struct pb_snap_blocks **ret)
{
	struct pb_snap_blocks *t = calloc(1, sizeof(*t));

	if (!t || !(t->buckets = calloc(N_BUCKETS, sizeof(*t->buckets)))) {
		free(t);
		return -ENOMEM;
	}
	t->n_buckets = N_BUCKETS;
	*ret = t;
	return 0;
}

void pb_snap_blocks__free(struct pb_snap_blocks *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_buckets; i++)
		while (t->buckets[i]) {
			struct block *b = t->buckets[i];

			t->buckets[i] = b->next;
			free(b);
		}
	free(t->buckets);
	free(t);
}

static struct block **find(struct pb_snap_blocks *t, uint32_t tid)
{
	struct block **p = &t->buckets[(tid * 0x9e3779b1u) & (t->n_buckets - 1)];

	while (*p && (*p)->tid != tid)
		p = &(*p)->next;
	return p;
}

static void drop(struct pb_snap_blocks *t, struct block **p)
{
	struct block *b = *p;

	*p = b->next;
	free(b);
	t->n--;
}

static void grow(struct pb_snap_blocks *t)
{
	size_t n = t->n_buckets * 2;
	struct block **nb = calloc(n, sizeof(*nb));

	if (!nb)
		return; /* longer chains; still correct */
	for (size_t i = 0; i < t->n_buckets; i++)
		while (t->buckets[i]) {
			struct block *b = t->buckets[i];

			t->buckets[i] = b->next;
			b->next = nb[(b->tid * 0x9e3779b1u) & (n - 1)];
			nb[(b->tid * 0x9e3779b1u) & (n - 1)] = b;
		}
	free(t->buckets);
	t->buckets = nb;
	t->n_buckets = n;
}

/* The block of tid begun at start_ns, in place of any older one of tid (whose end was lost). */
static struct block *put(struct pb_snap_blocks *t, uint32_t tid, uint64_t start_ns,
			 const struct pb_raw_stack *raw)
{
	uint32_t n_user = raw ? raw->n_user : 0, n_kernel = raw ? raw->n_kernel : 0;
	struct block **p = find(t, tid), *b;

	if (*p)
		drop(t, p);
	b = calloc(1, sizeof(*b) + (n_user + n_kernel) * sizeof(uint64_t));
	if (!b)
		return NULL;
	b->tid = tid;
	b->start_ns = start_ns;
	if (raw) {
		b->raw = *raw;
		b->raw.count = 0;
		strncpy(b->comm, raw->comm ? raw->comm : "", PB_SNAP_COMM_LEN);
		b->raw.comm = b->comm;
		memcpy(b->ips, raw->user_ips, n_user * sizeof(uint64_t));
		memcpy(b->ips + n_user, raw->kernel_ips, n_kernel * sizeof(uint64_t));
		b->raw.user_ips = b->ips;
		b->raw.kernel_ips = b->ips + n_user;
	}
	p = find(t, tid); /* the chain's end, now that tid is in none */
	*p = b;
	if (++t->n > t->n_buckets)
		grow(t);
	return b;
}

/* Counts ns of blocked time on raw, in microseconds. */
static int count(struct pb_snap_state *st, struct pb_raw_stack *raw, uint64_t ns)
{
	raw->count = ns / 1000;
	raw->flags |= PB_RAW_OFF_CPU;
	return raw->count ? pb_snap_agg__add(st->agg, raw) : 0;
}

int pb_snap_blocks__begin(struct pb_snap_state *st, const struct pb_snap_sample *h,
			  const struct pb_raw_stack *raw)
{
	return put(st->blocks, h->tid, h->start_ns, raw) ? 0 : -ENOMEM;
}

int pb_snap_blocks__begin_deferred(struct pb_snap_state *st, const struct pb_snap_sample *h)
{
	struct block *b = put(st->blocks, h->tid, h->start_ns, NULL);

	if (!b)
		return -ENOMEM;
	b->deferred = true;
	return 0;
}

int pb_snap_blocks__retried(struct pb_snap_state *st, const struct pb_snap_sample *h,
			    const struct pb_raw_stack *raw)
{
	struct block **p = find(st->blocks, h->tid), *b = *p;
	int err = 0;

	if (!b || !b->deferred || b->start_ns != h->start_ns)
		return 0; /* a later block of the thread took its place: its end was lost */
	if (b->ended) {
		struct pb_raw_stack r = *raw;

		err = count(st, &r, b->ns);
		drop(st->blocks, p);
		return err;
	}
	return put(st->blocks, h->tid, h->start_ns, raw) ? 0 : -ENOMEM;
}

void pb_snap_blocks__end(struct pb_snap_state *st, const struct pb_snap_block_end *e)
{
	struct block **p = find(st->blocks, e->tid), *b = *p;
	int err;

	if (!b || b->start_ns != e->start_ns) {
		st->lost[PB_SNAP_U_BLOCK_UNKNOWN] += e->counted != 0;
		return;
	}
	if (!e->counted) {
		drop(st->blocks, p);
		return;
	}
	if (b->deferred) {
		b->ended = true;
		b->ns = e->ns;
		return;
	}
	err = count(st, &b->raw, e->ns);
	if (err && !st->err)
		st->err = err;
	drop(st->blocks, p);
}

/*
 * A block whose end was lost (the ring was full) would be kept until its thread blocks again,
 * forever when the thread is gone. Such a block is one the BPF side no longer has: dropped
 * when that is so at two drains in a row, as its end may still have been in the ring at the
 * first. One map lookup per open block per drain.
 */
void pb_snap_blocks__prune(struct pb_snap_state *st)
{
	struct pb_snap_blocks *t = st->blocks;

	for (size_t i = 0; t && i < t->n_buckets; i++)
		for (struct block **p = &t->buckets[i]; *p;) {
			struct block *b = *p;

			if (b->deferred || pb_snap_bpf__block_open(st->bpf, b->tid, b->start_ns))
				b->missing = false;
			else if (!b->missing)
				b->missing = true;
			else {
				drop(t, p);
				continue;
			}
			p = &b->next;
		}
}
