// SPDX-License-Identifier: MIT
/* Builds the flame graph's call tree from the stored stacks, children in name order. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static int reserve(void **arr, uint32_t *cap, size_t n, size_t size)
{
	void *grown;

	if (n <= *cap)
		return 0;
	grown = realloc(*arr, n * size);
	if (!grown)
		return -ENOMEM;
	*arr = grown;
	*cap = n;
	return 0;
}

static int cmp_names(const void *a, const void *b, void *ctx)
{
	const struct tui_names *names = ctx;

	return strcmp(names->names[*(const uint32_t *)a], names->names[*(const uint32_t *)b]);
}

/* Ranks only change when names are added; ranking 100k names costs a few ms. */
static int rank_names(struct tui_flame *f, const struct tui_names *names)
{
	uint32_t *by_name;

	if (f->n_ranked == names->n)
		return 0;
	if (reserve((void **)&f->rank, &f->cap_rank, names->n + 1, sizeof(*f->rank)) ||
	    !(by_name = malloc((names->n + 1) * sizeof(*by_name))))
		return -ENOMEM;
	for (uint32_t i = 0; i < names->n; i++)
		by_name[i] = i;
	qsort_r(by_name, names->n, sizeof(*by_name), cmp_names, (void *)names);
	for (uint32_t i = 0; i < names->n; i++)
		f->rank[by_name[i]] = i;
	free(by_name);
	f->n_ranked = names->n;
	return 0;
}

struct order_ctx {
	const struct tui_store *s;
	const uint32_t *rank;
};

static int cmp_stacks(const void *a, const void *b, void *ctx)
{
	const struct order_ctx *c = ctx;
	const struct tui_stack *x = &c->s->stacks[*(const uint32_t *)a];
	const struct tui_stack *y = &c->s->stacks[*(const uint32_t *)b];
	uint32_t n = x->depth < y->depth ? x->depth : y->depth;

	for (uint32_t i = 0; i < n; i++)
		if (x->frames[i] != y->frames[i])
			return c->rank[x->frames[i]] < c->rank[y->frames[i]] ? -1 : 1;
	return x->depth < y->depth ? -1 : x->depth > y->depth;
}

static int64_t new_node(struct tui_flame *f, uint32_t parent, uint32_t name)
{
	if (f->n == f->cap &&
	    reserve((void **)&f->nodes, &f->cap, f->cap ? f->cap * 2 : 4096, sizeof(*f->nodes)))
		return -ENOMEM;
	f->nodes[f->n] = (struct tui_node){
		.name = name,
		.parent = parent,
		.depth = parent == TUI_NO_NODE ? 0 : f->nodes[parent].depth + 1,
	};
	return f->n++;
}

/* Nodes were made parent first and siblings in name order: one pass links the children. */
static int link_children(struct tui_flame *f)
{
	uint32_t at = 0, cap = 0;

	if (reserve((void **)&f->children, &cap, f->n, sizeof(*f->children)))
		return -ENOMEM;
	for (uint32_t k = 1; k < f->n; k++)
		f->nodes[f->nodes[k].parent].n_children++;
	for (uint32_t k = 0; k < f->n; k++) {
		f->nodes[k].first_child = at;
		at += f->nodes[k].n_children;
		f->nodes[k].n_children = 0;
	}
	for (uint32_t k = 1; k < f->n; k++) {
		struct tui_node *p = &f->nodes[f->nodes[k].parent];

		f->children[p->first_child + p->n_children++] = k;
	}
	/* Children come after their parents, so a backward pass sums totals bottom-up. */
	for (uint32_t k = 0; k < f->n; k++)
		f->nodes[k].total = f->nodes[k].self;
	for (uint32_t k = f->n - 1; k > 0; k--)
		f->nodes[f->nodes[k].parent].total += f->nodes[k].total;
	return 0;
}

/*
 * Stacks sorted by their names' ranks make the tree in one walk: a stack shares with the
 * previous one the nodes of their common prefix and creates the rest. No hashing, and
 * siblings appear in name order as flamegraph.pl draws them.
 */
int tui_flame_build(struct tui_flame *f, const struct tui_store *s, const struct tui_filter *flt)
{
	struct order_ctx ctx = { .s = s };
	const struct tui_stack *prev = NULL;
	uint32_t *path = NULL, path_cap = 0, n_order = 0;
	int err;

	f->n = 0;
	f->matched_valid = false;
	f->layout_width = 0; /* the old layout points at nodes that no longer exist */
	f->n_cells = f->n_rows = 0;
	if ((err = rank_names(f, &s->names)) ||
	    (err = reserve((void **)&f->order, &f->cap_order, s->n + 1, sizeof(*f->order))))
		return err;
	if ((err = new_node(f, TUI_NO_NODE, TUI_NO_NAME)) < 0)
		return err;
	for (uint32_t k = 0; k < s->n; k++)
		if (!flt || !flt->on ||
		    (s->stacks[k].pid == flt->pid && s->stacks[k].frames[0] == flt->comm))
			f->order[n_order++] = k;
	ctx.rank = f->rank;
	qsort_r(f->order, n_order, sizeof(*f->order), cmp_stacks, &ctx);
	for (uint32_t i = 0; i < n_order; i++) {
		const struct tui_stack *st = &s->stacks[f->order[i]];
		uint32_t common = 0;

		if ((err = reserve((void **)&path, &path_cap, st->depth + 1, sizeof(*path))))
			break;
		path[0] = 0;
		while (prev && common < prev->depth && common < st->depth &&
		       prev->frames[common] == st->frames[common])
			common++;
		for (uint32_t d = common; d < st->depth; d++) {
			int64_t node = new_node(f, path[d], st->frames[d]);

			if (node < 0) {
				err = node;
				break;
			}
			path[d + 1] = node;
		}
		if (err)
			break;
		f->nodes[path[st->depth]].self += st->count;
		prev = st;
	}
	free(path);
	return err ? err : link_children(f);
}
