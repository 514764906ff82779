// SPDX-License-Identifier: MIT
/* The JSON writer: d3-flame-graph's tree of {"name", "value", "children", "libtype"}, nothing pruned. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph.h"

static bool is_kernel(const char *name)
{
	size_t len = strlen(name);

	return len >= 4 && !strcmp(name + len - 4, "_[k]");
}

/*
 * The preorder array nests by itself: a node opens its children list, and every node whose
 * subtree ends at index i is closed before node i is printed. value counts the frame and all
 * it called, as d3-flame-graph sums them; a diff adds "delta" (its differential mode).
 */
int fg_write_json(FILE *f, const struct fg_tree *t, const struct fg_opts *o)
{
	uint32_t *open_end = malloc((t->max_depth + 2) * sizeof(*open_end));
	size_t depth = 0;

	if (!open_end)
		return -ENOMEM;
	flockfile(f);
	for (size_t i = 0; i < t->n; i++) {
		const struct fg_node *n = &t->nodes[i];

		while (depth && open_end[depth - 1] == i) {
			fputs_unlocked("]}", f);
			depth--;
		}
		/* After a finished subtree comes a sibling; otherwise the first child. */
		if (i && t->nodes[i - 1].end == i)
			putc_unlocked(',', f);
		fputs_unlocked("{\"name\":", f);
		fg_put_json(f, fg_node_name(t, n));
		/* d3-flame-graph colours frames by libtype: kernel ones orange, as our SVG sets apart. */
		if (is_kernel(fg_node_name(t, n)))
			fputs_unlocked(",\"libtype\":\"kernel\"", f);
		fputs_unlocked(",\"value\":", f);
		fg_put_u64(f, n->value);
		if (t->delta) {
			fputs_unlocked(",\"delta\":", f);
			fg_put_i64(f, t->delta[i]);
		}
		if (n->end > i + 1) {
			fputs_unlocked(",\"children\":[", f);
			open_end[depth++] = n->end;
		} else {
			putc_unlocked('}', f);
		}
	}
	while (depth--)
		fputs_unlocked("]}", f);
	putc_unlocked('\n', f);
	funlockfile(f);
	free(open_end);
	return ferror(f) ? (errno ? -errno : -EIO) : 0;
}
