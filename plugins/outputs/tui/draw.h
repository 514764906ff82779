/* SPDX-License-Identifier: MIT */
/* Colour pairs and helpers shared by the files that draw the views. */
#ifndef PB_TUI_DRAW_H
#define PB_TUI_DRAW_H

#include <curses.h>

#include "ui.h"

enum {
	PAIR_HOT = 1, /* PAIR_HOT .. PAIR_HOT + N_HOT - 1: user frames */
	N_HOT = 8,
	PAIR_KERNEL = PAIR_HOT + N_HOT,
	N_KERNEL = 4,
	PAIR_MATCH = PAIR_KERNEL + N_KERNEL,
	PAIR_BAR,   /* header and status lines */
	PAIR_TAB,   /* the current view's name */
	PAIR_ERROR, /* messages */
};

/* The first content row and how many there are, between the header and the two status lines. */
#define TUI_TOP_ROW 1
static inline int tui_content_rows(void)
{
	return LINES - 3 > 0 ? LINES - 3 : 0;
}

/* Prints at (y, x) at most width columns of s, padding with spaces to width when pad. */
void tui_put(int y, int x, int width, const char *s, bool pad);
/* Keeps *sel in [0, n) and *scroll so that *sel is on screen with rows rows. */
void tui_clamp_list(int *sel, int *scroll, int n, int rows);

/* draw_tables.c */
void tui_draw_top(struct tui_ui *ui);
void tui_draw_procs(struct tui_ui *ui);
void tui_draw_output(struct tui_ui *ui);
/* The info line of the list views. */
void tui_draw_top_info(struct tui_ui *ui, int y);
void tui_draw_procs_info(struct tui_ui *ui, int y);

#endif
