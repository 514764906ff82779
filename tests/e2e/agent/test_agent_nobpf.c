// SPDX-License-Identifier: MIT
/* The agent without privileges: as nobody with perf_event_paranoid 2 it samples itself with plain
 * perf events (mode "perf"); windows, chains, counts, threads created later, pause. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <profile-bee/agent.h>

#include "app.h"
#include "tap.h"
#include "work.h"

#define HZ 499
#define PARANOID "/proc/sys/kernel/perf_event_paranoid"

/* Samples whose stack holds leaf, and of them those that hold caller;leaf consecutively. */
static void chain_counts(const struct pb_profile *p, const char *caller, const char *leaf,
			 uint64_t *leafs, uint64_t *hit)
{
	*leafs = *hit = 0;
	for (size_t i = 0; i < pb_profile__stack_count(p); i++) {
		const struct pb_stack *s = pb_profile__stack(p, i);
		bool has_leaf = false, has_chain = false;

		for (uint32_t d = 0; d < s->depth; d++) {
			const char *name = pb_profile__frame_name(p, s->frames[d]);

			if (strcmp(name, leaf))
				continue;
			has_leaf = true;
			has_chain |= d > 0 &&
				     !strcmp(pb_profile__frame_name(p, s->frames[d - 1]), caller);
		}
		*leafs += has_leaf ? s->count : 0;
		*hit += has_chain ? s->count : 0;
	}
}

struct windows {
	pthread_mutex_t lock;
	int n, worst_share;
	uint64_t worst_leafs, most_total, thread_chain;
	bool pids_ok;
};

static int reporter(void *ctx, const struct pb_agent_window *w)
{
	struct windows *ws = ctx;
	uint64_t leafs, hit, total = pb_profile__total(w->profile), busy, in_thread;
	int share;

	chain_counts(w->profile, "agent_test_busy", "agent_test_leaf", &leafs, &hit);
	share = leafs ? (int)(100 * hit / leafs) : 0;
	chain_counts(w->profile, "nobpf_thread_main", "agent_test_busy", &busy, &in_thread);

	pthread_mutex_lock(&ws->lock);
	/* The window stop cuts short is not judged. */
	if (ws->n < 6) {
		ws->worst_share = share < ws->worst_share ? share : ws->worst_share;
		ws->worst_leafs = leafs < ws->worst_leafs ? leafs : ws->worst_leafs;
		ws->most_total = total > ws->most_total ? total : ws->most_total;
	}
	ws->thread_chain += in_thread;
	for (size_t i = 0; i < pb_profile__stack_count(w->profile); i++)
		ws->pids_ok &= pb_profile__stack(w->profile, i)->pid == (uint32_t)getpid();
	ws->n++;
	pthread_mutex_unlock(&ws->lock);
	return 0;
}

/* The reporter's work, on the agent's own thread: sampling goes on (continuous windows). */
void nobpf_reporter_burn(void);

__attribute__((noinline)) void nobpf_reporter_burn(void)
{
	agent_test_busy(60);
	work_sink++;
}

struct own {
	int windows;
	uint64_t burn_samples;
};

static int burning_reporter(void *ctx, const struct pb_agent_window *w)
{
	struct own *o = ctx;
	uint64_t leafs, hit;

	chain_counts(w->profile, "", "nobpf_reporter_burn", &leafs, &hit);
	o->burn_samples += leafs;
	o->windows++;
	nobpf_reporter_burn();
	return 0;
}

/* The agent's own thread is never sampled, as with BPF (the session's skip_thread). */
static void test_own_thread(void)
{
	struct pb_agent_opts opts = { .sz = sizeof(opts), .frequency = 999, .duration_ms = 300,
				      .interval_ms = 300 };
	struct own o = { 0 };
	uint64_t end = now_ms() + 20000;
	struct pb_agent *a;

	pb_agent__new(&opts, &a);
	pb_agent__set_reporter(a, burning_reporter, &o);
	ok(!pb_agent__spawn(a), "continuous windows as nobody (%s)", pb_agent__strerror(a));
	while (o.windows < 6 && now_ms() < end)
		agent_test_busy(20);
	pb_agent__stop(a);
	ok(o.windows >= 6 && o.burn_samples == 0, "the agent's thread burnt 60 ms in each of %d "
	   "reports while sampling went on: %" PRIu64 " samples of it", o.windows, o.burn_samples);
	pb_agent__free(a);
}

