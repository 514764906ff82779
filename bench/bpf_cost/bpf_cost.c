// SPDX-License-Identifier: MIT
/* Measures an unwinder's BPF time per sample (run_time_ns / run_cnt) on a busy, deep stack. */
/* Usage: bpf-cost PLUGIN.so [DEPTH=32] [SECONDS=5] [FRAME_BYTES=64] [PROG=pb_fp_sample] */
#include <dlfcn.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <profile-bee/plugin.h>

#include "bench_host.h"
#include "sampling/perf_events.h"

static volatile unsigned long sink;

/*
 * One frame of about pad bytes per level: the volatile stores keep the compiler from looping
 * or dropping the padding.
 */
__attribute__((noinline)) static unsigned long recurse(int depth, int pad)
{
	unsigned long x = 0, i;

	if (depth > 0) {
		volatile char *p = __builtin_alloca(pad + 1);

		p[0] = 1;
		x = recurse(depth - 1, pad);
		sink = depth + p[0];
		return x;
	}
	for (i = 0; i < 400000000000UL; i++)
		sink = x += i;
	return x;
}

int main(int argc, char **argv)
{
	const char *plugin = argc > 1 ? argv[1] : "unwinder-fp.so";
	int depth = argc > 2 ? atoi(argv[2]) : 32;
	int seconds = argc > 3 ? atoi(argv[3]) : 5;
	int pad = argc > 4 ? atoi(argv[4]) : 64;
	const char *prog_name = argc > 5 ? argv[5] : "pb_fp_sample";
	struct pb_host host = pb_bench_host();
	struct pb_sample_params params = {
	    .sz = sizeof(params),
	    .frequency = 999,
	    .user = true,
	    .kernel = true,
	    .cpu = -1,
	    .filter_pids = true,
	};
	const struct pb_plugin *p;
	struct pb_perf_events *ev = NULL;
	struct pb_bench_totals t = {0};
	uint64_t ns = 0, cnt = 0;
	int stats_fd, err;
	void *h, *st = NULL;
	cpu_set_t cpus;
	pid_t pid;

	h = dlopen(plugin, RTLD_NOW | RTLD_LOCAL);
	p = h ? ((pb_plugin_entry_fn)dlsym(h, PB_PLUGIN_ENTRY_SYMBOL))() : NULL;
	if (!p || !p->unwinder) {
		fprintf(stderr, "cannot load %s: %s\n", plugin, h ? "no unwinder" : dlerror());
		return 1;
	}
	/* Same switch as sysctl kernel.bpf_stats_enabled=1, undone when the fd closes. */
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		fprintf(stderr, "bpf_enable_stats: %s (needs root)\n", strerror(-stats_fd));
		return 1;
	}
	/*
	 * The worker is pinned to CPU 0 and only CPU 0 is sampled: every run then is a real
	 * sample, not an idle CPU's run that the filter ends early and that would dilute the mean.
	 */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sched_setaffinity(0, sizeof(cpus), &cpus);
		recurse(depth, pad);
	}
	err = pb_perf_events__open(params.frequency, 0, &ev);
	err = err ?: p->unwinder->open(&host, &params, NULL, &st);
	err = err ?: p->unwinder->add_pid(st, pid);
	err = err ?: p->unwinder->attach(st, ev->fds, ev->n);
	if (!err) {
		sleep(seconds);
		err = pb_bench_prog_stats(prog_name, &ns, &cnt);
		p->unwinder->drain(st, pb_bench_count, &t);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	p->unwinder->close(st);
	pb_perf_events__free(ev);
	close(stats_fd);
	if (err || !cnt) {
		fprintf(stderr, "measurement failed (%d)\n", err);
		return 1;
	}
	printf("%s: %llu runs, %llu samples drained, mean user depth %.1f, %.0f ns/run\n",
	       prog_name, (unsigned long long)cnt, (unsigned long long)t.samples,
	       t.samples ? (double)t.frames / t.samples : 0.0, (double)ns / cnt);
	return 0;
}
