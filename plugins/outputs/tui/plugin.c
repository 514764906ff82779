// SPDX-License-Identifier: MIT
/* The tui output: its descriptor, and the hand-over of windows from the core to the UI thread. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui.h"

static void wake(struct tui_output *o)
{
	ssize_t unused = write(o->wake[1], "", 1); /* a full pipe is already a wake-up */

	(void)unused;
}

/* The settings as bound from the key table below. */
struct tui_settings {
	const char *mode;
	double decay;
	const char *count_name;
};

/* The key's choices, in enum tui_mode's order. */
static enum tui_mode mode_of(const char *name)
{
	static const char *const names[TUI_MODE_COUNT] = { "accumulate", "reset", "decay" };

	for (int m = 0; m < TUI_MODE_COUNT; m++)
		if (name && !strcmp(name, names[m]))
			return m;
	return TUI_MODE_ACCUMULATE; /* not reached: the value was checked against the choices */
}

static void tui_close(void *state)
{
	struct tui_output *o = state;

	if (!o)
		return;
	if (o->started) {
		pthread_mutex_lock(&o->lock);
		o->closing = true;
		pthread_mutex_unlock(&o->lock);
		wake(o);
		pthread_join(o->thread, NULL);
	}
	pthread_mutex_destroy(&o->lock);
	pthread_cond_destroy(&o->cond);
	if (o->wake[0] >= 0)
		close(o->wake[0]);
	if (o->wake[1] >= 0)
		close(o->wake[1]);
	pb_profile__free(o->pending);
	free(o);
}

/* Starts the UI thread and waits until it has the terminal (or could not get it). */
static int start_ui(struct tui_output *o)
{
	int err = pthread_create(&o->thread, NULL, tui_ui_thread, o);

	if (err)
		return -err;
	o->started = true;
	pthread_mutex_lock(&o->lock);
	while (!o->init_done)
		pthread_cond_wait(&o->cond, &o->lock);
	err = o->init_err;
	pthread_mutex_unlock(&o->lock);
	if (err)
		o->host->log(o->host->session, PB_LOG_ERROR, "tui", "%s", o->init_msg);
	return err;
}

static int tui_open(const struct pb_host *host, const struct pb_output_params *params,
		    const struct pb_config *cfg, void **state)
{
	struct tui_settings set;
	struct tui_output *o;
	char msg[256];
	int err = tui_term_check(msg, sizeof(msg));

	if (err) {
		host->log(host->session, PB_LOG_ERROR, "tui", "%s", msg);
		return err;
	}
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->host = host;
	o->cmd_fd = -1;
	o->wake[0] = o->wake[1] = -1;
	o->live = params->live && params->window_ms > 0;
	pb_config__bind(cfg, &set);
	o->mode = mode_of(set.mode);
	o->decay = set.decay;
	snprintf(o->count_name, sizeof(o->count_name), "%s", set.count_name);
	pthread_mutex_init(&o->lock, NULL);
	pthread_cond_init(&o->cond, NULL);
	if (pipe2(o->wake, O_NONBLOCK | O_CLOEXEC)) {
		err = -errno;
	} else if (!(err = pb_profile__new(&o->pending))) {
		err = start_ui(o);
	}
	if (err) {
		tui_close(o);
		return err;
	}
	*state = o;
	return 0;
}

/* Runs on the core's thread: the window is merged for the UI thread to take when it can. */
static int tui_write(void *state, const struct pb_profile *profile, uint32_t flags)
{
	struct tui_output *o = state;
	int err = 0;

	pthread_mutex_lock(&o->lock);
	if (!o->ui_done) {
		err = pb_profile__merge(o->pending, profile);
		o->n_pending++;
	}
	if (flags & PB_WRITE_LAST)
		o->got_last = true;
	pthread_mutex_unlock(&o->lock);
	wake(o);
	return err;
}

/* The profile is over; the viewer stays until the user quits it. */
static int tui_wait(void *state)
{
	struct tui_output *o = state;

	pthread_mutex_lock(&o->lock);
	while (!o->ui_done)
		pthread_cond_wait(&o->cond, &o->lock);
	pthread_mutex_unlock(&o->lock);
	return 0;
}

static const struct pb_output_ops ops = {
	.sz = sizeof(ops),
	.open = tui_open,
	.write = tui_write,
	.wait = tui_wait,
	.close = tui_close,
};

static const struct pb_output_claim claims[] = {
	{ .pattern = "tui", .format = "tui" },
	{ 0 },
};

static const struct pb_config_key keys[] = {
	PB_KEY_STRING(struct tui_settings, mode, "mode", "accumulate",
		      "live update mode at start: accumulate, reset (each window) or decay ('m' "
		      "cycles)",
		      .choices = "accumulate, reset, decay"),
	PB_KEY_DOUBLE(struct tui_settings, decay, "decay", "0.5", 0.001, 0.999,
		      "decay mode: share of the old counts kept at each new window"),
	/* The session makes it "us" for off-CPU and wall profiles, as for the SVG's. */
	PB_KEY_STRING(struct tui_settings, count_name, "count-name", "samples",
		      "what the counts are"),
	{ 0 },
};

static const struct pb_plugin descriptor = {
	PB_PLUGIN_DESCRIPTOR_INIT,
	.kind = PB_PLUGIN_OUTPUT,
	.name = "tui",
	.description = "interactive flame graph, top functions and processes in the terminal",
	.config_keys = keys,
	.settings_size = sizeof(struct tui_settings),
	.output = &ops,
	.claims = claims,
	.output_flags = PB_OUTPUT_WANTS_WINDOWS | PB_OUTPUT_WANTS_TERMINAL,
};

PB_PLUGIN_EXPORT(&descriptor)
