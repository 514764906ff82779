// SPDX-License-Identifier: MIT
/*
 * The agent counting stacks at a probe (pb_agent_opts.events): a uprobe on a function of this
 * program, called a known number of times, is counted exactly that often over the windows; a
 * probe naming nothing is refused at spawn, naming it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <profile-bee/agent.h>

#include "app.h"
#include "tap.h"
#include "work.h"

/* Counted at a uprobe (pb_agent_opts.events): called a known number of times. */
__attribute__((noinline)) void agent_test_probe_hit(uint64_t i)
{
	work_tick(i);
}

struct hits {
	int windows;
	uint64_t hits; /* stacks whose leaf is agent_test_probe_hit, summed over windows */
};

static int hits_reporter(void *ctx, const struct pb_agent_window *w)
{
	struct hits *h = ctx;

	for (size_t i = 0; i < pb_profile__stack_count(w->profile); i++) {
		const struct pb_stack *st = pb_profile__stack(w->profile, i);
		const char *leaf = pb_profile__frame_name(w->profile, st->frames[st->depth - 1]);

		if (!strcmp(leaf, "agent_test_probe_hit"))
			__atomic_add_fetch(&h->hits, st->count, __ATOMIC_RELEASE);
	}
	__atomic_add_fetch(&h->windows, 1, __ATOMIC_RELEASE);
	return 0;
}

/* Continuous windows (no pause between them): every call lands in exactly one window. */
/* pb_agent__spawn refuses opts with -EINVAL, saying want. */
static void refused(const struct pb_agent_opts *opts, const char *want)
{
	char said[1024];

	ok(agent_refuses(opts, want, said, sizeof(said)), "refused: -EINVAL, \"%s\"", said);
}

static void test_events(void)
{
	char exe[4096], spec[4200];
	struct pb_agent_opts opts = { .sz = sizeof(opts), .duration_ms = 300, .interval_ms = 300,
				      .events = spec };
	struct hits h = { 0 };
	struct pb_agent *a;

	if (!realpath("/proc/self/exe", exe)) {
		ok(false, "realpath /proc/self/exe");
		return;
	}
	snprintf(spec, sizeof(spec), "uprobe:%s:agent_test_probe_hit", exe);
	ok(!pb_agent__new(&opts, &a), "pb_agent__new with events");
	pb_agent__set_reporter(a, hits_reporter, &h);
	ok(!pb_agent__spawn(a), "spawn with a uprobe (%s)", pb_agent__strerror(a));
	/* Attached once a first window was reported, however long BPF took to load. */
	for (int i = 0; i < 300 && !__atomic_load_n(&h.windows, __ATOMIC_ACQUIRE); i++)
		usleep(100000);
	for (uint64_t i = 0; i < 5000; i++)
		agent_test_probe_hit(i);
	pb_agent__stop(a);
	pb_agent__free(a);
	ok(h.hits == 5000, "pb_agent_opts.events: each of 5000 calls counted once over %d windows "
	   "(%" PRIu64 ")", h.windows, h.hits);
	snprintf(spec, sizeof(spec), "uprobe:%s:agent_test_no_such_*", exe);
	refused(&opts, "pb_agent_opts.events: -e uprobe:");
}

int main(void)
{
	const char *why = agent_cannot_run();

	if (why)
		return tap_skip_all(why);
	test_events();
	return tap_done();
}
