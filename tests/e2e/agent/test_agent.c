// SPDX-License-Identifier: MIT
/* The agent profiling its own process: windows, reporter, stop time, metadata, outputs, errors. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <profile-bee/agent.h>

#include "../../unit/hostmeta/fake_metadata_server.h"
#include "app.h"
#include "tap.h"
#include "work.h"

static void test_self_profile(void)
{
	struct pb_agent_stats st = { .sz = sizeof(st) };
	struct pb_agent *a;
	struct seen s;
	int err, min_share, min_ms, max_ms, before;
	uint64_t t0, stop_ms, spawn_ms;

	seen_init(&s);
	ok(!new_agent(300, 400, NULL, &a), "pb_agent__new");
	pb_agent__set_reporter(a, seen_reporter, &s);
	t0 = now_ms();
	err = pb_agent__spawn(a);
	spawn_ms = now_ms() - t0;
	ok(err == 0, "pb_agent__spawn returns 0 as root (%s)", pb_agent__strerror(a));
	ok(spawn_ms < 500, "pb_agent__spawn returned at once (%" PRIu64 " ms): sampling starts on "
	   "the agent's thread", spawn_ms);
	before = seen_wait_windows(&s, 3);
	/* Mid-window: stop ends it early, still reporting it. */
	agent_test_busy(150);
	t0 = now_ms();
	pb_agent__stop(a);
	stop_ms = now_ms() - t0;
	ok(stop_ms < 1000 + s.last_report_ms, "pb_agent__stop returned in %" PRIu64
	   " ms (bound: 1000 + last report %" PRIu64 " ms)", stop_ms, s.last_report_ms);
	seen_full_windows(&s, &min_share, &min_ms, &max_ms);
	ok(before >= 3 && s.windows > before, "windows every 400 ms: %d before stop, %d after "
	   "(the window in progress was reported)", before, s.windows);
	ok(s.indices_in_order, "window indices count up from 0");
	ok(s.pids_ok, "every window is this process (pid %d) and nothing else", getpid());
	ok(min_ms >= 280 && max_ms <= 600, "full windows last about 300 ms (%d..%d ms)", min_ms,
	   max_ms);
	ok(min_share >= 50, "the application's own chain agent_test_busy;agent_test_leaf holds "
	   ">= 50%% of every full window's samples (worst window: %d%%)", min_share);
	ok(s.folded_same, "pb_profile__write_format(\"folded\") is the folded text");
	ok(s.svg_ok, "pb_profile__write_format(\"svg\") renders a flame graph with our frames");
	ok(s.json_ok, "pb_profile__write_format(\".json\") renders JSON with our frames");
	is_str(s.host.ec2_instance_id, FAKE_INSTANCE_ID,
	       "window metadata: EC2 instance (fake IMDSv2)");
	is_str(s.host.ec2_region, FAKE_REGION, "window metadata: EC2 region");
	is_str(s.host.ecs_task_arn, FAKE_TASK_ARN, "window metadata: ECS task (fake endpoint)");
	is_str(s.host.k8s_pod_name, "checkout-5f7c", "window metadata: Kubernetes pod");
	is_str(s.host.k8s_namespace, "shop", "window metadata: Kubernetes namespace");
	pb_agent__get_stats(a, &st);
	ok(st.windows == (uint64_t)s.windows && st.reported == st.windows &&
	   st.samples == s.samples && !st.failed_windows && !st.reporter_failures,
	   "stats: %" PRIu64 " windows, %" PRIu64 " reported, %" PRIu64 " samples, no failures",
	   st.windows, st.reported, st.samples);
	ok(pb_agent__stop(a) == 0, "a second pb_agent__stop is harmless");
	pb_agent__free(a);
}

