/* SPDX-License-Identifier: MIT */
/* JIT symbol maps (/tmp/perf-PID.map): the parser, and opening one safely as root. */
#ifndef PB_PERFMAP_H
#define PB_PERFMAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Limits per process. The file is written by the profiled process, which may be hostile: a
 * line longer than PB_PERFMAP_MAX_LINE is skipped, and past PB_PERFMAP_MAX_ENTRIES entries or
 * PB_PERFMAP_MAX_BYTES bytes read the rest of the file is ignored. Node writes ~100 bytes and one
 * entry per compiled function: a large service stays far below both.
 */
#define PB_PERFMAP_MAX_LINE    4096
#define PB_PERFMAP_MAX_ENTRIES (1u << 20)
#define PB_PERFMAP_MAX_BYTES   (64u << 20)

struct pb_perfmap_stats {
	uint64_t entries;   /* lines accepted */
	uint64_t malformed; /* lines skipped: not "START SIZE name", size 0, or past 2^64 */
	uint64_t too_long;  /* lines longer than PB_PERFMAP_MAX_LINE, skipped */
	uint64_t limited;   /* lines ignored because a per-process limit was reached */
};

struct pb_perfmap;

int pb_perfmap__new(struct pb_perfmap **ret);
void pb_perfmap__free(struct pb_perfmap *pm);

/*
 * Parses the next len bytes of the file. A line may span calls (JITs append while we read):
 * its start is kept until its newline arrives. Names are sanitized: control bytes become '?'.
 */
void pb_perfmap__feed(struct pb_perfmap *pm, const char *buf, size_t len);

/*
 * Adds one range as a parsed line would (a jitdump record): the same limits, counts and name
 * sanitizing; at most PB_PERFMAP_MAX_LINE bytes of name are kept.
 */
void pb_perfmap__add(struct pb_perfmap *pm, uint64_t start, uint64_t size, const char *name,
		     size_t len);

/*
 * The name of the entry holding addr, or NULL. Where entries overlap the later line wins (a JIT
 * reuses freed code space). Names live until pb_perfmap__free.
 */
const char *pb_perfmap__lookup(struct pb_perfmap *pm, uint64_t addr);

/* Bytes of memory the map holds (for the symbol caches' cap). */
size_t pb_perfmap__mem(const struct pb_perfmap *pm);
/* Bytes fed so far (the file offset to read from next). */
uint64_t pb_perfmap__offset(const struct pb_perfmap *pm);
const struct pb_perfmap_stats *pb_perfmap__stats(const struct pb_perfmap *pm);

/*
 * Opens "tmp/perf-NSPID.map" under root_fd (an O_PATH fd of /proc/PID/root) for reading, never
 * escaping root_fd (RESOLVE_IN_ROOT, or a walk without symlinks where openat2 is missing), never
 * following a final symlink, and only when it is a regular file owned by owner or root: a FIFO,
 * a device or a link to /etc/shadow is refused before it is read. The fd, or -errno.
 */
int pb_perfmap_open(int root_fd, uint32_t nspid, uid_t owner);
/* The same for dir/name under root_fd (dir relative to it, without a leading '/'). */
int pb_open_in_root(int root_fd, const char *dir, const char *name, uid_t owner);

#endif
