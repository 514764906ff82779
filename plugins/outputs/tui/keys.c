// SPDX-License-Identifier: MIT
/* Keys: what each one does in each view, and the search prompt's line editing. */
#include <stdio.h>
#include <string.h>

#include <curses.h>

#include "ui.h"

#define CTRL_C 3
#define ESC 27

static void flash_message(struct tui_ui *ui, const char *msg)
{
	snprintf(ui->message, sizeof(ui->message), "%s", msg);
	ui->dirty_screen = true;
}

/* Search results change what is drawn; the cursor goes to the first match it can show. */
static int search(struct tui_ui *ui, const char *pattern, bool select)
{
	char err[160];
	uint32_t hit;

	if (!*pattern) {
		tui_search_clear(&ui->flame);
		ui->dirty_screen = true;
		return 0;
	}
	if (tui_search_set(&ui->flame, &ui->store.names, pattern, err, sizeof(err))) {
		if (select) {
			char msg[256];

			snprintf(msg, sizeof(msg), "bad regex: %s", err);
			flash_message(ui, msg);
		}
		return -1;
	}
	ui->dirty_screen = true;
	if (select) {
		tui_ui_layout(ui, COLS);
		hit = tui_search_next(&ui->flame, ui->sel, 1);
		if (hit != TUI_NO_NODE && !tui_search_hit(&ui->flame, ui->sel))
			tui_ui_select(ui, hit);
	}
	return 0;
}

static void prompt_key(struct tui_ui *ui, int key)
{
	if (key == ESC || key == CTRL_C) {
		ui->prompt = false;
	} else if (key == '\n' || key == '\r' || key == KEY_ENTER) {
		ui->prompt = false;
		search(ui, ui->input, true);
	} else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		if (ui->n_input)
			ui->input[--ui->n_input] = '\0';
		search(ui, ui->input, false);
	} else if (key >= 0x20 && key < 0x7f && ui->n_input + 1 < sizeof(ui->input)) {
		ui->input[ui->n_input++] = key;
		ui->input[ui->n_input] = '\0';
		search(ui, ui->input, false);
	}
	ui->dirty_screen = true;
}

static uint32_t neighbour(const struct tui_flame *f, uint32_t node, int dir)
{
	uint32_t row;
	int64_t at = tui_flame_cell_of(f, node, &row);

	if (at < 0)
		return node;
	at += dir;
	if (at < f->row_start[row] || at >= f->row_start[row + 1])
		return node;
	return f->cells[at].node;
}

/* Down goes to the widest callee that is drawn, the one a reader's eye follows. */
static uint32_t widest_child(const struct tui_flame *f, uint32_t node)
{
	const struct tui_node *nd = &f->nodes[node];
	uint32_t best = node;

	for (uint32_t c = 0; c < nd->n_children; c++) {
		uint32_t ch = f->children[nd->first_child + c];

		if (tui_flame_cell_of(f, ch, NULL) >= 0 &&
		    (best == node || f->nodes[ch].total > f->nodes[best].total))
			best = ch;
	}
	return best;
}

static void reset_view(struct tui_ui *ui)
{
	if (ui->zoom || ui->filter.on) {
		bool filtered = ui->filter.on;

		ui->filter.on = false;
		ui->n_zoom_path = 0;
		ui->zoom = 0;
		ui->dirty_layout = true;
		if (filtered)
			tui_ui_rebuild(ui);
	} else if (ui->flame.searching) {
		tui_search_clear(&ui->flame);
		ui->input[0] = '\0';
		ui->n_input = 0;
	}
	ui->dirty_screen = true;
}

static void highlight(struct tui_ui *ui, uint32_t name)
{
	char pattern[sizeof(ui->input)];

	tui_search_literal(tui_names_get(&ui->store.names, name), pattern, sizeof(pattern));
	snprintf(ui->input, sizeof(ui->input), "%s", pattern);
	ui->n_input = strlen(ui->input);
	search(ui, pattern, true);
}

