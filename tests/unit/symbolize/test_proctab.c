// SPDX-License-Identifier: MIT
/* The process table on live processes that dlopen, exec, fork and exit (needs root). */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include "symbolize/proctab.h"
#include "symbolize/symbolizer.h"
#include "tap.h"

int main(int argc, char **argv);
static const char *self_path;

/* What the callbacks saw. */
struct seen {
	uint32_t pid;
	int mappings_with_dl;
	int exits;
};

static void on_mapping(void *ctx, uint32_t pid, const struct pb_mapping *m)
{
	struct seen *s = ctx;

	if (pid == s->pid && strstr(m->path, "libpbfix_dl.so"))
		s->mappings_with_dl++;
}

static void on_exit_cb(void *ctx, uint32_t pid)
{
	struct seen *s = ctx;

	if (pid == s->pid)
		s->exits++;
}

/* Consumes records until the child's exit was seen (or 5 s passed). */
static void consume_until_exit(struct pb_proctab *t, struct seen *seen)
{
	int fds[256], n = pb_proctab__poll_fds(t, fds, 256);
	struct pollfd pfd[256];
	time_t deadline = time(NULL) + 5;

	for (int i = 0; i < n; i++)
		pfd[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
	while (!seen->exits && time(NULL) < deadline) {
		poll(pfd, n, 100); /* the watermark may not be reached: consume anyway */
		pb_proctab__consume(t);
	}
}

/*
 * A child that execs this binary in "child" mode (it dlopens the fixture and prints its pid and
 * where) or "forker" mode (its own child does that).
 */
static pid_t spawn_child(const char *how, int *go_w, FILE **out, int *in_w, bool wait_go)
{
	int go[2], o[2], i[2];
	pid_t pid;

	if (pipe(go) || pipe(o) || pipe(i))
		return -1;
	pid = fork();
	if (pid == 0) {
		char c;

		if (wait_go && read(go[0], &c, 1) != 1)
			_exit(126);
		dup2(o[1], 1);
		dup2(i[0], 0);
		execl(self_path, self_path, how, (char *)NULL);
		_exit(127);
	}
	close(go[0]);
	close(o[1]);
	close(i[0]);
	*go_w = go[1];
	*in_w = i[1];
	*out = fdopen(o[0], "r");
	return pid;
}

/* Child mode: the library is dlopen'ed only now, after the parent started tracking. */
static int child_main(void)
{
	void *h = dlopen(getenv("PBFIX_DL"), RTLD_NOW);
	char c;

	if (!h)
		return 1;
	printf("%d %" PRIxPTR "\n", (int)getpid(), (uintptr_t)dlsym(h, "pbfix_dl_entry"));
	fflush(stdout);
	return read(0, &c, 1) < 0;
}

static int forker_main(void)
{
	pid_t pid = fork();

	if (pid == 0)
		return child_main();
	return pid < 0 || waitpid(pid, NULL, 0) != pid;
}

static void run_scenario(bool system_wide)
{
	const char *mode = system_wide ? "system-wide" : "pid mode";
	struct seen seen = {0};
	struct pb_proctab_callbacks cb = {
	    .on_mapping = on_mapping, .on_exit = on_exit_cb, .ctx = &seen};
	struct pb_proctab *t = NULL;
	struct pb_symbolizer *sym = NULL;
	const struct pb_mapping *m;
	uintptr_t addr = 0;
	int go = -1, in = -1, err;
	FILE *out = NULL;
	pid_t pid;

	err = pb_proctab__new(system_wide, &cb, &t);
	ok(!err, "%s: pb_proctab__new (%d)", mode, err);
	if (err)
		return;
	pb_symbolizer__new(&sym);
	/* pid mode tracks the child before it execs; system-wide learns of it from records. */
	pid = spawn_child("child", &go, &out, &in, !system_wide);
	ok(pid > 0, "%s: spawn the child", mode);
	if (pid <= 0)
		return;
	seen.pid = pid;
	if (!system_wide)
		ok(!pb_proctab__track(t, pid), "%s: track the child", mode);
	if (write(go, "g", 1) != 1 || !out || fscanf(out, "%*d %" SCNxPTR, &addr) != 1)
		addr = 0;
	ok(addr != 0, "%s: child dlopen'ed the library at %#" PRIxPTR, mode, addr);
	pb_proctab__consume(t);
	ok(seen.mappings_with_dl > 0, "%s: on_mapping saw the library", mode);
	m = pb_proctab__find(t, pid, addr);
	ok(m && strstr(m->path, "/libpbfix_dl.so"), "%s: live child's library mapping", mode);
	ok(m && !strncmp(m->open_path, "/proc/", 6), "%s: opened through /proc while alive (%s)",
	   mode, m ? m->open_path : "-");
	is_str(pb_proctab__comm(t, pid), "test_proctab", "%s: comm after exec", mode);

	if (write(in, "\n", 1) != 1)
		kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	consume_until_exit(t, &seen);
	ok(seen.exits == 1, "%s: on_exit called once", mode);
	m = pb_proctab__find(t, pid, addr);
	ok(m && strstr(m->path, "/libpbfix_dl.so"), "%s: mapping kept after exit", mode);
	ok(m && m->open_path == m->path, "%s: open_path is the plain path after exit", mode);
	is_str(pb_symbolizer__user(sym, m, addr, false), "pbfix_dl_entry",
	       "%s: exited process's dlopen'ed function symbolizes", mode);
	pb_proctab__end_window(t);
	ok(!pb_proctab__find(t, pid, addr), "%s: forgotten after the window ends", mode);
	ok(!pb_proctab__comm(t, pid), "%s: comm forgotten too", mode);
	fclose(out);
	close(go);
	close(in);
	pb_symbolizer__free(sym);
	pb_proctab__free(t);
}

/* pid mode follows forks: a tracked process's child dlopens, exits, and is still known. */
static void test_fork_pid_mode(void)
{
	struct seen seen = {0};
	struct pb_proctab_callbacks cb = {
	    .on_mapping = on_mapping, .on_exit = on_exit_cb, .ctx = &seen};
	struct pb_proctab *t = NULL;
	const struct pb_mapping *m;
	uintptr_t addr = 0;
	int go = -1, in = -1, gpid = 0;
	FILE *out = NULL;
	pid_t pid;

	if (pb_proctab__new(false, &cb, &t))
		return;
	pid = spawn_child("forker", &go, &out, &in, true);
	ok(pid > 0 && !pb_proctab__track(t, pid), "fork: track the parent");
	if (write(go, "g", 1) != 1 || !out || fscanf(out, "%d %" SCNxPTR, &gpid, &addr) != 2)
		addr = 0;
	ok(addr && gpid > 0 && gpid != pid, "fork: grandchild %d dlopen'ed at %#" PRIxPTR, gpid,
	   addr);
	seen.pid = gpid;
	if (write(in, "\n", 1) != 1 && pid > 0)
		kill(pid, SIGKILL);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	consume_until_exit(t, &seen);
	ok(seen.mappings_with_dl > 0, "fork: on_mapping saw the grandchild's library");
	ok(seen.exits == 1, "fork: the grandchild's exit was seen");
	m = pb_proctab__find(t, gpid, addr);
	ok(m && strstr(m->path, "/libpbfix_dl.so"), "fork: grandchild's mapping kept after exit");
	is_str(pb_proctab__comm(t, gpid), "test_proctab", "fork: comm inherited");
	if (out)
		fclose(out);
	close(go);
	close(in);
	pb_proctab__free(t);
}

/* A live process the table never heard of is read from /proc on a miss. */
static void test_find_reads_proc(void)
{
	struct pb_proctab *t = NULL;
	const struct pb_mapping *m;

	if (pb_proctab__new(false, NULL, &t))
		return;
	m = pb_proctab__find(t, getpid(), (uintptr_t)main);
	ok(m && m->start <= (uintptr_t)main && (uintptr_t)main < m->end,
	   "find on an unknown live pid reads /proc/PID/maps");
	ok(!pb_proctab__find(t, getpid(), 0x10), "an unmapped address is NULL");
	ok(!pb_proctab__find(t, 0x7ffffff0, 0x1000), "an absent pid is NULL");
	pb_proctab__free(t);
	pb_proctab__free(NULL);
}

/* A pid looked up but followed by nobody: no exit record reaches the table; the sweep does. */
static void test_sweep(void)
{
	struct seen seen = {0};
	struct pb_proctab_callbacks cb = {.on_exit = on_exit_cb, .ctx = &seen};
	struct pb_proctab *t = NULL;
	pid_t child = fork();
	int windows = 0;

	if (child == 0) {
		pause();
		_exit(0);
	}
	seen.pid = child;
	if (child < 0 || pb_proctab__new(false, &cb, &t)) {
		ok(0, "sweep: set-up");
		return;
	}
	ok(pb_proctab__comm(t, child) != NULL, "sweep: an unfollowed pid looked up is kept");
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	pb_proctab__consume(t);
	pb_proctab__end_window(t);
	ok(seen.exits == 0, "sweep: its exit reaches nobody at once (pid mode, not tracked)");
	while (!seen.exits && windows++ < 40)
		pb_proctab__end_window(t);
	ok(seen.exits == 1 && windows <= 30, "sweep: found gone within 30 windows (%d)", windows);
	pb_proctab__end_window(t);
	ok(!pb_proctab__comm(t, child), "sweep: and forgotten after that window");
	pb_proctab__free(t);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "child"))
		return child_main();
	if (argc > 1 && !strcmp(argv[1], "forker"))
		return forker_main();
	self_path = argv[0];
	if (geteuid() != 0)
		return tap_skip_all("perf side-band events need root");
	if (!getenv("PBFIX_DL")) {
		ok(0, "PBFIX_DL names the fixture library");
		return tap_done();
	}
	test_find_reads_proc();
	run_scenario(false);
	run_scenario(true);
	test_fork_pid_mode();
	test_sweep();
	return tap_done();
}
