// SPDX-License-Identifier: MIT
/* The perf unwinder's events: opened per thread of each target, inherited by later threads. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include "threads_internal.h"

int pb_perf_threads__new(const struct pb_host *host, const struct pb_perf_threads_opts *opts,
			 struct pb_perf_threads **ret)
{
	struct pb_perf_threads *t = calloc(1, sizeof(*t));
	long n = sysconf(_SC_NPROCESSORS_CONF);
	int err;

	if (!t)
		return -ENOMEM;
	t->host = host;
	t->opts = *opts;
	t->enabled = true;
	t->n_cpus = opts->cpu >= 0 ? opts->cpu + 1 : n > 0 ? n : 1;
	t->rings = calloc(t->n_cpus, sizeof(*t->rings));
	t->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	t->scratch = malloc(PB_PERF_RECORD_MAX);
	err = t->epoll_fd < 0		 ? -errno
	      : !t->scratch || !t->rings ? -ENOMEM
					 : pb_perf_tasks_init(&t->tasks);
	if (err) {
		pb_perf_threads__free(t);
		return err;
	}
	*ret = t;
	return 0;
}

void pb_perf_event_close(struct pb_perf_event *e)
{
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
}

void pb_perf_threads__free(struct pb_perf_threads *t)
{
	if (!t)
		return;
	for (int i = 0; t->rings && i < t->n_cpus; i++)
		pb_perf_ring__unmap(&t->rings[i].ring);
	for (size_t i = 0; i < t->n_events; i++)
		pb_perf_event_close(&t->events[i]);
	free(t->events);
	free(t->rings);
	pb_perf_tasks_clear(&t->tasks);
	if (t->epoll_fd >= 0)
		close(t->epoll_fd);
	free(t->targets);
	free(t->scratch);
	free(t);
}

static int event_open(struct pb_perf_threads *t, uint32_t tid, int cpu)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		/* Hardware counters may be missing (VMs); the hrtimer samples at the same rate. */
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.freq = 1,
		.sample_freq = t->opts.frequency,
		.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_ID | PERF_SAMPLE_CALLCHAIN,
		.disabled = !t->enabled,
		.inherit = 1, /* threads and children created later */
		/* perf_event_paranoid 2 allows no more: user code, user stacks. */
		.exclude_kernel = 1,
		.exclude_hv = 1,
		.exclude_callchain_kernel = 1,
		.comm = 1, /* renames, so samples carry the thread's name */
		.task = 1, /* forks and exits, so inherited threads are known as covered */
		.watermark = 1,
		.wakeup_watermark = t->opts.ring_pages * getpagesize() / 2,
		.sample_max_stack = t->no_max_stack ? 0 : t->opts.max_stack,
	};
	int fd = syscall(SYS_perf_event_open, &attr, tid, cpu, -1, PERF_FLAG_FD_CLOEXEC);

	/* Past kernel.perf_event_max_stack: EOVERFLOW; older kernels say EINVAL. */
	if (fd < 0 && (errno == EOVERFLOW || errno == EINVAL) && !t->no_max_stack) {
		t->no_max_stack = true;
		return event_open(t, tid, cpu);
	}
	return fd < 0 ? -errno : fd;
}

static void refused(struct pb_perf_threads *t, uint32_t tid, const char *what, int err)
{
	if (err == t->last_err)
		return;
	t->last_err = err;
	t->host->log(t->host->session, PB_LOG_WARN, "perf", "thread %u is not sampled: %s: %s%s",
		     tid, what, strerror(-err),
		     err == -EPERM && !strcmp(what, "cannot map a ring")
			     ? " (locked memory: kernel.perf_event_mlock_kb, or ring-pages)"
			     : "");
}

/* The event's output goes to its CPU's ring, which the first event there maps. */
static int to_ring(struct pb_perf_threads *t, int cpu, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	struct pb_perf_cpu_ring *r = &t->rings[cpu];
	int err;

	if (r->ring.base)
		return ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, r->fd) ? -errno : 0;
	if ((err = pb_perf_ring__map(&r->ring, fd, t->opts.ring_pages)))
		return err;
	if (epoll_ctl(t->epoll_fd, EPOLL_CTL_ADD, fd, &ev)) {
		err = -errno;
		pb_perf_ring__unmap(&r->ring);
		return err;
	}
	r->fd = fd;
	return 0;
}

