// SPDX-License-Identifier: MIT
/* The process table: per-pid executable mappings from /proc and perf side-band records. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include "proc_maps.h"
#include "proctab.h"
#include "sideband.h"
#include "u64map.h"

#define RING_PAGES 64
#define COMM_LEN 16

/* Heap-allocated so a pointer to m stays valid until the mapping is retired and a window ends. */
struct mapping {
	struct pb_mapping m;
	char *live_open;  /* open_path while the process lives */
	bool deleted;
	char strings[];	  /* path, then live_open */
};

struct mvec {
	struct mapping **v;
	size_t n, cap;
};

struct proc {
	uint32_t pid;
	bool exited;
	bool tracked;	       /* pid mode: given to track() or forked from a tracked process */
	uint64_t reread_window; /* window+1 of the last /proc re-read, 0 never */
	char comm[COMM_LEN];
	struct mvec maps;    /* current, sorted by start, not overlapping */
	struct mvec retired; /* replaced or unmapped this window; still searched */
};

struct pb_proctab {
	bool system_wide;
	struct pb_proctab_callbacks cb;
	struct pb_u64map procs; /* pid -> struct proc */
	uint64_t window;
	uint64_t lost;
	struct pb_sideband *sb;
};

static int mvec_push(struct mvec *v, size_t at, struct mapping *m)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		struct mapping **p = realloc(v->v, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		v->v = p;
		v->cap = cap;
	}
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

static void retire(struct proc *p, size_t i)
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
	m->m = (struct pb_mapping){.start = e->start, .end = e->end, .pgoff = e->pgoff,
				   .dev = e->dev, .inode = e->inode};
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
static int add_mapping(struct pb_proctab *t, struct proc *p, const struct pb_maps_entry *e)
{
	size_t i = lower(&p->maps, e->start);
	struct mapping *m;

	if (i < p->maps.n && same(&p->maps.v[i]->m, e))
		return 1;
	while (i < p->maps.n && p->maps.v[i]->m.start < e->end)
		retire(p, i);
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

static struct proc *get_proc(struct pb_proctab *t, uint32_t pid, bool create)
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
	int ret = add_mapping(r->t, r->p, e);

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

static int read_proc(struct pb_proctab *t, struct proc *p)
{
	struct reread r = {.t = t, .p = p};
	int err;

	p->reread_window = t->window + 1;
	if (!p->comm[0])
		pb_proc_read_comm(p->pid, p->comm, sizeof(p->comm));
	err = pb_proc_maps_read(p->pid, reread_one, &r);
	if (!err) {
		qsort(r.seen.v, r.seen.n, sizeof(*r.seen.v), cmp_ptr);
		for (size_t i = p->maps.n; i-- > 0;)
			if (!bsearch(&p->maps.v[i], r.seen.v, r.seen.n, sizeof(*r.seen.v), cmp_ptr))
				retire(p, i);
	}
	free(r.seen.v); /* the pointers, not the mappings */
	return err;
}

static void mark_exited(struct pb_proctab *t, struct proc *p)
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
static void reset_proc(struct proc *p)
{
	while (p->maps.n)
		retire(p, p->maps.n - 1);
	p->exited = false;
	p->reread_window = 0;
}

static bool wanted(struct pb_proctab *t, struct proc *p)
{
	return p && (t->system_wide || p->tracked);
}

static void on_fork(struct pb_proctab *t, const struct pb_sb_event *ev)
{
	struct proc *parent = get_proc(t, ev->ppid, false), *child;

	if (ev->pid == ev->ppid) /* a new thread */
		return;
	if (!t->system_wide && !(parent && parent->tracked))
		return;
	child = get_proc(t, ev->pid, true);
	if (!child)
		return;
	if (child->exited)
		reset_proc(child);
	child->tracked = true;
	if (!parent) /* from before we looked: a find miss reads /proc */
		return;
	memcpy(child->comm, parent->comm, sizeof(child->comm));
	for (size_t i = 0; i < parent->maps.n; i++) {
		const struct pb_mapping *pm = &parent->maps.v[i]->m;
		struct pb_maps_entry e = {.start = pm->start, .end = pm->end, .pgoff = pm->pgoff,
					  .dev = pm->dev, .inode = pm->inode, .path = pm->path,
					  .exec = true};

		e.deleted = parent->maps.v[i]->deleted;
		add_mapping(t, child, &e);
	}
}

static void on_record(void *ctx, const struct pb_sb_event *ev)
{
	struct pb_proctab *t = ctx;
	struct proc *p;

	switch (ev->type) {
	case PERF_RECORD_FORK:
		on_fork(t, ev);
		break;
	case PERF_RECORD_EXIT:
		p = get_proc(t, ev->pid, false);
		if (ev->pid == ev->tid && wanted(t, p))
			mark_exited(t, p);
		break;
	case PERF_RECORD_COMM:
		p = get_proc(t, ev->pid, t->system_wide);
		if (!wanted(t, p))
			break;
		if (ev->exec) /* a new program: the old mappings stay searchable this window */
			reset_proc(p);
		if (ev->exec || ev->pid == ev->tid)
			snprintf(p->comm, sizeof(p->comm), "%s", ev->name);
		break;
	case PERF_RECORD_MMAP2: {
		char path[4096];
		struct pb_maps_entry e = {.start = ev->addr, .end = ev->addr + ev->len,
					  .pgoff = ev->pgoff, .dev = makedev(ev->maj, ev->min),
					  .inode = ev->ino, .exec = true, .path = path};

		if (!(ev->prot & PROT_EXEC) || !ev->len)
			break;
		p = get_proc(t, ev->pid, t->system_wide);
		if (!wanted(t, p))
			break;
		snprintf(path, sizeof(path), "%s", ev->name);
		pb_proc_maps_clean_path(path, &e.deleted);
		add_mapping(t, p, &e);
		break;
	}
	case PERF_RECORD_LOST:
		/* Mappings may be missing now; find misses re-read /proc and repair them. */
		t->lost += ev->lost;
		break;
	}
}

static void scan_proc(struct pb_proctab *t)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);
		struct proc *p;

		if (*end || !pid || pid > UINT32_MAX)
			continue;
		p = get_proc(t, pid, true);
		/* Gone between readdir and read: it exited, keep it for this window. */
		if (p && read_proc(t, p) && !p->maps.n)
			mark_exited(t, p);
	}
	closedir(d);
}