static void test_bad_reporter(void)
{
	struct pb_agent_stats st = { .sz = sizeof(st) };
	uint64_t t0, end, work_ms, stop_ms;
	struct pb_agent *a;
	struct seen s;
	bool entered;

	seen_init(&s);
	s.fail_every = 2; /* windows 0, 2, 4 ... fail */
	s.block = true;	  /* window 1's report waits until the application releases it */
	new_agent(150, 200, NULL, &a);
	pb_agent__set_reporter(a, seen_reporter, &s);
	pb_agent__spawn(a);
	end = now_ms() + 20000;
	do {
		agent_test_busy(20);
		pthread_mutex_lock(&s.lock);
		entered = s.entered;
		pthread_mutex_unlock(&s.lock);
	} while (!entered && now_ms() < end);
	t0 = now_ms();
	diag("longest pause of the application while its reporter is blocked: %" PRIu64 " ms",
	     agent_test_busy(300));
	work_ms = now_ms() - t0;
	pthread_mutex_lock(&s.lock);
	s.release = true;
	pthread_cond_broadcast(&s.cv);
	pthread_mutex_unlock(&s.lock);
	seen_wait_windows(&s, 5);
	t0 = now_ms();
	pb_agent__stop(a);
	stop_ms = now_ms() - t0;
	ok(entered && s.released_in_time, "while the reporter was blocked the application went on "
	   "(300 ms of work in %" PRIu64 " ms) and released it", work_ms);
	pb_agent__get_stats(a, &st);
	ok(st.reporter_failures >= 2 && st.windows >= 5,
	   "windows go on after reporter failures: %" PRIu64 " windows, %" PRIu64 " failed reports",
	   st.windows, st.reporter_failures);
	ok(stop_ms < 1000 + s.last_report_ms, "pb_agent__stop in %" PRIu64 " ms", stop_ms);
	pb_agent__free(a);
}

