// SPDX-License-Identifier: MIT
/* Per-process objects (binary + bias) built from the core's mappings, and memory reads. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "snap_internal.h"

#define BUCKETS 1024
/* A process not sampled for this many windows gives its unwinder state back. */
#define IDLE_WINDOWS 30
/*
 * At most this many processes keep unwinder state (libdw's per-process module and CFI caches
 * are the bulk of this plugin's memory); past it, the least recently sampled give theirs back
 * and build it again when sampled.
 */
#define MAX_WITH_STATE 128

struct pb_snap_procs {
	const struct pb_host *host;
	const struct pb_snap_backend *backend;
	struct pb_snap_binaries *bins;
	struct pb_snap_proc *buckets[BUCKETS];
};

int pb_snap_procs__new(const struct pb_host *host, const struct pb_snap_backend *backend,
		       struct pb_snap_binaries *bins, struct pb_snap_procs **ret)
{
	struct pb_snap_procs *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->host = host;
	t->backend = backend;
	t->bins = bins;
	*ret = t;
	return 0;
}

static void drop_objects(struct pb_snap_procs *t, struct pb_snap_proc *p)
{
	t->backend->proc_close(p->priv);
	p->priv = NULL;
	for (uint32_t i = 0; i < p->n_objs; i++)
		pb_snap_binaries__put(t->bins, p->objs[i].bin);
	free(p->objs);
	p->objs = NULL;
	p->n_objs = 0;
	p->have_objs = false;
}

static void proc_free(struct pb_snap_procs *t, struct pb_snap_proc *p)
{
	drop_objects(t, p);
	free(p);
}

void pb_snap_procs__free(struct pb_snap_procs *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < BUCKETS; i++)
		while (t->buckets[i]) {
			struct pb_snap_proc *p = t->buckets[i];

			t->buckets[i] = p->next;
			proc_free(t, p);
		}
	free(t);
}

struct pb_snap_proc *pb_snap_procs__get(struct pb_snap_procs *t, uint32_t pid, bool create)
{
	struct pb_snap_proc *p;

	for (p = t->buckets[pid % BUCKETS]; p; p = p->next)
		if (p->pid == pid)
			return p;
	if (!create || !(p = calloc(1, sizeof(*p))))
		return NULL;
	p->pid = pid;
	p->next = t->buckets[pid % BUCKETS];
	t->buckets[pid % BUCKETS] = p;
	return p;
}

struct build {
	struct pb_snap_procs *t;
	struct pb_snap_proc *p;
	uint32_t cap;
	int err;
};

/* Mappings of one file with one bias make one object; its range covers all its segments. */
static int add_mapping(void *ctx, const struct pb_mapping *m)
{
	struct build *bd = ctx;
	struct pb_snap_proc *p = bd->p;
	struct pb_snap_binary *b = pb_snap_binaries__get(bd->t->bins, m);
	uint64_t bias;

	if (!b)
		return 0; /* anonymous, special or unreadable: nothing to unwind with */
	if (!pb_snap_binary_bias(b, m, &bias))
		goto skip;
	for (uint32_t i = 0; i < p->n_objs; i++)
		if (p->objs[i].bin == b && p->objs[i].bias == bias)
			goto skip;
	if (p->n_objs == bd->cap) {
		uint32_t cap = bd->cap ? bd->cap * 2 : 16;
		struct pb_snap_object *o = realloc(p->objs, cap * sizeof(*o));

		if (!o) {
			pb_snap_binaries__put(bd->t->bins, b);
			return -ENOMEM;
		}
		p->objs = o;
		bd->cap = cap;
	}
	p->objs[p->n_objs++] = (struct pb_snap_object){
		.start = b->lo + bias, .end = b->hi + bias, .bias = bias, .bin = b};
	return 0;
skip:
	pb_snap_binaries__put(bd->t->bins, b);
	return 0;
}

