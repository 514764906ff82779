/* SPDX-License-Identifier: MIT */
/* Arrays that grow by doubling: the core's lists and tables make room for one more this way. */
#ifndef PB_GROW_H
#define PB_GROW_H

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

/*
 * Makes room for element n of the array *v (*cap elements of size bytes): when it is full,
 * doubles it, or allocates first elements for an empty one. 0, or -ENOMEM with *v and *cap
 * unchanged.
 */
static inline int pb_grow(void **v, size_t *cap, size_t n, size_t size, size_t first)
{
	size_t new_cap;
	void *p;

	if (n < *cap)
		return 0;
	new_cap = *cap ? *cap * 2 : first;
	p = realloc(*v, new_cap * size);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = new_cap;
	return 0;
}

/* pb_grow on an array and its size_t counts: PB_GROW(p->stacks, p->n_stacks, p->cap, 256). */
#define PB_GROW(v, n, cap, first) pb_grow((void **)&(v), &(cap), (n), sizeof(*(v)), (first))

#endif
