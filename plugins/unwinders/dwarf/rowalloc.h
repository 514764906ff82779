/* SPDX-License-Identifier: MIT */
/* Ranges of the dwarf rows array: handed out best-fit, coalesced when given back. */
#ifndef PB_DWARF_ROWALLOC_H
#define PB_DWARF_ROWALLOC_H

#include <stddef.h>
#include <stdint.h>

struct dw_extent {
	uint32_t first, count;
};

/*
 * A binary's table must be one contiguous range (BPF binary-searches rows[first, first +
 * count)), so freed tables leave holes: the free list keeps them sorted and merged, and a new
 * table takes the smallest hole it fits (best fit keeps large holes for large tables).
 */
struct dw_rowalloc {
	uint32_t size;		/* rows in the array */
	uint32_t used;		/* rows handed out */
	uint32_t peak;		/* most rows ever handed out at once */
	struct dw_extent *free; /* sorted by first, never touching each other */
	size_t n, cap;
};

int dw_rowalloc_init(struct dw_rowalloc *a, uint32_t size);
void dw_rowalloc_fini(struct dw_rowalloc *a);
/* The first of count contiguous free rows, now used; -ENOSPC when no hole is large enough. */
int64_t dw_rowalloc_get(struct dw_rowalloc *a, uint32_t count);
/* Gives [first, first + count) back. -ENOMEM when the free list cannot grow (rows leaked). */
int dw_rowalloc_put(struct dw_rowalloc *a, uint32_t first, uint32_t count);
/* The largest hole: a table of more rows cannot be placed now. */
uint32_t dw_rowalloc_largest(const struct dw_rowalloc *a);

#endif
