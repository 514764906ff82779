// SPDX-License-Identifier: MIT
/* Agent windows as snapshots of one session: BPF loaded once, no sampling while paused, exact sums. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <sys/syscall.h>

#include <profile-bee/agent.h>

#include "tap.h"
#include "work.h"

#define MAX_WINDOWS 32
#define BPF_PROG_TYPE_PERF_EVENT 7

/* The fixture chain: root -> mid -> leaf, each calling out so frame pointers keep the caller. */
__attribute__((noinline)) void session_test_leaf(uint64_t n)
{
	work_tick(work_hash(n));
	work_sink++;
}

__attribute__((noinline)) void session_test_mid(uint64_t n)
{
	session_test_leaf(n);
	work_sink++;
}

__attribute__((noinline)) void session_test_root(uint64_t ms)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end)
		session_test_mid(work_sink);
	work_sink++;
}

/*
 * Of the samples whose stack holds the leaf, the share (percent) that hold root;mid;leaf; and
 * how many hold the leaf (the test's own thread; the agent's own threads are never sampled).
 */
static int chain_share_of_leaf(const struct pb_profile *p, uint64_t *leaf_samples)
{
	static const char *chain[] = { "session_test_root", "session_test_mid",
				       "session_test_leaf" };
	uint64_t leaf = 0, hit = 0;

	for (size_t i = 0; i < pb_profile__stack_count(p); i++) {
		const struct pb_stack *s = pb_profile__stack(p, i);
		bool has_leaf = false, has_chain = false;

		for (uint32_t d = 0; d < s->depth; d++) {
			has_leaf |= !strcmp(pb_profile__frame_name(p, s->frames[d]), chain[2]);
			if (d >= 2 && !strcmp(pb_profile__frame_name(p, s->frames[d - 2]), chain[0]) &&
			    !strcmp(pb_profile__frame_name(p, s->frames[d - 1]), chain[1]) &&
			    !strcmp(pb_profile__frame_name(p, s->frames[d]), chain[2]))
				has_chain = true;
		}
		leaf += has_leaf ? s->count : 0;
		hit += has_chain ? s->count : 0;
	}
	*leaf_samples = leaf;
	return leaf ? (int)(100 * hit / leaf) : -1;
}

/*
 * Programs count their runs only while run-time stats are on (kernel.bpf_stats_enabled, which
 * a benchmark may have turned off): on for this process's life, whatever the sysctl says.
 */
static int enable_run_counts(void)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.enable_stats.type = BPF_STATS_RUN_TIME;
	return (int)syscall(__NR_bpf, BPF_ENABLE_STATS, &attr, sizeof(attr)); /* fd kept open */
}

/* Our process's perf_event BPF program, from its fd's fdinfo: id and run count. */
static int our_prog(uint32_t *id, uint64_t *run_cnt)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int found = -ENOENT;

	while (d && (e = readdir(d))) {
		char path[300], link[64], line[128];
		unsigned type = 0, pid = 0;
		unsigned long long cnt = 0;
		ssize_t n;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0 || (link[n] = '\0', strcmp(link, "anon_inode:bpf-prog")))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%s", e->d_name);
		if (!(f = fopen(path, "re")))
			continue;
		while (fgets(line, sizeof(line), f)) {
			sscanf(line, "prog_type: %u", &type);
			sscanf(line, "prog_id: %u", &pid);
			sscanf(line, "run_cnt: %llu", &cnt);
		}
		fclose(f);
		if (type == BPF_PROG_TYPE_PERF_EVENT) {
			*id = pid;
			*run_cnt = cnt;
			found = 0;
			break;
		}
	}
	if (d)
		closedir(d);
	return found;
}

