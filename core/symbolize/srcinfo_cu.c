// SPDX-License-Identifier: MIT
/* A compile unit's inlined-instance ranges flattened into disjoint segments, innermost wins. */
#include <dwarf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "srcinfo_cu.h"

/* Bounds against hostile DWARF: nesting followed, instances and ranges kept per CU. */
#define MAX_DEPTH 64
#define MAX_INLINED (1u << 20)
#define MAX_RANGES (1u << 21)

struct range {
	uint64_t lo, hi;
	uint32_t inl, depth;
};

struct builder {
	struct pb_cu_index *ix;
	struct range *r;
	size_t n_r, cap_r, cap_inl;
	int err;
};

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 64;
	void *n;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	n = realloc(*p, c * size);
	if (!n)
		return -ENOMEM;
	*p = n;
	*cap = c;
	return 0;
}

/* die's address ranges, recorded for instance inl at nesting depth. */
static void add_ranges(struct builder *b, Dwarf_Die *die, uint32_t inl, uint32_t depth)
{
	Dwarf_Addr base, lo, hi;
	ptrdiff_t off = 0;

	while (!b->err && (off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
		if (lo >= hi || b->n_r >= MAX_RANGES)
			continue;
		b->err = grow((void **)&b->r, &b->cap_r, b->n_r + 1, sizeof(*b->r));
		if (!b->err)
			b->r[b->n_r++] = (struct range){lo, hi, inl, depth};
	}
}

/* Every inlined instance under parent_die, depth first: a parent is indexed before its children. */
static void walk(struct builder *b, Dwarf_Die *parent_die, uint32_t parent, uint32_t depth,
		 int level)
{
	Dwarf_Die die;

	if (level >= MAX_DEPTH || dwarf_child(parent_die, &die) != 0)
		return;
	do {
		uint32_t inl = parent, d = depth;

		if (dwarf_tag(&die) == DW_TAG_inlined_subroutine && b->ix->n_inl < MAX_INLINED) {
			struct pb_cu_index *ix = b->ix;

			b->err = grow((void **)&ix->inl, &b->cap_inl, ix->n_inl + 1,
				      sizeof(*ix->inl));
			if (b->err)
				return;
			inl = ix->n_inl++;
			ix->inl[inl] = (struct pb_cu_inline){die, parent};
			d = depth + 1;
			add_ranges(b, &die, inl, d);
		}
		if (dwarf_haschildren(&die) > 0)
			walk(b, &die, inl, d, level + 1);
	} while (!b->err && dwarf_siblingof(&die, &die) == 0);
}

/* Outer before inner where ranges start together, so the inner one is pushed last. */
static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return x->hi > y->hi ? -1 : x->hi < y->hi;
}

static void emit(struct pb_cu_index *ix, uint64_t lo, uint64_t hi, uint32_t inl)
{
	/* The segment array holds at most 2 entries per range: sized before the sweep. */
	if (lo < hi)
		ix->seg[ix->n_seg++] = (struct pb_cu_segment){lo, hi, inl};
}

/*
 * A sweep over the sorted ranges with a stack of the open ones: the top owns the addresses
 * until it closes or an inner one opens. An inner range is clipped to its outer one, which
 * keeps the stack's ends non-increasing even when hostile DWARF does not nest.
 */
static int flatten(struct builder *b)
{
	struct pb_cu_index *ix = b->ix;
	struct range *st = b->n_r ? malloc(b->n_r * sizeof(*st)) : NULL;
	size_t sp = 0;
	uint64_t cur = 0;

	if (!b->n_r)
		return 0;
	ix->seg = malloc(2 * b->n_r * sizeof(*ix->seg));
	if (!st || !ix->seg) {
		free(st);
		return -ENOMEM;
	}
	qsort(b->r, b->n_r, sizeof(*b->r), range_cmp);
	for (size_t i = 0; i < b->n_r; i++) {
		struct range r = b->r[i];

		for (; sp && st[sp - 1].hi <= r.lo; sp--) {
			emit(ix, cur, st[sp - 1].hi, st[sp - 1].inl);
			cur = cur > st[sp - 1].hi ? cur : st[sp - 1].hi;
		}
		if (sp) {
			emit(ix, cur, r.lo, st[sp - 1].inl);
			if (r.hi > st[sp - 1].hi)
				r.hi = st[sp - 1].hi;
		}
		cur = cur > r.lo ? cur : r.lo;
		if (r.hi > cur)
			st[sp++] = r;
	}
	for (; sp; sp--) {
		emit(ix, cur, st[sp - 1].hi, st[sp - 1].inl);
		cur = cur > st[sp - 1].hi ? cur : st[sp - 1].hi;
	}
	free(st);
	/* Hand back the slack of the 2-per-range bound: indexes stay for the binary's life. */
	struct pb_cu_segment *fit = ix->n_seg ? realloc(ix->seg, ix->n_seg * sizeof(*fit)) : NULL;

	if (fit)
		ix->seg = fit;
	return 0;
}

int pb_cu_index__build(Dwarf_Die *cu, struct pb_cu_index *ix)
{
	struct builder b = {.ix = ix};

	memset(ix, 0, sizeof(*ix));
	walk(&b, cu, PB_CU_NONE, 0, 0);
	if (!b.err)
		b.err = flatten(&b);
	free(b.r);
	if (b.err) {
		pb_cu_index__clear(ix);
		return b.err;
	}
	struct pb_cu_inline *fit = ix->n_inl ? realloc(ix->inl, ix->n_inl * sizeof(*fit)) : NULL;

	if (fit)
		ix->inl = fit;
	return 0;
}

void pb_cu_index__clear(struct pb_cu_index *ix)
{
	free(ix->inl);
	free(ix->seg);
	memset(ix, 0, sizeof(*ix));
}

size_t pb_cu_index__mem(const struct pb_cu_index *ix)
{
	return sizeof(*ix) + ix->n_inl * sizeof(*ix->inl) + ix->n_seg * sizeof(*ix->seg);
}

uint32_t pb_cu_index__find(const struct pb_cu_index *ix, uint64_t vaddr)
{
	size_t lo = 0, hi = ix->n_seg;

	/* The last segment starting at or before vaddr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix->seg[mid].lo <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || vaddr >= ix->seg[lo - 1].hi)
		return PB_CU_NONE;
	return ix->seg[lo - 1].inl;
}
