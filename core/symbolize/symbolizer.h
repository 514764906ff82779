/* SPDX-License-Identifier: MIT */
/* Turns user and kernel addresses into frame names, cached per binary. */
#ifndef PB_SYMBOLIZER_H
#define PB_SYMBOLIZER_H

#include <stdbool.h>
#include <stdint.h>
#include <profile-bee/plugin.h>

struct pb_symbolizer;

int pb_symbolizer__new(struct pb_symbolizer **ret);
void pb_symbolizer__free(struct pb_symbolizer *s);

/*
 * The frame name for addr inside mapping m (m may be NULL: "[unknown]"). is_return says addr is
 * a return address, looked up at addr-1 so the call site's function is named. Names are
 * demangled (C++, Rust legacy and v0, Rust hashes removed). Unresolved: "[<basename>+0x<off>]".
 * The string is owned by the symbolizer and lives until the next pb_symbolizer__end_window.
 */
const char *pb_symbolizer__user(struct pb_symbolizer *s, const struct pb_mapping *m, uint64_t addr,
				bool is_return);

/*
 * As pb_symbolizer__user, and where no binary names addr (anonymous or memfd mappings, or m
 * NULL) the JIT perf map of pid is asked (pid 0: none). JIT names live until pid's map is
 * dropped: at the end of the window in which pb_symbolizer__forget_pid was called.
 */
const char *pb_symbolizer__frame(struct pb_symbolizer *s, uint32_t pid,
				 const struct pb_mapping *m, uint64_t addr, bool is_return);
/*
 * As pb_symbolizer__frame, and count frames of count samples named or left unnamed (by cause:
 * stripped binary, no symbol, unreadable file, JIT without perf map, no mapping) for
 * pb_symbolizer__unnamed_summary. __frame and __user count nothing.
 */
const char *pb_symbolizer__frame_n(struct pb_symbolizer *s, uint32_t pid,
				   const struct pb_mapping *m, uint64_t addr, bool is_return,
				   uint64_t count);
/*
 * With --inline (inline_frames) an address inside inlined code names the inlined functions too,
 * and with --lines every frame gets " (file.c:LINE)", both from DWARF (the binary's or its debug
 * file's) through libdw, cached per binary and address under the cache cap.
 */
void pb_symbolizer__set_source(struct pb_symbolizer *s, bool inline_frames, bool lines);
/*
 * As pb_symbolizer__frame_n, but an address may give several frames (inlined functions): up to
 * max names written to out, caller first; returns how many (at least 1 when max >= 1).
 */
int pb_symbolizer__frames_n(struct pb_symbolizer *s, uint32_t pid, const struct pb_mapping *m,
			    uint64_t addr, bool is_return, uint64_t count, const char **out,
			    int max);
/* One line saying how many frames went unnamed, why and in which binaries; 0 when none. */
size_t pb_symbolizer__unnamed_summary(struct pb_symbolizer *s, char *buf, size_t sz);
/* Frames weigh weight (static, "off-CPU time"), not one per sample: the line gives shares. */
void pb_symbolizer__unnamed_weight(struct pb_symbolizer *s, const char *weight);
/* pid exited or exec'd: its perf map is dropped at the next pb_symbolizer__end_window. */
void pb_symbolizer__forget_pid(struct pb_symbolizer *s, uint32_t pid);
/*
 * Reads now, and caches, what naming ips[0..n) of pid will need from the process itself
 * (CPython code objects: PB_RAW_PY_FRAME words; others are skipped): called between drains,
 * while the process lives, so that its frames keep their names if it exits before the drain.
 */
void pb_symbolizer__read_early(struct pb_symbolizer *s, uint32_t pid, const uint64_t *ips,
			       uint32_t n);

/* Calls fn with every mapping of every live process (the process table's). */
typedef int (*pb_symbolizer_live_fn)(void *ctx, pb_mapping_fn fn, void *fn_ctx);
/*
 * Ends a window: forgotten pids' perf maps go, and when the caches hold more than the cap the
 * least recently used entries go too, first binaries no live process maps (live may be NULL:
 * then recency alone decides); what this window used stays. Every name handed out before may
 * be freed by this call.
 */
void pb_symbolizer__end_window(struct pb_symbolizer *s, pb_symbolizer_live_fn live, void *ctx);

/*
 * The symbol caches' cap in bytes (0: none): ELF symbol tables and their demangled names,
 * JIT perf maps, names made up for unresolved frames. The kernel's symbols are not counted.
 */
void pb_symbolizer__set_cap(struct pb_symbolizer *s, size_t bytes);

struct pb_symbolizer_cache_stats {
	uint64_t trims;	    /* end_window calls that found the caches over the cap */
	uint64_t evictions; /* binaries and perf maps dropped to get under it */
	uint64_t over;	    /* trims left over the cap: one window used more than the cap */
	size_t bytes;	    /* held at the last end_window */
	size_t peak;	    /* the most held at an end_window */
};
void pb_symbolizer__cache_stats(struct pb_symbolizer *s, struct pb_symbolizer_cache_stats *out);
struct pb_perfmap_stats;
/* Lines of every perf map read so far: accepted, skipped, beyond the limits (perfmap.h). */
void pb_symbolizer__perfmap_stats(struct pb_symbolizer *s, struct pb_perfmap_stats *out);

/*
 * Opens and caches m's binary now, e.g. from the process table's on_mapping callback while
 * m->open_path (/proc/PID/root/...) still resolves. 0, or -ENOENT when it cannot be read.
 */
int pb_symbolizer__load(struct pb_symbolizer *s, const struct pb_mapping *m);

/*
 * Adds a directory searched for separate debug files (.build-id/xx/yyyy.debug and
 * .gnu_debuglink names) before /usr/lib/debug. At most 8; 0, -E2BIG or -ENOMEM.
 */
int pb_symbolizer__add_debug_dir(struct pb_symbolizer *s, const char *dir);

/*
 * Fetches the debug files of stripped binaries (with a build id) from debuginfod: urls, or
 * $DEBUGINFOD_URLS when NULL. Asynchronous: a frame stays "[lib+0xoff]" until its file is
 * there, and is named from the next lookup on. 0, or -ENOENT when no server is named.
 */
int pb_symbolizer__use_debuginfod(struct pb_symbolizer *s, const char *urls);
struct pb_dinfod_stats;
/* What debuginfod fetched, missed, and its first failure; -ENOENT when it is off. */
int pb_symbolizer__debuginfod_stats(struct pb_symbolizer *s, struct pb_dinfod_stats *out);

/*
 * The GNU build id of m's binary in hex (the binary is loaded and cached as for a lookup), or
 * of the running kernel (m NULL, from /sys/kernel/notes): its length, 0 when there is none.
 */
size_t pb_symbolizer__build_id(struct pb_symbolizer *s, const struct pb_mapping *m, char *hex,
			       size_t sz);

/* The kernel frame name for addr, with the "_[k]" suffix ("[unknown]_[k]" when not found). */
const char *pb_symbolizer__kernel(struct pb_symbolizer *s, uint64_t addr);

/* A malloc'd demangled form of a mangled name, or NULL when name is not mangled. */
char *pb_demangle(const char *name);

#endif
