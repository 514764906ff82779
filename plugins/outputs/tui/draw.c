// SPDX-License-Identifier: MIT
/* Drawing: the header with the views, the flame graph's bars, and the two status lines. */
#include <stdio.h>
#include <string.h>

#include "draw.h"

static const char *const view_names[TUI_VIEW_COUNT] = { "Flame graph", "Top functions",
							"Processes", "Output" };
static const char *const mode_names[TUI_MODE_COUNT] = { "accumulate", "reset", "decay" };

void tui_draw_colors(void)
{
	/* The hot palette of flamegraph.pl (reds to yellows); kernel frames in blues. */
	static const short hot256[N_HOT] = { 196, 202, 208, 214, 220, 166, 172, 178 };
	static const short kernel256[N_KERNEL] = { 39, 45, 75, 81 };
	static const short hot8[N_HOT] = { COLOR_RED, COLOR_YELLOW, COLOR_RED, COLOR_YELLOW,
					   COLOR_RED, COLOR_YELLOW, COLOR_RED, COLOR_YELLOW };
	static const short kernel8[N_KERNEL] = { COLOR_CYAN, COLOR_BLUE, COLOR_CYAN, COLOR_BLUE };
	bool rich;

	if (!has_colors() || start_color() == ERR)
		return;
	use_default_colors();
	rich = COLORS >= 256;
	for (int i = 0; i < N_HOT; i++)
		init_pair(PAIR_HOT + i, COLOR_BLACK, rich ? hot256[i] : hot8[i]);
	for (int i = 0; i < N_KERNEL; i++)
		init_pair(PAIR_KERNEL + i, rich ? COLOR_BLACK : COLOR_WHITE,
			  rich ? kernel256[i] : kernel8[i]);
	init_pair(PAIR_MATCH, COLOR_WHITE, rich ? 201 : COLOR_MAGENTA);
	init_pair(PAIR_BAR, COLOR_BLACK, COLOR_WHITE);
	init_pair(PAIR_TAB, COLOR_WHITE, COLOR_BLUE);
	init_pair(PAIR_ERROR, COLOR_WHITE, COLOR_RED);
}

void tui_put(int y, int x, int width, const char *s, bool pad)
{
	int n = 0;

	if (width <= 0 || y < 0 || y >= LINES)
		return;
	move(y, x);
	for (; s[n] && n < width; n++)
		addch((unsigned char)s[n] >= 0x20 ? (unsigned char)s[n] : '?');
	for (; pad && n < width; n++)
		addch(' ');
}

void tui_clamp_list(int *sel, int *scroll, int n, int rows)
{
	if (*sel >= n)
		*sel = n - 1;
	if (*sel < 0)
		*sel = 0;
	if (*scroll > *sel)
		*scroll = *sel;
	if (rows > 0 && *sel >= *scroll + rows)
		*scroll = *sel - rows + 1;
	if (*scroll < 0)
		*scroll = 0;
}

static void draw_header(struct tui_ui *ui)
{
	char state[96];
	int x;

	attrset(COLOR_PAIR(PAIR_BAR));
	tui_put(0, 0, COLS, " profile-bee ", true);
	x = 13;
	for (int v = 0; v < TUI_VIEW_COUNT; v++) {
		int len = strlen(view_names[v]) + 2;
		char tab[32];

		if (v == TUI_VIEW_OUTPUT && !ui->has_command)
			continue;
		snprintf(tab, sizeof(tab), " %s ", view_names[v]);
		attrset(v == (int)ui->view ? COLOR_PAIR(PAIR_TAB) | A_BOLD : COLOR_PAIR(PAIR_BAR));
		tui_put(0, x, COLS - x, tab, false);
		x += len + 1;
	}
	if (ui->live)
		snprintf(state, sizeof(state), "%s | %s%s ", ui->frozen ? "FROZEN" : "LIVE",
			 mode_names[ui->mode], ui->sampling ? "" : " | done");
	else
		snprintf(state, sizeof(state), "%s ", ui->sampling ? "SAMPLING" : "DONE");
	x = COLS - (int)strlen(state);
	attrset(COLOR_PAIR(PAIR_BAR) | A_BOLD);
	if (x > 0)
		tui_put(0, x, COLS - x, state, false);
	attrset(A_NORMAL);
}

static short frame_pair(const struct tui_ui *ui, uint32_t name)
{
	if (name == TUI_NO_NAME)
		return PAIR_HOT;
	if (ui->store.names.kernel[name])
		return PAIR_KERNEL + tui_mix(name) % N_KERNEL;
	return PAIR_HOT + tui_mix(name) % N_HOT;
}