static int count_lines_matching(const char *path, const char *needle)
{
	char line[8192];
	int n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

static void test_outputs(const char *tmp)
{
	struct pb_agent_stats st = { .sz = sizeof(st) };
	char target[512], path[600];
	struct pb_agent *a;
	struct seen s;
	int found = 0, files = 0;

	seen_init(&s);
	new_agent(200, 250, NULL, &a);
	snprintf(target, sizeof(target), "%s/window-{window}.folded", tmp);
	ok(!pb_agent__add_output(a, target, NULL), "add_output with a per-window file name");
	ok(!pb_agent__add_output(a, "/nonexistent/dir/x.folded", NULL),
	   "add_output of a file that cannot be written (checked when written)");
	pb_agent__set_reporter(a, seen_reporter, &s);
	ok(!pb_agent__spawn(a), "spawn with outputs");
	seen_wait_windows(&s, 3);
	pb_agent__stop(a);
	pb_agent__get_stats(a, &st);
	/* The last window, cut short by stop, may hold no work: it need only exist. */
	for (int i = 0; i < s.windows; i++) {
		snprintf(path, sizeof(path), "%s/window-%d.folded", tmp, i);
		files += access(path, F_OK) == 0;
		if (i < s.windows - 1)
			found += count_lines_matching(path, "agent_test_busy;agent_test_leaf") > 0;
	}
	ok(s.windows >= 3 && files == s.windows && found == s.windows - 1,
	   "every window in its own folded file (%d of %d), our chain in every full one (%d)",
	   files, s.windows, found);
	ok(st.output_failures == st.windows && s.status_errors == s.windows &&
	   st.reported == st.windows, "the failing output is counted in every window (%" PRIu64
	   ") and the reporter still gets each window, with status -EIO", st.output_failures);
	ok(strstr(st.last_error, "outputs") != NULL, "last_error says an output failed: %s",
	   st.last_error);
	pb_agent__free(a);
}

static void refused(const struct pb_agent_opts *opts, const char *want);

struct labelled {
	int windows, stacks, carrying;
};

/* Counts the stacks of each window that carry service=agent-test. */
static int label_reporter(void *ctx, const struct pb_agent_window *w)
{
	struct labelled *l = ctx;

	l->windows++;
	for (size_t i = 0; i < pb_profile__stack_count(w->profile); i++) {
		const struct pb_stack *st = pb_profile__stack(w->profile, i);
		const char *v = pb_profile__label(w->profile, st->labels, "service");

		l->stacks++;
		l->carrying += v && !strcmp(v, "agent-test");
	}
	return 0;
}

static void test_labels(void)
{
	static const struct pb_label labels[] = { { "service", "agent-test" } };
	struct pb_agent_opts opts = { .sz = sizeof(opts), .frequency = 499, .duration_ms = 300,
				      .interval_ms = 300, .labels = labels, .n_labels = 1,
				      .group_by = "label:service" };
	struct labelled l = { 0 };
	struct pb_agent *a;

	ok(!pb_agent__new(&opts, &a), "pb_agent__new with labels");
	pb_agent__set_reporter(a, label_reporter, &l);
	ok(!pb_agent__spawn(a), "spawn (%s)", pb_agent__strerror(a));
	/* Two windows from the first one on, however long BPF took to load on a busy machine. */
	for (int i = 0; i < 100 && __atomic_load_n(&l.windows, __ATOMIC_ACQUIRE) < 3; i++)
		agent_test_busy(100);
	pb_agent__stop(a);
	pb_agent__free(a);
	ok(l.windows >= 2 && l.stacks > 0 && l.carrying == l.stacks,
	   "pb_agent_opts.labels: every stack of every window carries service=agent-test "
	   "(%d of %d stacks, %d windows)", l.carrying, l.stacks, l.windows);
	opts.group_by = "colour";
	refused(&opts, "group_by 'colour' is not container, pod or label:NAME");
}

/* pb_agent__spawn refuses opts with -EINVAL, saying want. */
static void refused(const struct pb_agent_opts *opts, const char *want)
{
	char said[1024];

	ok(agent_refuses(opts, want, said, sizeof(said)), "refused: -EINVAL, \"%s\"", said);
}

static void test_errors(void)
{
	struct pb_agent *a;
	int err, status;
	pid_t pid;

	new_agent(100, 100, "no-such-unwinder", &a);
	err = pb_agent__spawn(a);
	ok(err == -ENOENT && strstr(pb_agent__strerror(a), "no-such-unwinder"),
	   "unknown unwinder: -ENOENT, \"%s\"", pb_agent__strerror(a));
	pb_agent__free(a);

	new_agent(100, 100, NULL, &a);
	pb_agent__add_output(a, "profile.nope", NULL);
	err = pb_agent__spawn(a);
	ok(err == -EINVAL && strstr(pb_agent__strerror(a), "profile.nope"),
	   "unknown output: -EINVAL, \"%s\"", pb_agent__strerror(a));
	pb_agent__free(a);

	new_agent(100, 100, NULL, &a);
	pb_agent__add_output(a, "x.svg", "no-such-key=1");
	err = pb_agent__spawn(a);
	ok(err == -ENOENT || err == -EINVAL, "unknown output setting refused at spawn: \"%s\"",
	   pb_agent__strerror(a));
	pb_agent__free(a);

	/* Options that are [profile] settings are checked against its table, as conf files are. */
	refused(&(struct pb_agent_opts){ .sz = sizeof(struct pb_agent_opts), .frequency = 200000,
					 .duration_ms = 100, .interval_ms = 100 },
		"pb_agent_opts.frequency: profile: 'frequency' must be from 1 to 100000, "
		"not '200000'");
	refused(&(struct pb_agent_opts){ .sz = sizeof(struct pb_agent_opts), .hash_storage_size = 8,
					 .duration_ms = 100, .interval_ms = 100 },
		"pb_agent_opts.hash_storage_size: profile: 'hash-storage-size' must be from 16 to");
	refused(&(struct pb_agent_opts){ .sz = sizeof(struct pb_agent_opts), .duration_ms = 600,
					 .interval_ms = 500 },
		"pb_agent_opts.duration_ms (600) is longer than interval_ms (500)");
	refused(&(struct pb_agent_opts){ .sz = sizeof(struct pb_agent_opts), .duration_ms = 20,
					 .interval_ms = 1000 },
		"pb_agent_opts.duration_ms (20) is below 50 ms");

	ok(pb_agent__stop(NULL) == -EINVAL, "pb_agent__stop(NULL)");
	pb_agent__free(NULL);
	new_agent(100, 100, NULL, &a);
	ok(pb_agent__stop(a) == 0, "pb_agent__stop before spawn");
	pb_agent__free(a);

	/*
	 * Without privileges, and perf_event_paranoid 3 (for this check, restored after): neither
	 * BPF nor plain perf events (test_agent_nobpf runs the agent at 2).
	 */
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r+");
	char old[16] = "";

	if (f && fgets(old, sizeof(old), f) && !fseek(f, 0, SEEK_SET))
		fputs("3", f);
	if (f)
		fclose(f);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct pb_agent *b;

		if (setgid(65534) || setuid(65534))
			_exit(3);
		new_agent(100, 100, NULL, &b);
		err = pb_agent__spawn(b);
		if (err == -EPERM && strstr(pb_agent__strerror(b), "root") &&
		    strstr(pb_agent__strerror(b), "perf_event_paranoid is 3"))
			_exit(0);
		fprintf(stderr, "spawn as nobody: %d %s\n", err, pb_agent__strerror(b));
		_exit(1);
	}
	waitpid(pid, &status, 0);
	if (old[0] && (f = fopen("/proc/sys/kernel/perf_event_paranoid", "w"))) {
		fputs(old, f);
		fclose(f);
	}
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "without privileges and perf_event_paranoid 3, pb_agent__spawn fails with -EPERM and "
	   "says it needs root or perf_event_paranoid 2");
}

