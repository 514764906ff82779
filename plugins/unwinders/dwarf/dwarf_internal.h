/* SPDX-License-Identifier: MIT */
/* State shared by the dwarf plugin's files: loader, drain, binary tables and process mappings. */
#ifndef PB_DWARF_INTERNAL_H
#define PB_DWARF_INTERNAL_H

#include <stdint.h>
#include <sys/types.h>

#include <linux/types.h>

#include <profile-bee/plugin.h>

#include "counted.h"
#include "counts.h"
#include "dwarf_abi.h"

struct dwarf_bpf;
struct dw_binaries;
struct dw_procs;
struct ring_buffer;

/* Capacity limits, from the plugin's settings. */
struct dw_limits {
	uint32_t max_binaries;
	uint32_t max_rows;
	uint32_t max_processes;
	uint64_t keep_unused_ns; /* an unused table is evicted this long after its last use */
};

struct dw_state {
	struct pb_counting counting; /* first: the shared ops take the state for it */
	struct dwarf_bpf *skel;
	uint32_t max_frames;
	bool user; /* user stacks are walked: mappings matter */
	struct dw_limits limits;
	struct dw_binaries *bins;
	struct dw_procs *procs;
	struct ring_buffer *events; /* walks' requests: refresh a pid, build a table first */
};

int dw_events_init(struct dw_state *st);
int dw_events_fd(void *state);
int dw_events_consume(void *state);

/*
 * Binary tables: one per file (dev, inode, mtime, size) or the vDSO, built by a worker thread
 * and shared by every process that maps the file. Eager: queued on first sight (a few known
 * processes). Lazy: queued when a walk first needs it (system-wide, where most binaries on the
 * machine are never sampled).
 */
int dw_binaries__new(const struct pb_host *host, int rows_fd, int tables_fd,
		     const struct dw_limits *limits, bool lazy, struct dw_binaries **ret);
void dw_binaries__free(struct dw_binaries *b); /* stops the worker */
/* The worker thread's tid (it builds tables: the profiler's own work, never sampled). */
pid_t dw_binaries__worker_tid(struct dw_binaries *b);
/*
 * The table id of m's file and the bias turning m's addresses into its ELF vaddrs, with a
 * reference for the process mapping that will use it. A table whose last reference is put is
 * evicted keep-unused later, or when a new table needs its rows (its id and rows reused),
 * unless a mapping takes it again first.
 */
int dw_binaries__get(struct dw_binaries *b, const struct pb_mapping *m, uint32_t *table,
		     uint64_t *bias);
void dw_binaries__put(struct dw_binaries *b, uint32_t table);

struct dw_table_stats {
	uint64_t built, evicted, forgotten, rows_freed;
	uint32_t live;	      /* binaries holding a table id */
	uint32_t rows_in_use; /* rows of tables built and not evicted */
	uint32_t rows_peak;
};
void dw_binaries__stats(struct dw_binaries *b, struct dw_table_stats *out);
/* Moves a table to the front of the queue (queues it when lazy): a walk is waiting for it. */
void dw_binaries__prioritize(struct dw_binaries *b, uint32_t id);
/* Logs the limits that were hit and the table totals. */
void dw_binaries__report(struct dw_binaries *b);

/* Per-process mapping tables, mirrored into the procs BPF map. */
int dw_procs__new(const struct pb_host *host, struct dw_binaries *bins, int procs_fd,
		  const struct dw_limits *limits, struct dw_procs **ret);
void dw_procs__free(struct dw_procs *p);
void dw_procs__add_mapping(struct dw_procs *p, uint32_t pid, const struct pb_mapping *m);
void dw_procs__exit(struct dw_procs *p, uint32_t pid);
/* Reads /proc/PID/maps again: BPF met a pc the mappings we were told of do not cover. */
int dw_procs__refresh(struct dw_procs *p, uint32_t pid);
void dw_procs__report(struct dw_procs *p);

#endif
