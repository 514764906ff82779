// SPDX-License-Identifier: MIT
/* The flame graph's tree: stacks in sorted order merged by common prefix, in one pass. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph.h"

/* Frame i of a stack as the graph shows it: root first, or leaf first when reversed. */
static inline uint32_t frame_at(const struct pb_stack *s, uint32_t i, bool reverse)
{
	return s->frames[reverse ? s->depth - 1 - i : i];
}

/* Stack order for reversed graphs, which pb_profile__sorted cannot give: by name rank. */
struct rev_ctx {
	const struct pb_profile *p;
	const uint32_t *rank;
};

static int cmp_names(const void *a, const void *b, void *arg)
{
	const struct pb_profile *p = arg;

	return strcmp(pb_profile__frame_name(p, *(const uint32_t *)a),
		      pb_profile__frame_name(p, *(const uint32_t *)b));
}

static int cmp_reversed(const void *a, const void *b, void *arg)
{
	const struct rev_ctx *c = arg;
	const struct pb_stack *x = pb_profile__stack(c->p, *(const size_t *)a);
	const struct pb_stack *y = pb_profile__stack(c->p, *(const size_t *)b);
	uint32_t n = x->depth < y->depth ? x->depth : y->depth;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t rx = c->rank[frame_at(x, i, true)], ry = c->rank[frame_at(y, i, true)];

		if (rx != ry)
			return rx < ry ? -1 : 1;
	}
	return x->depth < y->depth ? -1 : x->depth > y->depth;
}

static int sorted_reversed(const struct pb_profile *p, size_t **ret)
{
	size_t n_names = pb_profile__frame_count(p), n = pb_profile__stack_count(p);
	uint32_t *by_name = malloc((n_names + 1) * sizeof(*by_name));
	uint32_t *rank = malloc((n_names + 1) * sizeof(*rank));
	size_t *order = malloc((n + 1) * sizeof(*order));
	struct rev_ctx ctx = { .p = p, .rank = rank };

	if (!by_name || !rank || !order) {
		free(by_name);
		free(rank);
		free(order);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_names; i++)
		by_name[i] = i;
	qsort_r(by_name, n_names, sizeof(*by_name), cmp_names, (void *)p);
	for (size_t i = 0; i < n_names; i++)
		rank[by_name[i]] = i;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), cmp_reversed, &ctx);
	free(by_name);
	free(rank);
	*ret = order;
	return 0;
}

static int push_node(struct fg_tree *t, uint32_t name, uint32_t depth)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4096;
		struct fg_node *grown = realloc(t->nodes, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		t->nodes = grown;
		t->cap = cap;
	}
	t->nodes[t->n++] = (struct fg_node){ .name = name, .depth = depth };
	if (depth > t->max_depth)
		t->max_depth = depth;
	return 0;
}

static int grow_path(uint32_t **path, size_t *cap, size_t want)
{
	uint32_t *grown;

	if (want <= *cap)
		return 0;
	grown = realloc(*path, want * 2 * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	*path = grown;
	*cap = want * 2;
	return 0;
}

/*
 * Sorted stacks that share a prefix are adjacent, so each stack only closes the nodes below
 * its common prefix with the previous one and opens its own: no lookups, no per-node hashing.
 */
int fg_tree__build(struct fg_tree *t, const struct pb_profile *p, bool reverse)
{
	size_t n = pb_profile__stack_count(p), *order = NULL, path_cap = 0;
	const struct pb_stack *prev = NULL;
	uint32_t *path = NULL; /* path[d]: the open node at depth d */
	int err;

	memset(t, 0, sizeof(*t));
	t->profile = p;
	err = reverse ? sorted_reversed(p, &order) : pb_profile__sorted(p, &order);
	if (!err)
		err = grow_path(&path, &path_cap, 64);
	if (!err)
		err = push_node(t, 0, 0);
	if (!err)
		path[0] = 0;
	for (size_t i = 0; i < n && !err; i++) {
		const struct pb_stack *s = pb_profile__stack(p, order[i]);
		uint32_t common = 0, prev_depth = prev ? prev->depth : 0;

		while (prev && common < s->depth && common < prev_depth &&
		       frame_at(s, common, reverse) == frame_at(prev, common, reverse))
			common++;
		for (uint32_t d = prev_depth; d > common; d--)
			t->nodes[path[d]].end = t->n;
		if ((err = grow_path(&path, &path_cap, s->depth + 1)))
			break;
		for (uint32_t d = common + 1; d <= s->depth && !err; d++) {
			path[d] = t->n;
			err = push_node(t, frame_at(s, d - 1, reverse), d);
		}
		for (uint32_t d = 0; d <= s->depth && !err; d++)
			t->nodes[path[d]].value += s->count;
		prev = s;
	}
	for (uint32_t d = prev ? prev->depth : 0; !err && d > 0; d--)
		t->nodes[path[d]].end = t->n;
	if (!err)
		t->nodes[0].end = t->n;
	free(path);
	free(order);
	if (err)
		fg_tree__free(t);
	return err;
}

/* Open addressing over (parent node, frame id) -> child node, built only for a diff. */
struct child_index {
	uint64_t *keys; /* parent << 32 | name, plus one so 0 is empty */
	uint32_t *vals;
	size_t mask;
};

static size_t slot_of(uint64_t key, size_t mask)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return key & mask;
}

