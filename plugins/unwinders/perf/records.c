// SPDX-License-Identifier: MIT
/* Reads the perf unwinder's rings: samples to the caller; forks, exits, renames and losses noted;
 * events found to duplicate an inherited one closed. */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/perf_event.h>

#include "threads_internal.h"

struct read_ctx {
	struct pb_perf_threads *t;
	pb_perf_sample_fn fn;
	void *ctx;
};

/* The event a sample came through (the one its thread inherited, if so), or NULL. */
static struct pb_perf_event *event_of(struct pb_perf_threads *t, uint64_t id)
{
	size_t lo = 0, hi = t->n_events;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->events[mid].id == id)
			return &t->events[mid];
		if (t->events[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void on_sample(struct read_ctx *rc, const struct pb_perf_record *r)
{
	struct pb_perf_threads *t = rc->t;
	struct pb_perf_task *task = pb_perf_tasks_get(&t->tasks, r->tid, true);
	struct pb_perf_event *e = event_of(t, r->id);
	struct pb_perf_sample s = { .pid = r->pid, .tid = r->tid, .comm = "", .ips = r->ips,
				    .n_ips = r->n_ips };

	if (task) {
		task->pid = r->pid;
		task->covered = true;
		/* Sampled through another thread's event: it inherited that one (while paused no
		 * fork record said so), and its own events double every sample. */
		if (task->own && e && e->tid != r->tid)
			pb_perf_drop_own(t, task);
		pb_perf_tasks_read_comm(task);
		s.comm = task->comm;
	}
	/* What a duplicate wrote before it was found out, its twin wrote too. */
	if (!(e && e->duplicate) && !(task && task->skip))
		rc->fn(rc->ctx, &s);
}

static void on_record(void *ctx, const struct pb_perf_record *r)
{
	struct read_ctx *rc = ctx;
	struct pb_perf_threads *t = rc->t;
	struct pb_perf_task *task, *parent;

	switch (r->type) {
	case PERF_RECORD_SAMPLE:
		on_sample(rc, r);
		break;
	case PERF_RECORD_FORK: /* the new task inherited the event that wrote this */
		if (!(task = pb_perf_tasks_get(&t->tasks, r->tid, true)))
			break;
		task->pid = r->pid;
		task->covered = true;
		parent = pb_perf_tasks_get(&t->tasks, r->ptid, false);
		if (parent && !task->comm[0])
			memcpy(task->comm, parent->comm, sizeof(task->comm));
		if (task->own) /* opened by a scan that came before this record */
			pb_perf_drop_own(t, task);
		break;
	case PERF_RECORD_EXIT:
		task = pb_perf_tasks_get(&t->tasks, r->tid, false);
		if (task && !task->own) /* events of its own stay: its children use them */
			pb_perf_tasks_remove(&t->tasks, r->tid);
		break;
	case PERF_RECORD_COMM:
		if ((task = pb_perf_tasks_get(&t->tasks, r->tid, true))) {
			task->pid = r->pid;
			snprintf(task->comm, sizeof(task->comm), "%s", r->comm);
		}
		break;
	case PERF_RECORD_LOST:
		t->lost += r->lost;
		break;
	}
}

static bool owns_ring(const struct pb_perf_threads *t, int fd)
{
	for (int c = 0; c < t->n_cpus; c++)
		if (t->rings[c].ring.base && t->rings[c].fd == fd)
			return true;
	return false;
}

void pb_perf_threads__read(struct pb_perf_threads *t, pb_perf_sample_fn fn, void *ctx)
{
	struct read_ctx rc = { .t = t, .fn = fn, .ctx = ctx };

	for (int i = 0; i < t->n_cpus; i++)
		pb_perf_ring__read(&t->rings[i].ring, t->scratch, on_record, &rc, &t->bad);
	for (size_t i = 0; i < t->n_events; i++) {
		struct pb_perf_event *e = &t->events[i];

		if (!e->duplicate || e->fd < 0)
			continue;
		/* A ring's owner stays open (its fd is the ring); disabled, it samples nothing. */
		if (owns_ring(t, e->fd))
			ioctl(e->fd, PERF_EVENT_IOC_DISABLE, 0);
		else
			pb_perf_event_close(e);
	}
}