/* Works until the reporter has seen n windows, or until end (ms); the number seen. */
static int wait_windows(struct windows *ws, int n, uint64_t end)
{
	int seen;

	do {
		agent_test_busy(20);
		pthread_mutex_lock(&ws->lock);
		seen = ws->n;
		pthread_mutex_unlock(&ws->lock);
	} while (seen < n && now_ms() < end);
	return seen;
}

/* A thread created after the agent's events were opened: it inherits them. */
void *nobpf_thread_main(void *arg);

__attribute__((noinline)) void *nobpf_thread_main(void *arg)
{
	agent_test_busy(*(uint64_t *)arg);
	work_sink++;
	return NULL;
}

static void test_agent(void)
{
	struct pb_agent_opts opts = { .sz = sizeof(opts), .frequency = HZ, .duration_ms = 400,
				      .interval_ms = 500 };
	struct pb_agent_stats st = { .sz = sizeof(st) };
	struct windows ws = { .worst_share = 100, .worst_leafs = UINT64_MAX, .pids_ok = true };
	uint64_t end, thread_ms = 1500;
	pthread_t thread;
	struct pb_agent *a;
	int err, n;

	pthread_mutex_init(&ws.lock, NULL);
	ok(!pb_agent__new(&opts, &a), "pb_agent__new");
	pb_agent__set_reporter(a, reporter, &ws);
	err = pb_agent__spawn(a);
	ok(err == 0, "as nobody pb_agent__spawn returns 0 (%s)", pb_agent__strerror(a));
	pb_agent__get_stats(a, &st);
	is_str(st.mode, "perf", "pb_agent__get_stats says the mode: perf");
	end = now_ms() + 30000;
	wait_windows(&ws, 3, end);
	pthread_create(&thread, NULL, nobpf_thread_main, &thread_ms);
	n = wait_windows(&ws, 7, end);
	pthread_join(thread, NULL);
	pb_agent__stop(a);
	pb_agent__get_stats(a, &st);
	ok(n >= 7 && !st.failed_windows, "%d windows, none failed (%s)", n, st.last_error);
	ok(ws.worst_share >= 90 && ws.worst_leafs >= 10,
	   "every window holds agent_test_busy;agent_test_leaf in >= 90%% of agent_test_leaf's "
	   "samples (worst: %d%% of %" PRIu64 ")", ws.worst_share, ws.worst_leafs);
	/* 400 ms at 499 Hz: 200 samples for a thread always on a CPU; two CPUs shared with other
	 * builds. The main thread works all the time; the agent's and the later thread add some. */
	ok(ws.worst_leafs >= 40 && ws.most_total <= 3 * 200 * 13 / 10,
	   "samples per window plausible for 499 Hz x 400 ms: leaf >= 40 (%" PRIu64
	   "), all <= 780 (%" PRIu64 ")", ws.worst_leafs, ws.most_total);
	ok(ws.thread_chain >= 20, "a thread created after spawn is sampled (inherited events): "
	   "%" PRIu64 " samples of nobpf_thread_main;agent_test_busy", ws.thread_chain);
	ok(ws.pids_ok, "every sample is this process's (pid %d)", getpid());

	pb_agent__free(a);
}

/* Created while sampling is paused: idle through two rescans, then busy. */
struct late {
	uint64_t cpu_ns;
	volatile bool go;
};

void *nobpf_late_main(void *arg);

__attribute__((noinline)) void *nobpf_late_main(void *arg)
{
	struct late *l = arg;
	struct timespec t0, t1;

	while (!l->go)
		usleep(10000);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	agent_test_busy(400);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	l->cpu_ns = (t1.tv_sec - t0.tv_sec) * 1000000000ull + t1.tv_nsec - t0.tv_nsec;
	return NULL;
}

/* Polls s for ms (its background drains rescan the threads). */
static void poll_for(struct pb_session *s, uint64_t ms)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end)
		pb_session__poll(s, 50);
}

