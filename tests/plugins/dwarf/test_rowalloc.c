// SPDX-License-Identifier: MIT
/* The dwarf rows free list: best fit, merging on release, full use after churn. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "rowalloc.h"
#include "tap.h"

/* Whether the free list is sorted, never touching, and adds up with used to size. */
static bool consistent(const struct dw_rowalloc *a)
{
	uint64_t free_rows = 0;

	for (size_t i = 0; i < a->n; i++) {
		if (!a->free[i].count)
			return false;
		if (i && a->free[i - 1].first + a->free[i - 1].count >= a->free[i].first)
			return false;
		free_rows += a->free[i].count;
	}
	return free_rows + a->used == a->size;
}

static void basics(void)
{
	struct dw_rowalloc a;
	int64_t x, y, z, w;

	ok(!dw_rowalloc_init(&a, 100), "init");
	x = dw_rowalloc_get(&a, 30);
	y = dw_rowalloc_get(&a, 30);
	z = dw_rowalloc_get(&a, 30);
	ok(x == 0 && y == 30 && z == 60, "bump order from an empty array (%lld %lld %lld)",
	   (long long)x, (long long)y, (long long)z);
	ok(dw_rowalloc_get(&a, 11) == -ENOSPC, "no room for 11 of 10 left");
	ok(dw_rowalloc_get(&a, 0) == -EINVAL, "zero rows refused");
	ok(!dw_rowalloc_put(&a, 30, 30) && a.used == 60 && consistent(&a), "a middle table freed");
	ok(dw_rowalloc_largest(&a) == 30, "largest hole is the freed table");
	/* Best fit: 8 rows go into the 10-row tail, keeping the 30-row hole whole. */
	w = dw_rowalloc_get(&a, 8);
	ok(w == 90, "best fit picks the smallest hole (got %lld)", (long long)w);
	ok(dw_rowalloc_get(&a, 30) == 30, "the freed rows serve a later table of their size");
	ok(!dw_rowalloc_put(&a, 0, 30) && !dw_rowalloc_put(&a, 60, 30) &&
	       !dw_rowalloc_put(&a, 30, 30) && consistent(&a) && a.n == 2,
	   "neighbours merge into one hole (%zu holes)", a.n);
	ok(!dw_rowalloc_put(&a, 90, 8) && a.n == 1 && a.used == 0 && consistent(&a),
	   "everything back: one hole");
	ok(dw_rowalloc_get(&a, 100) == 0, "then the whole array fits one table");
	ok(a.peak == 100, "peak rows in use %u", a.peak);
	ok(dw_rowalloc_put(&a, 95, 10) == -EINVAL, "a range past the array is refused");
	dw_rowalloc_fini(&a);
}

/* Random tables come and go: the list stays consistent and all rows come back. */
static void churn(void)
{
	enum { SIZE = 1 << 16, SLOTS = 64 };
	struct dw_rowalloc a;
	int64_t first[SLOTS];
	uint32_t count[SLOTS];
	unsigned seed = 17;
	bool good = true;
	int placed = 0;

	dw_rowalloc_init(&a, SIZE);
	for (int i = 0; i < SLOTS; i++)
		first[i] = -1;
	for (int round = 0; round < 20000 && good; round++) {
		int i = rand_r(&seed) % SLOTS;

		if (first[i] >= 0) {
			good = !dw_rowalloc_put(&a, first[i], count[i]);
			first[i] = -1;
		} else {
			count[i] = 1 + rand_r(&seed) % 4000;
			first[i] = dw_rowalloc_get(&a, count[i]);
			placed += first[i] >= 0;
		}
		/* No two live tables overlap. */
		for (int j = 0; j < SLOTS && good && first[i] >= 0; j++)
			if (j != i && first[j] >= 0 && first[j] < first[i] + count[i] &&
			    first[i] < first[j] + count[j])
				good = false;
		good = good && consistent(&a);
	}
	ok(good && placed > 1000, "20000 gets and puts: consistent, no overlap (%d placed)",
	   placed);
	for (int i = 0; i < SLOTS; i++)
		if (first[i] >= 0)
			dw_rowalloc_put(&a, first[i], count[i]);
	ok(a.used == 0 && a.n == 1 && a.free[0].count == SIZE, "all rows back as one hole");
	dw_rowalloc_fini(&a);
}

int main(void)
{
	basics();
	churn();
	return tap_done();
}
