// SPDX-License-Identifier: MIT
/* Walks a profile as a flame-graph tree: stacks sorted by frame names, shared prefixes merged. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

/*
 * Sorting the stacks by their name sequences puts every stack under a given path next to each
 * other, so the tree comes out of one pass with no node allocation: a node opens where a stack
 * first differs from the previous one and closes where a later stack does. Sorting here rather
 * than with pb_profile__sorted keeps this callable from server threads (qsort_r, no globals).
 */
static int cmp_stacks(const void *a, const void *b, void *arg)
{
	const struct pb_profile *p = arg;
	const struct pb_stack *x = pb_profile__stack(p, *(const size_t *)a);
	const struct pb_stack *y = pb_profile__stack(p, *(const size_t *)b);
	uint32_t n = x->depth < y->depth ? x->depth : y->depth;

	for (uint32_t i = 0; i < n; i++) {
		int c;

		if (x->frames[i] == y->frames[i])
			continue;
		c = strcmp(pb_profile__frame_name(p, x->frames[i]),
			   pb_profile__frame_name(p, y->frames[i]));
		if (c)
			return c;
	}
	return (x->depth > y->depth) - (x->depth < y->depth);
}

/* Same name at the same place: ids are interned per profile, so equal ids mean equal names. */
static bool same_frame(const struct pb_profile *p, uint32_t a, uint32_t b)
{
	return a == b || !strcmp(pb_profile__frame_name(p, a), pb_profile__frame_name(p, b));
}

int render_tree_walk(const struct pb_profile *p, const struct tree_visitor *v)
{
	size_t n = pb_profile__stack_count(p), *order;
	const struct pb_stack *prev = NULL;
	uint64_t *starts = NULL, done = 0;
	uint32_t open = 0, cap = 0;
	int err = 0;

	order = malloc((n ? n : 1) * sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), cmp_stacks, (void *)p);
	for (size_t i = 0; i < n && !err; i++) {
		const struct pb_stack *s = pb_profile__stack(p, order[i]);
		uint32_t common = 0;

		if (!s->count || !s->depth)
			continue;
		while (prev && common < open && common < s->depth &&
		       same_frame(p, prev->frames[common], s->frames[common]))
			common++;
		while (open > common && !err) {
			open--;
			err = v->close(v->ctx, open, starts[open], done);
		}
		if (s->depth > cap) {
			uint64_t *grown = realloc(starts, s->depth * 2 * sizeof(*starts));

			if (!grown) {
				err = -ENOMEM;
				break;
			}
			starts = grown;
			cap = s->depth * 2;
		}
		for (; open < s->depth && !err; open++) {
			starts[open] = done;
			err = v->open(v->ctx, pb_profile__frame_name(p, s->frames[open]), open, done);
		}
		done += s->count;
		prev = s;
	}
	while (open > 0 && !err) {
		open--;
		err = v->close(v->ctx, open, starts[open], done);
	}
	free(starts);
	free(order);
	return err;
}