static void test_dwarf(void)
{
	struct pb_agent *a;
	struct seen s;

	seen_init(&s);
	ok(!new_agent(800, 1000, "dwarf", &a), "agent with the dwarf unwinder");
	pb_agent__set_reporter(a, seen_reporter, &s);
	ok(!pb_agent__spawn(a), "spawn (dwarf): %s", pb_agent__strerror(a));
	seen_wait_windows(&s, 2);
	pb_agent__stop(a);
	/* Each window is a new session whose tables are built again: the first walks may wait. */
	ok(s.windows >= 2 && (s.share[0] >= 50 || s.share[1] >= 50),
	   "dwarf: our chain holds >= 50%% of a window's samples (%d%%, %d%%)", s.share[0],
	   s.share[1]);
	pb_agent__free(a);
}

static void test_system_wide(void)
{
	struct pb_agent_opts opts = { .sz = sizeof(opts), .frequency = 499, .duration_ms = 400,
				      .interval_ms = 1000, .system_wide = true };
	struct pb_agent *a;
	struct seen s;
	pid_t child = fork();

	if (child == 0) {
		agent_test_busy(30000);
		_exit(0);
	}
	seen_init(&s);
	s.other_pid = child;
	pb_agent__new(&opts, &a);
	pb_agent__set_reporter(a, seen_reporter, &s);
	ok(!pb_agent__spawn(a), "spawn system-wide");
	seen_wait_windows(&s, 1);
	pb_agent__stop(a);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	ok(s.other_seen, "system_wide: the window holds another process (pid %d)", child);
	pb_agent__free(a);
}

struct in_cgroup {
	pid_t pid;
	int windows;
	uint64_t inside, outside; /* samples of pid, of any other process */
};