static int index_children(const struct fg_tree *t, struct child_index *ix)
{
	size_t cap = 64;
	uint32_t *path = malloc((t->max_depth + 1) * sizeof(*path));

	while (cap < t->n * 2)
		cap *= 2;
	ix->keys = calloc(cap, sizeof(*ix->keys));
	ix->vals = malloc(cap * sizeof(*ix->vals));
	ix->mask = cap - 1;
	if (!path || !ix->keys || !ix->vals) {
		free(path);
		return -ENOMEM;
	}
	path[0] = 0;
	for (size_t i = 1; i < t->n; i++) {
		const struct fg_node *nd = &t->nodes[i];
		uint64_t key = ((uint64_t)path[nd->depth - 1] << 32 | nd->name) + 1;
		size_t slot = slot_of(key, ix->mask);

		path[nd->depth] = i;
		while (ix->keys[slot])
			slot = (slot + 1) & ix->mask;
		ix->keys[slot] = key;
		ix->vals[slot] = i;
	}
	free(path);
	return 0;
}

static int64_t find_child(const struct child_index *ix, uint32_t parent, uint32_t name)
{
	uint64_t key = ((uint64_t)parent << 32 | name) + 1;

	for (size_t slot = slot_of(key, ix->mask); ix->keys[slot]; slot = (slot + 1) & ix->mask)
		if (ix->keys[slot] == key)
			return ix->vals[slot];
	return -1;
}

/* Frame ids of base mapped to ids of the graph's profile by name; UINT32_MAX when absent. */
static int map_names(const struct pb_profile *graph, const struct pb_profile *base,
		     uint32_t **ret)
{
	size_t n_graph = pb_profile__frame_count(graph), n_base = pb_profile__frame_count(base);
	uint32_t *map = malloc((n_base + 1) * sizeof(*map));
	uint32_t *ids = malloc((n_graph + 1) * sizeof(*ids));

	if (!map || !ids) {
		free(map);
		free(ids);
		return -ENOMEM;
	}
	/* Sorted names and a binary search: names are few next to stacks. */
	for (size_t i = 0; i < n_graph; i++)
		ids[i] = i;
	qsort_r(ids, n_graph, sizeof(*ids), cmp_names, (void *)graph);
	for (size_t i = 0; i < n_base; i++) {
		const char *name = pb_profile__frame_name(base, i);
		size_t lo = 0, hi = n_graph;

		map[i] = UINT32_MAX;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = strcmp(pb_profile__frame_name(graph, ids[mid]), name);

			if (!c) {
				map[i] = ids[mid];
				break;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	free(ids);
	*ret = map;
	return 0;
}

int fg_tree__set_base(struct fg_tree *t, const struct pb_profile *base, bool reverse,
		      bool normalize)
{
	struct child_index ix = { 0 };
	uint64_t base_total = pb_profile__total(base);
	double scale = 1.0;
	uint32_t *map = NULL;
	int err;

	free(t->delta);
	t->delta = malloc(t->n * sizeof(*t->delta));
	if (!t->delta)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++)
		t->delta[i] = t->nodes[i].value;
	/* Normalizing compares shares rather than counts: runs of different lengths line up. */
	if (normalize && base_total)
		scale = (double)t->nodes[0].value / base_total;
	err = index_children(t, &ix);
	if (!err)
		err = map_names(t->profile, base, &map);
	for (size_t i = 0; !err && i < pb_profile__stack_count(base); i++) {
		const struct pb_stack *s = pb_profile__stack(base, i);
		int64_t count = (int64_t)(s->count * scale + 0.5);
		int64_t node = 0;

		t->delta[0] -= count;
		/* Stacks gone from the graph have no width to show: only their ancestors shrink. */
		for (uint32_t d = 0; d < s->depth; d++) {
			uint32_t name = map[frame_at(s, d, reverse)];

			if (name == UINT32_MAX || (node = find_child(&ix, node, name)) < 0)
				break;
			t->delta[node] -= count;
		}
	}
	free(map);
	free(ix.keys);
	free(ix.vals);
	return err;
}

void fg_tree__free(struct fg_tree *t)
{
	if (!t)
		return;
	free(t->nodes);
	free(t->delta);
	memset(t, 0, sizeof(*t));
}
