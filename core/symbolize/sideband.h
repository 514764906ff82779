/* SPDX-License-Identifier: MIT */
/* Perf side-band records (mmap, comm, fork, exit) from a dummy event on every online CPU. */
#ifndef PB_SIDEBAND_H
#define PB_SIDEBAND_H

#include <stdbool.h>
#include <stdint.h>

/* One decoded record; strings point into the sideband's buffer until the callback returns. */
struct pb_sb_event {
	uint32_t type; /* PERF_RECORD_MMAP2, _COMM, _FORK, _EXIT or _LOST */
	uint64_t time;
	uint32_t pid, tid, ppid, ptid;
	bool exec; /* COMM caused by exec */
	uint64_t addr, len, pgoff, ino, lost;
	uint32_t maj, min, prot;
	const char *name; /* MMAP2 file name or COMM */
};

typedef void (*pb_sb_fn)(void *ctx, const struct pb_sb_event *ev);

struct pb_sideband;

/* Opens one dummy event per online CPU, each with its own ring of ring_pages pages (power of 2). */
int pb_sideband__new(uint32_t ring_pages, pb_sb_fn fn, void *ctx, struct pb_sideband **ret);
void pb_sideband__free(struct pb_sideband *sb);

int pb_sideband__fds(const struct pb_sideband *sb, int *fds, int max_fds);

/* Reads every pending record from all rings, orders them by time, hands each to fn. Returns the
 * number of records or -errno. Never blocks. */
int pb_sideband__consume(struct pb_sideband *sb);

#endif
