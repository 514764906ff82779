// SPDX-License-Identifier: MIT
/* One agent window as a snapshot of the agent's one long-lived session: resume, wait, snapshot. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "agent_internal.h"

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static void session_opts(const struct pb_agent *a, const uint32_t *self, struct pb_session_opts *so)
{
	*so = (struct pb_session_opts){
		.sz = sizeof(*so),
		.frequency = a->opts.frequency,
		.window_ms = a->opts.duration_ms, /* outputs are told they get windows this long */
		.user_only = a->opts.user_only,
		.kernel_only = a->opts.kernel_only,
		.unwinder = a->unwinder,
		.plugin_path = a->plugin_path,
		.stack_storage_size = a->opts.stack_storage_size,
		.hash_storage_size = a->opts.hash_storage_size,
		.quiet = !a->opts.lost_summary,
		.log = a->opts.log,
		.log_ctx = a->opts.log_ctx,
		.labels = a->opts.labels,
		.n_labels = a->opts.n_labels,
		.group_by = a->opts.group_by,
		.per_thread = a->opts.per_thread,
		.per_cpu = a->opts.per_cpu,
		.cgroups = a->opts.cgroups,
		.event = a->event,
		.offcpu_states = a->offcpu_states,
		.min_block_us = a->opts.min_block_us,
		.max_block_us = a->opts.max_block_us,
		.events = a->opts.events,
		.period = a->opts.period,
	};
	if (a->opts.system_wide)
		return;
	so->pids = a->n_pids ? a->pids : self;
	so->n_pids = a->n_pids ? a->n_pids : 1;
}

/*
 * The one session every window is a snapshot of: BPF loaded, BTF parsed and caches built once.
 * Built again only after it broke (its targets exited), so a failed window is retried.
 */
static int open_session(struct pb_agent *a, uint64_t index)
{
	uint32_t self = (uint32_t)getpid();
	struct pb_session_opts so;
	struct pb_session *s;
	int err;

	session_opts(a, &self, &so);
	if ((err = pb_session__new(&so, &s))) {
		pb_agent_note_failure(a, index, "cannot create a session", err, NULL);
		return err;
	}
	for (size_t i = 0; i < a->n_outputs; i++) {
		if (!a->outputs[i].long_lived)
			continue;
		/* Checked at spawn; a store down now costs this output, not the window. */
		if ((err = pb_session__add_output(s, a->outputs[i].target, a->outputs[i].settings)))
			pb_agent_note_failure(a, index, a->outputs[i].target, err,
					      pb_session__strerror(s));
	}
	if ((err = pb_session__start(s))) {
		pb_agent_note_failure(a, index, "cannot profile", err, pb_session__strerror(s));
		pb_session__free(s);
		return err;
	}
	a->session = s;
	pb_agent_count(a, &a->stats.sessions, 1);
	return 0;
}

void pb_agent_close_session(struct pb_agent *a)
{
	pb_session__free(a->session);
	a->session = NULL;
}

/* Samples until end_ms, stop, or the targets' exit; 1 when the session is over, 0, -errno. */
static int sample_until(struct pb_agent *a, uint64_t end_ms)
{
	struct pb_session *s = a->session;
	int done = 0;

	pthread_mutex_lock(&a->lock);
	if (a->stopping)
		done = 1;
	a->current = s;
	pthread_mutex_unlock(&a->lock);
	while (!done) {
		uint64_t now = mono_ms();

		if (now >= end_ms)
			break;
		done = pb_session__poll(s, (int)(end_ms - now));
	}
	pthread_mutex_lock(&a->lock);
	a->current = NULL;
	pthread_mutex_unlock(&a->lock);
	return done;
}

int pb_agent_run_window(struct pb_agent *a, uint64_t start_ms, bool continuous)
{
	struct pb_profile *p;
	uint64_t index;
	bool over, stopping;
	int err;

	pthread_mutex_lock(&a->lock);
	stopping = a->stopping;
	index = stopping ? 0 : a->next_index++;
	pthread_mutex_unlock(&a->lock);
	if (stopping)
		return 0;
	if (!a->session) {
		if ((err = open_session(a, index)))
			goto failed;
		/*
		 * Sampling ran while BPF loaded (and dwarf built its first tables): those samples
		 * belong to no window, and counting them in the first one gave it 97 samples for
		 * 300 ms at 199 Hz. They are dropped; the first window starts now, whole.
		 */
		pb_session__pause(a->session);
		if (!pb_session__snapshot(a->session, &p))
			pb_profile__free(p);
		start_ms = mono_ms();
	}
	if ((err = pb_session__resume(a->session))) {
		pb_agent_note_failure(a, index, "cannot resume", err,
				      pb_session__strerror(a->session));
		pb_agent_close_session(a);
		goto failed;
	}
	err = sample_until(a, start_ms + a->opts.duration_ms);
	over = err != 0;
	pthread_mutex_lock(&a->lock);
	stopping = a->stopping;
	pthread_mutex_unlock(&a->lock);
	/* Paused before the snapshot: it then holds every sample up to the pause, and no more. */
	if (!continuous || over || stopping)
		pb_session__pause(a->session);
	if ((err = pb_session__snapshot(a->session, &p))) {
		pb_agent_note_failure(a, index, "cannot drain", err,
				      pb_session__strerror(a->session));
		pb_agent_close_session(a);
		goto failed;
	}
	pb_agent_deliver(a, a->session, p, index, over || stopping);
	pb_profile__free(p);
	if (over) /* the targets exited, or stop: the next window builds a new session */
		pb_agent_close_session(a);
	return 0;
failed:
	pb_agent_count(a, &a->stats.failed_windows, 1);
	return err;
}
