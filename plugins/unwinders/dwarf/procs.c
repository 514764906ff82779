// SPDX-License-Identifier: MIT
/* Process mapping tables: each pid's executable mappings with their table ids, mirrored to BPF. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "dwarf_internal.h"

#define BUCKETS 4096

/* Most processes map a few dozen files: room grows from this up to PB_DWARF_MAX_MAPPINGS. */
#define FIRST_CAP 16

struct proc {
	uint32_t pid;
	uint32_t n, cap;
	struct proc *next;
	struct pb_dwarf_mapping maps[]; /* cap entries, sorted by start; each holds its table */
};

struct dw_procs {
	const struct pb_host *host;
	struct dw_binaries *bins;
	int fd;
	struct dw_limits limits;
	struct proc *buckets[BUCKETS];
	uint32_t n_procs;
	struct pb_dwarf_proc value; /* what one BPF update writes */
	uint64_t refused_procs, refused_maps;
	uint32_t cap; /* mappings a proc holds: PB_DWARF_MAX_MAPPINGS */
};

static struct proc **slot(struct dw_procs *p, uint32_t pid)
{
	struct proc **s = &p->buckets[pid % BUCKETS];

	while (*s && (*s)->pid != pid)
		s = &(*s)->next;
	return s;
}

static struct proc **get(struct dw_procs *p, uint32_t pid)
{
	struct proc **s = slot(p, pid);

	if (*s)
		return s;
	if (p->n_procs >= p->limits.max_processes) {
		if (!p->refused_procs++)
			p->host->log(p->host->session, PB_LOG_WARN, "dwarf",
				     "max-processes (%u) reached: pid %u and later processes are "
				     "walked with frame pointers (raise unwinder.dwarf.max-processes)",
				     p->limits.max_processes, pid);
		return NULL;
	}
	*s = calloc(1, sizeof(**s) + FIRST_CAP * sizeof((*s)->maps[0]));
	if (!*s)
		return NULL;
	(*s)->pid = pid;
	(*s)->cap = FIRST_CAP;
	p->n_procs++;
	return s;
}

/* Room for one more mapping in *s (moved when it grows); false at the per-process limit. */
static bool make_room(struct dw_procs *p, struct proc **s)
{
	struct proc *pr = *s, *grown;
	uint32_t cap = pr->cap * 2;

	if (pr->n < pr->cap)
		return true;
	if (pr->cap >= p->cap)
		return false;
	grown = realloc(pr, sizeof(*pr) + (cap < p->cap ? cap : p->cap) * sizeof(pr->maps[0]));
	if (!grown)
		return false;
	grown->cap = cap < p->cap ? cap : p->cap;
	*s = grown;
	return true;
}

/* Forgets a process: its BPF entry first, then the references its mappings held. */
static void drop(struct dw_procs *p, struct proc **s)
{
	struct proc *pr = *s;

	bpf_map_delete_elem(p->fd, &pr->pid);
	for (uint32_t i = 0; i < pr->n; i++)
		dw_binaries__put(p->bins, pr->maps[i].table);
	*s = pr->next;
	free(pr);
	p->n_procs--;
}

static int publish(struct dw_procs *p, const struct proc *pr)
{
	p->value.n = pr->n;
	memcpy(p->value.maps, pr->maps, pr->n * sizeof(pr->maps[0]));
	memset(p->value.maps + pr->n, 0, (p->cap - pr->n) * sizeof(pr->maps[0]));
	return bpf_map_update_elem(p->fd, &pr->pid, &p->value, BPF_ANY) ? -errno : 0;
}

/*
 * Puts mapping e into *s in order, dropping what it overlaps (the mapping it replaced) and the
 * references those held. False when e was left out: the caller puts e's reference.
 */
static bool insert(struct dw_procs *p, struct proc **s, const struct pb_dwarf_mapping *e)
{
	struct proc *pr = *s;
	uint32_t i = 0, j;

	while (i < pr->n && pr->maps[i].end <= e->start)
		i++;
	for (j = i; j < pr->n && pr->maps[j].start < e->end; j++)
		dw_binaries__put(p->bins, pr->maps[j].table);
	if (j > i) {
		memmove(pr->maps + i, pr->maps + j, (pr->n - j) * sizeof(*e));
		pr->n -= j - i;
	}
	if (!make_room(p, s)) {
		if (!p->refused_maps++)
			p->host->log(p->host->session, PB_LOG_WARN, "dwarf",
				     "pid %u has more than %u executable mappings; walks through "
				     "the others stop",
				     pr->pid, p->cap);
		return false;
	}
	pr = *s;
	memmove(pr->maps + i + 1, pr->maps + i, (pr->n - i) * sizeof(*e));
	pr->maps[i] = *e;
	pr->n++;
	return true;
}

void dw_procs__add_mapping(struct dw_procs *p, uint32_t pid, const struct pb_mapping *m)
{
	struct pb_dwarf_mapping e = {.start = m->start, .end = m->end};
	struct proc **s;
	uint64_t bias;
	int err;

	if (m->end <= m->start)
		return;
	/* Without a table the mapping is unknown to BPF: a walk reaching it stops there. */
	if (dw_binaries__get(p->bins, m, &e.table, &bias))
		return;
	e.bias = bias;
	s = get(p, pid);
	if (!s || !insert(p, s, &e))
		dw_binaries__put(p->bins, e.table);
	if (!s)
		return;
	if (!(*s)->n) {
		drop(p, s);
		return;
	}
	err = publish(p, *s);
	if (err == -E2BIG || err == -ENOMEM) {
		if (!p->refused_procs++)
			p->host->log(p->host->session, PB_LOG_WARN, "dwarf",
				     "the process map is full at pid %u: %s", pid, strerror(-err));
	}
}

void dw_procs__exit(struct dw_procs *p, uint32_t pid)
{
	struct proc **s = slot(p, pid);

	if (*s)
		drop(p, s);
}

int dw_procs__new(const struct pb_host *host, struct dw_binaries *bins, int procs_fd,
		  const struct dw_limits *limits, struct dw_procs **ret)
{
	struct dw_procs *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->host = host;
	p->bins = bins;
	p->fd = procs_fd;
	p->limits = *limits;
	p->cap = PB_DWARF_MAX_MAPPINGS;
	*ret = p;
	return 0;
}

void dw_procs__free(struct dw_procs *p)
{
	if (!p)
		return;
	for (int i = 0; i < BUCKETS; i++) {
		while (p->buckets[i]) {
			struct proc *next = p->buckets[i]->next;

			free(p->buckets[i]);
			p->buckets[i] = next;
		}
	}
	free(p);
}

void dw_procs__report(struct dw_procs *p)
{
	if (p && p->refused_procs)
		p->host->log(p->host->session, PB_LOG_WARN, "dwarf",
			     "limit hit: %" PRIu64 " processes had no mapping table (max-processes %u)",
			     p->refused_procs, p->limits.max_processes);
	if (p && p->refused_maps)
		p->host->log(p->host->session, PB_LOG_WARN, "dwarf",
			     "limit hit: %" PRIu64 " mappings left out (%u per process)",
			     p->refused_maps, p->cap);
}
