/* SPDX-License-Identifier: MIT */
/* The process table's internals, shared by its record handling and its per-process sets. */
#ifndef PB_PROCTAB_IMPL_H
#define PB_PROCTAB_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include "proc_maps.h"
#include "proctab.h"
#include "sideband.h"
#include "u64map.h"

#define COMM_LEN 16

/* Heap-allocated so a pointer to m stays valid until the mapping is retired and a window ends. */
struct mapping {
	struct pb_mapping m;
	char *live_open; /* open_path while the process lives */
	bool deleted;
	char strings[]; /* path, then live_open */
};

struct mvec {
	struct mapping **v;
	size_t n, cap;
};

struct proc {
	uint32_t pid;
	bool exited;
	bool tracked;		/* pid mode: given to track() or forked from a tracked process */
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

/* pid's entry, created empty when create is set; NULL when absent or out of memory. */
struct proc *pb_proctab_get_proc(struct pb_proctab *t, uint32_t pid, bool create);
void pb_proctab_free_proc(struct proc *p);
/* Adds e to p, retiring what it overlaps. 1 when it was already known, 0 added, -errno. */
int pb_proctab_add_mapping(struct pb_proctab *t, struct proc *p, const struct pb_maps_entry *e);
/* Moves p's i-th current mapping to the retired list (searched until the window ends). */
void pb_proctab_retire(struct proc *p, size_t i);
/* Reads /proc/PID/maps (and comm) into p: new mappings added, vanished ones retired. */
int pb_proctab_read_proc(struct pb_proctab *t, struct proc *p);
/* The process is gone: open files by their plain path from now on; calls on_exit. */
void pb_proctab_mark_exited(struct pb_proctab *t, struct proc *p);
/* pid is a new process (fork, pid reuse): its old mappings are retired. */
void pb_proctab_reset_proc(struct proc *p);
/* Frees the mappings p retired during the window that ends. */
void pb_proctab_end_proc_window(struct proc *p);
/* The current, else the most recently retired, mapping holding addr. */
const struct pb_mapping *pb_proctab_search(const struct proc *p, uint64_t addr);

#endif