static int cmp_obj(const void *a, const void *b)
{
	const struct pb_snap_object *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int rebuild(struct pb_snap_procs *t, struct pb_snap_proc *p)
{
	struct build bd = {.t = t, .p = p};
	int err;

	drop_objects(t, p);
	p->built = p->generation;
	err = t->host->for_each_mapping(t->host->session, p->pid, add_mapping, &bd);
	if (err && err != -ENOENT)
		return err;
	qsort(p->objs, p->n_objs, sizeof(*p->objs), cmp_obj);
	t->host->log(t->host->session, PB_LOG_DEBUG, t->backend->name,
		     "pid %u: %u binaries to unwind with", p->pid, p->n_objs);
	p->have_objs = true;
	if (!p->n_objs)
		return -ENOENT;
	return t->backend->proc_open(t->host, p, &p->priv);
}

int pb_snap_procs__prepare(struct pb_snap_procs *t, struct pb_snap_proc *p, uint64_t pc)
{
	int err = 0;

	if (!p->have_objs || p->built != p->generation)
		err = rebuild(t, p);
	/*
	 * The mapping may be newer than what the table has read (a dlopen whose record is still
	 * queued): asking for it may make the core re-read /proc, and on_mapping bump generation.
	 */
	if (!pb_snap_proc_find(p, pc) && t->host->find_mapping(t->host->session, p->pid, pc) &&
	    p->built != p->generation)
		err = rebuild(t, p);
	if (err)
		return err;
	return pb_snap_proc_find(p, pc) ? 0 : -ENOENT;
}

/* The process with unwinder state sampled least recently, or NULL. */
static struct pb_snap_proc *least_recent(struct pb_snap_procs *t)
{
	struct pb_snap_proc *old = NULL;

	for (unsigned i = 0; i < BUCKETS; i++)
		for (struct pb_snap_proc *p = t->buckets[i]; p; p = p->next)
			if (p->have_objs && (!old || p->last_window < old->last_window))
				old = p;
	return old;
}

void pb_snap_procs__end_window(struct pb_snap_procs *t, uint64_t window)
{
	uint32_t with_state = 0;

	for (unsigned i = 0; i < BUCKETS; i++) {
		struct pb_snap_proc **pp = &t->buckets[i];

		while (*pp) {
			struct pb_snap_proc *p = *pp;

			if (p->exited || window - p->last_window > IDLE_WINDOWS) {
				*pp = p->next;
				proc_free(t, p);
			} else {
				with_state += p->have_objs;
				pp = &p->next;
			}
		}
	}
	for (; with_state > MAX_WITH_STATE; with_state--)
		drop_objects(t, least_recent(t));
}

const struct pb_snap_object *pb_snap_proc_find(const struct pb_snap_proc *p, uint64_t addr)
{
	uint32_t lo = 0, hi = p->n_objs;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (p->objs[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < p->n_objs && p->objs[lo].start <= addr)
		return &p->objs[lo];
	return NULL;
}

bool pb_snap_read(struct pb_snap_unwind *u, uint64_t addr, void *buf, size_t size)
{
	uint64_t sp = u->sample->regs[PB_SNAP_REG_SP], len = u->sample->stack_size;
	const struct pb_snap_object *o = u->last;
	const void *src;

	if (addr >= sp && addr - sp <= len && len - (addr - sp) >= size) {
		memcpy(buf, u->stack + (addr - sp), size);
		return true;
	}
	if (!o || addr < o->start || addr >= o->end)
		o = pb_snap_proc_find(u->proc, addr);
	if (o) {
		u->last = o;
		src = pb_snap_binary_at(o->bin, addr - o->bias, size);
		if (src) {
			memcpy(buf, src, size);
			return true;
		}
		return false;
	}
	if (addr >= sp + len && addr - (sp + len) < PB_SNAP_STACK_SLACK)
		u->beyond_snapshot = true;
	return false;
}