static void draw_flame(struct tui_ui *ui)
{
	struct tui_flame *f = &ui->flame;
	int rows = tui_content_rows();
	uint32_t sel_row = 0;

	tui_ui_layout(ui, COLS);
	if (tui_flame_cell_of(f, ui->sel, &sel_row) < 0)
		sel_row = 0;
	if ((int)sel_row < ui->flame_scroll)
		ui->flame_scroll = sel_row;
	if ((int)sel_row >= ui->flame_scroll + rows)
		ui->flame_scroll = sel_row - rows + 1;
	if (f->nodes[0].total <= 0) {
		tui_put(TUI_TOP_ROW + rows / 2, 2, COLS - 4,
			ui->sampling ? "Waiting for samples..." : "No samples in this profile.", false);
		return;
	}
	for (int r = 0; r < rows && ui->flame_scroll + r < (int)f->n_rows; r++) {
		uint32_t row = ui->flame_scroll + r;

		for (uint32_t i = f->row_start[row]; i < f->row_start[row + 1]; i++) {
			const struct tui_cell *c = &f->cells[i];
			const struct tui_node *nd = &f->nodes[c->node];
			int width = c->col1 - c->col0;
			attr_t attr = COLOR_PAIR(tui_search_hit(f, c->node) ? PAIR_MATCH :
							frame_pair(ui, nd->name));

			if (c->node == ui->sel)
				attr |= A_REVERSE | A_BOLD;
			attrset(attr);
			/* The last column stays blank so neighbouring bars read as separate. */
			tui_put(TUI_TOP_ROW + r, c->col0, width > 1 ? width - 1 : 0,
				tui_names_get(&ui->store.names, nd->name), true);
			tui_put(TUI_TOP_ROW + r, c->col1 - 1, 1, " ", true);
		}
	}
	attrset(A_NORMAL);
}

static void draw_flame_info(struct tui_ui *ui, int y)
{
	const struct tui_node *nd = &ui->flame.nodes[ui->sel];
	double all = ui->flame.nodes[0].total;
	char line[512], where[128] = "";

	if (ui->filter.on && ui->filter.pid)
		snprintf(where, sizeof(where), "  [process %u %s]", ui->filter.pid,
			 tui_names_get(&ui->store.names, ui->filter.comm));
	else if (ui->filter.on)
		snprintf(where, sizeof(where), "  [process %s]",
			 tui_names_get(&ui->store.names, ui->filter.comm));
	if (ui->zoom)
		snprintf(where + strlen(where), sizeof(where) - strlen(where), "  [zoomed: %s]",
			 tui_names_get(&ui->store.names, ui->flame.nodes[ui->zoom].name));
	snprintf(line, sizeof(line), " %s: %.0f %s (%.2f%%), self %.0f%s",
		 tui_names_get(&ui->store.names, nd->name), nd->total, ui->out->count_name,
		 all > 0 ? 100.0 * nd->total / all : 0.0, nd->self, where);
	tui_put(y, 0, COLS, line, true);
}

static void draw_status(struct tui_ui *ui, int y)
{
	const char *hints = ui->view == TUI_VIEW_FLAME ?
				    "hjkl:move Enter:zoom Esc:reset /:search #:highlight Tab:view q:quit" :
				    "jk:move Enter:select s:sort Tab:view q:quit";
	char line[512];
	int len, hint_x;

	attrset(COLOR_PAIR(PAIR_BAR));
	if (ui->prompt) {
		snprintf(line, sizeof(line), "Search (regex): /%s_", ui->input);
		tui_put(y, 0, COLS, line, true);
		attrset(A_NORMAL);
		return;
	}
	len = snprintf(line, sizeof(line), " Total: %.0f %s", ui->flame.nodes[0].total,
		       ui->out->count_name);
	if (ui->filter.on)
		len += snprintf(line + len, sizeof(line) - len, " (of %.0f)", ui->store.total);
	if (ui->flame.searching) {
		uint32_t zoom = ui->zoom;
		double in = ui->flame.nodes[zoom].total;

		snprintf(line + len, sizeof(line) - len, " | Search: /%s/ Matched: %.2f%%",
			 ui->flame.pattern, in > 0 ? 100.0 * tui_search_matched(&ui->flame, zoom) / in : 0);
	}
	tui_put(y, 0, COLS, line, true);
	len = strlen(line);
	if (ui->message[0]) {
		attrset(COLOR_PAIR(PAIR_ERROR));
		tui_put(y, len + 1, COLS - len - 1, ui->message, false);
		len += strlen(ui->message) + 1;
	}
	hint_x = COLS - (int)strlen(hints) - 1;
	if (hint_x > len + 1) {
		attrset(COLOR_PAIR(PAIR_BAR));
		tui_put(y, hint_x, COLS - hint_x, hints, false);
	}
	attrset(A_NORMAL);
}

void tui_draw(struct tui_ui *ui)
{
	erase();
	if (LINES < 5 || COLS < 30) {
		tui_put(0, 0, COLS, "terminal too small", false);
	} else {
		draw_header(ui);
		if (ui->view == TUI_VIEW_FLAME)
			draw_flame(ui);
		else if (ui->view == TUI_VIEW_TOP)
			tui_draw_top(ui);
		else if (ui->view == TUI_VIEW_PROCS)
			tui_draw_procs(ui);
		else
			tui_draw_output(ui);
		if (ui->view == TUI_VIEW_FLAME)
			draw_flame_info(ui, LINES - 2);
		else if (ui->view == TUI_VIEW_TOP)
			tui_draw_top_info(ui, LINES - 2);
		else if (ui->view == TUI_VIEW_PROCS)
			tui_draw_procs_info(ui, LINES - 2);
		draw_status(ui, LINES - 1);
	}
	refresh();
	ui->dirty_screen = false;
}
