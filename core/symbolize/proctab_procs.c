// SPDX-License-Identifier: MIT
/* One process's executable mappings: sorted, replaced on overlap, retired until a window ends. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "grow.h"
#include "proctab_impl.h"

static int mvec_push(struct mvec *v, size_t at, struct mapping *m)
{
	if (PB_GROW(v->v, v->n, v->cap, 16))
		return -ENOMEM;
	memmove(v->v + at + 1, v->v + at, (v->n - at) * sizeof(*v->v));
	v->v[at] = m;
	v->n++;
	return 0;
}

static void mvec_free(struct mvec *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	*v = (struct mvec){0};
}

/* The index of the first mapping whose end is above addr. */
static size_t lower(const struct mvec *v, uint64_t addr)
{
	size_t lo = 0, hi = v->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v->v[mid]->m.end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void pb_proctab_retire(struct proc *p, size_t i)
{
	struct mapping *m = p->maps.v[i];

	memmove(p->maps.v + i, p->maps.v + i + 1, (p->maps.n - i - 1) * sizeof(*p->maps.v));
	p->maps.n--;
	if (mvec_push(&p->retired, p->retired.n, m))
		free(m); /* nobody can be holding it yet beyond this window; best effort */
}

static struct mapping *new_mapping(uint32_t pid, const struct pb_maps_entry *e)
{
	size_t pl = strlen(e->path) + 1;
	struct mapping *m = malloc(sizeof(*m) + pl + 64 + pl);

	if (!m)
		return NULL;
	m->m = (struct pb_mapping){
	    .start = e->start, .end = e->end, .pgoff = e->pgoff, .dev = e->dev, .inode = e->inode};
	memcpy(m->strings, e->path, pl);
	m->m.path = m->strings;
	m->live_open = m->strings + pl;
	m->deleted = e->deleted;
	/* Through the process's root so files inside containers open; a deleted file only
	 * through map_files (root only), the path itself is gone. */
	if (e->deleted)
		sprintf(m->live_open, "/proc/%" PRIu32 "/map_files/%" PRIx64 "-%" PRIx64, pid,
			e->start, e->end);
	else if (e->path[0] == '/')
		sprintf(m->live_open, "/proc/%" PRIu32 "/root%s", pid, e->path);
	else
		strcpy(m->live_open, e->path);
	m->m.open_path = m->live_open;
	return m;
}

static bool same(const struct pb_mapping *a, const struct pb_maps_entry *e)
{
	return a->start == e->start && a->end == e->end && a->pgoff == e->pgoff &&
	       a->inode == e->inode && a->dev == e->dev && !strcmp(a->path, e->path);
}

/* Adds e to p, retiring what it overlaps. 1 when it was already known, 0 added, -errno. */
int pb_proctab_add_mapping(struct pb_proctab *t, struct proc *p, const struct pb_maps_entry *e)
{
	size_t i = lower(&p->maps, e->start);
	struct mapping *m;

	if (i < p->maps.n && same(&p->maps.v[i]->m, e))
		return 1;
	while (i < p->maps.n && p->maps.v[i]->m.start < e->end)
		pb_proctab_retire(p, i);
	m = new_mapping(p->pid, e);
	if (!m)
		return -ENOMEM;
	if (p->exited)
		m->m.open_path = m->m.path;
	if (mvec_push(&p->maps, i, m)) {
		free(m);
		return -ENOMEM;
	}
	if (t->cb.on_mapping)
		t->cb.on_mapping(t->cb.ctx, p->pid, &m->m);
	return 0;
}

struct proc *pb_proctab_get_proc(struct pb_proctab *t, uint32_t pid, bool create)
{
	struct proc *p = pb_u64map_get(&t->procs, pid);

	if (p || !create)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	if (pb_u64map_put(&t->procs, pid, p)) {
		free(p);
		return NULL;
	}
	return p;
}

/* Mappings missing from a fresh read of /proc were unmapped (dlclose): retire them. */
struct reread {
	struct pb_proctab *t;
	struct proc *p;
	struct mvec seen;
	int err;
};

static int reread_one(void *ctx, const struct pb_maps_entry *e)
{
	struct reread *r = ctx;
	int ret = pb_proctab_add_mapping(r->t, r->p, e);

	if (ret < 0)
		return ret;
	/* Remember which mappings the file still lists, by pointer. */
	return mvec_push(&r->seen, r->seen.n, r->p->maps.v[lower(&r->p->maps, e->start)]);
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;

	return x < y ? -1 : x > y;
}

int pb_proctab_read_proc(struct pb_proctab *t, struct proc *p)
{
	struct reread r = {.t = t, .p = p};
	int err;

	p->reread_window = t->window + 1;
	if (!p->comm[0])
		pb_proc_read_comm(p->pid, p->comm, sizeof(p->comm));
	err = pb_proc_maps_read(p->pid, reread_one, &r);
	if (!err) {
		if (r.seen.n)
			qsort(r.seen.v, r.seen.n, sizeof(*r.seen.v), cmp_ptr);
		for (size_t i = p->maps.n; i-- > 0;)
			if (!r.seen.n ||
			    !bsearch(&p->maps.v[i], r.seen.v, r.seen.n, sizeof(*r.seen.v), cmp_ptr))
				pb_proctab_retire(p, i);
	}
	free(r.seen.v); /* the pointers, not the mappings */
	return err;
}

void pb_proctab_mark_exited(struct pb_proctab *t, struct proc *p)
{
	if (p->exited)
		return;
	p->exited = true;
	/* /proc/PID/root is gone with the process: open the file by its own path from now on. */
	for (size_t i = 0; i < p->maps.n; i++)
		p->maps.v[i]->m.open_path = p->maps.v[i]->m.path;
	for (size_t i = 0; i < p->retired.n; i++)
		p->retired.v[i]->m.open_path = p->retired.v[i]->m.path;
	if (t->cb.on_exit)
		t->cb.on_exit(t->cb.ctx, p->pid);
}

/* pid is known to be a new process again (fork or first sight): forget a previous owner. */
void pb_proctab_reset_proc(struct proc *p)
{
	while (p->maps.n)
		pb_proctab_retire(p, p->maps.n - 1);
	p->exited = false;
	p->reread_window = 0;
}

void pb_proctab_free_proc(struct proc *p)
{
	mvec_free(&p->maps);
	mvec_free(&p->retired);
	free(p);
}

const struct pb_mapping *pb_proctab_search(const struct proc *p, uint64_t addr)
{
	size_t i = lower(&p->maps, addr);

	if (i < p->maps.n && p->maps.v[i]->m.start <= addr)
		return &p->maps.v[i]->m;
	/* Newest first: the latest mapping that held addr before it was replaced. */
	for (size_t j = p->retired.n; j-- > 0;) {
		const struct pb_mapping *m = &p->retired.v[j]->m;

		if (m->start <= addr && addr < m->end)
			return m;
	}
	return NULL;
}

/* pid as the table knows it, reading /proc at most once per window when it may help. */

void pb_proctab_end_proc_window(struct proc *p)
{
	mvec_free(&p->retired);
}
