// SPDX-License-Identifier: MIT
/* The top-functions (self and total samples per name) and processes (share per pid) tables. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define EXIT_MARK 0x80000000u

static int reserve(void **arr, uint32_t *cap, uint32_t n, size_t size)
{
	void *grown;

	if (n <= *cap)
		return 0;
	grown = realloc(*arr, (size_t)n * size);
	if (!grown)
		return -ENOMEM;
	*arr = grown;
	*cap = n;
	return 0;
}

/*
 * Totals come from the tree: a name's total is the samples of its nodes that have no ancestor
 * of the same name, so recursion is not counted twice.
 */
int tui_tables_functions(struct tui_tables *t, const struct tui_flame *f, uint32_t n_names)
{
	uint32_t *todo, n_todo = 0, kept = 0;
	int err;

	if ((err = reserve((void **)&t->funcs, &t->cap_funcs, n_names + 1, sizeof(*t->funcs))) ||
	    (err = reserve((void **)&t->scratch, &t->cap_scratch, n_names + 1, sizeof(uint32_t))))
		return err;
	if (!(todo = malloc(2 * (size_t)f->n * sizeof(*todo) + 1)))
		return -ENOMEM;
	memset(t->scratch, 0, n_names * sizeof(uint32_t));
	for (uint32_t i = 0; i < n_names; i++)
		t->funcs[i] = (struct tui_func){ .name = i };
	for (uint32_t c = 0; f->n && c < f->nodes[0].n_children; c++)
		todo[n_todo++] = f->children[f->nodes[0].first_child + c];
	while (n_todo) {
		uint32_t k = todo[--n_todo];
		const struct tui_node *nd = &f->nodes[k & ~EXIT_MARK];

		if (nd->name >= n_names)
			continue;
		if (k & EXIT_MARK) {
			t->scratch[nd->name]--;
			continue;
		}
		t->funcs[nd->name].self += nd->self;
		if (!t->scratch[nd->name]++)
			t->funcs[nd->name].total += nd->total;
		todo[n_todo++] = k | EXIT_MARK;
		for (uint32_t c = 0; c < nd->n_children; c++)
			todo[n_todo++] = f->children[nd->first_child + c];
	}
	free(todo);
	for (uint32_t i = 0; i < n_names; i++)
		if (t->funcs[i].total > 0)
			t->funcs[kept++] = t->funcs[i];
	t->n_funcs = kept;
	return 0;
}

static int cmp_self(const void *a, const void *b, void *ctx)
{
	const struct tui_func *x = a, *y = b;

	if (x->self != y->self)
		return x->self < y->self ? 1 : -1;
	return x->total < y->total ? 1 : x->total > y->total ? -1 : 0;
}

static int cmp_total(const void *a, const void *b, void *ctx)
{
	const struct tui_func *x = a, *y = b;

	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return x->self < y->self ? 1 : x->self > y->self ? -1 : 0;
}

static int cmp_name(const void *a, const void *b, void *ctx)
{
	const struct tui_names *names = ctx;

	return strcmp(names->names[((const struct tui_func *)a)->name],
		      names->names[((const struct tui_func *)b)->name]);
}

void tui_tables_sort(struct tui_tables *t, const struct tui_names *names, enum tui_sort sort)
{
	int (*cmp[])(const void *, const void *, void *) = { cmp_self, cmp_total, cmp_name };

	qsort_r(t->funcs, t->n_funcs, sizeof(*t->funcs), cmp[sort % TUI_SORT_COUNT],
		(void *)names);
}

static int cmp_proc_key(const void *a, const void *b)
{
	const struct tui_proc *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->comm < y->comm ? -1 : x->comm > y->comm;
}

static int cmp_proc_count(const void *a, const void *b)
{
	const struct tui_proc *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return cmp_proc_key(a, b);
}

int tui_tables_processes(struct tui_tables *t, const struct tui_store *s)
{
	uint32_t kept = 0;
	int err = reserve((void **)&t->procs, &t->cap_procs, s->n + 1, sizeof(*t->procs));

	if (err)
		return err;
	for (uint32_t k = 0; k < s->n; k++)
		t->procs[k] = (struct tui_proc){
			.pid = s->stacks[k].pid,
			.comm = s->stacks[k].frames[0],
			.count = s->stacks[k].count,
		};
	qsort(t->procs, s->n, sizeof(*t->procs), cmp_proc_key);
	for (uint32_t k = 0; k < s->n; k++) {
		if (kept && !cmp_proc_key(&t->procs[kept - 1], &t->procs[k]))
			t->procs[kept - 1].count += t->procs[k].count;
		else
			t->procs[kept++] = t->procs[k];
	}
	qsort(t->procs, kept, sizeof(*t->procs), cmp_proc_count);
	t->n_procs = kept;
	return 0;
}

void tui_tables_free(struct tui_tables *t)
{
	if (!t)
		return;
	free(t->funcs);
	free(t->procs);
	free(t->scratch);
	memset(t, 0, sizeof(*t));
}
