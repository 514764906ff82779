// SPDX-License-Identifier: MIT
/* The flame graph model: the call tree of the stored stacks and its layout for a width. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static uint64_t key_hash(uint32_t parent, uint32_t name)
{
	return tui_mix(((uint64_t)parent << 32) | name);
}

static int grow_slots(struct tui_flame *f)
{
	uint32_t n_slots = f->n_slots ? f->n_slots * 2 : 4096;
	uint32_t *slots = calloc(n_slots, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (uint32_t k = 1; k < f->n; k++) {
		uint32_t i = key_hash(f->nodes[k].parent, f->nodes[k].name) & (n_slots - 1);

		while (slots[i])
			i = (i + 1) & (n_slots - 1);
		slots[i] = k + 1;
	}
	free(f->slots);
	f->slots = slots;
	f->n_slots = n_slots;
	return 0;
}

static int64_t child(struct tui_flame *f, uint32_t parent, uint32_t name)
{
	uint32_t i;
	int err;

	if ((f->n + 1) * 2 > f->n_slots && (err = grow_slots(f)))
		return err;
	i = key_hash(parent, name) & (f->n_slots - 1);
	for (; f->slots[i]; i = (i + 1) & (f->n_slots - 1)) {
		const struct tui_node *c = &f->nodes[f->slots[i] - 1];

		if (c->parent == parent && c->name == name)
			return f->slots[i] - 1;
	}
	if (f->n == f->cap) {
		uint32_t cap = f->cap ? f->cap * 2 : 4096;
		struct tui_node *nodes = realloc(f->nodes, cap * sizeof(*nodes));

		if (!nodes)
			return -ENOMEM;
		f->nodes = nodes;
		f->cap = cap;
	}
	f->nodes[f->n] = (struct tui_node){
		.name = name,
		.parent = parent,
		.depth = f->nodes[parent].depth + 1,
	};
	f->slots[i] = f->n + 1;
	return f->n++;
}

static int cmp_by_name(const void *a, const void *b, void *ctx)
{
	const struct tui_flame *f = ((const void **)ctx)[0];
	const struct tui_names *names = ((const void **)ctx)[1];
	uint32_t x = f->nodes[*(const uint32_t *)a].name, y = f->nodes[*(const uint32_t *)b].name;

	return x == y ? 0 : strcmp(names->names[x], names->names[y]);
}

/* Children become contiguous runs sorted by name, so a redraw lays bars out like flamegraph.pl. */
static int link_children(struct tui_flame *f, const struct tui_names *names)
{
	uint32_t *children = realloc(f->children, (f->n ? f->n : 1) * sizeof(*children));
	const void *ctx[2] = { f, names };
	uint32_t at = 0;

	if (!children)
		return -ENOMEM;
	f->children = children;
	for (uint32_t k = 0; k < f->n; k++)
		f->nodes[k].n_children = 0;
	for (uint32_t k = 1; k < f->n; k++)
		f->nodes[f->nodes[k].parent].n_children++;
	for (uint32_t k = 0; k < f->n; k++) {
		f->nodes[k].first_child = at;
		at += f->nodes[k].n_children;
		f->nodes[k].n_children = 0;
	}
	for (uint32_t k = 1; k < f->n; k++) {
		struct tui_node *p = &f->nodes[f->nodes[k].parent];

		children[p->first_child + p->n_children++] = k;
	}
	for (uint32_t k = 0; k < f->n; k++)
		if (f->nodes[k].n_children > 1)
			qsort_r(children + f->nodes[k].first_child, f->nodes[k].n_children,
				sizeof(*children), cmp_by_name, ctx);
	return 0;
}

int tui_flame_build(struct tui_flame *f, const struct tui_store *s, const struct tui_filter *flt)
{
	int err;

	f->n = 0;
	if (f->slots)
		memset(f->slots, 0, f->n_slots * sizeof(*f->slots));
	if (!f->cap) {
		f->nodes = malloc(4096 * sizeof(*f->nodes));
		if (!f->nodes)
			return -ENOMEM;
		f->cap = 4096;
	}
	f->nodes[f->n++] = (struct tui_node){ .name = TUI_NO_NAME, .parent = TUI_NO_NODE };
	for (uint32_t k = 0; k < s->n; k++) {
		const struct tui_stack *st = &s->stacks[k];
		uint32_t node = 0;

		if (flt && flt->on && (st->pid != flt->pid || st->frames[0] != flt->comm))
			continue;
		f->nodes[0].total += st->count;
		for (uint32_t d = 0; d < st->depth; d++) {
			int64_t c = child(f, node, st->frames[d]);

			if (c < 0)
				return c;
			node = c;
			f->nodes[node].total += st->count;
		}
		f->nodes[node].self += st->count;
	}
	if ((err = link_children(f, &s->names)))
		return err;
	f->layout_width = 0; /* the old layout points at nodes that no longer exist */
	f->n_cells = 0;
	f->n_rows = 0;
	return 0;
}

uint32_t tui_flame_find(const struct tui_flame *f, const uint32_t *path, uint32_t n)
{
	uint32_t node = 0;

	for (uint32_t d = 0; d < n; d++) {
		const struct tui_node *p = &f->nodes[node];
		uint32_t next = TUI_NO_NODE;

		for (uint32_t c = 0; c < p->n_children && next == TUI_NO_NODE; c++)
			if (f->nodes[f->children[p->first_child + c]].name == path[d])
				next = f->children[p->first_child + c];
		if (next == TUI_NO_NODE)
			break;
		node = next;
	}
	return node;
}

