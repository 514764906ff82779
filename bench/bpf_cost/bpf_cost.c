// SPDX-License-Identifier: MIT
/* Measures an unwinder's BPF time per sample (run_time_ns / run_cnt) on a busy, deep stack. */
/* Usage: bpf-cost PLUGIN.so [DEPTH=32] [SECONDS=5] [FRAME_BYTES=64] [PROG=pb_perf_sample] */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

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
	const char *prog_name = argc > 5 ? argv[5] : "pb_perf_sample";
	struct pb_bench_unwinder u;
	struct pb_perf_events *ev = NULL;
	struct pb_bench_totals t = {0};
	uint64_t ns = 0, cnt = 0;
	pid_t pid;
	int err;

	if (pb_bench_unwinder__open(plugin, false, &u))
		return 1;
	pid = pb_bench_fork_pinned();
	if (pid == 0)
		recurse(depth, pad);
	err = pb_perf_events__open(PB_BENCH_FREQUENCY, 0, &ev) ?:
	      pb_bench_unwinder__start(&u, pid, ev->fds, ev->n, NULL);
	if (!err) {
		sleep(seconds);
		err = pb_bench_prog_stats(prog_name, &ns, &cnt);
		u.ops->drain(u.state, pb_bench_count, &t);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	pb_bench_unwinder__close(&u);
	pb_perf_events__free(ev);
	if (err || !cnt) {
		fprintf(stderr, "measurement failed (%d)\n", err);
		return 1;
	}
	printf("%s: %llu runs, %llu samples drained, mean user depth %.1f, %.0f ns/run\n",
	       prog_name, (unsigned long long)cnt, (unsigned long long)t.samples,
	       t.samples ? (double)t.frames / t.samples : 0.0, (double)ns / cnt);
	return 0;
}
