// SPDX-License-Identifier: MIT
/* The perf unwinder's table of tasks by tid: names, and which events cover them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tasks.h"

int pb_perf_tasks_init(struct pb_perf_tasks *m)
{
	m->n_buckets = 256;
	m->n = 0;
	m->buckets = calloc(m->n_buckets, sizeof(*m->buckets));
	return m->buckets ? 0 : -ENOMEM;
}

void pb_perf_tasks_clear(struct pb_perf_tasks *m)
{
	for (size_t i = 0; m->buckets && i < m->n_buckets; i++)
		while (m->buckets[i]) {
			struct pb_perf_task *e = m->buckets[i];

			m->buckets[i] = e->next;
			free(e);
		}
	free(m->buckets);
	m->buckets = NULL;
	m->n = 0;
}

static size_t slot(const struct pb_perf_tasks *m, uint32_t tid)
{
	return (tid * 2654435761u) & (m->n_buckets - 1);
}

static void grow(struct pb_perf_tasks *m)
{
	size_t n = m->n_buckets * 2;
	struct pb_perf_task **b = calloc(n, sizeof(*b));

	if (!b)
		return; /* longer chains; still correct */
	for (size_t i = 0; i < m->n_buckets; i++)
		while (m->buckets[i]) {
			struct pb_perf_task *e = m->buckets[i];

			m->buckets[i] = e->next;
			e->next = b[(e->tid * 2654435761u) & (n - 1)];
			b[(e->tid * 2654435761u) & (n - 1)] = e;
		}
	free(m->buckets);
	m->buckets = b;
	m->n_buckets = n;
}

struct pb_perf_task *pb_perf_tasks_get(struct pb_perf_tasks *m, uint32_t tid, bool create)
{
	struct pb_perf_task **head = &m->buckets[slot(m, tid)], *e;

	for (e = *head; e; e = e->next)
		if (e->tid == tid)
			return e;
	if (!create || !(e = calloc(1, sizeof(*e))))
		return NULL;
	e->tid = tid;
	e->next = *head;
	*head = e;
	if (++m->n > m->n_buckets)
		grow(m);
	return e;
}

void pb_perf_tasks_remove(struct pb_perf_tasks *m, uint32_t tid)
{
	for (struct pb_perf_task **p = &m->buckets[slot(m, tid)]; *p; p = &(*p)->next) {
		if ((*p)->tid == tid) {
			struct pb_perf_task *e = *p;

			*p = e->next;
			free(e);
			m->n--;
			return;
		}
	}
}

void pb_perf_tasks_forget_unseen(struct pb_perf_tasks *m, uint32_t pid, uint64_t scan)
{
	for (size_t i = 0; i < m->n_buckets; i++)
		for (struct pb_perf_task **p = &m->buckets[i]; *p;) {
			struct pb_perf_task *e = *p;

			if (e->pid == pid && e->scan != scan && !e->own) {
				*p = e->next;
				free(e);
				m->n--;
			} else {
				p = &e->next;
			}
		}
}

void pb_perf_tasks_read_comm(struct pb_perf_task *task)
{
	char path[64];
	FILE *f;

	if (task->comm[0] || !task->pid)
		return;
	snprintf(path, sizeof(path), "/proc/%u/task/%u/comm", task->pid, task->tid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(task->comm, sizeof(task->comm), f))
		task->comm[strcspn(task->comm, "\n")] = '\0';
	fclose(f);
}
