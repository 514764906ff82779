/* SPDX-License-Identifier: MIT */
/* The process table: executable mappings of every profiled process, kept past its exit. */
#ifndef PB_PROCTAB_H
#define PB_PROCTAB_H

#include <stdbool.h>
#include <stdint.h>
#include <profile-bee/plugin.h>

struct pb_proctab;

struct pb_proctab_callbacks {
	void (*on_mapping)(void *ctx, uint32_t pid, const struct pb_mapping *m);
	void (*on_exit)(void *ctx, uint32_t pid);
	void (*on_exec)(void *ctx, uint32_t pid); /* optional: pid now runs another program */
	void *ctx;
};

/*
 * system_wide: track every process (mmap/comm/exit records on every CPU, /proc scanned at
 * start); otherwise only the pids given to pb_proctab__track and their children.
 */
int pb_proctab__new(bool system_wide, const struct pb_proctab_callbacks *cb,
		    struct pb_proctab **ret);
void pb_proctab__free(struct pb_proctab *t);

/* Reads pid's mappings now and follows its new mappings, execs, children and exit. */
int pb_proctab__track(struct pb_proctab *t, uint32_t pid);

/* Fds to poll for records; pb_proctab__consume reads what is pending (never blocks). */
int pb_proctab__poll_fds(struct pb_proctab *t, int *fds, int max_fds);
int pb_proctab__consume(struct pb_proctab *t);

/* The executable mapping holding addr, or NULL. Re-reads /proc once if pid is alive. */
const struct pb_mapping *pb_proctab__find(struct pb_proctab *t, uint32_t pid, uint64_t addr);
int pb_proctab__for_each_mapping(struct pb_proctab *t, uint32_t pid, pb_mapping_fn fn, void *ctx);
/* Calls fn with every current mapping of every process not known to have exited. */
int pb_proctab__for_each_live_mapping(struct pb_proctab *t, pb_mapping_fn fn, void *ctx);
/* The comm the table knows for pid, or NULL. */
const char *pb_proctab__comm(struct pb_proctab *t, uint32_t pid);

/* Side-band records the kernel dropped because the ring was full (mappings may be missing;
 * lookups repair them from /proc while the process lives). For the lost-stacks summary. */
uint64_t pb_proctab__lost(const struct pb_proctab *t);

/* Called after each drain: processes that exited before it are forgotten. */
void pb_proctab__end_window(struct pb_proctab *t);

#endif