static void flame_key(struct tui_ui *ui, int key)
{
	struct tui_flame *f = &ui->flame;
	uint32_t hit;

	tui_ui_layout(ui, COLS);
	switch (key) {
	case 'h':
	case KEY_LEFT:
		tui_ui_select(ui, neighbour(f, ui->sel, -1));
		break;
	case 'l':
	case KEY_RIGHT:
		tui_ui_select(ui, neighbour(f, ui->sel, 1));
		break;
	case 'j':
	case KEY_DOWN:
		tui_ui_select(ui, widest_child(f, ui->sel));
		break;
	case 'k':
	case KEY_UP:
		if (f->nodes[ui->sel].parent != TUI_NO_NODE)
			tui_ui_select(ui, f->nodes[ui->sel].parent);
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		tui_ui_zoom(ui, ui->sel);
		break;
	case ESC:
		reset_view(ui);
		break;
	case 'n':
	case 'N':
		hit = tui_search_next(f, ui->sel, key == 'n' ? 1 : -1);
		if (hit != TUI_NO_NODE)
			tui_ui_select(ui, hit);
		else
			flash_message(ui, f->searching ? "no match on screen" : "no search: press /");
		break;
	case '#':
		if (ui->sel)
			highlight(ui, f->nodes[ui->sel].name);
		break;
	}
}

static void list_key(int key, int *sel, int page)
{
	if (key == 'j' || key == KEY_DOWN)
		(*sel)++;
	else if (key == 'k' || key == KEY_UP)
		(*sel)--;
	else if (key == KEY_NPAGE || key == ' ')
		*sel += page;
	else if (key == KEY_PPAGE)
		*sel -= page;
	else if (key == 'g' || key == KEY_HOME)
		*sel = 0;
	else if (key == 'G' || key == KEY_END)
		*sel = 1 << 30; /* clamped when drawn */
}

static void top_key(struct tui_ui *ui, int key)
{
	if (key == 's') {
		ui->sort = (ui->sort + 1) % TUI_SORT_COUNT;
		tui_tables_sort(&ui->tables, &ui->store.names, ui->sort);
		ui->top_sel = ui->top_scroll = 0;
	} else if ((key == '\n' || key == '\r' || key == KEY_ENTER) && ui->tables.n_funcs &&
		   ui->top_sel < (int)ui->tables.n_funcs) {
		ui->view = TUI_VIEW_FLAME;
		highlight(ui, ui->tables.funcs[ui->top_sel].name);
	} else {
		list_key(key, &ui->top_sel, LINES - 4);
	}
}

static void procs_key(struct tui_ui *ui, int key)
{
	const struct tui_proc *p;

	if ((key != '\n' && key != '\r' && key != KEY_ENTER) || !ui->tables.n_procs ||
	    ui->proc_sel >= (int)ui->tables.n_procs) {
		list_key(key, &ui->proc_sel, LINES - 4);
		return;
	}
	p = &ui->tables.procs[ui->proc_sel];
	ui->filter = (struct tui_filter){ .on = true, .pid = p->pid, .comm = p->comm };
	ui->zoom_path[0] = ui->sel_path[0] = p->comm;
	ui->n_zoom_path = ui->n_sel_path = 1;
	ui->view = TUI_VIEW_FLAME;
	tui_ui_rebuild(ui);
}

static void output_key(struct tui_ui *ui, int key)
{
	int back = -ui->out_scroll;

	list_key(key, &back, LINES - 4);
	ui->out_scroll = back > 0 ? 0 : -back;
}

static void live_key(struct tui_ui *ui, int key)
{
	if (!ui->live) {
		flash_message(ui, "z and m are for live mode (--stream-mode 1)");
		return;
	}
	if (key == 'z') {
		/* Windows keep arriving while frozen; the next tick after unfreezing takes them. */
		ui->frozen = !ui->frozen;
	} else {
		ui->mode = (ui->mode + 1) % TUI_MODE_COUNT;
	}
	ui->message[0] = '\0';
}

void tui_keys_handle(struct tui_ui *ui, int key)
{
	ui->dirty_screen = true;
	if (ui->prompt) {
		prompt_key(ui, key);
		return;
	}
	ui->message[0] = '\0';
	switch (key) {
	case 'q':
	case CTRL_C:
		tui_ui_quit(ui);
		return;
	case '\t':
	case KEY_BTAB:
		do
			ui->view = (ui->view + (key == '\t' ? 1 : TUI_VIEW_COUNT - 1)) % TUI_VIEW_COUNT;
		while (ui->view == TUI_VIEW_OUTPUT && !ui->has_command);
		return;
	case KEY_RESIZE:
		ui->dirty_layout = true;
		return;
	case 'z':
	case 'm':
		live_key(ui, key);
		return;
	case '/':
		ui->view = TUI_VIEW_FLAME;
		ui->prompt = true;
		ui->input[0] = '\0';
		ui->n_input = 0;
		return;
	}
	if (ui->view == TUI_VIEW_FLAME)
		flame_key(ui, key);
	else if (ui->view == TUI_VIEW_TOP)
		top_key(ui, key);
	else if (ui->view == TUI_VIEW_PROCS)
		procs_key(ui, key);
	else
		output_key(ui, key);
}
