// SPDX-License-Identifier: MIT
/* Host metadata: local facts, then the cloud and orchestrator sources, detected once. */
#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>


#include "curl_lazy.h"
#include "hostmeta_internal.h"

static struct pb_host_metadata meta;
static pthread_once_t meta_once = PTHREAD_ONCE_INIT;

struct ec2_job {
	struct pb_host_metadata *m;
	uint64_t deadline_ms;
};

void pb_hostmeta_copy_trimmed(char *dst, size_t dst_len, const char *src)
{
	size_t len;

	while (isspace((unsigned char)*src))
		src++;
	len = strlen(src);
	while (len && isspace((unsigned char)src[len - 1]))
		len--;
	if (len >= dst_len)
		len = dst_len - 1;
	memmove(dst, src, len); /* src may lie inside dst */
	dst[len] = '\0';
}

static void read_line(const char *path, char *dst, size_t dst_len)
{
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	if (fgets(line, sizeof(line), f))
		pb_hostmeta_copy_trimmed(dst, dst_len, line);
	fclose(f);
}

static void *ec2_thread(void *arg)
{
	struct ec2_job *job = arg;

	pb_hostmeta_detect_ec2(job->m, job->deadline_ms);
	return NULL;
}

static void detect(void)
{
	struct ec2_job job = { .m = &meta };
	struct utsname u;
	pthread_t tid;
	bool threaded;

	if (gethostname(meta.hostname, sizeof(meta.hostname) - 1))
		meta.hostname[0] = '\0';
	if (!uname(&u))
		snprintf(meta.kernel, sizeof(meta.kernel), "%s", u.release);
	read_line("/proc/sys/kernel/random/boot_id", meta.boot_id, sizeof(meta.boot_id));
	pb_hostmeta_detect_k8s(&meta);

	/*
	 * EC2 and ECS are asked at the same time so that one endpoint that hangs (IMDSv2 behind a
	 * hop limit of 1 in a container, typically) costs the budget once, not twice. They fill
	 * different fields.
	 */
	/*
	 * Off EC2 and ECS, libcurl (and the thirty libraries it maps) is not loaded at all: an
	 * agent's process then maps only what the application does, and its unwinder builds
	 * tables for nothing more.
	 */
	if (!pb_hostmeta_imds_wanted() && !pb_hostmeta_ecs_wanted())
		return;
	if (!pb_curl()) /* no libcurl here: hostname, kernel and boot id are all there is */
		return;
	job.deadline_ms = pb_hostmeta_now_ms() + PB_HOSTMETA_BUDGET_MS;
	threaded = !pthread_create(&tid, NULL, ec2_thread, &job);
	if (!threaded)
		pb_hostmeta_detect_ec2(&meta, job.deadline_ms);
	pb_hostmeta_detect_ecs(&meta, job.deadline_ms);
	if (threaded)
		pthread_join(tid, NULL);
}

const struct pb_host_metadata *pb_host_metadata__get(void)
{
	pthread_once(&meta_once, detect);
	return &meta;
}

int pb_host_metadata__for_each(const struct pb_host_metadata *m,
			      int (*fn)(void *ctx, const char *key, const char *value), void *ctx)
{
	const struct {
		const char *key;
		const char *value;
	} fields[] = {
		{ "hostname", m->hostname },
		{ "kernel", m->kernel },
		{ "boot_id", m->boot_id },
		{ "ec2_instance_id", m->ec2_instance_id },
		{ "ec2_region", m->ec2_region },
		{ "ec2_availability_zone", m->ec2_availability_zone },
		{ "ec2_instance_type", m->ec2_instance_type },
		{ "ecs_task_arn", m->ecs_task_arn },
		{ "ecs_cluster", m->ecs_cluster },
		{ "ecs_container_name", m->ecs_container_name },
		{ "k8s_pod_name", m->k8s_pod_name },
		{ "k8s_namespace", m->k8s_namespace },
		{ "k8s_node_name", m->k8s_node_name },
	};
	int ret;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (!fields[i].value[0])
			continue;
		if ((ret = fn(ctx, fields[i].key, fields[i].value)))
			return ret;
	}
	return 0;
}
