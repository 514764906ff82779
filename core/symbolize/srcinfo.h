/* SPDX-License-Identifier: MIT */
/* Inline frames and source lines of one binary's addresses, read with libdw and cached. */
#ifndef PB_SRCINFO_H
#define PB_SRCINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Frames one address expands into at most: its function and the innermost 7 inlined. */
#define PB_SRC_MAX_FRAMES 8

struct pb_src_frames {
	uint32_t n;
	const char *name[]; /* n of them, caller first; owned by the pb_srcinfo */
};

struct pb_srcinfo;

/* Opens the DWARF of the ELF at path: 0, -ENOENT (no .debug_info) or -ENOMEM. */
int pb_srcinfo__new(const char *path, struct pb_srcinfo **ret);
void pb_srcinfo__free(struct pb_srcinfo *si);
/*
 * vaddr's frames: func (the symbol table's name) first, then, with inl, the functions inlined
 * there, caller first; with lines each gets " (file.c:LINE)": a caller's is the line of its
 * call site, the last one's the line of vaddr. NULL when neither applies or on failure.
 */
const struct pb_src_frames *pb_srcinfo__lookup(struct pb_srcinfo *si, uint64_t vaddr,
					       const char *func, bool inl, bool lines);
/* Bytes held by the cache, its names and the compile-unit indexes (not libdw's own parse). */
size_t pb_srcinfo__mem(const struct pb_srcinfo *si);

#endif