int pb_proctab__new(bool system_wide, const struct pb_proctab_callbacks *cb,
		    struct pb_proctab **ret)
{
	struct pb_proctab *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return -ENOMEM;
	t->system_wide = system_wide;
	if (cb)
		t->cb = *cb;
	/*
	 * Records come from one dummy event per CPU in both modes. Per-task events with
	 * inherit=1 would miss threads that already exist when tracking starts (inherit only
	 * reaches tasks created later) and cannot share one ring across tasks; in pid mode the
	 * records of untracked processes are simply dropped here.
	 */
	err = pb_sideband__new(RING_PAGES, on_record, t, &t->sb);
	if (err) {
		free(t);
		return err;
	}
	/* After the events are open, so no process slips between the scan and the records. */
	if (system_wide)
		scan_proc(t);
	*ret = t;
	return 0;
}

static void free_proc(struct proc *p)
{
	mvec_free(&p->maps);
	mvec_free(&p->retired);
	free(p);
}

void pb_proctab__free(struct pb_proctab *t)
{
	if (!t)
		return;
	pb_sideband__free(t->sb);
	for (size_t i = 0; i < t->procs.cap; i++)
		if (t->procs.slots[i].val)
			free_proc(t->procs.slots[i].val);
	pb_u64map_clear(&t->procs);
	free(t);
}

int pb_proctab__track(struct pb_proctab *t, uint32_t pid)
{
	struct proc *p = get_proc(t, pid, true);
	int err;

	if (!p)
		return -ENOMEM;
	p->tracked = true;
	/* Records may already have arrived for it; order them before reading /proc. */
	pb_proctab__consume(t);
	err = read_proc(t, p);
	if (err == -ENOENT || err == -ESRCH)
		mark_exited(t, p);
	return err;
}

int pb_proctab__poll_fds(struct pb_proctab *t, int *fds, int max_fds)
{
	return pb_sideband__fds(t->sb, fds, max_fds);
}

int pb_proctab__consume(struct pb_proctab *t)
{
	int n = pb_sideband__consume(t->sb);

	return n < 0 ? n : 0;
}

static const struct pb_mapping *search(const struct proc *p, uint64_t addr)
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
static struct proc *lookup(struct pb_proctab *t, uint32_t pid)
{
	struct proc *p = get_proc(t, pid, false);

	if (p && (p->exited || p->reread_window == t->window + 1))
		return p;
	if (!p) {
		p = get_proc(t, pid, true);
		if (!p)
			return NULL;
		p->tracked = t->system_wide;
	}
	if (read_proc(t, p) && !p->maps.n)
		mark_exited(t, p); /* gone: remembered as such until the window ends */
	return p;
}

const struct pb_mapping *pb_proctab__find(struct pb_proctab *t, uint32_t pid, uint64_t addr)
{
	struct proc *p = get_proc(t, pid, false);
	const struct pb_mapping *m = p ? search(p, addr) : NULL;

	if (m)
		return m;
	p = lookup(t, pid);
	return p ? search(p, addr) : NULL;
}

int pb_proctab__for_each_mapping(struct pb_proctab *t, uint32_t pid, pb_mapping_fn fn, void *ctx)
{
	struct proc *p = get_proc(t, pid, false);

	if (!p)
		p = lookup(t, pid);
	if (!p)
		return -ENOENT;
	for (size_t i = 0; i < p->maps.n; i++) {
		int err = fn(ctx, &p->maps.v[i]->m);

		if (err)
			return err;
	}
	return 0;
}

const char *pb_proctab__comm(struct pb_proctab *t, uint32_t pid)
{
	struct proc *p = get_proc(t, pid, false);

	if (!p)
		p = lookup(t, pid);
	return p && p->comm[0] ? p->comm : NULL;
}

void pb_proctab__end_window(struct pb_proctab *t)
{
	uint32_t *gone = NULL;
	size_t n_gone = 0;

	/*
	 * No consume here: an exit read after the drain could belong to a process whose last
	 * samples land in the next window. The session consumes before it drains.
	 */
	for (size_t i = 0; i < t->procs.cap; i++) {
		struct proc *p = t->procs.slots[i].val;

		if (!p)
			continue;
		mvec_free(&p->retired);
		if (!p->exited)
			continue;
		uint32_t *g = realloc(gone, (n_gone + 1) * sizeof(*g));

		if (!g)
			continue; /* kept one more window; harmless */
		gone = g;
		gone[n_gone++] = p->pid;
	}
	for (size_t i = 0; i < n_gone; i++)
		free_proc(pb_u64map_del(&t->procs, gone[i]));
	free(gone);
	t->window++;
}