static int cgroup_reporter(void *ctx, const struct pb_agent_window *w)
{
	struct in_cgroup *c = ctx;

	for (size_t i = 0; i < pb_profile__stack_count(w->profile); i++) {
		const struct pb_stack *st = pb_profile__stack(w->profile, i);

		if ((pid_t)st->pid == c->pid)
			c->inside += st->count;
		else
			c->outside += st->count;
	}
	__atomic_add_fetch(&c->windows, 1, __ATOMIC_RELEASE);
	return 0;
}

/* pb_agent_opts.cgroups: system-wide, yet only the child moved into a cgroup of its own. */
static void test_cgroups(void)
{
	struct pb_agent_opts opts = { .sz = sizeof(opts), .frequency = 499, .duration_ms = 400,
				      .interval_ms = 400, .system_wide = true };
	char dir[256], procs[300], root[256] = "";
	struct in_cgroup c = { 0 };
	struct pb_agent *a;
	FILE *f = fopen("/proc/self/mounts", "r");
	char line[512], path[256], type[64];
	pid_t child;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %255s %63s", path, type) == 2 && !strcmp(type, "cgroup2")) {
			snprintf(root, sizeof(root), "%s", path);
			break;
		}
	if (f)
		fclose(f);
	if (!root[0]) {
		ok(false, "pb_agent_opts.cgroups: no cgroup v2 hierarchy mounted");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/pb-agent-test-%d", root, (int)getpid());
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	if ((child = fork()) == 0) {
		agent_test_busy(30000);
		_exit(0);
	}
	mkdir(dir, 0755);
	f = fopen(procs, "w");
	ok(f && fprintf(f, "%d\n", (int)child) > 0 && !fclose(f), "child moved into %s", dir);
	c.pid = child;
	opts.cgroups = dir;
	pb_agent__new(&opts, &a);
	pb_agent__set_reporter(a, cgroup_reporter, &c);
	ok(!pb_agent__spawn(a), "spawn system-wide with cgroups (%s)", pb_agent__strerror(a));
	for (int i = 0; i < 100 && __atomic_load_n(&c.windows, __ATOMIC_ACQUIRE) < 2; i++)
		usleep(100000);
	pb_agent__stop(a);
	pb_agent__free(a);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	rmdir(dir);
	ok(c.windows >= 2 && c.inside >= 20 && c.outside == 0,
	   "pb_agent_opts.cgroups: only the child's samples, system-wide (%" PRIu64
	   " inside, %" PRIu64 " outside, %d windows)", c.inside, c.outside, c.windows);
	opts.cgroups = "pb-no-such-cgroup";
	refused(&opts, "pb-no-such-cgroup' does not exist");
}

int main(void)
{
	char env[128], tmp[] = "/tmp/pb-agent-test.XXXXXX", cmd[64];
	const char *why = agent_cannot_run();
	struct fake_server fs;

	if (why)
		return tap_skip_all(why);
	/* Host metadata comes from fakes on loopback, before anything asks for it. */
	if (fake_server_start(&fs)) {
		ok(false, "cannot start the fake metadata server");
		return tap_done();
	}
	snprintf(env, sizeof(env), "http://127.0.0.1:%u/", fs.port);
	setenv("PB_IMDS_ENDPOINT", env, 1);
	snprintf(env, sizeof(env), "http://127.0.0.1:%u/v4", fs.port);
	setenv("ECS_CONTAINER_METADATA_URI_V4", env, 1);
	setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1); /* only read, never contacted */
	setenv("POD_NAME", "checkout-5f7c", 1);
	setenv("POD_NAMESPACE", "shop", 1);
	unsetenv("AWS_EC2_METADATA_DISABLED");
	if (!mkdtemp(tmp)) {
		fake_server_stop(&fs);
		return 1;
	}
	test_errors();
	test_self_profile();
	test_bad_reporter();
	test_outputs(tmp);
	test_dwarf();
	test_cgroups();
	test_system_wide();
	test_labels();
	fake_server_stop(&fs);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd))
		diag("cannot remove %s", tmp);
	return tap_done();
}
