// SPDX-License-Identifier: MIT
/* What the unwinder benchmarks share: a plugin on a standalone host, stack counts, BPF stats. */
#include <dlfcn.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "bench_host.h"

int pb_bench_unwinder__open(const char *path, bool mappings, struct pb_bench_unwinder *u)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	pb_plugin_list_fn list = h ? (pb_plugin_list_fn)dlsym(h, PB_PLUGIN_ENTRY_SYMBOL) : NULL;
	int err;

	*u = (struct pb_bench_unwinder){ .plugin = list ? list()[0] : NULL, .stats_fd = -1 };
	if (!u->plugin || u->plugin->kind != PB_PLUGIN_UNWINDER ||
	    (mappings && !PB_OPTIONAL_OP(u->plugin->unwinder, on_mapping))) {
		fprintf(stderr, "cannot load %s: %s\n", path,
			!h ? dlerror() : mappings ? "not an unwinder that takes mappings"
						  : "no unwinder");
		return -1;
	}
	u->ops = u->plugin->unwinder;
	pb_log__set_level(PB_LOG_INFO);
	err = pb_host__new(NULL, &u->host) ?: pb_config__new_for(u->plugin, &u->cfg);
	if (err) {
		fprintf(stderr, "%s: %s\n", path, strerror(-err));
		pb_bench_unwinder__close(u);
		return -1;
	}
	/* Same switch as sysctl kernel.bpf_stats_enabled=1, undone when the fd closes. */
	u->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (u->stats_fd < 0) {
		fprintf(stderr, "bpf_enable_stats: %s (needs root)\n", strerror(-u->stats_fd));
		pb_bench_unwinder__close(u);
		return -1;
	}
	return 0;
}

int pb_bench_unwinder__start(struct pb_bench_unwinder *u, pid_t pid, const int *perf_fds,
			     int n_fds, pb_bench_feed_fn feed)
{
	struct pb_sample_params params = {
		.sz = sizeof(params),
		.frequency = PB_BENCH_FREQUENCY,
		.user = true,
		.kernel = true,
		.cpu = -1,
		.filter_pids = true,
	};
	int err = u->ops->open(u->host, &params, u->cfg, &u->state);

	err = err ?: u->ops->add_pid(u->state, pid);
	if (!err && feed)
		feed(u->ops, u->state, pid);
	return err ?: u->ops->attach(u->state, perf_fds, n_fds);
}

void pb_bench_unwinder__close(struct pb_bench_unwinder *u)
{
	uint64_t lost = u->host ? pb_host__lost(u->host, NULL) : 0;

	if (u->state)
		u->ops->close(u->state);
	if (lost)
		fprintf(stderr, "lost or cut short: %" PRIu64 " stacks\n", lost);
	pb_config__free(u->cfg);
	pb_host__free(u->host);
	if (u->stats_fd >= 0)
		close(u->stats_fd);
	*u = (struct pb_bench_unwinder){ .stats_fd = -1 };
}

pid_t pb_bench_fork_pinned(void)
{
	cpu_set_t cpus;
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		CPU_ZERO(&cpus);
		CPU_SET(0, &cpus);
		sched_setaffinity(0, sizeof(cpus), &cpus);
	}
	return pid;
}

int pb_bench_count(void *ctx, const struct pb_raw_stack *s)
{
	struct pb_bench_totals *t = ctx;

	t->samples += s->count;
	t->frames += s->count * s->n_user;
	return 0;
}

int pb_bench_prog_stats(const char *name, uint64_t *ns, uint64_t *cnt)
{
	struct bpf_prog_info info;
	uint32_t id = 0, len;
	int fd;

	while (!bpf_prog_get_next_id(id, &id)) {
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(info.name, name)) {
			*ns = info.run_time_ns;
			*cnt = info.run_cnt;
			close(fd);
			return 0;
		}
		close(fd);
	}
	return -1;
}
