// SPDX-License-Identifier: MIT
/* The UI thread: takes windows from the core, keeps the models current, reads keys, redraws. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>

#include "ui.h"

/* Short enough that a resize (seen by ncurses on the next getch) redraws promptly. */
#define TICK_MS 100

void tui_ui_init(struct tui_ui *ui, struct tui_output *out)
{
	memset(ui, 0, sizeof(*ui));
	ui->out = out;
	ui->live = out && out->live;
	ui->mode = out ? out->mode : TUI_MODE_ACCUMULATE;
	ui->has_command = out && out->cmd_fd >= 0;
	ui->sampling = out != NULL;
	ui->dirty_tree = true;
	ui->dirty_screen = true;
}

void tui_ui_free(struct tui_ui *ui)
{
	tui_store_free(&ui->store);
	tui_flame_free(&ui->flame);
	tui_tables_free(&ui->tables);
	tui_lines_free(&ui->cmd_lines);
	tui_lines_free(&ui->log_lines);
	pb_profile__free(ui->spare);
	ui->spare = NULL;
}

/* Folds n_windows windows (merged into one profile) into the store as the update mode says. */
int tui_ui_take(struct tui_ui *ui, struct pb_profile *window, uint32_t n_windows)
{
	int err = 0;

	if (ui->live && ui->mode == TUI_MODE_RESET)
		tui_store_clear(&ui->store);
	else if (ui->live && ui->mode == TUI_MODE_DECAY && ui->out)
		err = tui_store_scale(&ui->store, pow(ui->out->decay, n_windows));
	if (!err)
		err = tui_store_add(&ui->store, window);
	ui->windows += n_windows;
	ui->dirty_tree = true;
	return err;
}

void tui_ui_select(struct tui_ui *ui, uint32_t node)
{
	if (node >= ui->flame.n)
		return;
	ui->sel = node;
	ui->n_sel_path = tui_flame_path(&ui->flame, node, ui->sel_path, TUI_MAX_PATH);
	ui->dirty_screen = true;
}

void tui_ui_zoom(struct tui_ui *ui, uint32_t node)
{
	if (node >= ui->flame.n)
		return;
	ui->zoom = node;
	ui->n_zoom_path = tui_flame_path(&ui->flame, node, ui->zoom_path, TUI_MAX_PATH);
	ui->dirty_layout = true;
	tui_ui_select(ui, node);
}

/* Nodes are rebuilt from scratch; zoom and selection survive as paths of names. */
void tui_ui_rebuild(struct tui_ui *ui)
{
	int err = tui_flame_build(&ui->flame, &ui->store, &ui->filter);

	if (!err)
		err = tui_search_refresh(&ui->flame, &ui->store.names);
	if (err) {
		snprintf(ui->message, sizeof(ui->message), "out of memory: the view may be partial");
		ui->flame.n = 1; /* the root exists whatever happened */
	}
	ui->zoom = tui_flame_find(&ui->flame, ui->zoom_path, ui->n_zoom_path);
	ui->sel = tui_flame_find(&ui->flame, ui->sel_path, ui->n_sel_path);
	ui->dirty_tree = false;
	ui->dirty_layout = ui->dirty_tables = ui->dirty_screen = true;
}

void tui_ui_layout(struct tui_ui *ui, int width)
{
	struct tui_flame *f = &ui->flame;
	uint32_t node = ui->sel;

	if (!ui->dirty_layout && f->layout_width == width && f->layout_zoom == ui->zoom)
		return;
	if (tui_flame_layout(f, ui->zoom, width))
		snprintf(ui->message, sizeof(ui->message), "out of memory: cannot lay the graph out");
	ui->dirty_layout = false;
	/* A selection that became too narrow to draw moves up to its widest visible caller. */
	while (node != TUI_NO_NODE && tui_flame_cell_of(f, node, NULL) < 0)
		node = f->nodes[node].parent;
	ui->sel = node == TUI_NO_NODE ? ui->zoom : node;
}

void tui_ui_quit(struct tui_ui *ui)
{
	const struct pb_host *host = ui->out ? ui->out->host : NULL;

	/* While sampling, leaving the viewer ends the profile, as Ctrl-C would without it. */
	if (ui->sampling && host && host->request_stop)
		host->request_stop(host->session);
	ui->quit = true;
}

