// SPDX-License-Identifier: MIT
/* One agent window: a session sampled for the window's duration, written, then reported. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent_internal.h"
#include "log.h"

/* "{window}" and "{time}" in a target, so that per-window files do not replace each other. */
static char *expand_target(const char *tmpl, uint64_t index, uint64_t start_s)
{
	char *out = NULL, num[32];
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	while (*tmpl) {
		if (!strncmp(tmpl, "{window}", 8)) {
			snprintf(num, sizeof(num), "%" PRIu64, index);
			fputs(num, f);
			tmpl += 8;
		} else if (!strncmp(tmpl, "{time}", 6)) {
			snprintf(num, sizeof(num), "%" PRIu64, start_s);
			fputs(num, f);
			tmpl += 6;
		} else {
			fputc(*tmpl++, f);
		}
	}
	if (fclose(f)) {
		free(out);
		return NULL;
	}
	return out;
}

/*
 * Records a failure for pb_agent_get_stats and logs it, but only when it differs from the
 * previous one: an agent that fails the same way every five minutes says so once.
 */
static void note_failure(struct pb_agent *a, uint64_t index, const char *what, int err,
			 const char *detail)
{
	char msg[sizeof(a->stats.last_error)];

	snprintf(msg, sizeof(msg), "%s: %s", what, detail && detail[0] ? detail : strerror(-err));
	pthread_mutex_lock(&a->lock);
	if (strcmp(msg, a->stats.last_error))
		pb_warn("agent: window %" PRIu64 ": %s", index, msg);
	snprintf(a->stats.last_error, sizeof(a->stats.last_error), "%s", msg);
	pthread_mutex_unlock(&a->lock);
}

static void count(struct pb_agent *a, uint64_t *counter, uint64_t n)
{
	pthread_mutex_lock(&a->lock);
	*counter += n;
	pthread_mutex_unlock(&a->lock);
}

static void report(struct pb_agent *a, const struct pb_profile *p, uint64_t index, int status)
{
	const struct pb_profile_meta *m = pb_profile__meta_const(p);
	struct pb_agent_window w = {
		.sz = sizeof(w),
		.profile = p,
		.index = index,
		.start_ns = m->start_ns,
		.end_ns = m->end_ns,
		.pid = m->target_pid,
		.frequency = m->frequency,
		.unwinder = m->unwinder,
		.status = status,
	};
	pb_agent_reporter_fn fn;
	void *ctx;
	int ret;

	pthread_mutex_lock(&a->lock);
	fn = a->reporter;
	ctx = a->reporter_ctx;
	pthread_mutex_unlock(&a->lock);
	if (!fn)
		return;
	/* Detected once per process, bounded to about a second, and only on this thread. */
	w.host = pb_host_metadata();
	ret = fn(ctx, &w);
	count(a, ret ? &a->stats.reporter_failures : &a->stats.reported, 1);
}

static void session_opts(const struct pb_agent *a, const uint32_t *self, struct pb_session_opts *so)
{
	*so = (struct pb_session_opts){
		.sz = sizeof(*so),
		.frequency = a->opts.frequency,
		.duration_ms = a->opts.duration_ms,
		.user_only = a->opts.user_only,
		.kernel_only = a->opts.kernel_only,
		.unwinder = a->unwinder,
		.plugin_path = a->plugin_path,
		.stack_storage_size = a->opts.stack_storage_size,
		.hash_storage_size = a->opts.hash_storage_size,
		.quiet = !a->opts.lost_summary,
	};
	if (a->opts.system_wide)
		return;
	so->pids = a->n_pids ? a->pids : self;
	so->n_pids = a->n_pids ? a->n_pids : 1;
}

/* One failing output must not cost the window its other outputs or its report. */
static bool add_outputs(struct pb_agent *a, struct pb_session *s, uint64_t index)
{
	uint64_t start_s = (uint64_t)time(NULL);
	bool failed = false;

	for (size_t i = 0; i < a->n_outputs; i++) {
		char *target = expand_target(a->outputs[i].target, index, start_s);
		int err = target ? pb_session__add_output(s, target, a->outputs[i].settings)
				 : -ENOMEM;

		if (err) {
			note_failure(a, index, target ? target : a->outputs[i].target, err,
				     pb_session__strerror(s));
			failed = true;
		}
		free(target);
	}
	return failed;
}

int pb_agent_run_window(struct pb_agent *a)
{
	uint32_t self = (uint32_t)getpid();
	struct pb_session_opts so;
	const struct pb_profile *p;
	struct pb_session *s;
	bool output_failed;
	uint64_t index;
	int err;

	pthread_mutex_lock(&a->lock);
	index = a->next_index++;
	pthread_mutex_unlock(&a->lock);
	session_opts(a, &self, &so);
	if ((err = pb_session__new(&so, &s))) {
		note_failure(a, index, "cannot create a session", err, NULL);
		count(a, &a->stats.failed_windows, 1);
		return err;
	}
	output_failed = add_outputs(a, s, index);
	pthread_mutex_lock(&a->lock);
	if (a->stopping) {
		pthread_mutex_unlock(&a->lock);
		pb_session__free(s);
		return 0;
	}
	a->current = s;
	pthread_mutex_unlock(&a->lock);

	err = pb_session__run(s);

	pthread_mutex_lock(&a->lock);
	a->current = NULL;
	pthread_mutex_unlock(&a->lock);
	p = pb_session__profile(s);
	if (!pb_profile__meta_const(p)->start_ns) {
		/* Sampling never started: nothing to write or report. */
		note_failure(a, index, "cannot profile", err ? err : -EIO, pb_session__strerror(s));
		count(a, &a->stats.failed_windows, 1);
		pb_session__free(s);
		return err ? err : -EIO;
	}
	if (err == -EIO)
		note_failure(a, index, "outputs", err,
			     "one or more could not be written (the log names them)");
	else if (err)
		note_failure(a, index, "window", err, pb_session__strerror(s));
	pthread_mutex_lock(&a->lock);
	a->stats.windows++;
	a->stats.samples += pb_profile__total(p);
	a->stats.output_failures += err || output_failed;
	pthread_mutex_unlock(&a->lock);
	report(a, p, index, err ? err : output_failed ? -EIO : 0);
	pb_session__free(s);
	return 0;
}
