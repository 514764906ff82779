/* SPDX-License-Identifier: MIT */
/* The TUI's thread, its state, and the hand-over of windows from the core's thread. */
#ifndef PB_TUI_UI_H
#define PB_TUI_UI_H

#include <pthread.h>

#include <profile-bee/plugin.h>

#include "model.h"

enum tui_view { TUI_VIEW_FLAME, TUI_VIEW_TOP, TUI_VIEW_PROCS, TUI_VIEW_OUTPUT, TUI_VIEW_COUNT };
enum tui_mode { TUI_MODE_ACCUMULATE, TUI_MODE_RESET, TUI_MODE_DECAY, TUI_MODE_COUNT };

/*
 * Shared between the core's thread (write/wait/close) and the UI thread; every field below
 * `lock` is read and written only under it.
 */
struct tui_output {
	const struct pb_host *host;
	bool live;
	double decay;
	enum tui_mode mode;
	char count_name[32]; /* "samples", "us" */
	int cmd_fd;
	int wake[2]; /* a byte in wake[1] makes the UI thread look at the shared fields */
	pthread_t thread;
	bool started;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct pb_profile *pending; /* windows not yet taken by the UI, merged */
	uint32_t n_pending;
	bool got_last;	/* the core sent PB_WRITE_LAST: sampling is over */
	bool closing;	/* close() wants the UI gone */
	bool ui_done;	/* the UI thread has left and restored the terminal */
	bool init_done; /* the UI thread has tried to set the terminal up */
	int init_err;
	char init_msg[256];
};

void *tui_ui_thread(void *arg);

/* cmdout.c: the last lines a profiled command wrote, read from its pipe. */
struct tui_lines {
	char **lines; /* ring of cap lines; the oldest is at head */
	uint32_t cap, n, head;
	char partial[512];
	size_t n_partial;
	int in_escape; /* 1 after ESC, 2 inside a CSI sequence */
	bool eof;
};
/* Reads what fd has without blocking; returns 1 when something was read, 0, or -errno. */
int tui_lines_read(struct tui_lines *l, int fd);
int tui_lines_push(struct tui_lines *l, const char *s, size_t len);
const char *tui_lines_get(const struct tui_lines *l, uint32_t i); /* 0 is the oldest */
void tui_lines_free(struct tui_lines *l);

#define TUI_MAX_PATH 512

/* Everything the UI thread shows; owned by that thread alone. */
struct tui_ui {
	struct tui_output *out;
	struct tui_store store;
	struct tui_flame flame;
	struct tui_tables tables;
	struct tui_filter filter;
	struct tui_lines cmd_lines;
	struct tui_lines log_lines; /* what was written to stderr while the viewer was up */
	struct pb_profile *spare; /* an empty profile swapped with out->pending */

	enum tui_view view;
	enum tui_mode mode;
	bool live, frozen, sampling, has_command;
	uint64_t windows;

	uint32_t sel, zoom; /* nodes of flame; kept across rebuilds as name paths */
	uint32_t sel_path[TUI_MAX_PATH], n_sel_path;
	uint32_t zoom_path[TUI_MAX_PATH], n_zoom_path;
	int flame_scroll;

	enum tui_sort sort;
	int top_sel, top_scroll;
	int proc_sel, proc_scroll;
	int out_scroll; /* lines from the bottom; 0 follows new output */

	bool prompt;
	char input[200];
	size_t n_input;
	char message[256];

	bool dirty_tree, dirty_tables, dirty_layout, dirty_screen;
	bool quit;
};

/* ui.c */
void tui_ui_rebuild(struct tui_ui *ui);
void tui_ui_quit(struct tui_ui *ui);
void tui_ui_select(struct tui_ui *ui, uint32_t node);
void tui_ui_zoom(struct tui_ui *ui, uint32_t node);
/* Lays the flame graph out for the current width, making sure the selection is visible. */
void tui_ui_layout(struct tui_ui *ui, int width);
void tui_ui_init(struct tui_ui *ui, struct tui_output *out);
void tui_ui_free(struct tui_ui *ui);
int tui_ui_take(struct tui_ui *ui, struct pb_profile *window, uint32_t n_windows);

/* draw.c: everything that puts characters on the screen. */
void tui_draw_colors(void);
void tui_draw(struct tui_ui *ui);

/* keys.c */
void tui_keys_handle(struct tui_ui *ui, int key);

/* logcap.c: stderr into a pipe while the viewer is up; its lines are printed at the end. */
int tui_logcap_start(void);
int tui_logcap_fd(void);
void tui_logcap_restore_fd(void);
void tui_logcap_stop(struct tui_lines *log);

/* term.c: taking the terminal and giving it back on every way out. */
int tui_term_check(char *msg, size_t len);
int tui_term_open(char *msg, size_t len);
void tui_term_close(void);

#endif