static int add_event(struct pb_perf_threads *t, uint32_t pid, uint32_t tid, int cpu)
{
	struct pb_perf_event *e;
	int fd, err;

	if (t->n_events == t->cap_events) {
		size_t cap = t->cap_events ? t->cap_events * 2 : 16;
		struct pb_perf_event *grown = realloc(t->events, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		t->events = grown;
		t->cap_events = cap;
	}
	fd = event_open(t, tid, cpu);
	if (fd == -ENODEV)
		return 0; /* an offline CPU */
	if (fd < 0)
		return fd;
	e = &t->events[t->n_events];
	*e = (struct pb_perf_event){ .fd = fd, .pid = pid, .tid = tid };
	if (ioctl(fd, PERF_EVENT_IOC_ID, &e->id)) {
		err = -errno;
	} else if ((err = to_ring(t, cpu, fd))) {
		refused(t, tid, "cannot map a ring", err);
		err = -ENOSPC; /* said; the caller need not */
	}
	if (err) {
		pb_perf_event_close(e);
		return err;
	}
	t->n_events++;
	return 0;
}

/* Marks tid's own events as duplicates: they are closed after the read that found out. */
void pb_perf_drop_own(struct pb_perf_threads *t, struct pb_perf_task *task)
{
	for (size_t i = 0; i < t->n_events; i++)
		if (t->events[i].tid == task->tid && t->events[i].fd >= 0)
			t->events[i].duplicate = true;
	task->own = false;
}

/* Opens tid's events, one per CPU: 0, -ESRCH when it is gone, or another -errno (logged). */
static int open_thread(struct pb_perf_threads *t, uint32_t pid, uint32_t tid)
{
	struct pb_perf_task *task = pb_perf_tasks_get(&t->tasks, tid, true);
	size_t before = t->n_events;
	int err = 0;

	if (!task)
		return -ENOMEM;
	task->pid = pid;
	for (int cpu = t->opts.cpu >= 0 ? t->opts.cpu : 0; cpu < t->n_cpus && !err; cpu++)
		err = add_event(t, pid, tid, cpu);
	if (err) {
		if (err != -ESRCH && err != -ENOSPC)
			refused(t, tid, "perf_event_open", err);
		/* A thread is sampled on every CPU or not at all. */
		while (t->n_events > before)
			pb_perf_event_close(&t->events[--t->n_events]);
		return err;
	}
	task->own = task->covered = true;
	return 0;
}

/* Calls fn for every thread of pid; -errno when its task list cannot be read. */
static int for_each_thread(struct pb_perf_threads *t, uint32_t pid,
			   void (*fn)(struct pb_perf_threads *t, uint32_t pid, uint32_t tid))
{
	char path[64];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%u/task", pid);
	if (!(d = opendir(path)))
		return errno == ENOENT ? -ESRCH : -errno;
	while ((de = readdir(d))) {
		char *end;
		unsigned long tid = strtoul(de->d_name, &end, 10);

		if (!*end && tid && tid <= UINT32_MAX)
			fn(t, pid, tid);
	}
	closedir(d);
	return 0;
}

static void open_now(struct pb_perf_threads *t, uint32_t pid, uint32_t tid)
{
	struct pb_perf_task *task = pb_perf_tasks_get(&t->tasks, tid, false);

	if (!task || !task->covered)
		open_thread(t, pid, tid);
}

int pb_perf_threads__add_target(struct pb_perf_threads *t, uint32_t pid)
{
	uint32_t *grown = realloc(t->targets, (t->n_targets + 1) * sizeof(*grown));
	size_t before = t->n_events;
	int err;

	if (!grown)
		return -ENOMEM;
	t->targets = grown;
	t->targets[t->n_targets++] = pid;
	err = for_each_thread(t, pid, open_now);
	if (!err && t->n_events == before) /* not one thread: say why, as perf_event_open did */
		err = t->last_err ? t->last_err : -ESRCH;
	return err;
}

static void scan_one(struct pb_perf_threads *t, uint32_t pid, uint32_t tid)
{
	struct pb_perf_task *task = pb_perf_tasks_get(&t->tasks, tid, true);

	if (!task)
		return;
	task->pid = pid;
	task->scan = t->scan;
	if (task->covered)
		return;
	if (task->seen_unknown)
		open_thread(t, pid, tid);
	task->seen_unknown = true;
}

void pb_perf_threads__rescan(struct pb_perf_threads *t)
{
	if (!t->enabled)
		return;
	t->scan++;
	for (size_t i = 0; i < t->n_targets; i++)
		if (!for_each_thread(t, t->targets[i], scan_one))
			pb_perf_tasks_forget_unseen(&t->tasks, t->targets[i], t->scan);
}

int pb_perf_threads__skip(struct pb_perf_threads *t, uint32_t tid)
{
	struct pb_perf_task *task = pb_perf_tasks_get(&t->tasks, tid, true);

	if (!task)
		return -ENOMEM;
	task->skip = task->covered = true; /* covered: no scan opens it */
	return 0;
}

int pb_perf_threads__set_enabled(struct pb_perf_threads *t, bool on)
{
	unsigned long req = on ? PERF_EVENT_IOC_ENABLE : PERF_EVENT_IOC_DISABLE;
	int err = 0;

	/* The ioctl reaches the threads that inherited the event, too. Every event is tried:
	 * one whose thread and children are all gone fails harmlessly. */
	for (size_t i = 0; i < t->n_events; i++)
		if (t->events[i].fd >= 0 && !(on && t->events[i].duplicate) &&
		    ioctl(t->events[i].fd, req, 0) && errno != ESRCH)
			err = -errno;
	t->enabled = on;
	return err;
}

int pb_perf_threads__poll_fd(const struct pb_perf_threads *t)
{
	return t->epoll_fd;
}

void pb_perf_threads__take_lost(struct pb_perf_threads *t, uint64_t *lost, uint64_t *bad)
{
	*lost = t->lost;
	*bad = t->bad;
	t->lost = t->bad = 0;
}
