// SPDX-License-Identifier: MIT
/* Drives the fp unwinder through its ops against a fixture with a known call chain (TAP). */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <profile-bee/plugin.h>

#include "plugin_loader.h"
#include "sampling/perf_events.h"
#include "tap.h"

/* ---- the fixture's functions, at their run-time addresses ---- */

enum { F_C, F_B, F_A, F_MAIN, N_FN }; /* leaf first, as stacks come */
static const char *fn_names[N_FN] = {"fx_c", "fx_b", "fx_a", "main"};
static uint64_t fn_start[N_FN], fn_end[N_FN];

/* nm gives offsets and sizes; the fixture printed where fx_c really is (PIE). */
static int load_symbols(const char *fixture, uint64_t fx_c_addr)
{
	char cmd[512], line[512], name[128], type;
	unsigned long long addr, size;
	uint64_t off[N_FN] = {0}, sz[N_FN] = {0};
	FILE *p;
	int i;

	snprintf(cmd, sizeof(cmd), "nm -S --defined-only '%s'", fixture);
	p = popen(cmd, "r");
	if (!p)
		return -errno;
	/* Lines without a size ("addr type name") do not match and are skipped. */
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, "%llx %llx %c %127s", &addr, &size, &type, name) == 4)
			for (i = 0; i < N_FN; i++)
				if (!strcmp(name, fn_names[i])) {
					off[i] = addr;
					sz[i] = size;
				}
	pclose(p);
	for (i = 0; i < N_FN; i++) {
		if (!sz[i])
			return -ENOENT;
		fn_start[i] = off[i] - off[F_C] + fx_c_addr;
		fn_end[i] = fn_start[i] + sz[i];
	}
	return 0;
}

static bool in_fn(uint64_t ip, int f)
{
	return ip >= fn_start[f] && ip < fn_end[f];
}

/* ---- what a drain saw ---- */

struct seen {
	uint32_t fixture_pid, child_pid;
	uint64_t total, other_pid;
	uint64_t main_total, main_deep, main_chain;
	uint64_t sys_total, sys_kernel;
	uint64_t child_total;
	uint64_t with_kernel;
};

static int on_stack(void *ctx, const struct pb_raw_stack *s)
{
	struct seen *v = ctx;
	int f;

	v->total += s->count;
	if (s->n_kernel)
		v->with_kernel += s->count;
	if (!v->fixture_pid) /* system-wide session */
		return 0;
	if (s->pid != v->fixture_pid && s->pid != v->child_pid) {
		v->other_pid += s->count;
		fprintf(stderr, "# unexpected pid %u (%s) x%llu\n", s->pid, s->comm,
			(unsigned long long)s->count);
		return 0;
	}
	if (!strcmp(s->comm, "fx-child") && s->pid == v->child_pid)
		v->child_total += s->count;
	if (!strcmp(s->comm, "fx-sys")) {
		v->sys_total += s->count;
		if (s->n_kernel)
			v->sys_kernel += s->count;
	}
	if (strcmp(s->comm, "fx-main"))
		return 0;
	v->main_total += s->count;
	if (s->n_user >= 4)
		v->main_deep += s->count;
	for (f = 0; f < N_FN && f < (int)s->n_user && in_fn(s->user_ips[f], f); f++)
		;
	if (f == N_FN)
		v->main_chain += s->count;
	return 0;
}

/* ---- processes ---- */

