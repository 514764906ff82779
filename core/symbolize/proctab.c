// SPDX-License-Identifier: MIT
/* The process table: per-pid executable mappings from /proc and perf side-band records. */
#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include "proctab_impl.h"

#define RING_PAGES 64 /* per CPU; records are small and drained at least every window */
/*
 * Every this many windows the table checks that the processes it holds still run: an exit
 * record lost with a full ring (PERF_RECORD_LOST), or a pid looked up that nobody follows,
 * would otherwise keep its entry, and the unwinder's tables it holds, forever.
 */
#define SWEEP_WINDOWS 30

static bool wanted(struct pb_proctab *t, struct proc *p)
{
	return p && (t->system_wide || p->tracked);
}

static void on_fork(struct pb_proctab *t, const struct pb_sb_event *ev)
{
	struct proc *parent = pb_proctab_get_proc(t, ev->ppid, false), *child;

	if (ev->pid == ev->ppid) /* a new thread */
		return;
	if (!t->system_wide && !(parent && parent->tracked))
		return;
	child = pb_proctab_get_proc(t, ev->pid, true);
	if (!child)
		return;
	/* Whatever was known of this pid is older than the fork, even what a /proc scan racing
	 * with it saw: the records that follow replay the child's exec and mmaps. */
	pb_proctab_reset_proc(child);
	child->tracked = true;
	if (!parent) /* from before we looked: a find miss reads /proc */
		return;
	memcpy(child->comm, parent->comm, sizeof(child->comm));
	for (size_t i = 0; i < parent->maps.n; i++) {
		const struct pb_mapping *pm = &parent->maps.v[i]->m;
		struct pb_maps_entry e = {.start = pm->start,
					  .end = pm->end,
					  .pgoff = pm->pgoff,
					  .dev = pm->dev,
					  .inode = pm->inode,
					  .path = pm->path,
					  .exec = true};

		e.deleted = parent->maps.v[i]->deleted;
		pb_proctab_add_mapping(t, child, &e);
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
		p = pb_proctab_get_proc(t, ev->pid, false);
		if (ev->pid == ev->tid && wanted(t, p))
			pb_proctab_mark_exited(t, p);
		break;
	case PERF_RECORD_COMM:
		p = pb_proctab_get_proc(t, ev->pid, t->system_wide);
		if (!wanted(t, p))
			break;
		if (ev->exec) { /* a new program: the old mappings stay searchable this window */
			pb_proctab_reset_proc(p);
			if (t->cb.on_exec)
				t->cb.on_exec(t->cb.ctx, p->pid);
		}
		if (ev->exec || ev->pid == ev->tid)
			snprintf(p->comm, sizeof(p->comm), "%s", ev->name);
		break;
	case PERF_RECORD_MMAP2: {
		char path[4096];
		struct pb_maps_entry e = {.start = ev->addr,
					  .end = ev->addr + ev->len,
					  .pgoff = ev->pgoff,
					  .dev = makedev(ev->maj, ev->min),
					  .inode = ev->ino,
					  .exec = true,
					  .path = path};

		if (!(ev->prot & PROT_EXEC) || !ev->len)
			break;
		p = pb_proctab_get_proc(t, ev->pid, t->system_wide);
		if (!wanted(t, p))
			break;
		snprintf(path, sizeof(path), "%s", ev->name);
		pb_proc_maps_clean_path(path, &e.deleted);
		pb_proctab_add_mapping(t, p, &e);
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
		p = pb_proctab_get_proc(t, pid, true);
		/* Gone between readdir and read: it exited, keep it for this window. */
		if (p && pb_proctab_read_proc(t, p) && !p->maps.n)
			pb_proctab_mark_exited(t, p);
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
	/*
	 * Without CAP_PERFMON (the perf unwinder's unprivileged runs) CPU-wide events are refused:
	 * mappings then come from /proc alone, read again when an address misses.
	 */
	if ((err == -EACCES || err == -EPERM) && !system_wide)
		err = 0;
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

void pb_proctab__free(struct pb_proctab *t)
{
	if (!t)
		return;
	pb_sideband__free(t->sb);
	for (size_t i = 0; i < t->procs.cap; i++)
		if (t->procs.slots[i].val)
			pb_proctab_free_proc(t->procs.slots[i].val);
	pb_u64map_clear(&t->procs);
	free(t);
}

int pb_proctab__track(struct pb_proctab *t, uint32_t pid)
{
	struct proc *p = pb_proctab_get_proc(t, pid, true);
	int err;

	if (!p)
		return -ENOMEM;
	p->tracked = true;
	/* Records may already have arrived for it; order them before reading /proc. */
	pb_proctab__consume(t);
	err = pb_proctab_read_proc(t, p);
	if (err == -ENOENT || err == -ESRCH)
		pb_proctab_mark_exited(t, p);
	return err;
}

uint64_t pb_proctab__lost(const struct pb_proctab *t)
{
	return t ? t->lost : 0;
}

int pb_proctab__poll_fds(struct pb_proctab *t, int *fds, int max_fds)
{
	return t->sb ? pb_sideband__fds(t->sb, fds, max_fds) : 0;
}

int pb_proctab__consume(struct pb_proctab *t)
{
	int n = t->sb ? pb_sideband__consume(t->sb) : 0;

	return n < 0 ? n : 0;
}

static struct proc *lookup(struct pb_proctab *t, uint32_t pid)
{
	struct proc *p = pb_proctab_get_proc(t, pid, false);

	if (p && (p->exited || p->reread_window == t->window + 1))
		return p;
	if (!p) {
		p = pb_proctab_get_proc(t, pid, true);
		if (!p)
			return NULL;
		p->tracked = t->system_wide;
	}
	if (pb_proctab_read_proc(t, p) && !p->maps.n)
		pb_proctab_mark_exited(t, p); /* gone: remembered as such until the window ends */
	return p;
}

const struct pb_mapping *pb_proctab__find(struct pb_proctab *t, uint32_t pid, uint64_t addr)
{
	struct proc *p = pb_proctab_get_proc(t, pid, false);
	const struct pb_mapping *m = p ? pb_proctab_search(p, addr) : NULL;

	if (m)
		return m;
	p = lookup(t, pid);
	return p ? pb_proctab_search(p, addr) : NULL;
}

int pb_proctab__for_each_mapping(struct pb_proctab *t, uint32_t pid, pb_mapping_fn fn, void *ctx)
{
	struct proc *p = pb_proctab_get_proc(t, pid, false);

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

int pb_proctab__for_each_live_mapping(struct pb_proctab *t, pb_mapping_fn fn, void *ctx)
{
	for (size_t i = 0; i < t->procs.cap; i++) {
		struct proc *p = t->procs.slots[i].val;

		for (size_t j = 0; p && !p->exited && j < p->maps.n; j++) {
			int err = fn(ctx, &p->maps.v[j]->m);

			if (err)
				return err;
		}
	}
	return 0;
}

const char *pb_proctab__comm(struct pb_proctab *t, uint32_t pid)
{
	struct proc *p = pb_proctab_get_proc(t, pid, false);

	if (!p)
		p = lookup(t, pid);
	return p && p->comm[0] ? p->comm : NULL;
}

/* Processes whose exit record was lost: marked exited now, forgotten with the others. */
static void sweep(struct pb_proctab *t)
{
	for (size_t i = 0; i < t->procs.cap; i++) {
		struct proc *p = t->procs.slots[i].val;

		if (p && !p->exited && kill(p->pid, 0) && errno == ESRCH)
			pb_proctab_mark_exited(t, p);
	}
}

void pb_proctab__end_window(struct pb_proctab *t)
{
	uint32_t *gone = NULL;
	size_t n_gone = 0;

	if (t->window % SWEEP_WINDOWS == SWEEP_WINDOWS - 1)
		sweep(t);

	/*
	 * No consume here: an exit read after the drain could belong to a process whose last
	 * samples land in the next window. The session consumes before it drains.
	 */
	for (size_t i = 0; i < t->procs.cap; i++) {
		struct proc *p = t->procs.slots[i].val;

		if (!p)
			continue;
		pb_proctab_end_proc_window(p);
		if (!p->exited)
			continue;
		uint32_t *g = realloc(gone, (n_gone + 1) * sizeof(*g));

		if (!g)
			continue; /* kept one more window; harmless */
		gone = g;
		gone[n_gone++] = p->pid;
	}
	for (size_t i = 0; i < n_gone; i++)
		pb_proctab_free_proc(pb_u64map_del(&t->procs, gone[i]));
	free(gone);
	t->window++;
}
