// SPDX-License-Identifier: MIT
/* The rows array's free list: sorted holes, best-fit allocation, merging on release. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rowalloc.h"

static int reserve(struct dw_rowalloc *a, size_t n)
{
	struct dw_extent *v;
	size_t cap;

	if (n <= a->cap)
		return 0;
	cap = a->cap ? a->cap * 2 : 16;
	v = realloc(a->free, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	a->free = v;
	a->cap = cap;
	return 0;
}

int dw_rowalloc_init(struct dw_rowalloc *a, uint32_t size)
{
	*a = (struct dw_rowalloc){.size = size};
	if (!size)
		return 0;
	if (reserve(a, 1))
		return -ENOMEM;
	a->free[a->n++] = (struct dw_extent){0, size};
	return 0;
}

void dw_rowalloc_fini(struct dw_rowalloc *a)
{
	free(a->free);
	*a = (struct dw_rowalloc){0};
}

static void remove_at(struct dw_rowalloc *a, size_t i)
{
	memmove(a->free + i, a->free + i + 1, (a->n - i - 1) * sizeof(*a->free));
	a->n--;
}

int64_t dw_rowalloc_get(struct dw_rowalloc *a, uint32_t count)
{
	size_t best = a->n;
	uint32_t first;

	if (!count)
		return -EINVAL;
	for (size_t i = 0; i < a->n; i++)
		if (a->free[i].count >= count &&
		    (best == a->n || a->free[i].count < a->free[best].count))
			best = i;
	if (best == a->n)
		return -ENOSPC;
	/* From the hole's start: what is left stays one hole. */
	first = a->free[best].first;
	a->free[best].first += count;
	a->free[best].count -= count;
	if (!a->free[best].count)
		remove_at(a, best);
	a->used += count;
	if (a->used > a->peak)
		a->peak = a->used;
	return first;
}

int dw_rowalloc_put(struct dw_rowalloc *a, uint32_t first, uint32_t count)
{
	size_t lo = 0, hi = a->n;
	uint32_t end = first + count;
	int merge_prev, merge_next;

	if (!count || end < first || end > a->size)
		return -EINVAL;
	/* The first hole starting after first. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a->free[mid].first < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	merge_prev = lo > 0 && a->free[lo - 1].first + a->free[lo - 1].count == first;
	merge_next = lo < a->n && a->free[lo].first == end;
	if (merge_prev && merge_next) {
		a->free[lo - 1].count += count + a->free[lo].count;
		remove_at(a, lo);
	} else if (merge_prev) {
		a->free[lo - 1].count += count;
	} else if (merge_next) {
		a->free[lo].first = first;
		a->free[lo].count += count;
	} else {
		if (reserve(a, a->n + 1))
			return -ENOMEM;
		memmove(a->free + lo + 1, a->free + lo, (a->n - lo) * sizeof(*a->free));
		a->free[lo] = (struct dw_extent){first, count};
		a->n++;
	}
	a->used -= count;
	return 0;
}

uint32_t dw_rowalloc_largest(const struct dw_rowalloc *a)
{
	uint32_t m = 0;

	for (size_t i = 0; i < a->n; i++)
		if (a->free[i].count > m)
			m = a->free[i].count;
	return m;
}
