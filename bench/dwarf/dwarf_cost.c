// SPDX-License-Identifier: MIT
/* Measures the dwarf unwinder's BPF time per sample (run_time_ns / run_cnt) on a deep stack. */
/* Usage: dwarf-cost PLUGIN.so WORKLOAD [DEPTH=24] [SECONDS=5] */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <profile-bee/plugin.h>

#include "bench_host.h"
#include "sampling/perf_events.h"

/* Hands the workload's executable mappings to the plugin, as the process table would. */
static void feed_mappings(const struct pb_unwinder_ops *ops, void *st, pid_t pid)
{
	char name[64], line[4096 + 128], open_path[4096 + 64];
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%d/maps", pid);
	f = fopen(name, "re");
	while (f && fgets(line, sizeof(line), f)) {
		struct pb_mapping m = {0};
		unsigned int maj, min;
		char perms[8];
		int pos = 0;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n",
			   &m.start, &m.end, perms, &m.pgoff, &maj, &min, &m.inode, &pos) < 7 ||
		    perms[2] != 'x')
			continue;
		m.path = line + pos;
		line[strcspn(line, "\n")] = '\0';
		m.dev = makedev(maj, min);
		snprintf(open_path, sizeof(open_path), "/proc/%d/root%s", pid, m.path);
		m.open_path = m.path[0] == '/' ? open_path : m.path;
		ops->on_mapping(st, pid, &m);
	}
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	const char *plugin = argc > 1 ? argv[1] : "unwinder-dwarf.so";
	const char *workload = argc > 2 ? argv[2] : "./dwarf-workload";
	const char *depth = argc > 3 ? argv[3] : "24";
	int seconds = argc > 4 ? atoi(argv[4]) : 5;
	struct pb_bench_unwinder u;
	struct pb_perf_events *ev = NULL;
	struct pb_bench_totals t = {0};
	uint64_t ns0 = 0, cnt0 = 0, ns = 0, cnt = 0;
	pid_t pid;
	int err;

	if (pb_bench_unwinder__open(plugin, true, &u))
		return 1;
	pid = pb_bench_fork_pinned();
	if (pid == 0) {
		execl(workload, workload, depth, (char *)NULL);
		_exit(127);
	}
	usleep(200000); /* past exec and the dynamic loader */
	err = pb_perf_events__open(PB_BENCH_FREQUENCY, 0, &ev) ?:
	      pb_bench_unwinder__start(&u, pid, ev->fds, ev->n, feed_mappings);
	if (!err) {
		/* The first second builds the tables; measure the steady state after it. */
		sleep(1);
		u.ops->drain(u.state, pb_bench_count, &(struct pb_bench_totals){0});
		err = pb_bench_prog_stats("pb_perf_sample", &ns0, &cnt0);
		sleep(seconds);
		err = err ?: pb_bench_prog_stats("pb_perf_sample", &ns, &cnt);
		u.ops->drain(u.state, pb_bench_count, &t);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	pb_bench_unwinder__close(&u);
	pb_perf_events__free(ev);
	if (err || cnt <= cnt0) {
		fprintf(stderr, "measurement failed (%d)\n", err);
		return 1;
	}
	printf("pb_perf_sample: %" PRIu64 " runs, %" PRIu64 " samples drained, mean user depth "
	       "%.1f, %.0f ns/run\n",
	       cnt - cnt0, t.samples, t.samples ? (double)t.frames / t.samples : 0.0,
	       (double)(ns - ns0) / (cnt - cnt0));
	return 0;
}
