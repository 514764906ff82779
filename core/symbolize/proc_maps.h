/* SPDX-License-Identifier: MIT */
/* Reads /proc/PID/maps and /proc/PID/comm, tolerating processes that vanish mid-read. */
#ifndef PB_PROC_MAPS_H
#define PB_PROC_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pb_maps_entry {
	uint64_t start, end, pgoff, dev, inode;
	bool exec;
	bool deleted;	  /* the path had a " (deleted)" suffix, now removed */
	const char *path; /* "" for anonymous mappings; points into the parsed line */
};

/* Parses one maps line in place (cuts the newline and " (deleted)"): 0 or -EINVAL. */
int pb_proc_maps_parse_line(char *line, struct pb_maps_entry *e);

/*
 * Calls fn for every executable mapping of pid, in address order; fn returning non-zero stops
 * the walk and is returned. -ENOENT/-ESRCH when the process is gone.
 */
int pb_proc_maps_read(uint32_t pid, int (*fn)(void *ctx, const struct pb_maps_entry *e), void *ctx);

/* Copies pid's comm into buf (sz >= 16): 0 or -errno. */
int pb_proc_read_comm(uint32_t pid, char *buf, size_t sz);

/* Normalizes a perf MMAP2 file name the way maps lines are (deleted suffix, "//anon"). */
void pb_proc_maps_clean_path(char *path, bool *deleted);

#endif