struct seen {
	int n;
	int share[MAX_WINDOWS];
	uint64_t total[MAX_WINDOWS], start_ns[MAX_WINDOWS], end_ns[MAX_WINDOWS];
	uint64_t leaf[MAX_WINDOWS]; /* samples of the test's thread, in the chain's leaf */
	uint32_t prog_id[MAX_WINDOWS];
	uint64_t paused_runs[MAX_WINDOWS]; /* BPF runs during 150 ms of the pause after it */
	bool probe_pause;
};

static int reporter(void *ctx, const struct pb_agent_window *w)
{
	struct seen *s = ctx;
	uint64_t before = 0, after = 0;
	int i = s->n;

	if (i >= MAX_WINDOWS)
		return 0;
	s->share[i] = chain_share_of_leaf(w->profile, &s->leaf[i]);
	s->total[i] = pb_profile__total(w->profile);
	s->start_ns[i] = w->start_ns;
	s->end_ns[i] = w->end_ns;
	our_prog(&s->prog_id[i], &before);
	if (s->probe_pause) {
		/* The reporter runs between windows: sampling is paused, the program must not run. */
		usleep(150 * 1000);
		our_prog(&s->prog_id[i], &after);
		s->paused_runs[i] = after - before;
	}
	s->n = i + 1;
	return 0;
}

static struct pb_agent *spawn(uint64_t duration_ms, uint64_t interval_ms, const char *unwinder,
			      struct seen *s)
{
	struct pb_agent_opts opts = { .sz = sizeof(opts), .frequency = 199,
				      .duration_ms = duration_ms, .interval_ms = interval_ms,
				      .unwinder = unwinder };
	struct pb_agent *a = NULL;

	if (pb_agent__new(&opts, &a))
		return NULL;
	pb_agent__set_reporter(a, reporter, s);
	if (pb_agent__spawn(a)) {
		diag("spawn: %s", pb_agent__strerror(a));
		pb_agent__free(a);
		return NULL;
	}
	return a;
}

static void test_paused(const char *unwinder)
{
	struct seen s = { .probe_pause = true };
	struct pb_agent_stats st = { .sz = sizeof(st) };
	struct pb_agent *a = spawn(300, 600, unwinder, &s);
	uint64_t paused_runs = 0;
	double worst = 0; /* the most leaf samples a window held for its length, as a share of 199 Hz */
	int min_share = 100, judged = 0;
	bool same_prog = true;

	ok(a != NULL, "%s: agent with 300 ms windows every 600 ms", unwinder);
	if (!a)
		return;
	/* 6 windows from the first one on, however long BPF took to load on a busy machine. */
	for (uint64_t end = now_ms() + 20000; now_ms() < end &&
					      __atomic_load_n(&s.n, __ATOMIC_ACQUIRE) < 6;)
		session_test_root(100);
	pb_agent__stop(a);
	pb_agent__get_stats(a, &st);
	/* The last window was cut short by stop: judged on the full ones only. */
	for (int i = 0; i + 1 < s.n; i++) {
		paused_runs += s.paused_runs[i];
		same_prog &= s.prog_id[i] == s.prog_id[0] && s.prog_id[0];
		/* A window the loaded machine gave the test thread no CPU in has nothing to judge. */
		if (s.leaf[i] >= 5 && s.share[i] < min_share)
			min_share = s.share[i];
		judged += s.leaf[i] >= 5;
		/* +2: a sample either side of the window's edges */
		if (s.end_ns[i] > s.start_ns[i]) {
			double want = (s.end_ns[i] - s.start_ns[i]) / 1e9 * 199 + 2;

			if (s.leaf[i] / want > worst)
				worst = s.leaf[i] / want;
		}
	}
	ok(s.n >= 6, "%s: %d windows", unwinder, s.n);
	ok(st.sessions == 1 && same_prog, "%s: BPF loaded once for %d windows (program id %u, "
	   "%" PRIu64 " session)", unwinder, s.n, s.prog_id[0], st.sessions);
	ok(paused_runs == 0, "%s: the BPF program ran %" PRIu64 " times in %d x 150 ms of pauses",
	   unwinder, paused_runs, s.n - 1);
	ok(min_share >= 90 && judged >= 4, "%s: root;mid;leaf in >= 90%% of the leaf's samples in "
	   "every full window with 5 or more (%d windows, worst %d%%)", unwinder, judged, min_share);
	/*
	 * The test's one busy thread at 199 Hz: no window holds more of its samples than the
	 * window's own length allows (a window runs past 300 ms when a loaded machine wakes the
	 * agent late, so its length is the measure; fewer when the 2 CPUs are shared). Only that
	 * thread's: dwarf's table builder, a thread of this process too, is busy in the first window.
	 */
	ok(worst <= 1.0 && worst > 0, "%s: no window holds more of the test "
	   "thread's samples than its length at 199 Hz (at most %.0f%% of that): nothing sampled "
	   "between windows", unwinder, worst * 100);
	pb_agent__free(a);
}

