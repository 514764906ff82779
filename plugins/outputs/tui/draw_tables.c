// SPDX-License-Identifier: MIT
/* Drawing the list views: top functions, processes, and the profiled command's output. */
#include <stdio.h>
#include <string.h>

#include "draw.h"

static const char *const sort_names[TUI_SORT_COUNT] = { "self", "total", "name" };

/* The tables follow the tree; recomputed only when a window or filter changed it. */
static void ensure_tables(struct tui_ui *ui)
{
	if (!ui->dirty_tables)
		return;
	if (tui_tables_functions(&ui->tables, &ui->flame, ui->store.names.n) ||
	    tui_tables_processes(&ui->tables, &ui->store))
		snprintf(ui->message, sizeof(ui->message), "out of memory: tables are partial");
	tui_tables_sort(&ui->tables, &ui->store.names, ui->sort);
	ui->dirty_tables = false;
}

static double pct(double part, double whole)
{
	return whole > 0 ? 100.0 * part / whole : 0;
}

void tui_draw_top(struct tui_ui *ui)
{
	int rows = tui_content_rows() - 1;
	double all = ui->flame.nodes[0].total;
	char line[512];

	ensure_tables(ui);
	tui_clamp_list(&ui->top_sel, &ui->top_scroll, ui->tables.n_funcs, rows);
	snprintf(line, sizeof(line), "%8s %10s %8s %10s  %s   (sorted by %s; s: change)", "Self%",
		 "Self", "Total%", "Total", "Function", sort_names[ui->sort]);
	attrset(A_BOLD | A_UNDERLINE);
	tui_put(TUI_TOP_ROW, 0, COLS, line, true);
	for (int r = 0; r < rows && ui->top_scroll + r < (int)ui->tables.n_funcs; r++) {
		int i = ui->top_scroll + r;
		const struct tui_func *fn = &ui->tables.funcs[i];

		snprintf(line, sizeof(line), "%7.2f%% %10.0f %7.2f%% %10.0f  %s",
			 pct(fn->self, all), fn->self, pct(fn->total, all), fn->total,
			 tui_names_get(&ui->store.names, fn->name));
		attrset(i == ui->top_sel ? A_REVERSE : A_NORMAL);
		tui_put(TUI_TOP_ROW + 1 + r, 0, COLS, line, true);
	}
	attrset(A_NORMAL);
}

void tui_draw_top_info(struct tui_ui *ui, int y)
{
	char line[512];

	if (!ui->tables.n_funcs) {
		tui_put(y, 0, COLS, " no functions", true);
		return;
	}
	snprintf(line, sizeof(line), " %s  (Enter: highlight it in the flame graph)",
		 tui_names_get(&ui->store.names, ui->tables.funcs[ui->top_sel].name));
	tui_put(y, 0, COLS, line, true);
}

void tui_draw_procs(struct tui_ui *ui)
{
	int rows = tui_content_rows() - 1, bar_width;
	double all = ui->store.total;
	char line[512], bar[64];

	ensure_tables(ui);
	tui_clamp_list(&ui->proc_sel, &ui->proc_scroll, ui->tables.n_procs, rows);
	snprintf(line, sizeof(line), "%8s  %-16s %10s %8s  %s", "PID", "Command", "Samples", "Share",
		 "");
	attrset(A_BOLD | A_UNDERLINE);
	tui_put(TUI_TOP_ROW, 0, COLS, line, true);
	bar_width = COLS - 58 < (int)sizeof(bar) - 1 ? COLS - 58 : (int)sizeof(bar) - 1;
	for (int r = 0; r < rows && ui->proc_scroll + r < (int)ui->tables.n_procs; r++) {
		int i = ui->proc_scroll + r, fill;
		const struct tui_proc *p = &ui->tables.procs[i];
		char pid[16] = "-";

		if (p->pid)
			snprintf(pid, sizeof(pid), "%u", p->pid);
		fill = bar_width > 0 ? (int)(bar_width * pct(p->count, all) / 100 + 0.5) : 0;
		memset(bar, '#', fill > 0 ? fill : 0);
		bar[fill > 0 ? fill : 0] = '\0';
		snprintf(line, sizeof(line), "%8s  %-16.16s %10.0f %7.2f%%  %s", pid,
			 tui_names_get(&ui->store.names, p->comm), p->count, pct(p->count, all), bar);
		attrset(i == ui->proc_sel ? A_REVERSE : A_NORMAL);
		tui_put(TUI_TOP_ROW + 1 + r, 0, COLS, line, true);
	}
	attrset(A_NORMAL);
}

void tui_draw_procs_info(struct tui_ui *ui, int y)
{
	tui_put(y, 0, COLS,
		ui->tables.n_procs ? " Enter: the flame graph of this process only (Esc: all again)" :
				     " no processes",
		true);
}

void tui_draw_output(struct tui_ui *ui)
{
	const struct tui_lines *l = &ui->cmd_lines;
	int rows = tui_content_rows(), first;

	if (!l->n) {
		tui_put(TUI_TOP_ROW + 1, 2, COLS - 4,
			ui->has_command ? "(the command has written nothing yet)" :
					  "(no command: run one with --cmd or after --)",
			false);
		return;
	}
	if (ui->out_scroll > (int)l->n - rows)
		ui->out_scroll = (int)l->n - rows > 0 ? (int)l->n - rows : 0;
	/* Bottom-aligned like a terminal; out_scroll counts lines back from the newest. */
	first = (int)l->n - rows - ui->out_scroll;
	if (first < 0)
		first = 0;
	for (int r = 0; r < rows && first + r < (int)l->n; r++)
		tui_put(TUI_TOP_ROW + r, 0, COLS, tui_lines_get(l, first + r), false);
	tui_put(LINES - 2, 0, COLS, l->eof ? " command output (ended)" : " command output", true);
}
