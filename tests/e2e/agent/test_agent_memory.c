// SPDX-License-Identifier: MIT
/* The agent over many short windows: its memory and descriptors stay flat. Usage: [WINDOWS] */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <profile-bee/agent.h>

#include "app.h"
#include "proc_status.h"
#include "tap.h"
#include "work.h"

static int count_fds(void)
{
	char path[64];
	int n = 0;

	for (int fd = 0; fd < 4096; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n += access(path, F_OK) == 0;
	}
	return n;
}

static int count_only(void *ctx, const struct pb_agent_window *w)
{
	return 0;
}

static void test_memory(int windows)
{
	struct pb_agent_stats st = { .sz = sizeof(st) };
	struct pb_agent *a;
	long rss0 = 0, rss1;
	int fds0 = 0, fds1;
	/*
	 * RSS reaches its level some windows in, not at a fixed one (with one long-lived session,
	 * 11 MB at window 20 in some runs and 20.7 MB in others; 20.6 MB at window 300 in all):
	 * growth is judged from a third of the windows on.
	 */
	uint64_t t0 = now_ms(), t_warm = 0, warm = windows / 3;
	int err;

	new_agent(50, 60, NULL, &a);
	pb_agent__set_reporter(a, count_only, NULL);
	err = pb_agent__spawn(a);
	ok(!err, "spawn for %d windows of 50 ms every 60 ms %s", windows, pb_agent__strerror(a));
	if (err) { /* no window would ever come */
		pb_agent__free(a);
		return;
	}
	for (;;) {
		usleep(20000);
		pb_agent__get_stats(a, &st);
		if (!rss0 && st.windows >= warm) {
			rss0 = proc_status("VmRSS");
			fds0 = count_fds();
			t_warm = now_ms();
		}
		if (st.windows + st.failed_windows >= (uint64_t)windows)
			break;
	}
	pb_agent__stop(a);
	rss1 = proc_status("VmRSS");
	fds1 = count_fds();
	pb_agent__get_stats(a, &st);
	diag("%" PRIu64 " windows in %" PRIu64 " ms (%.1f ms per window); RSS %ld kB after %" PRIu64
	     ", %ld kB after %" PRIu64 "; fds %d -> %d", st.windows, now_ms() - t0,
	     (double)(now_ms() - t_warm) / (st.windows - warm), rss0, warm, rss1, st.windows, fds0,
	     fds1);
	ok(!st.failed_windows, "no window failed (%s)", st.last_error);
	ok(rss1 - rss0 < 4096, "RSS grew %ld kB over %" PRIu64 " windows (bound 4 MB)", rss1 - rss0,
	   st.windows - warm);
	ok(fds1 <= fds0, "no descriptor leaked (%d -> %d)", fds0, fds1);
	pb_agent__free(a);
}

int main(int argc, char **argv)
{
	const char *why = agent_cannot_run();

	if (why)
		return tap_skip_all(why);
	test_memory(argc > 1 ? atoi(argv[1]) : 300);
	return tap_done();
}
