/* SPDX-License-Identifier: MIT */
/* The binary tables' internals, shared by the lookup side (binaries.c) and the worker (build.c). */
#ifndef PB_DWARF_BINARIES_IMPL_H
#define PB_DWARF_BINARIES_IMPL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <gelf.h>

#include "dwarf_internal.h"
#include "rowalloc.h"

#define BUCKETS	     1024
#define MAX_SEGMENTS 8

struct segment {
	uint64_t offset, vaddr, filesz;
};

struct binary {
	uint64_t dev, ino, mtime_ns, size; /* all zero for the vDSO */
	bool vdso;
	bool queued;   /* in the build queue, being built or built */
	bool full;     /* built when no hole could take its rows: queued again when rows free up */
	bool has_rows; /* rows[first, first + count) are its own */
	uint32_t id;
	uint32_t refs;	    /* process mappings whose table this is */
	uint64_t unused_ns; /* when refs last went to 0 */
	uint32_t first, count;
	struct segment seg[MAX_SEGMENTS]; /* executable PT_LOADs */
	int n_seg;
	char *open_path, *path; /* where the worker opens it (path if open_path fails) */
	struct binary *next;	/* hash chain */
	struct binary *qnext;	/* build queue */
};

/* An evicted table's id and rows, reused only once no walk can still be reading them. */
struct quarantined {
	uint64_t since_ns;
	uint32_t id, first, count;
};

struct dw_binaries {
	const struct pb_host *host;
	int rows_fd, tables_fd;
	struct dw_limits limits;
	bool lazy; /* build a table only once a walk asks for it */
	pthread_t worker;
	pid_t worker_tid; /* 0 until the worker runs */
	bool worker_started, stop;
	bool pressure;	      /* an id was refused: evict unused tables without waiting */
	pthread_mutex_t lock; /* everything below */
	pthread_cond_t wake;
	struct binary *buckets[BUCKETS];
	struct binary **by_id; /* max_binaries slots, NULL when free */
	uint32_t n_ids;	       /* ids ever used: by_id[0, n_ids) */
	uint32_t n_live;       /* binaries with an id */
	uint32_t n_unused;     /* of those, used by no process mapping */
	uint32_t *free_ids, n_free_ids;
	struct quarantined *quar;
	size_t n_quar, cap_quar;
	uint32_t quar_rows;
	struct dw_rowalloc rows;
	struct binary *q_head, *q_tail;
	struct binary *building; /* the worker's, never evicted under it */
	uint64_t refused_bins;	 /* max-binaries reached */
	void *vdso;		 /* a copy of our own vDSO: the same image every process maps */
	size_t vdso_size;
	uint64_t rows_full, no_cfi, built, rows_total, build_ns, build_ns_max;
	uint64_t evicted, forgotten, rows_freed;
	char slowest[256];
};

static inline unsigned int dw_bucket(const struct binary *k)
{
	uint64_t h =
	    (k->dev * 0x9e3779b97f4a7c15ULL) ^ k->ino ^ (k->mtime_ns * 0xff51afd7ed558ccdULL);

	return (h ^ (h >> 29)) % BUCKETS;
}

uint64_t dw_now_ns(void);
void dw_binary_free(struct binary *bin);
/* bin's ELF: the vDSO copy, its path through the process's root, else its plain path. */
Elf *dw_open_elf(struct dw_binaries *b, const struct binary *bin, int *fd);
void dw_close_elf(Elf *elf, int fd);
/* Appends bin to the build queue and wakes the worker (lock held). */
void dw_queue_push(struct dw_binaries *b, struct binary *bin);
/* The worker thread (build.c): builds queued tables, evicts unused ones. */
void *dw_worker(void *arg);

#endif