static void test_continuous(void)
{
	struct seen s = { 0 };
	struct pb_agent_stats st = { .sz = sizeof(st) };
	struct pb_agent *a = spawn(300, 300, "fp", &s);
	uint32_t id0 = 0, id1 = 0;
	uint64_t run0 = 0, run1 = 0, sum = 0;
	bool contiguous = true;

	ok(a != NULL, "continuous: agent with 300 ms windows every 300 ms");
	if (!a)
		return;
	session_test_root(2000);
	our_prog(&id0, &run0);
	session_test_root(2000);
	our_prog(&id1, &run1);
	pb_agent__stop(a);
	pb_agent__get_stats(a, &st);
	for (int i = 0; i < s.n; i++) {
		sum += s.total[i];
		if (i && s.start_ns[i] != s.end_ns[i - 1])
			contiguous = false;
	}
	ok(s.n >= 10 && contiguous, "continuous: %d windows, each starting where the last ended",
	   s.n);
	ok(sum == st.samples && st.sessions == 1 && id0 == id1,
	   "continuous: windows sum to the agent's count (%" PRIu64 " = %" PRIu64 "), one session",
	   sum, st.samples);
	diag("BPF runs in the middle 2 s (every CPU, filtered ones too): %" PRIu64, run1 - run0);
}

/*
 * The session itself, system-wide with idle kept: every run of the BPF program is a sample, so
 * the snapshots' sum must equal the program's run count, across continuous and paused windows.
 */
static void sample_ms(struct pb_session *s, uint64_t ms)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end && pb_session__poll(s, (int)(end - now_ms())) == 0)
		;
}

static uint64_t take(struct pb_session *s)
{
	struct pb_profile *p = NULL;
	uint64_t n = 0;

	if (!pb_session__snapshot(s, &p))
		n = pb_profile__total(p);
	pb_profile__free(p);
	return n;
}

static void test_session_sums(void)
{
	struct pb_session_opts so = { .sz = sizeof(so), .frequency = 199, .idle = true,
				      .quiet = true };
	struct pb_session *s = NULL;
	uint64_t r0 = 0, r1 = 0, paused0 = 0, paused1 = 0, sum = 0, runs;
	uint32_t id = 0;

	if (pb_session__new(&so, &s) || pb_session__start(s)) {
		ok(0, "session: start: %s", s ? pb_session__strerror(s) : "");
		pb_session__free(s);
		return;
	}
	ok(pb_session__pause(s) == 0 && pb_session__paused(s), "session: pause");
	take(s);
	our_prog(&id, &r0);
	for (int i = 0; i < 8; i++) {
		pb_session__resume(s);
		sample_ms(s, 250);
		if (i % 2) /* odd windows end in a pause; even ones run on into the next */
			pb_session__pause(s);
		sum += take(s);
	}
	pb_session__pause(s);
	sum += take(s);
	our_prog(&id, &paused0);
	usleep(200 * 1000);
	our_prog(&id, &paused1);
	r1 = paused1;
	runs = r1 - r0;
	ok(sum <= runs && runs - sum <= runs / 100,
	   "session: 9 snapshots hold %" PRIu64 " samples, the program ran %" PRIu64
	   " times (within 1%%, none twice)", sum, runs);
	ok(paused1 == paused0, "session: paused 200 ms, no BPF run (%" PRIu64 ")",
	   paused1 - paused0);
	ok(take(s) == 0, "session: a snapshot while paused is empty");
	pb_session__finish(s);
	pb_session__free(s);
}