static pid_t spawn_fixture(const char *path, int *to, FILE **from)
{
	int in[2], out[2];
	pid_t pid;

	if (pipe(in) || pipe(out))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(path, path, "3", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	*to = in[1];
	*from = fdopen(out[0], "r");
	return pid;
}

/* A busy process outside the filter: none of its samples may come back. */
static pid_t spawn_noise(void)
{
	pid_t pid = fork();
	volatile unsigned long x = 0;

	if (pid == 0) {
		prctl(PR_SET_NAME, "noise");
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(10);
		for (;;)
			x++;
	}
	return pid;
}

static const struct pb_plugin *load_plugin(const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	pb_plugin_list_fn list;
	const struct pb_plugin *p;
	char why[256] = "";

	if (!h) {
		fprintf(stderr, "# %s\n", dlerror());
		return NULL;
	}
	list = (pb_plugin_list_fn)dlsym(h, PB_PLUGIN_ENTRY_SYMBOL);
	p = list ? list()[0] : NULL;
	ok(p && p->abi_major == PB_PLUGIN_ABI_MAJOR && p->kind == PB_PLUGIN_UNWINDER &&
	       !strcmp(p->name, "fp") && p->unwinder && p->unwinder->drain,
	   "plugin descriptor: fp unwinder, ABI %d", PB_PLUGIN_ABI_MAJOR);
	if (p && pb_plugin_check(p, why, sizeof(why)))
		p = NULL;
	ok(p, "the core accepts the descriptor (its settings bind, defaults in range)%s%s",
	   why[0] ? ": " : "", why);
	return p;
}

/* A second short session: user stacks only and a 2-entry count map, to see losses counted. */
static void check_small_maps(const struct pb_host *host, const struct pb_unwinder_ops *ops,
			     const struct pb_config *cfg, struct pb_perf_events *ev)
{
	struct pb_sample_params params = {
	    .sz = sizeof(params),
	    .frequency = 999,
	    .user = true,
	    .cpu = -1,
	    .stack_storage_size = 16,
	    .hash_storage_size = 2,
	};
	struct seen v = {0};
	void *st = NULL;
	int err;

	err = ops->open(host, &params, cfg, &st);
	err = err ?: ops->attach(st, ev->fds, ev->n);
	usleep(300000);
	err = err ?: ops->drain(st, on_stack, &v);
	ok(!err, "user-only session with tiny maps runs (%d)", err);
	ok(v.total > 0 && v.with_kernel == 0, "user-only: %llu samples, none with kernel stacks",
	   (unsigned long long)v.total);
	ok(pb_host__lost(host, "count map full") > 0, "full count map is counted as lost (%llu)",
	   (unsigned long long)pb_host__lost(host, "count map full"));
	ops->close(st);
}

int main(int argc, char **argv)
{
	struct pb_sample_params params = {
	    .sz = sizeof(params),
	    .frequency = 999,
	    .user = true,
	    .kernel = true,
	    .cpu = -1,
	    .filter_pids = true,
	};
	const struct pb_unwinder_ops *ops;
	const struct pb_plugin *plugin;
	struct pb_perf_events *ev = NULL;
	struct pb_host *host = NULL;
	struct pb_config *cfg = NULL;
	struct seen v1 = {0}, v2 = {0};
	unsigned long long addr = 0;
	char line[256];
	int to = -1, err;
	pid_t pid, noise;
	FILE *from = NULL;
	void *st = NULL;

	if (argc < 3) {
		fprintf(stderr, "usage: %s unwinder-fp.so fixture\n", argv[0]);
		return 2;
	}
	if (geteuid() != 0)
		return tap_skip_all("needs root");

	/* The standalone host's messages: warnings, and everything with PB_TEST_DEBUG set. */
	pb_log__set_level(getenv("PB_TEST_DEBUG") ? PB_LOG_DEBUG : PB_LOG_WARN);
	plugin = load_plugin(argv[1]);
	if (!plugin)
		goto done;
	ops = plugin->unwinder;
	err = pb_host__new(NULL, &host) ?: pb_config__new_for(plugin, &cfg);
	ok(!err, "a standalone host and the plugin's default settings: %d", err);
	if (err)
		goto done;
	err = pb_perf_events__open(params.frequency, -1, &ev);
	ok(!err, "perf events open on %d CPUs (%s): %d", ev ? ev->n : 0, ev ? ev->event_name : "-",
	   err);
	if (err)
		goto done;

	pid = spawn_fixture(argv[2], &to, &from);
	while (fgets(line, sizeof(line), from) && strncmp(line, "main ", 5))
		if (!strncmp(line, "fx_c ", 5))
			addr = strtoull(line + 5, NULL, 16);
	ok(addr && !load_symbols(argv[2], addr), "fixture symbols at run-time addresses");
	noise = spawn_noise();

	err = ops->open(host, &params, cfg, &st);
	ok(!err, "open (BPF program loads): %d", err);
	if (err)
		goto kill;
	err = ops->add_pid(st, pid) ?: ops->attach(st, ev->fds, ev->n);
	ok(!err, "add_pid + attach: %d", err);
	if (write(to, "g", 1) != 1 || !fgets(line, sizeof(line), from) ||
	    sscanf(line, "child %u", &v1.child_pid) != 1)
		ok(false, "fixture started its child");
	v1.fixture_pid = v2.fixture_pid = pid;
	v2.child_pid = v1.child_pid;

	usleep(1000000);
	err = ops->drain(st, on_stack, &v1);
	usleep(500000);
	err = err ?: ops->drain(st, on_stack, &v2);
	ok(!err, "two drains (both map sets): %d", err);
	fprintf(stderr,
		"# drain 1: %llu samples, main %llu (deep %llu, chain %llu), sys %llu "
		"(kernel %llu), child %llu; drain 2: %llu\n",
		(unsigned long long)v1.total, (unsigned long long)v1.main_total,
		(unsigned long long)v1.main_deep, (unsigned long long)v1.main_chain,
		(unsigned long long)v1.sys_total, (unsigned long long)v1.sys_kernel,
		(unsigned long long)v1.child_total, (unsigned long long)v2.total);

	/* A floor only: on a loaded machine the fixture gets a fraction of a CPU (54 seen). */
	ok(v1.main_total >= 20, "main thread sampled (%llu)", (unsigned long long)v1.main_total);
	ok(v1.main_deep * 10 >= v1.main_total * 9, "90%% of main samples have user depth >= 4");
	ok(v1.main_chain * 10 >= v1.main_total * 8,
	   "80%% of main samples hold fx_c <- fx_b <- fx_a <- main in order (%llu/%llu)",
	   (unsigned long long)v1.main_chain, (unsigned long long)v1.main_total);
	ok(v1.sys_total > 0 && v1.sys_kernel * 2 >= v1.sys_total,
	   "syscall thread: most samples carry a kernel stack (%llu/%llu)",
	   (unsigned long long)v1.sys_kernel, (unsigned long long)v1.sys_total);
	ok(v1.child_total > 0, "forked child followed by the filter (%llu)",
	   (unsigned long long)v1.child_total);
	ok(v1.other_pid == 0 && v2.other_pid == 0, "no samples from other pids");
	ok(v2.main_total > 0, "second drain (other map set) has samples (%llu)",
	   (unsigned long long)v2.main_total);
	ops->close(st);

	check_small_maps(host, ops, cfg, ev);
kill:
	kill(pid, SIGKILL);
	kill(v1.child_pid ? (pid_t)v1.child_pid : pid, SIGKILL);
	kill(noise, SIGKILL);
	waitpid(pid, NULL, 0);
	waitpid(noise, NULL, 0);
done:
	pb_perf_events__free(ev);
	pb_config__free(cfg);
	pb_host__free(host);
	return tap_done();
}
