// SPDX-License-Identifier: MIT
/* Hands one finished window to the agent's outputs and its reporter, counting what failed. */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_internal.h"
#include "log.h"
#include "window_target.h"

static void __attribute__((format(printf, 3, 4)))
agent_log(struct pb_agent *a, enum pb_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pb_vlog_to(a->opts.log, a->opts.log_ctx, level, "agent", fmt, ap);
	va_end(ap);
}

void pb_agent_note_failure(struct pb_agent *a, uint64_t index, const char *what, int err,
			   const char *detail)
{
	char msg[sizeof(a->stats.last_error)];

	/* Logged only when it differs from the last one: the same failure every 5 min, once. */
	snprintf(msg, sizeof(msg), "%s: %s", what, detail && detail[0] ? detail : strerror(-err));
	pthread_mutex_lock(&a->lock);
	if (strcmp(msg, a->stats.last_error))
		agent_log(a, PB_LOG_WARN, "window %" PRIu64 ": %s", index, msg);
	snprintf(a->stats.last_error, sizeof(a->stats.last_error), "%s", msg);
	pthread_mutex_unlock(&a->lock);
}

void pb_agent_count(struct pb_agent *a, uint64_t *counter, uint64_t n)
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
	w.host = pb_host_metadata__get();
	ret = fn(ctx, &w);
	pb_agent_count(a, ret ? &a->stats.reporter_failures : &a->stats.reported, 1);
}

/*
 * Targets named per window ("{window}", "{time}") and outputs that take one whole profile
 * (a file replaced each window) are opened, written and closed for this window only, through
 * a session that never samples: no BPF, only the plugin registry. 0 or -EIO.
 */
static int write_per_window(struct pb_agent *a, const struct pb_profile *p, uint64_t index)
{
	/* The window's stacks carry the labels already; the view is grouped here as well. */
	struct pb_session_opts so = { .sz = sizeof(so), .plugin_path = a->plugin_path,
				       .log = a->opts.log, .log_ctx = a->opts.log_ctx,
				       .group_by = a->opts.group_by };
	uint64_t start_s = pb_profile__meta_const(p)->start_ns / 1000000000ull;
	struct pb_session *w;
	bool failed = false, any = false;
	int err;

	for (size_t i = 0; i < a->n_outputs; i++)
		any |= !a->outputs[i].long_lived;
	if (!any)
		return 0;
	if ((err = pb_session__new(&so, &w))) {
		pb_agent_note_failure(a, index, "outputs", err, NULL);
		return -EIO;
	}
	for (size_t i = 0; i < a->n_outputs; i++) {
		char *target;

		if (a->outputs[i].long_lived)
			continue;
		target = pb_window_target_expand(a->outputs[i].target, index, start_s);
		err = target ? pb_session__add_output(w, target, a->outputs[i].settings) : -ENOMEM;
		if (err) {
			pb_agent_note_failure(a, index, target ? target : a->outputs[i].target, err,
					      pb_session__strerror(w));
			failed = true;
		}
		free(target);
	}
	err = pb_session__write(w, p);
	pb_session__free(w);
	return err || failed ? -EIO : 0;
}

void pb_agent_deliver(struct pb_agent *a, struct pb_session *s, const struct pb_profile *p,
		      uint64_t index, bool last)
{
	/* Long-lived outputs (S3, push) stay open in the sampling session: their queues work. */
	int err = s ? pb_session__write_window(s, p, last) : 0;
	int err_once = write_per_window(a, p, index);

	if (err || err_once)
		pb_agent_note_failure(a, index, "outputs", -EIO,
				      "one or more could not be written (the log names them)");
	pthread_mutex_lock(&a->lock);
	a->stats.windows++;
	a->stats.samples += pb_profile__total(p);
	a->stats.output_failures += err || err_once;
	pthread_mutex_unlock(&a->lock);
	report(a, p, index, err || err_once ? -EIO : 0);
}