/*
 * The whole-run profile is kept only for an output that takes it: with a windowed output alone
 * (serve) the session holds none; with a file output too it holds what the file got.
 */
struct run {
	struct pb_session *s;
	int err;
};

static void *run_session(void *arg)
{
	struct run *r = arg;

	r->err = pb_session__run(r->s); /* on a thread of its own: never sampled */
	return NULL;
}

static uint64_t folded_total(const char *path)
{
	char line[4096];
	uint64_t n = 0;
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f)) {
		char *sp = strrchr(line, ' ');

		n += sp ? strtoull(sp + 1, NULL, 10) : 0;
	}
	if (f)
		fclose(f);
	return n;
}

/* Samples of the whole-run profile after 1 s of windows (every 200 ms), or UINT64_MAX. */
static uint64_t whole_run(const char *file, uint64_t *span_ms)
{
	uint32_t self = (uint32_t)getpid();
	struct pb_session_opts so = { .sz = sizeof(so), .frequency = 199, .window_ms = 200,
				      .duration_ms = 1000, .pids = &self, .n_pids = 1,
				      .quiet = true };
	struct run r = { 0 };
	uint64_t whole = UINT64_MAX;
	pthread_t t;

	if (pb_session__new(&so, &r.s) ||
	    pb_session__add_output(r.s, "serve", "listen=127.0.0.1:0,keep-serving=false") ||
	    (file && pb_session__add_output(r.s, file, NULL)) ||
	    pthread_create(&t, NULL, run_session, &r)) {
		diag("whole-run: %s", r.s ? pb_session__strerror(r.s) : "no session");
		pb_session__free(r.s);
		return whole;
	}
	session_test_root(1500);
	pthread_join(t, NULL);
	if (!r.err) {
		const struct pb_profile *p = pb_session__profile(r.s);
		const struct pb_profile_meta *m = pb_profile__meta_const(p);

		whole = pb_profile__total(p);
		*span_ms = (m->end_ns - m->start_ns) / 1000000;
	} else {
		diag("whole-run: %s", pb_session__strerror(r.s));
	}
	pb_session__free(r.s);
	return whole;
}

static void test_whole_run_kept_only_when_needed(void)
{
	char path[] = "/tmp/pb-whole-XXXXXX.folded";
	uint64_t span = 0, whole, in_file;
	int fd = mkstemps(path, 7);

	whole = whole_run(NULL, &span);
	ok(whole == 0 && span >= 900,
	   "whole-run: a windowed output alone: no whole-run profile kept over %" PRIu64
	   " ms (%" PRIu64 " samples)", span, whole);
	if (fd >= 0)
		close(fd);
	whole = whole_run(path, &span);
	in_file = folded_total(path);
	ok(whole != UINT64_MAX && whole == in_file && whole > 20,
	   "whole-run: with a file output too, it holds the run (%" PRIu64 " samples, the file %"
	   PRIu64 ")", whole, in_file);
	unlink(path);
}

int main(void)
{
	if (geteuid() != 0)
		return tap_skip_all("needs root");
	if (enable_run_counts() < 0)
		return tap_skip_all("BPF_ENABLE_STATS refused");
	test_paused("fp");
	test_paused("dwarf");
	test_continuous();
	test_session_sums();
	test_whole_run_kept_only_when_needed();
	return tap_done();
}
