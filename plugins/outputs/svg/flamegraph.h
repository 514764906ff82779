/* SPDX-License-Identifier: MIT */
/* What the svg plugin's files share: options, the frame tree, and the writers' entry points. */
#ifndef PB_FLAMEGRAPH_H
#define PB_FLAMEGRAPH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <profile-bee/profile-bee.h>

/* Settings of one output, read once from the config-key table. */
struct fg_opts {
	const char *title;	/* NULL: "Flame Graph" or "Icicle Graph" */
	const char *subtitle;	/* NULL or "": none */
	const char *count_name; /* "samples" */
	const char *palette;	/* "hot", "mem", "io", ... */
	int width;		/* image width in pixels */
	int frame_height;	/* pixels per row */
	int font_size;		/* pixels */
	double min_width;	/* frames narrower than this many pixels are left out */
	bool inverted;		/* icicle: root at the top */
	bool reverse;		/* leaf-first stacks: who calls the hot leaves */
	bool diff;		/* the tree carries deltas: colour by growth and shrink */
};

/*
 * The flame graph as a tree in preorder: a node's subtree is nodes[i .. end), its children
 * follow it in name order, so a single forward pass can lay it out or print it nested.
 * nodes[0] is the root ("all"); depth counts from it.
 */
struct fg_node {
	uint64_t value; /* samples of this frame and everything it called */
	uint32_t name;	/* frame id in the profile; unused for the root */
	uint32_t end;	/* index one past the last node of this subtree */
	uint32_t depth;
};

struct fg_tree {
	const struct pb_profile *profile;
	struct fg_node *nodes;
	size_t n, cap;
	int64_t *delta; /* with a diff base: value minus the base's samples, per node */
	uint32_t max_depth;
};

int fg_tree__build(struct fg_tree *t, const struct pb_profile *p, bool reverse);
/* Subtracts the stacks of base (another profile, the "before") from every node's delta. */
int fg_tree__set_base(struct fg_tree *t, const struct pb_profile *base, bool reverse,
		      bool normalize);
void fg_tree__free(struct fg_tree *t); /* accepts a zeroed tree */

static inline const char *fg_node_name(const struct fg_tree *t, const struct fg_node *n)
{
	return n == t->nodes ? "all" : pb_profile__frame_name(t->profile, n->name);
}

/* Writers: each prints the whole document to f and returns 0 or -errno. */
int fg_write_svg(FILE *f, const struct fg_tree *t, const struct fg_opts *o, bool in_html);
int fg_write_html(FILE *f, const struct fg_tree *t, const struct fg_opts *o);
int fg_write_json(FILE *f, const struct fg_tree *t, const struct fg_opts *o);

/* The interaction script (flamegraph.js), embedded at build time. */
extern const char fg_script[];

/* Colours: "rgb(r,g,b)" for a frame name in a palette; false for an unknown palette. */
bool fg_palette_known(const char *palette);
void fg_palette_color(const char *palette, const char *name, char out[24]);
/* flamegraph.pl's differential scale: red for growth, blue for shrink, white for none. */
void fg_diff_color(int64_t delta, int64_t max_abs_delta, char out[24]);
extern const char fg_palette_names[]; /* for help texts */

/* Text made safe to embed; invalid UTF-8 and control bytes become U+FFFD. */
size_t fg_utf8_length(const char *s); /* in characters, an invalid byte counting as one */
/* XML text or attribute value; at most max_chars characters of s. */
void fg_put_xml(FILE *f, const char *s, size_t max_chars);
/* A JSON string with its quotes; '<', '>' and '&' escaped so it can sit inside <script>. */
void fg_put_json(FILE *f, const char *s);

/* Number formatting for the per-frame loops, where printf would dominate. */
void fg_put_u64(FILE *f, uint64_t v);
void fg_put_i64(FILE *f, int64_t v);
void fg_put_grouped(FILE *f, uint64_t v); /* 1,234,567 */
/* v / 10^decimals with exactly that many decimals, e.g. (12345, 4) -> "1.2345" */
void fg_put_fixed(FILE *f, int64_t v, int decimals);

#endif
