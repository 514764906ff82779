// SPDX-License-Identifier: MIT
/* Times the tui on a synthetic 50k-stack profile: rebuild, redraw, search, tables (medians, ms). */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "../common/bench_time.h"

#define RUNS 21

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng >> 32;
}

/*
 * Stacks shaped like real ones: a few processes, callers chosen from a small fan-out of the
 * frame above (so prefixes are shared and the tree is deep, not flat), some kernel tails.
 */
static int make_profile(size_t n_stacks, struct pb_profile **ret)
{
	static char names[4000][32];
	const char *frames[64];
	struct pb_profile *p;
	int err = pb_profile__new(&p);

	for (int i = 0; i < 3600; i++)
		snprintf(names[i], sizeof(names[i]), "module%02d::function_%04d", i % 37, i);
	for (int i = 3600; i < 4000; i++)
		snprintf(names[i], sizeof(names[i]), "kernel_fn_%03d_[k]", i - 3600);
	while (!err && pb_profile__stack_count(p) < n_stacks) {
		char comm[16];
		uint32_t depth = 6 + next_rand() % 34, at = next_rand() % 8, n = 0;

		snprintf(comm, sizeof(comm), "proc-%u", at);
		frames[n++] = comm;
		for (uint32_t d = 0; d < depth; d++) {
			at = (at * 131 + 7 + next_rand() % (d < 4 ? 2 : 6)) % 3600;
			frames[n++] = names[at];
		}
		for (uint32_t k = next_rand() % 3 ? 0 : 1 + next_rand() % 6; k > 0; k--)
			frames[n++] = names[3600 + next_rand() % 400];
		err = pb_profile__add_names(p, 1000 + at % 8, frames, n, 1 + next_rand() % 50);
	}
	*ret = p;
	return err;
}

int main(int argc, char **argv)
{
	size_t n_stacks = argc > 1 ? strtoul(argv[1], NULL, 10) : 50000;
	double t_add[RUNS], t_build[RUNS], t_draw[RUNS], t_search[RUNS], t_search_draw[RUNS],
		t_tables[RUNS];
	static const char *const patterns[] = { "function_0[0-4]", "module1[0-9]::", "kernel",
						"function_3.*7$" };
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	struct pb_profile *p;
	struct tui_ui ui;
	SCREEN *scr;
	char err[128];

	if (make_profile(n_stacks, &p)) {
		fprintf(stderr, "bench-tui: cannot build the profile\n");
		return 1;
	}
	scr = newterm("xterm-256color", out, in);
	if (!scr) {
		fprintf(stderr, "bench-tui: no terminfo for xterm-256color\n");
		return 1;
	}
	resizeterm(48, 160);
	tui_draw_colors();
	tui_ui_init(&ui, NULL);
	ui.sampling = false;
	for (int r = 0; r < RUNS; r++) {
		double t0 = pb_bench_now_ms();

		tui_store_clear(&ui.store);
		tui_store_add(&ui.store, p);
		t_add[r] = pb_bench_now_ms() - t0;
		t0 = pb_bench_now_ms();
		tui_ui_rebuild(&ui);
		t_build[r] = pb_bench_now_ms() - t0;
		/* A full repaint: new layout, every cell drawn, the whole screen sent. */
		t0 = pb_bench_now_ms();
		ui.dirty_layout = true;
		clearok(curscr, TRUE);
		tui_draw(&ui);
		t_draw[r] = pb_bench_now_ms() - t0;
		t0 = pb_bench_now_ms();
		tui_search_set(&ui.flame, &ui.store.names, patterns[r % 4], err, sizeof(err));
		volatile double m = tui_search_matched(&ui.flame, 0);
		(void)m;
		t_search[r] = pb_bench_now_ms() - t0;
		t0 = pb_bench_now_ms();
		clearok(curscr, TRUE);
		tui_draw(&ui); /* the status line computes the share again, as the screen does */
		t_search_draw[r] = pb_bench_now_ms() - t0;
		tui_search_clear(&ui.flame);
		t0 = pb_bench_now_ms();
		tui_tables_functions(&ui.tables, &ui.flame, ui.store.names.n);
		tui_tables_sort(&ui.tables, &ui.store.names, TUI_SORT_SELF);
		tui_tables_processes(&ui.tables, &ui.store);
		t_tables[r] = pb_bench_now_ms() - t0;
	}
	endwin();
	delscreen(scr);
	printf("profile: %zu stacks, %u distinct names, %u tree nodes, 160x48 screen, %d runs\n",
	       pb_profile__stack_count(p), ui.store.names.n, ui.flame.n, RUNS);
	printf("median ms: ingest window %.2f\n", pb_bench_median(t_add, RUNS));
	printf("median ms: rebuild tree %.2f\n", pb_bench_median(t_build, RUNS));
	printf("median ms: redraw %.2f (target <= 30)\n", pb_bench_median(t_draw, RUNS));
	printf("median ms: apply search %.2f (target <= 30)\n", pb_bench_median(t_search, RUNS));
	printf("median ms: redraw with search %.2f\n", pb_bench_median(t_search_draw, RUNS));
	printf("median ms: top functions + processes %.2f\n", pb_bench_median(t_tables, RUNS));
	tui_ui_free(&ui);
	pb_profile__free(p);
	fclose(out);
	fclose(in);
	return 0;
}