/*
 * A thread created while paused inherits the (disabled) events, but no fork record says so:
 * idle, two rescans open events of its own; once it works, its samples come through both, the
 * duplicate is found and closed. Its samples must match its CPU time, not twice it.
 */
static void test_paused_thread(struct pb_session *s)
{
	struct late l = { 0 };
	struct pb_profile *p;
	uint64_t busy = 0, hit = 0, want;
	pthread_t thread;

	pb_session__pause(s);
	pthread_create(&thread, NULL, nobpf_late_main, &l);
	usleep(100000);
	pb_session__resume(s);
	poll_for(s, 2500); /* two background drains and more: two rescans */
	l.go = true;
	poll_for(s, 700);
	pthread_join(thread, NULL);
	pb_session__pause(s);
	if (!pb_session__snapshot(s, &p)) {
		chain_counts(p, "nobpf_late_main", "agent_test_busy", &busy, &hit);
		pb_profile__free(p);
	}
	want = l.cpu_ns * 999 / 1000000000;
	ok(hit >= want / 3 && hit <= want * 13 / 10 + 10,
	   "a thread created while paused is sampled once: %" PRIu64 " samples for %" PRIu64
	   " ms of its CPU at 999 Hz (%" PRIu64 " expected)", hit, l.cpu_ns / 1000000, want);
}

/* Sampling paused: no sample, though the process works; resumed: samples again. */
static void test_pause(void)
{
	uint32_t self = getpid();
	struct pb_session_opts so = { .sz = sizeof(so), .frequency = 999, .pids = &self,
				      .n_pids = 1, .unwinder = "perf", .quiet = true };
	struct pb_session *s;
	struct pb_profile *p;
	uint64_t paused = UINT64_MAX, resumed = 0;
	int err = pb_session__new(&so, &s);

	if (!err)
		err = pb_session__start(s);
	ok(!err, "a session with the perf unwinder on this process starts (%s)",
	   err ? pb_session__strerror(s) : "");
	if (!err && !(err = pb_session__pause(s)) && !pb_session__snapshot(s, &p)) {
		pb_profile__free(p);
		agent_test_busy(600);
		if (!pb_session__snapshot(s, &p)) {
			paused = pb_profile__total(p);
			pb_profile__free(p);
		}
		err = pb_session__resume(s);
		agent_test_busy(400);
		pb_session__pause(s);
		if (!pb_session__snapshot(s, &p)) {
			resumed = pb_profile__total(p);
			pb_profile__free(p);
		}
	}
	ok(!err && paused == 0, "paused: 600 ms of work, %" PRIu64 " samples", paused);
	ok(resumed >= 40, "resumed: 400 ms of work at 999 Hz, %" PRIu64 " samples", resumed);
	if (!err)
		test_paused_thread(s);
	pb_session__free(s);
}

static char old_paranoid[16];

static void restore(void)
{
	FILE *f = old_paranoid[0] ? fopen(PARANOID, "w") : NULL;

	if (f) {
		fputs(old_paranoid, f);
		fclose(f);
	}
}

static void on_signal(int sig)
{
	restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* As root: perf_event_paranoid 2 for the test (restored after), the test itself as nobody. */
static int run_as_nobody(const char *self)
{
	char path[PATH_MAX];
	int status = 0;
	FILE *f = fopen(PARANOID, "r");
	pid_t pid;

	if (!f || !fgets(old_paranoid, sizeof(old_paranoid), f) || !realpath(self, path)) {
		printf("1..1\nnot ok 1 - cannot read %s\n", PARANOID);
		return 1;
	}
	fclose(f);
	atexit(restore);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	f = fopen(PARANOID, "w");
	if (!f || fputs("2", f) < 0 || fclose(f)) {
		printf("1..1\nnot ok 1 - cannot set %s to 2\n", PARANOID);
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execlp("setpriv", "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
		       path, "--as-nobody", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--as-nobody")) {
		if (geteuid() != 0)
			return tap_skip_all("needs root (to set perf_event_paranoid and become nobody)");
		return run_as_nobody(argv[0]);
	}
	if (geteuid() == 0) {
		ok(false, "still root after setpriv");
		return tap_done();
	}
	test_agent();
	test_own_thread();
	test_pause();
	return tap_done();
}
