// SPDX-License-Identifier: MIT
/* The flame graph model: finding nodes by their names, and the layout of a zoom for a width. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

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
	free(f->rank);
	free(f->order);
	free(f->name_match);
	free(f->cells);
	free(f->row_start);
	memset(f, 0, sizeof(*f));
}
