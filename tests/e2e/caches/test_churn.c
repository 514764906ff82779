// SPDX-License-Identifier: MIT
/*
 * One long session in 1 s windows over process churn: the chain fixture run again (new pids),
 * absent long enough for its tables to be evicted, then one pid exec'ing the fixture, another
 * program and the fixture again. Every window holds the chain in >= 90% of the leaf's samples.
 * Usage: test_churn UNWINDER CHAIN_FIXTURE [CACHE_BYTES]; with CACHE_BYTES the symbol caches
 * are capped (tiny: every window evicts) and the evictions must be counted.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <profile-bee/profile-bee.h>

#include "tap.h"

#define MAX_WINDOWS 40
#define MIN_LEAF    20 /* samples of the leaf a window needs to be judged */

static const char *chain[] = {"main", "pb_alpha", "pb_beta", "pb_gamma", "pb_burn"};
#define CHAIN_LEN (sizeof(chain) / sizeof(chain[0]))

struct window {
	uint64_t leaf, hit;
};

static uint64_t evictions;
static char last_warning[512];

static void on_log(void *ctx, enum pb_log_level level, const char *who, const char *msg)
{
	const char *e = strstr(msg, "symbol cache evictions: ");

	(void)ctx;
	(void)who;
	if (e)
		evictions = strtoull(e + strlen("symbol cache evictions: "), NULL, 10);
	if (level <= PB_LOG_WARN)
		snprintf(last_warning, sizeof(last_warning), "%s", msg);
}

static bool frame_is(const struct pb_profile *p, const struct pb_stack *s, uint32_t d,
		     const char *name)
{
	return !strcmp(pb_profile__frame_name(p, s->frames[d]), name);
}

/* Samples holding the leaf, and those holding the whole chain in order. */
static struct window judge(const struct pb_profile *p)
{
	struct window w = {0};

	for (size_t i = 0; i < pb_profile__stack_count(p); i++) {
		const struct pb_stack *s = pb_profile__stack(p, i);
		bool leaf = false, whole = false;

		for (uint32_t d = 0; d < s->depth; d++) {
			leaf |= frame_is(p, s, d, chain[CHAIN_LEN - 1]);
			if (d + 1 < CHAIN_LEN)
				continue;
			bool all = true;

			for (uint32_t k = 0; k < CHAIN_LEN && all; k++)
				all = frame_is(p, s, d + 1 - CHAIN_LEN + k, chain[k]);
			whole |= all;
		}
		w.leaf += leaf ? s->count : 0;
		w.hit += leaf && whole ? s->count : 0;
	}
	return w;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The worst window's top stacks, for the failure message. */
static void show(const struct pb_profile *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	pb_profile__write_folded(p, f);
	fclose(f);
	diag("window:\n%.4000s", buf ? buf : "");
	free(buf);
}

int main(int argc, char **argv)
{
	char script[4096];
	const char *cmd[] = {"/bin/sh", "-c", script, NULL};
	struct pb_session_opts opts = {
	    .sz = sizeof(opts), .frequency = 499, .command = cmd, .log = on_log};
	struct window w[MAX_WINDOWS];
	int n = 0, judged = 0, after_gap = 0, bad = 0, gap_at = -1;
	struct pb_session *s;
	int err, done = 0;

	if (argc < 3)
		return tap_skip_all("usage: test_churn UNWINDER CHAIN_FIXTURE [CACHE_BYTES]");
	if (geteuid())
		return tap_skip_all("needs root (BPF)");
	opts.unwinder = argv[1];
	if (argc > 3)
		opts.cache_bytes = strtoull(argv[3], NULL, 10);
	/*
	 * Two runs (new pids), 3.5 s without the fixture (dwarf evicts an unused table after 1 s),
	 * one more run, then this pid becomes the fixture, sh, and the fixture again.
	 */
	snprintf(script, sizeof(script),
		 "C='%s'; \"$C\" 1.2; \"$C\" 1.2; sleep 3.5; \"$C\" 1.5; "
		 "exec \"$C\" 1.5 /bin/sh -c 'i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done; "
		 "exec \"$0\" 1.5' \"$C\"",
		 argv[2]);
	if ((err = pb_session__new(&opts, &s)))
		return tap_skip_all("cannot create a session");
	/* dwarf keeps an unused table 30 s by default: 1 s, so the gap below evicts it. */
	if (!strcmp(argv[1], "dwarf") && pb_session__set(s, "unwinder.dwarf", "keep-unused", "1"))
		return tap_skip_all(pb_session__strerror(s));
	if ((err = pb_session__start(s))) {
		ok(0, "the session starts: %s", pb_session__strerror(s));
		return tap_done();
	}
	while (!done && n < MAX_WINDOWS) {
		double end = now_s() + 1.0;
		struct pb_profile *p;

		while (!done && now_s() < end)
			done = pb_session__poll(s, 100) != 0;
		if (pb_session__snapshot(s, &p))
			break;
		w[n] = judge(p);
		if (w[n].leaf >= MIN_LEAF) {
			judged++;
			after_gap += gap_at >= 0;
			if (w[n].hit * 100 < w[n].leaf * 90 && !bad++)
				show(p);
		} else if (judged && gap_at < 0) {
			gap_at = n;
		}
		diag("window %d: %" PRIu64 " of %" PRIu64 " leaf samples hold the chain", n,
		     w[n].hit, w[n].leaf);
		pb_profile__free(p);
		n++;
	}
	pb_session__finish(s);
	ok(judged >= 5, "%d windows of %d had >= %d leaf samples", judged, n, MIN_LEAF);
	ok(!bad, "%s: every one holds the chain in >= 90%% of them (%d did not)", argv[1], bad);
	ok(gap_at >= 0 && after_gap >= 3,
	   "%d judged windows after the fixture was gone for a while (window %d), with re-execs",
	   after_gap, gap_at);
	if (argc > 3)
		ok(evictions > 0, "cache of %s bytes: %" PRIu64 " evictions counted (%s)", argv[3],
		   evictions, last_warning);
	pb_session__free(s);
	return tap_done();
}
