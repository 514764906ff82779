/* SPDX-License-Identifier: MIT */
/* The application that embeds the agent in test_agent: its named work and what its reporter saw. */
#ifndef PB_TEST_AGENT_APP_H
#define PB_TEST_AGENT_APP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <profile-bee/agent.h>

/* Works for ms milliseconds in agent_test_busy -> agent_test_leaf; the longest pause (ms). */
uint64_t agent_test_busy(uint64_t ms);

/* What the reporter saw, read by the test's thread once the agent stopped. */
struct seen {
	pthread_mutex_t lock;
	int windows;
	bool indices_in_order;
	bool pids_ok;
	int share[256], ms[256]; /* per window */
	uint64_t samples;
	struct pb_host_metadata host;
	bool folded_same, svg_ok, json_ok, rendered;
	uint64_t last_end_ns, last_report_ms;
	int status_errors;
	uint32_t other_pid;
	bool other_seen;
	/* for the failing and blocking reporter */
	int fail_every;
	bool block, entered, release, released_in_time;
	pthread_cond_t cv;
};

void seen_init(struct seen *s);
/* The reporter: records each window in the struct seen given as ctx. */
int seen_reporter(void *ctx, const struct pb_agent_window *w);
/* Works until the reporter has seen n windows (20 s at most); the number seen. */
int seen_wait_windows(struct seen *s, int n);
/* Over the full windows: all but the last, which pb_agent__stop cut short. */
void seen_full_windows(const struct seen *s, int *min_share, int *min_ms, int *max_ms);

/* An agent on this process at 499 Hz (unwinder NULL: the default). */
int new_agent(uint64_t duration_ms, uint64_t interval_ms, const char *unwinder,
	      struct pb_agent **ret);
/* Why the agent cannot run here (it needs root and a kernel with BTF), or NULL. */
const char *agent_cannot_run(void);
/* Whether pb_agent__spawn refuses opts with -EINVAL saying want; said gets its message. */
bool agent_refuses(const struct pb_agent_opts *opts, const char *want, char *said, size_t len);

#endif
