/* SPDX-License-Identifier: MIT */
/* The agent's state, shared by its thread loop, its window runner and its start-up checks. */
#ifndef PB_AGENT_INTERNAL_H
#define PB_AGENT_INTERNAL_H

#include <pthread.h>
#include <profile-bee/agent.h>

struct pb_agent_output {
	char *target; /* may hold {window} and {time} */
	char *settings;
	bool long_lived; /* a windowed output with one target: opened once, in the session */
};

struct pb_agent {
	struct pb_agent_opts opts;
	char *unwinder;
	char *events; /* copy of opts.events */
	char *plugin_path;
	uint32_t *pids;
	size_t n_pids;
	struct pb_label *labels; /* opts.labels, copied */
	char *group_by;
	char *cgroups;
	uint32_t event, offcpu_states; /* opts.event, opts.offcpu_state as PB_EVENT_*, PB_OFFCPU_* */

	struct pb_agent_output *outputs;
	size_t n_outputs;

	/* Everything below is shared between the application's threads and the agent's. */
	pthread_mutex_t lock;
	pthread_cond_t wake; /* stop wakes the thread out of its sleep between windows */
	pb_agent_reporter_fn reporter;
	void *reporter_ctx;
	struct pb_session *session; /* every window is a snapshot of it; agent thread only */
	struct pb_session *current; /* the session while a window samples, so stop can end it */
	bool stopping;
	bool spawned;
	pthread_t thread;
	uint64_t next_index;
	struct pb_agent_stats stats;
	char error[512];
};

/* agent_check.c: what pb_agent__spawn can refuse before any thread exists; marks long_lived. */
int pb_agent_check(struct pb_agent *a);

/*
 * agent_window.c: samples from start_ms for duration_ms, then writes and reports the window;
 * continuous leaves sampling on for the next one. 0 or -errno (already counted).
 */
int pb_agent_run_window(struct pb_agent *a, uint64_t start_ms, bool continuous);
/* Frees the long-lived session (outputs flushed and closed); the next window builds one. */
void pb_agent_close_session(struct pb_agent *a);

/* agent_deliver.c */
/* To long-lived outputs of s (may be NULL), per-window outputs, the reporter; counted. */
void pb_agent_deliver(struct pb_agent *a, struct pb_session *s, const struct pb_profile *p,
		      uint64_t index, bool last);
/* Counted for pb_agent__get_stats and logged when it differs from the last failure. */
void pb_agent_note_failure(struct pb_agent *a, uint64_t index, const char *what, int err,
			   const char *detail);
void pb_agent_count(struct pb_agent *a, uint64_t *counter, uint64_t n);

/* agent.c */
int pb_agent_fail(struct pb_agent *a, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
