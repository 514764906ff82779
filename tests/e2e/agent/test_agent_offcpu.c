// SPDX-License-Identifier: MIT
/* The agent counting off-CPU time (pb_agent_opts.event): a thread of its own process asleep. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <profile-bee/agent.h>

#include "app.h"
#include "tap.h"
#include "work.h"

/* Off-CPU time of this process's thread that naps in agent_test_napper, per window. */
struct napped {
	int windows;
	double share[2]; /* of windows 1 and 2: napper us / window us */
};

static volatile bool napping;

__attribute__((noinline)) static void agent_test_nap(void)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 20000000 };

	nanosleep(&ts, NULL);
	work_sink++; /* not a tail call: a frame of its own */
}

__attribute__((noinline)) static void *agent_test_napper(void *arg)
{
	while (napping)
		agent_test_nap();
	return arg;
}

static int nap_reporter(void *ctx, const struct pb_agent_window *w)
{
	struct napped *n = ctx;
	uint64_t us = 0;

	for (size_t i = 0; i < pb_profile__stack_count(w->profile); i++) {
		const struct pb_stack *st = pb_profile__stack(w->profile, i);

		for (uint32_t f = 0; f < st->depth; f++)
			if (!strcmp(pb_profile__frame_name(w->profile, st->frames[f]),
				    "agent_test_napper")) {
				us += st->count;
				break;
			}
	}
	if (w->index >= 1 && w->index <= 2)
		n->share[w->index - 1] = us / ((w->end_ns - w->start_ns) / 1e3);
	__atomic_store_n(&n->windows, n->windows + 1, __ATOMIC_RELEASE);
	return 0;
}

int main(void)
{
	struct pb_agent_opts opts = { .sz = sizeof(opts), .duration_ms = 400, .interval_ms = 400,
				      .event = "off-cpu" };
	struct napped n = { 0 };
	const char *why = agent_cannot_run();
	struct pb_agent *a;
	pthread_t t;

	if (why)
		return tap_skip_all(why);
	napping = true;
	pthread_create(&t, NULL, agent_test_napper, NULL);
	ok(!pb_agent__new(&opts, &a), "pb_agent__new with event off-cpu");
	pb_agent__set_reporter(a, nap_reporter, &n);
	ok(!pb_agent__spawn(a), "spawn (off-cpu): %s", pb_agent__strerror(a));
	for (int i = 0; i < 300 && __atomic_load_n(&n.windows, __ATOMIC_ACQUIRE) < 3; i++)
		usleep(100000);
	pb_agent__stop(a);
	pb_agent__free(a);
	napping = false;
	pthread_join(t, NULL);
	/* Continuous windows: a thread asleep all the time is off CPU for all of each. */
	ok(n.windows >= 3 && n.share[0] > 0.85 && n.share[0] < 1.15 && n.share[1] > 0.85 &&
		   n.share[1] < 1.15,
	   "event off-cpu: the napping thread off CPU for %.0f%% and %.0f%% of windows 1 and 2",
	   100 * n.share[0], 100 * n.share[1]);
	opts.event = "sideways";
	ok(pb_agent__new(&opts, &a) == -EINVAL, "event 'sideways': pb_agent__new refuses it");
	return tap_done();
}