/* Looks at what the core handed over; windows wait in out->pending while frozen. */
static void step(struct tui_ui *ui)
{
	struct tui_output *o = ui->out;
	struct pb_profile *window = NULL;
	uint32_t n = 0;
	bool was_sampling = ui->sampling, asked_to_stop = false;

	/* The core may make the command's pipe only once the session starts, after open. */
	if (o->cmd_fd < 0 && o->host && o->host->sz > offsetof(struct pb_host, command_output_fd) &&
	    o->host->command_output_fd) {
		o->cmd_fd = o->host->command_output_fd(o->host->session);
		if (o->cmd_fd >= 0) {
			fcntl(o->cmd_fd, F_SETFL, fcntl(o->cmd_fd, F_GETFL) | O_NONBLOCK);
			ui->has_command = true;
			ui->dirty_screen = true;
		}
	}
	pthread_mutex_lock(&o->lock);
	if (o->closing)
		ui->quit = true;
	if (o->n_pending && (!ui->frozen || !ui->live)) {
		window = o->pending;
		o->pending = ui->spare;
		n = o->n_pending;
		o->n_pending = 0;
	}
	ui->sampling = !o->got_last;
	pthread_mutex_unlock(&o->lock);
	if (window) {
		if (tui_ui_take(ui, window, n))
			snprintf(ui->message, sizeof(ui->message), "out of memory: windows dropped");
		pb_profile__clear(window);
		ui->spare = window;
	}
	if (was_sampling && !ui->sampling) {
		ui->dirty_screen = true;
		/* A stop nobody asked for here came from a signal: the process is to end. */
		if (o->host && o->host->stop_requested)
			asked_to_stop = o->host->stop_requested(o->host->session);
		if (asked_to_stop && ui->live)
			ui->quit = true;
	}
}

static void loop(struct tui_ui *ui)
{
	struct tui_output *o = ui->out;
	char drain[64];
	int ch;

	while (!ui->quit) {
		struct pollfd fds[4] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = o->wake[0], .events = POLLIN },
			{ .fd = tui_logcap_fd(), .events = POLLIN },
			{ .fd = o->cmd_fd, .events = POLLIN },
		};
		nfds_t n_fds = o->cmd_fd >= 0 && !ui->cmd_lines.eof ? 4 : 3;
		uint32_t n_log = ui->log_lines.n;

		if (poll(fds, n_fds, TICK_MS) > 0 && (fds[1].revents & POLLIN))
			while (read(o->wake[0], drain, sizeof(drain)) > 0)
				;
		step(ui);
		if (n_fds == 4 && fds[3].revents && tui_lines_read(&ui->cmd_lines, o->cmd_fd) &&
		    ui->view == TUI_VIEW_OUTPUT)
			ui->dirty_screen = true;
		if (fds[2].fd >= 0 && fds[2].revents)
			tui_lines_read(&ui->log_lines, fds[2].fd);
		if (ui->log_lines.n != n_log || (ui->log_lines.n == ui->log_lines.cap && fds[2].revents)) {
			snprintf(ui->message, sizeof(ui->message), "%s",
				 tui_lines_get(&ui->log_lines, ui->log_lines.n - 1));
			ui->dirty_screen = true;
		}
		while (!ui->quit && (ch = getch()) != ERR)
			tui_keys_handle(ui, ch);
		if (ui->quit)
			break;
		if (ui->dirty_tree)
			tui_ui_rebuild(ui);
		if (ui->dirty_screen || ui->dirty_layout)
			tui_draw(ui);
	}
}

void *tui_ui_thread(void *arg)
{
	struct tui_output *o = arg;
	struct tui_ui ui;
	char msg[256] = "";
	int err;

	tui_ui_init(&ui, o);
	err = pb_profile__new(&ui.spare);
	if (!err)
		err = tui_term_open(msg, sizeof(msg));
	pthread_mutex_lock(&o->lock);
	o->init_done = true;
	o->init_err = err;
	snprintf(o->init_msg, sizeof(o->init_msg), "%s", msg);
	pthread_cond_broadcast(&o->cond);
	pthread_mutex_unlock(&o->lock);
	if (!err) {
		/* Not fatal: without it messages may scribble on the screen until the next redraw. */
		tui_logcap_start();
		loop(&ui);
		tui_term_close();
		tui_logcap_stop(&ui.log_lines);
	}
	tui_ui_free(&ui);
	pthread_mutex_lock(&o->lock);
	o->ui_done = true;
	pthread_cond_broadcast(&o->cond);
	pthread_mutex_unlock(&o->lock);
	return NULL;
}
