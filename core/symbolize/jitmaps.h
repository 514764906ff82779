/* SPDX-License-Identifier: MIT */
/* Per-process JIT perf maps (/proc/PID/root/tmp/perf-NSPID.map), owned by the symbolizer. */
#ifndef PB_JITMAPS_H
#define PB_JITMAPS_H

#include <stdint.h>
#include "perfmap.h"
#include "u64map.h"

struct pb_jitmaps {
	struct pb_u64map by_pid;      /* pid -> struct jit */
	struct pb_perfmap_stats gone; /* counts of maps already dropped */
	uint64_t window;	      /* the owner's window count: stamps each map's last use */
};

/* The JIT name of addr in pid, or NULL. A miss re-reads the map's new lines (at most 5/s). */
const char *pb_jitmaps_lookup(struct pb_jitmaps *j, uint32_t pid, uint64_t addr);
/* pid exited or exec'd: its map is dropped when the window ends (its last samples need it). */
void pb_jitmaps_forget(struct pb_jitmaps *j, uint32_t pid);
void pb_jitmaps_end_window(struct pb_jitmaps *j);
/* Counts over every map read so far. */
void pb_jitmaps_stats(const struct pb_jitmaps *j, struct pb_perfmap_stats *out);
void pb_jitmaps_clear(struct pb_jitmaps *j);
/* Bytes the maps hold. */
size_t pb_jitmaps_mem(const struct pb_jitmaps *j);
/*
 * Drops the least recently used map last used before window before (read again from the file
 * on its next miss): the bytes freed, 0 when there is none.
 */
size_t pb_jitmaps_evict_oldest(struct pb_jitmaps *j, uint64_t before);
/* The last window the least recently used loaded map was used in; UINT64_MAX when none. */
uint64_t pb_jitmaps_oldest(const struct pb_jitmaps *j);

#endif
