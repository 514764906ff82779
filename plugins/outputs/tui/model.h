/* SPDX-License-Identifier: MIT */
/* The TUI's data models: interned names, the stack store, the flame tree and the tables. */
#ifndef PB_TUI_MODEL_H
#define PB_TUI_MODEL_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <profile-bee/profile-bee.h>

#define TUI_NO_NAME UINT32_MAX /* the name of the flame graph's root ("all") */
#define TUI_NO_NODE UINT32_MAX

static inline uint64_t tui_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * names.c: replaces *slots, an open-addressing table of ids + 1 (0 = empty), with one of n_slots
 * (a power of two) holding ids 0..n-1, each where hash_of(ctx, id) leads. 0 or -ENOMEM.
 */
int tui_slots_rebuild(uint32_t **slots, uint32_t *cur_n_slots, uint32_t n_slots, uint32_t n,
		      uint64_t (*hash_of)(const void *ctx, uint32_t id), const void *ctx);

/* names.c: frame names interned once, so windows from different profiles share ids. */
struct tui_names {
	char **names;
	uint8_t *kernel; /* names[i] ends in "_[k]" */
	uint32_t n, cap;
	uint32_t *slots; /* id + 1, open addressing; 0 = empty */
	uint32_t n_slots;
};
int64_t tui_names_intern(struct tui_names *t, const char *name);
static inline const char *tui_names_get(const struct tui_names *t, uint32_t id)
{
	return id < t->n ? t->names[id] : "all";
}
void tui_names_free(struct tui_names *t);

/*
 * store.c: every stack seen, with a count that is a double so the decay mode can fade old
 * windows. The store is the one place windows are accumulated; trees are built from it.
 */
struct tui_stack {
	uint32_t pid;
	uint32_t depth;
	double count;
	uint64_t hash;
	uint32_t *frames; /* ids in store->names; frames[0] is the comm */
};

struct tui_store {
	struct tui_names names;
	struct tui_stack *stacks;
	uint32_t n, cap;
	uint32_t *slots; /* stack index + 1 */
	uint32_t n_slots;
	double total;
	int64_t *remap; /* scratch: profile frame id -> our id */
	size_t remap_cap;
};
int tui_store_add(struct tui_store *s, const struct pb_profile *p);
/* Multiplies every count by factor and forgets stacks that fall under half a sample. */
int tui_store_scale(struct tui_store *s, double factor);
void tui_store_clear(struct tui_store *s);
void tui_store_free(struct tui_store *s);

/* flame.c: the call tree of the stored stacks, optionally of one process only. */
struct tui_node {
	uint32_t name;	      /* TUI_NO_NAME for the root */
	uint32_t parent;      /* TUI_NO_NODE for the root */
	uint32_t first_child; /* index into flame->children */
	uint32_t n_children;
	uint32_t depth;
	double total; /* samples of this frame and its callees */
	double self;  /* samples where this frame is the leaf */
};

/* A bar on screen: one visible node at a row of the layout. */
struct tui_cell {
	uint32_t node;
	uint16_t col0, col1; /* [col0, col1) */
};

struct tui_filter {
	bool on;
	uint32_t pid;
	uint32_t comm; /* name id of the process's comm */
};

struct tui_flame {
	struct tui_node *nodes;
	uint32_t n, cap;
	uint32_t *children; /* children of each node, sorted by name, contiguous */

	/* build scratch: names in byte order (rank[id]), stacks in rank order */
	uint32_t *rank;
	uint32_t n_ranked, cap_rank;
	uint32_t *order;
	uint32_t cap_order;

	/* search: a regular expression tested once per name */
	bool searching;
	regex_t re;
	char pattern[256];
	uint8_t *name_match;
	uint32_t name_match_cap;
	bool matched_valid; /* matched is the share under matched_zoom for this tree and search */
	uint32_t matched_zoom;
	double matched;

	/* layout of the zoomed subtree for a width: cells ordered by row, then column */
	struct tui_cell *cells;
	uint32_t n_cells, cap_cells;
	uint32_t *row_start; /* cells of row r: [row_start[r], row_start[r + 1]) */
	uint32_t n_rows, cap_rows;
	uint32_t layout_zoom;
	int layout_width;
};

/* flame_build.c */
int tui_flame_build(struct tui_flame *f, const struct tui_store *s, const struct tui_filter *flt);
/* flame.c */
/* The node reached by following names from the root, or the deepest one that exists. */
uint32_t tui_flame_find(const struct tui_flame *f, const uint32_t *path, uint32_t n);
/* Writes the names from the root's child down to node; returns how many (at most max). */
uint32_t tui_flame_path(const struct tui_flame *f, uint32_t node, uint32_t *path, uint32_t max);
int tui_flame_layout(struct tui_flame *f, uint32_t zoom, int width);
/* The cell of node in the layout, or -1 when it is too narrow to be drawn. */
int64_t tui_flame_cell_of(const struct tui_flame *f, uint32_t node, uint32_t *row);
void tui_flame_free(struct tui_flame *f);

/* search.c */
/* Compiles pattern (POSIX extended, case-sensitive unless it has no capitals); -EINVAL if bad. */
int tui_search_set(struct tui_flame *f, const struct tui_names *names, const char *pattern,
		   char *err, size_t err_len);
void tui_search_clear(struct tui_flame *f);
/* Tests the names interned since the last call (new windows bring new names). */
int tui_search_refresh(struct tui_flame *f, const struct tui_names *names);
static inline bool tui_search_hit(const struct tui_flame *f, uint32_t node)
{
	uint32_t name = f->nodes[node].name;

	return f->searching && name != TUI_NO_NAME && name < f->name_match_cap &&
	       f->name_match[name];
}
/* Samples under zoom that have a matching frame (each counted once, as flamegraph.pl does). */
double tui_search_matched(struct tui_flame *f, uint32_t zoom);
/* The next (dir 1) or previous (dir -1) matching cell after node in layout order. */
uint32_t tui_search_next(const struct tui_flame *f, uint32_t node, int dir);
/* A pattern that matches exactly name (its special characters escaped). */
void tui_search_literal(const char *name, char *out, size_t len);

/* tables.c: the top-functions and processes views. */
enum tui_sort { TUI_SORT_SELF, TUI_SORT_TOTAL, TUI_SORT_NAME, TUI_SORT_COUNT };

struct tui_func {
	uint32_t name;
	double self, total;
};

struct tui_proc {
	uint32_t pid; /* 0 when unknown (a folded file): processes are told apart by comm */
	uint32_t comm;
	double count;
};

struct tui_tables {
	struct tui_func *funcs;
	uint32_t n_funcs, cap_funcs;
	struct tui_proc *procs;
	uint32_t n_procs, cap_procs;
	uint32_t *scratch;
	uint32_t cap_scratch;
};
int tui_tables_functions(struct tui_tables *t, const struct tui_flame *f, uint32_t n_names);
void tui_tables_sort(struct tui_tables *t, const struct tui_names *names, enum tui_sort sort);
int tui_tables_processes(struct tui_tables *t, const struct tui_store *s);
void tui_tables_free(struct tui_tables *t);

#endif