uint32_t tui_flame_path(const struct tui_flame *f, uint32_t node, uint32_t *path, uint32_t max)
{
	uint32_t depth = f->nodes[node].depth, n = depth < max ? depth : max;

	/* Walk up from node, skipping the part of a too-deep path that does not fit. */
	for (; f->nodes[node].depth > n; node = f->nodes[node].parent)
		;
	for (uint32_t d = n; d > 0; d--, node = f->nodes[node].parent)
		path[d - 1] = f->nodes[node].name;
	return n;
}

struct pending {
	uint32_t node;
	double x; /* samples left of the node, from the zoomed node's left edge */
};

static int add_cell(struct tui_flame *f, struct tui_cell **tmp, uint32_t *cap, uint32_t node,
		    int col0, int col1)
{
	if (f->n_cells == *cap) {
		uint32_t grown = *cap ? *cap * 2 : 1024;
		struct tui_cell *c = realloc(*tmp, grown * sizeof(*c));

		if (!c)
			return -ENOMEM;
		*tmp = c;
		*cap = grown;
	}
	(*tmp)[f->n_cells++] = (struct tui_cell){ .node = node, .col0 = col0, .col1 = col1 };
	return 0;
}

/* Visits the zoomed subtree depth first; nothing narrower than a column is drawn or visited. */
static int collect(struct tui_flame *f, uint32_t zoom, int width, struct tui_cell **tmp,
		   uint32_t *cap)
{
	double scale = f->nodes[zoom].total > 0 ? width / f->nodes[zoom].total : 0;
	struct pending *todo = malloc(f->n * sizeof(*todo));
	uint32_t n_todo = 0;
	int err = 0;

	if (!todo)
		return -ENOMEM;
	for (uint32_t a = f->nodes[zoom].parent; a != TUI_NO_NODE && !err; a = f->nodes[a].parent)
		err = add_cell(f, tmp, cap, a, 0, width);
	todo[n_todo++] = (struct pending){ .node = zoom, .x = 0 };
	while (n_todo && !err) {
		struct pending p = todo[--n_todo];
		const struct tui_node *nd = &f->nodes[p.node];
		int col0 = floor(p.x * scale + 1e-9), col1 = floor((p.x + nd->total) * scale + 1e-9);
		double x = p.x + nd->total - nd->self;

		if (col1 <= col0 || col0 >= width)
			continue;
		err = add_cell(f, tmp, cap, p.node, col0, col1 > width ? width : col1);
		/* Callees sit at the left of the bar, the rest is self time; pushed right to left
		 * so the leftmost is visited first. */
		for (uint32_t c = nd->n_children; c > 0; c--) {
			uint32_t ch = f->children[nd->first_child + c - 1];

			x -= f->nodes[ch].total;
			todo[n_todo++] = (struct pending){ .node = ch, .x = x };
		}
	}
	free(todo);
	return err;
}

int tui_flame_layout(struct tui_flame *f, uint32_t zoom, int width)
{
	struct tui_cell *tmp = NULL;
	uint32_t cap = 0, rows = 0;
	int err;

	if (zoom >= f->n)
		zoom = 0;
	f->n_cells = 0;
	if (width < 1)
		width = 1;
	if ((err = collect(f, zoom, width, &tmp, &cap))) {
		free(tmp);
		return err;
	}
	for (uint32_t i = 0; i < f->n_cells; i++)
		if (f->nodes[tmp[i].node].depth + 1 > rows)
			rows = f->nodes[tmp[i].node].depth + 1;
	if (rows + 1 > f->cap_rows) {
		uint32_t *r = realloc(f->row_start, (rows + 1) * sizeof(*r));

		if (!r) {
			free(tmp);
			return -ENOMEM;
		}
		f->row_start = r;
		f->cap_rows = rows + 1;
	}
	/* Stable counting sort by row: depth-first order is already left to right in a row. */
	memset(f->row_start, 0, (rows + 1) * sizeof(*f->row_start));
	for (uint32_t i = 0; i < f->n_cells; i++)
		f->row_start[f->nodes[tmp[i].node].depth + 1]++;
	for (uint32_t r = 1; r <= rows; r++)
		f->row_start[r] += f->row_start[r - 1];
	if (f->n_cells > f->cap_cells) {
		struct tui_cell *c = realloc(f->cells, f->n_cells * sizeof(*c));

		if (!c) {
			free(tmp);
			return -ENOMEM;
		}
		f->cells = c;
		f->cap_cells = f->n_cells;
	}
	for (uint32_t i = 0; i < f->n_cells; i++)
		f->cells[f->row_start[f->nodes[tmp[i].node].depth]++] = tmp[i];
	/* The fill pass advanced each start to the next row's start: shift back. */
	memmove(f->row_start + 1, f->row_start, rows * sizeof(*f->row_start));
	f->row_start[0] = 0;
	f->n_rows = rows;
	f->layout_zoom = zoom;
	f->layout_width = width;
	free(tmp);
	return 0;
}

int64_t tui_flame_cell_of(const struct tui_flame *f, uint32_t node, uint32_t *row)
{
	uint32_t r;

	if (node >= f->n || (r = f->nodes[node].depth) >= f->n_rows)
		return -1;
	for (uint32_t i = f->row_start[r]; i < f->row_start[r + 1]; i++) {
		if (f->cells[i].node == node) {
			if (row)
				*row = r;
			return i;
		}
	}
	return -1;
}

void tui_flame_free(struct tui_flame *f)
{
	if (!f)
		return;
	tui_search_clear(f);
	free(f->nodes);
	free(f->children);
	free(f->slots);
	free(f->name_match);
	free(f->cells);
	free(f->row_start);
	memset(f, 0, sizeof(*f));
}
