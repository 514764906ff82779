// SPDX-License-Identifier: MIT
/* Measures the dwarf unwinder's BPF time per sample (run_time_ns / run_cnt) on a deep stack. */
/* Usage: dwarf-cost PLUGIN.so WORKLOAD [DEPTH=24] [SECONDS=5] */
#include <dlfcn.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <profile-bee/plugin.h>

#include "bench_host.h"
#include "sampling/perf_events.h"

/* Hands the workload's executable mappings to the plugin, as the process table would. */
static void feed_mappings(const struct pb_plugin *p, void *st, pid_t pid)
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
		p->unwinder->on_mapping(st, pid, &m);
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
	uint64_t ns0 = 0, cnt0 = 0, ns = 0, cnt = 0;
	int stats_fd, err;
	void *h, *st = NULL;
	cpu_set_t cpus;
	pid_t pid;

	h = dlopen(plugin, RTLD_NOW | RTLD_LOCAL);
	p = h ? ((pb_plugin_entry_fn)dlsym(h, PB_PLUGIN_ENTRY_SYMBOL))() : NULL;
	if (!p || !p->unwinder || !p->unwinder->on_mapping) {
		fprintf(stderr, "cannot load %s: %s\n", plugin, h ? "not the dwarf unwinder" : dlerror());
		return 1;
	}
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		fprintf(stderr, "bpf_enable_stats: %s (needs root)\n", strerror(-stats_fd));
		return 1;
	}
	/* Pinned to CPU 0, and only CPU 0 sampled: every run is a real sample of the workload. */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sched_setaffinity(0, sizeof(cpus), &cpus);
		execl(workload, workload, depth, (char *)NULL);
		_exit(127);
	}
	usleep(200000); /* past exec and the dynamic loader */
	err = pb_perf_events__open(params.frequency, 0, &ev);
	err = err ?: p->unwinder->open(&host, &params, NULL, &st);
	err = err ?: p->unwinder->add_pid(st, pid);
	if (!err)
		feed_mappings(p, st, pid);
	err = err ?: p->unwinder->attach(st, ev->fds, ev->n);
	if (!err) {
		/* The first second builds the tables; measure the steady state after it. */
		sleep(1);
		p->unwinder->drain(st, pb_bench_count, &(struct pb_bench_totals){0});
		err = pb_bench_prog_stats("pb_dwarf_sample", &ns0, &cnt0);
		sleep(seconds);
		err = err ?: pb_bench_prog_stats("pb_dwarf_sample", &ns, &cnt);
		p->unwinder->drain(st, pb_bench_count, &t);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	p->unwinder->close(st);
	pb_perf_events__free(ev);
	close(stats_fd);
	if (err || cnt <= cnt0) {
		fprintf(stderr, "measurement failed (%d)\n", err);
		return 1;
	}
	printf("pb_dwarf_sample: %" PRIu64 " runs, %" PRIu64 " samples drained, mean user depth "
	       "%.1f, %.0f ns/run\n",
	       cnt - cnt0, t.samples, t.samples ? (double)t.frames / t.samples : 0.0,
	       (double)(ns - ns0) / (cnt - cnt0));
	return 0;
}
