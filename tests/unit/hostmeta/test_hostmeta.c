// SPDX-License-Identifier: MIT
/* Host metadata: local facts, IMDSv2, ECS and Kubernetes sources, and the time bound. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <profile-bee/hostmeta.h>

#include "clock.h"
#include "tap.h"
#include "fake_metadata_server.h"

struct result {
	struct pb_host_metadata m;
	long elapsed_ms;
	int n_labels;
};

static int count_label(void *ctx, const char *key, const char *value)
{
	(*(int *)ctx)++;
	return 0;
}

/*
 * Detection happens once per process, so every scenario runs in a child with its own
 * environment; the child sends back what it found. envs is "NAME=value" pairs, NULL-ended;
 * every scenario starts with no cloud or Kubernetes variables set.
 */
static int run_scenario(const char *const *envs, struct result *r)
{
	int pipefd[2], status;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		long t0;

		close(pipefd[0]);
		unsetenv("PB_IMDS_ENDPOINT");
		unsetenv("ECS_CONTAINER_METADATA_URI_V4");
		unsetenv("KUBERNETES_SERVICE_HOST");
		unsetenv("POD_NAME");
		unsetenv("POD_NAMESPACE");
		unsetenv("NODE_NAME");
		/* Even on a real EC2 runner the tests must talk to loopback only. */
		setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
		for (size_t i = 0; envs && envs[i]; i++)
			putenv((char *)envs[i]);
		t0 = now_ms();
		r->m = *pb_host_metadata__get();
		r->elapsed_ms = now_ms() - t0;
		/* A second call is served from the cache. */
		if (pb_host_metadata__get() != pb_host_metadata__get())
			r->elapsed_ms = -1;
		pb_host_metadata__for_each(&r->m, count_label, &r->n_labels);
		_exit(write(pipefd[1], r, sizeof(*r)) == sizeof(*r) ? 0 : 1);
	}
	close(pipefd[1]);
	if (read(pipefd[0], r, sizeof(*r)) != sizeof(*r))
		memset(r, 0, sizeof(*r));
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* run_scenario with the EC2 (at imds_path) and ECS metadata endpoints on a loopback port. */
static int run_with_endpoints(unsigned port, const char *imds_path, struct result *r)
{
	char imds[64], ecs[64];
	const char *const envs[] = { imds, ecs, "AWS_EC2_METADATA_DISABLED=false", NULL };

	snprintf(imds, sizeof(imds), "PB_IMDS_ENDPOINT=http://127.0.0.1:%u%s", port, imds_path);
	snprintf(ecs, sizeof(ecs), "ECS_CONTAINER_METADATA_URI_V4=http://127.0.0.1:%u/v4", port);
	return run_scenario(envs, r);
}

static void test_local(void)
{
	struct result r;
	struct utsname u;
	char host[256] = "";
	const char *const envs[] = { NULL };

	ok(!run_scenario(envs, &r), "local facts: detection ran");
	gethostname(host, sizeof(host) - 1);
	uname(&u);
	is_str(r.m.hostname, host, "hostname is gethostname()");
	is_str(r.m.kernel, u.release, "kernel is uname -r");
	ok(strlen(r.m.boot_id) == 36 && r.m.boot_id[8] == '-', "boot id looks like a uuid: '%s'",
	   r.m.boot_id);
	ok(!r.m.ec2_instance_id[0] && !r.m.ecs_task_arn[0] && !r.m.k8s_pod_name[0],
	   "no cloud identity without a cloud");
	ok(r.n_labels == 3, "for_each gives the 3 known fields (got %d)", r.n_labels);
	ok(r.elapsed_ms >= 0 && r.elapsed_ms < 500, "fast and cached (%ld ms)", r.elapsed_ms);
}

static void test_cloud(const struct fake_server *fs)
{
	struct result r;

	ok(!run_with_endpoints(fs->port, "/", &r), "EC2 + ECS: detection ran");
	is_str(r.m.ec2_instance_id, FAKE_INSTANCE_ID, "instance id through an IMDSv2 token");
	is_str(r.m.ec2_region, FAKE_REGION, "region");
	is_str(r.m.ec2_availability_zone, FAKE_AZ, "availability zone");
	is_str(r.m.ec2_instance_type, FAKE_INSTANCE_TYPE, "instance type, newline trimmed");
	is_str(r.m.ecs_task_arn, FAKE_TASK_ARN, "ECS task ARN");
	is_str(r.m.ecs_cluster, FAKE_CLUSTER, "ECS cluster");
	is_str(r.m.ecs_container_name, FAKE_CONTAINER, "ECS container name (top-level Name)");
	ok(r.n_labels == 10, "for_each gives 10 fields (got %d)", r.n_labels);
}

static void test_k8s(void)
{
	char path[] = "/tmp/pb-hostmeta-ns-XXXXXX", nsfile[64];
	const char *const downward[] = { "KUBERNETES_SERVICE_HOST=10.0.0.1", "POD_NAME=web-7d4f",
					"POD_NAMESPACE=shop", "NODE_NAME=node-3", NULL };
	const char *const sa_only[] = { "KUBERNETES_SERVICE_HOST=10.0.0.1", nsfile, NULL };
	struct result r;
	int fd = mkstemp(path);

	ok(!run_scenario(downward, &r), "Kubernetes downward API: detection ran");
	is_str(r.m.k8s_pod_name, "web-7d4f", "pod name from POD_NAME");
	is_str(r.m.k8s_namespace, "shop", "namespace from POD_NAMESPACE");
	is_str(r.m.k8s_node_name, "node-3", "node from NODE_NAME");

	if (fd < 0 || write(fd, "payments\n", 9) != 9) {
		skip_or_fail("cannot write a namespace file in /tmp");
		return;
	}
	close(fd);
	snprintf(nsfile, sizeof(nsfile), "PB_K8S_NAMESPACE_FILE=%s", path);
	ok(!run_scenario(sa_only, &r), "Kubernetes without the downward API: detection ran");
	is_str(r.m.k8s_namespace, "payments", "namespace from the service account file");
	is_str(r.m.k8s_pod_name, r.m.hostname, "pod name falls back to the hostname");
	ok(!r.m.k8s_node_name[0], "node unknown");
	unlink(path);
}

static void test_hang(const struct fake_server *fs)
{
	struct result r;

	ok(!run_with_endpoints(fs->hang_port, "", &r),
	   "endpoints that never answer: detection still ends");
	diag("took %ld ms", r.elapsed_ms);
	ok(r.elapsed_ms >= 0 && r.elapsed_ms < 1500, "within the time bound (%ld ms)",
	   r.elapsed_ms);
	ok(!r.m.ec2_instance_id[0] && !r.m.ecs_task_arn[0], "nothing made up");
	ok(r.m.hostname[0] && r.m.boot_id[0], "local facts still there");
}

int main(void)
{
	struct fake_server fs = { 0 };

	if (fake_server_start(&fs))
		return tap_skip_all("cannot listen on 127.0.0.1");
	test_local();
	test_cloud(&fs);
	test_k8s();
	test_hang(&fs);
	fake_server_stop(&fs);
	return tap_done();
}
