// SPDX-License-Identifier: MIT
/* The TUI models on a saved profile (tree, zoom, search, tables) and the no-terminal error. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <profile-bee/plugin.h>

#include "model.h"
#include "tap.h"

static bool close_to(double a, double b)
{
	return a - b < 1e-6 && b - a < 1e-6;
}

/* The share the search should report, computed from the profile's stacks directly. */
static double stacks_matching(const struct pb_profile *p, const char *pattern)
{
	regex_t re;
	double sum = 0;

	regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB);
	for (size_t i = 0; i < pb_profile__stack_count(p); i++) {
		const struct pb_stack *st = pb_profile__stack(p, i);

		for (uint32_t d = 0; d < st->depth; d++) {
			if (!regexec(&re, pb_profile__frame_name(p, st->frames[d]), 0, NULL, 0)) {
				sum += st->count;
				break;
			}
		}
	}
	regfree(&re);
	return sum;
}

static uint32_t node_named(const struct tui_flame *f, const struct tui_names *names,
			   const char *name)
{
	for (uint32_t k = 1; k < f->n; k++)
		if (!strcmp(tui_names_get(names, f->nodes[k].name), name))
			return k;
	return TUI_NO_NODE;
}

static void test_models(const struct pb_profile *p)
{
	struct tui_store s = { 0 };
	struct tui_flame f = { 0 };
	struct tui_tables t = { 0 };
	double total = pb_profile__total(p), sum = 0;
	uint32_t main_node, row;
	char err[128], lit[64];
	bool inside = true;

	ok(!tui_store_add(&s, p) && close_to(s.total, total), "store holds every sample");
	ok(!tui_flame_build(&f, &s, NULL) && close_to(f.nodes[0].total, total),
	   "the root of the tree has every sample");
	main_node = node_named(&f, &s.names, "main");
	ok(main_node != TUI_NO_NODE, "the tree has the fixture's main");
	ok(!tui_flame_layout(&f, 0, 160) && f.n_cells > 0, "lays out 160 columns");
	ok(tui_flame_cell_of(&f, main_node, &row) >= 0 && row == f.nodes[main_node].depth,
	   "main is drawn on its depth's row");

	ok(!tui_flame_layout(&f, main_node, 160), "zooms into main");
	for (uint32_t i = 0; i < f.n_cells; i++) {
		const struct tui_cell *c = &f.cells[i];
		uint32_t a = c->node;

		while (a != TUI_NO_NODE && a != main_node)
			a = f.nodes[a].parent;
		/* Everything below the zoomed frame descends from it; its callers span the width. */
		if (f.nodes[c->node].depth > f.nodes[main_node].depth && a != main_node)
			inside = false;
		if (c->col1 > 160 || c->col0 >= c->col1)
			inside = false;
	}
	ok(inside, "the zoomed layout holds only main's subtree, within the width");

	ok(!tui_search_set(&f, &s.names, "json", err, sizeof(err)) &&
		   close_to(tui_search_matched(&f, 0), stacks_matching(p, "json")),
	   "search share equals the share of stacks with a matching frame");
	ok(tui_search_set(&f, &s.names, "([", err, sizeof(err)) == -EINVAL && err[0],
	   "a bad regex is refused with a message");
	tui_search_literal("alloc_buffer", lit, sizeof(lit));
	ok(!tui_search_set(&f, &s.names, lit, err, sizeof(err)) &&
		   close_to(tui_search_matched(&f, 0), stacks_matching(p, "^alloc_buffer$")),
	   "a literal pattern matches only that name (%s)", lit);

	ok(!tui_tables_functions(&t, &f, s.names.n), "top functions");
	for (uint32_t i = 0; i < t.n_funcs; i++)
		sum += t.funcs[i].self;
	ok(close_to(sum, total), "self samples of all functions add up to the total");
	tui_tables_sort(&t, &s.names, TUI_SORT_SELF);
	ok(t.n_funcs > 1 && t.funcs[0].self >= t.funcs[1].self, "sorted by self");

	ok(!tui_tables_processes(&t, &s), "processes");
	sum = 0;
	for (uint32_t i = 0; i < t.n_procs; i++)
		sum += t.procs[i].count;
	ok(t.n_procs >= 2 && close_to(sum, total), "process shares add up to the total");
	{
		struct tui_filter flt = { .on = true, .pid = t.procs[0].pid, .comm = t.procs[0].comm };

		ok(!tui_flame_build(&f, &s, &flt) && close_to(f.nodes[0].total, t.procs[0].count),
		   "the tree of one process has that process's samples");
	}

	ok(!tui_store_scale(&s, 0.5) && close_to(s.total, total / 2), "decay halves the counts");
	tui_store_clear(&s);
	ok(s.total == 0 && s.n == 0, "reset empties the store");
	tui_tables_free(&t);
	tui_flame_free(&f);
	tui_store_free(&s);
}

static char last_log[512];

static void mock_log(struct pb_session *s, enum pb_log_level level, const char *who,
		     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
}

/* Without a terminal the output must refuse to open, saying why, and never touch the screen. */
static void test_no_tty(const char *so)
{
	void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
	pb_plugin_entry_fn entry = h ? (pb_plugin_entry_fn)dlsym(h, PB_PLUGIN_ENTRY_SYMBOL) : NULL;
	const struct pb_plugin *d = entry ? entry() : NULL;
	struct pb_host host = { .sz = sizeof(host), .log = mock_log };
	struct pb_output_params params = { .sz = sizeof(params), .target = "tui", .format = "tui" };
	void *state = NULL;
	int saved_in = dup(STDIN_FILENO), null_fd = open("/dev/null", O_RDONLY), err;

	ok(d && !strcmp(d->name, "tui") && (d->output_flags & PB_OUTPUT_WANTS_TERMINAL) &&
		   (d->output_flags & PB_OUTPUT_WANTS_WINDOWS),
	   "descriptor: tui, wants windows and the terminal");
	if (!d)
		return;
	dup2(null_fd, STDIN_FILENO);
	err = d->output->open(&host, &params, NULL, &state);
	dup2(saved_in, STDIN_FILENO);
	ok(err == -ENOTTY && strstr(last_log, "terminal"), "no tty: -ENOTTY and '%s'", last_log);
	d->output->close(NULL);
	ok(true, "close accepts NULL");
	dlclose(h);
}

int main(int argc, char **argv)
{
	struct pb_profile *p;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: %s FIXTURE.folded output-tui.so\n", argv[0]);
		return 2;
	}
	f = fopen(argv[1], "r");
	if (!f || pb_profile__new(&p) || pb_profile__read_folded(p, f, NULL)) {
		printf("Bail out! cannot read %s\n", argv[1]);
		return 1;
	}
	fclose(f);
	test_models(p);
	test_no_tty(argv[2]);
	pb_profile__free(p);
	return tap_done();
}
