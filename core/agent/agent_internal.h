/* SPDX-License-Identifier: MIT */
/* The agent's state, shared by its thread loop, its window runner and its start-up checks. */
#ifndef PB_AGENT_INTERNAL_H
#define PB_AGENT_INTERNAL_H

#include <pthread.h>
#include <profile-bee/agent.h>

struct pb_agent_output {
	char *target; /* may hold {window} and {time} */
	char *settings;
};

struct pb_agent {
	struct pb_agent_opts opts;
	char *unwinder;
	char *plugin_path;
	uint32_t *pids;
	size_t n_pids;

	struct pb_agent_output *outputs;
	size_t n_outputs;

	/* Everything below is shared between the application's threads and the agent's. */
	pthread_mutex_t lock;
	pthread_cond_t wake; /* stop wakes the thread out of its sleep between windows */
	pb_agent_reporter_fn reporter;
	void *reporter_ctx;
	struct pb_session *current; /* the window being sampled, so stop can end it */
	bool stopping;
	bool spawned;
	pthread_t thread;
	uint64_t next_index;
	struct pb_agent_stats stats;
	char error[512];
};

/* agent_check.c: what pb_agent_spawn can refuse before any thread exists. */
int pb_agent_check(struct pb_agent *a);

/* agent_window.c: samples, writes and reports one window; 0 or -errno (already counted). */
int pb_agent_run_window(struct pb_agent *a);

/* agent.c */
int pb_agent_fail(struct pb_agent *a, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
