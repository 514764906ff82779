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

#include "tasks.h"
#include "threads.h"

/*
 * An event opened on one thread and CPU; threads it creates later inherit it. The kernel maps no
 * ring of an inherited event that follows its thread to every CPU (cpu -1): each CPU has one
 * ring instead, which every event on that CPU writes to (as perf record -p does).
 */
struct event {
	int fd; /* -1: closed (a duplicate of an inherited one) */
	uint32_t pid, tid;
	uint64_t id;	/* PERF_EVENT_IOC_ID: samples of inheriting threads carry it too */
	bool duplicate; /* its thread also inherited another event: closed after the read */
};

struct cpu_ring {
	struct pb_perf_ring ring; /* mapped on the first event opened on this CPU */
	int fd;			  /* that event's */
};

struct pb_perf_threads {
	const struct pb_host *host;
	struct pb_perf_threads_opts opts;
	bool enabled;
	bool no_max_stack; /* the kernel refused sample_max_stack: its own limit applies */
	int epoll_fd;
	struct cpu_ring *rings;
	int n_cpus;
	struct event *events; /* in the order opened, which is the order of their ids */
	size_t n_events, cap_events;
	struct pb_perf_tasks tasks;
	uint32_t *targets;
	size_t n_targets;
	uint64_t scan;
	int last_err; /* the last refusal logged, so a hundred threads log once */
	uint64_t lost, bad;
	char *scratch;
};

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

static void close_event(struct event *e)
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
		close_event(&t->events[i]);
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
	struct cpu_ring *r = &t->rings[cpu];
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
	struct event *e;
	int fd, err;

	if (t->n_events == t->cap_events) {
		size_t cap = t->cap_events ? t->cap_events * 2 : 16;
		struct event *grown = realloc(t->events, cap * sizeof(*grown));

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
	*e = (struct event){ .fd = fd, .pid = pid, .tid = tid };
	if (ioctl(fd, PERF_EVENT_IOC_ID, &e->id)) {
		err = -errno;
	} else if ((err = to_ring(t, cpu, fd))) {
		refused(t, tid, "cannot map a ring", err);
		err = -ENOSPC; /* said; the caller need not */
	}
	if (err) {
		close_event(e);
		return err;
	}
	t->n_events++;
	return 0;
}

/* Marks tid's own events as duplicates: they are closed after the read that found out. */
static void drop_own(struct pb_perf_threads *t, struct pb_perf_task *task)
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
			close_event(&t->events[--t->n_events]);
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

struct read_ctx {
	struct pb_perf_threads *t;
	pb_perf_sample_fn fn;
	void *ctx;
};

/* The event a sample came through (the one its thread inherited, if so), or NULL. */
static struct event *event_of(struct pb_perf_threads *t, uint64_t id)
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
	struct event *e = event_of(t, r->id);
	struct pb_perf_sample s = { .pid = r->pid, .tid = r->tid, .comm = "", .ips = r->ips,
				    .n_ips = r->n_ips };

	if (task) {
		task->pid = r->pid;
		task->covered = true;
		/* Sampled through another thread's event: it inherited that one (while paused no
		 * fork record said so), and its own events double every sample. */
		if (task->own && e && e->tid != r->tid)
			drop_own(t, task);
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
			drop_own(t, task);
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
		struct event *e = &t->events[i];

		if (!e->duplicate || e->fd < 0)
			continue;
		/* A ring's owner stays open (its fd is the ring); disabled, it samples nothing. */
		if (owns_ring(t, e->fd))
			ioctl(e->fd, PERF_EVENT_IOC_DISABLE, 0);
		else
			close_event(e);
	}
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
