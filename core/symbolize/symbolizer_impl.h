/* SPDX-License-Identifier: MIT */
/* The symbolizer's state, shared by its lookups (symbolizer.c), kernel names (symkernel.c) and
 * cache cap (symcache.c). */
#ifndef PB_SYMBOLIZER_IMPL_H
#define PB_SYMBOLIZER_IMPL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "binary.h"
#include "debuginfod.h"
#include "jitmaps.h"
#include "python_sym.h"
#include "strpool.h"
#include "symbolizer.h"
#include "u64map.h"
#include "unnamed.h"

#define MAX_DEBUG_DIRS	   8
#define RETRY_NS	   (5ull * 1000000000ull)  /* a file that failed to open is tried again */
#define KALLSYMS_RELOAD_NS (10ull * 1000000000ull) /* misses reload kallsyms at most this often */
#define KALLSYMS_RELOAD_MAX_NS (600ull * 1000000000ull) /* ... and modules unchanged, this often */
#define KSYM_NAME_MAX	   512			   /* the kernel's KSYM_NAME_LEN */
#define RECHECK_NS	   (1000000000ull)	   /* how often a cached file is stat'ed again */

/* What one mapped file (dev+inode, or path) resolved to; bin NULL while it cannot be read. */
struct file_ref {
	struct pb_binary *bin;
	uint64_t failed_ns;
	uint64_t checked_ns;
	uint64_t ident[4]; /* st_dev, st_ino, mtime, size when bin was loaded */
};

struct pb_symbolizer {
	pthread_mutex_t lock;
	struct pb_u64map by_file; /* hash(dev, inode) or hash(path) -> struct file_ref */
	struct pb_u64map by_id;	  /* hash(build-id) or hash(dev, inode, mtime, size) -> binary */
	struct pb_strpool pool;	  /* names made up here: unresolved frames */
	struct pb_kallsyms *kallsyms;
	struct pb_jitmaps jit;
	struct pb_pysym py; /* interpreter frames (PB_RAW_PY_FRAME words) */
	struct pb_unnamed unnamed; /* frames left unnamed, by cause (the summary line) */
	struct pb_dinfod *dinfod;  /* debug files by build id from debuginfod; NULL: off */
	struct pb_binary **retired; /* tables replaced by fetched ones: freed at end_window */
	size_t n_retired, cap_retired;
	bool inline_frames, lines; /* --inline, --lines */
	uint64_t kallsyms_ns;
	uint64_t modules_digest; /* of /proc/modules when kallsyms was read */
	int kallsyms_err;
	struct pb_binary *vdso;
	bool vdso_tried;
	const char *debug_dirs[MAX_DEBUG_DIRS + 2];
	char *own_dirs[MAX_DEBUG_DIRS];
	int n_own_dirs;

	/* The cap (symcache.c). */
	size_t cap;	 /* bytes; 0: none */
	uint64_t window; /* end_window calls: what "recently used" is counted in */
	uint64_t epoch;	 /* stamps binaries mapped by live processes at one trim */
	struct pb_symbolizer_cache_stats stats;
};

/* CLOCK_MONOTONIC in nanoseconds: when files are checked again, kallsyms read again. */
uint64_t pb_symbolizer_now_ns(void);
/* m's binary, loaded and cached on first use; NULL when it cannot be read (lock held). */
struct pb_binary *pb_symbolizer_binary_for(struct pb_symbolizer *s, const struct pb_mapping *m);
/* The by_file key of m's file. */
uint64_t pb_symbolizer_file_key(const struct pb_mapping *m);
/* A stripped binary with a build id: asks debuginfod, adopts the file once there (lock held). */
void pb_symbolizer_fetch_debug(struct pb_symbolizer *s, const struct pb_mapping *m,
			       struct pb_binary *bin);
/* Evicts least recently used entries while the caches hold more than the cap (lock held). */
void pb_symbolizer_trim(struct pb_symbolizer *s, pb_symbolizer_live_fn live, void *ctx);

#endif
