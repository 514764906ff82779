/* SPDX-License-Identifier: MIT */
/* The perf unwinder's events and per-CPU rings, shared by threads.c (opening, scanning) and
 * records.c (reading what they wrote). */
#ifndef PB_PERF_THREADS_INTERNAL_H
#define PB_PERF_THREADS_INTERNAL_H

#include "tasks.h"
#include "threads.h"

/*
 * An event opened on one thread and CPU; threads it creates later inherit it. The kernel maps no
 * ring of an inherited event that follows its thread to every CPU (cpu -1): each CPU has one
 * ring instead, which every event on that CPU writes to (as perf record -p does).
 */
struct pb_perf_event {
	int fd; /* -1: closed (a duplicate of an inherited one) */
	uint32_t pid, tid;
	uint64_t id;	/* PERF_EVENT_IOC_ID: samples of inheriting threads carry it too */
	bool duplicate; /* its thread also inherited another event: closed after the read */
};

struct pb_perf_cpu_ring {
	struct pb_perf_ring ring; /* mapped on the first event opened on this CPU */
	int fd;			  /* that event's */
};

struct pb_perf_threads {
	const struct pb_host *host;
	struct pb_perf_threads_opts opts;
	bool enabled;
	bool no_max_stack; /* the kernel refused sample_max_stack: its own limit applies */
	int epoll_fd;
	struct pb_perf_cpu_ring *rings;
	int n_cpus;
	struct pb_perf_event *events; /* in the order opened, which is the order of their ids */
	size_t n_events, cap_events;
	struct pb_perf_tasks tasks;
	uint32_t *targets;
	size_t n_targets;
	uint64_t scan;
	int last_err; /* the last refusal logged, so a hundred threads log once */
	uint64_t lost, bad;
	char *scratch;
};

void pb_perf_event_close(struct pb_perf_event *e);
/* Marks task's own events as duplicates: closed after the read that found out. */
void pb_perf_drop_own(struct pb_perf_threads *t, struct pb_perf_task *task);

#endif
