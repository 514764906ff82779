/* SPDX-License-Identifier: MIT */
/*
 * One compile unit's inlined subroutines as a sorted array of disjoint address segments, each
 * naming its innermost inlined instance: built by one walk of the CU's DIE tree, so every
 * address after the first is a binary search instead of a dwarf_getscopes walk.
 */
#ifndef PB_SRCINFO_CU_H
#define PB_SRCINFO_CU_H

#include <stddef.h>
#include <stdint.h>
#include <elfutils/libdw.h>

#define PB_CU_NONE UINT32_MAX

struct pb_cu_inline {
	Dwarf_Die die;	 /* the DW_TAG_inlined_subroutine (valid while the Dwarf is open) */
	uint32_t parent; /* the nearest enclosing inlined instance, or PB_CU_NONE */
};

struct pb_cu_segment {
	uint64_t lo, hi; /* [lo, hi) */
	uint32_t inl;	 /* innermost instance covering it */
};

struct pb_cu_index {
	struct pb_cu_inline *inl;
	size_t n_inl;
	struct pb_cu_segment *seg;
	size_t n_seg;
};

/* Walks cu once. 0 or -ENOMEM; hostile DWARF gives odd segments, never a crash. */
int pb_cu_index__build(Dwarf_Die *cu, struct pb_cu_index *ix);
void pb_cu_index__clear(struct pb_cu_index *ix);
size_t pb_cu_index__mem(const struct pb_cu_index *ix);
/* The innermost inlined instance covering vaddr, or PB_CU_NONE. */
uint32_t pb_cu_index__find(const struct pb_cu_index *ix, uint64_t vaddr);

#endif
