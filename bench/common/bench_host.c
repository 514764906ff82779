// SPDX-License-Identifier: MIT
/* What the unwinder benchmarks share: a minimal host, a stack counter, BPF program stats. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "bench_host.h"

static void host_log(struct pb_session *s, enum pb_log_level l, const char *who, const char *fmt,
		     ...)
{
	va_list ap;

	if (l > PB_LOG_INFO)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", who);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int64_t host_config_int(const struct pb_config *c, const char *k)
{
	return 0;
}

static void host_count_lost(struct pb_session *s, const char *cause, uint64_t n, const char *hint)
{
	fprintf(stderr, "lost: %s: %" PRIu64 "\n", cause, n);
}

struct pb_host pb_bench_host(void)
{
	return (struct pb_host){
		.sz = sizeof(struct pb_host),
		.abi_major = PB_PLUGIN_ABI_MAJOR,
		.abi_minor = PB_PLUGIN_ABI_MINOR,
		.log = host_log,
		.config_int = host_config_int,
		.count_lost = host_count_lost,
	};
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
