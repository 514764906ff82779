// SPDX-License-Identifier: MIT
/* Unit tests of container and pod names from runtime JSON, environ, etc-hosts; the cache. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "tap.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID "12345678-aaaa-bbbb-cccc-0123456789ab"

static struct pb_container_names json(enum pb_names_format f, const char *text, int *err)
{
	struct pb_container_names n = { { 0 } };

	*err = pb_container_names_json(f, text, strlen(text), ID, &n);
	return n;
}

static void test_runtimes(void)
{
	struct pb_container_names n;
	int err;

	n = json(PB_NAMES_DOCKER,
		 "{\"StreamConfig\":{},\"State\":{\"Running\":true,\"Pid\":4242},\"ID\":\"" ID "\","
		 "\"Created\":\"2024-05-01T10:00:00Z\",\"Path\":\"nginx\",\"Args\":[],"
		 "\"Config\":{\"Hostname\":\"0123456789ab\",\"Env\":[\"PATH=/usr/bin\"],"
		 "\"Labels\":{\"maintainer\":\"x\"}},\"Name\":\"/web-frontend\",\"RestartCount\":0}",
		 &err);
	ok(!err && !strcmp(n.container, "web-frontend") && !n.pod[0],
	   "Docker config.v2.json: Name without its slash (%s)", n.container);
	n = json(PB_NAMES_DOCKER,
		 "{\"Name\":\"/k8s_app_web-7d4_shop_" UID "_0\",\"Config\":{\"Labels\":{"
		 "\"io.kubernetes.container.name\":\"app\",\"io.kubernetes.pod.name\":\"web-7d4\","
		 "\"io.kubernetes.pod.namespace\":\"shop\"}}}",
		 &err);
	ok(!strcmp(n.container, "app") && !strcmp(n.pod, "web-7d4") && !strcmp(n.namespace_, "shop"),
	   "Docker under the kubelet (cri-dockerd): the labels win over Name");
	n = json(PB_NAMES_PODMAN_LIST,
		 "[{\"id\":\"ffff\",\"names\":[\"other\"]},{\"id\":\"" ID "\",\"names\":[\"db\","
		 "\"alias\"],\"image\":\"abc\",\"layer\":\"def\",\"metadata\":\"{\\\"image-name\\\":"
		 "\\\"postgres\\\"}\",\"created\":\"2024-05-01T10:00:00Z\",\"flags\":{}}]",
		 &err);
	ok(!err && !strcmp(n.container, "db"), "Podman containers.json: the id's first name");
	n = json(PB_NAMES_OCI,
		 "{\"ociVersion\":\"1.1.0\",\"process\":{\"args\":[\"/app\"]},\"annotations\":{"
		 "\"io.kubernetes.cri.container-name\":\"app\",\"io.kubernetes.cri.container-type\":"
		 "\"container\",\"io.kubernetes.cri.sandbox-id\":\"abc\","
		 "\"io.kubernetes.cri.sandbox-name\":\"web-7d4\","
		 "\"io.kubernetes.cri.sandbox-namespace\":\"shop\","
		 "\"io.kubernetes.cri.sandbox-uid\":\"" UID "\"}}",
		 &err);
	ok(!strcmp(n.container, "app") && !strcmp(n.pod, "web-7d4") && !strcmp(n.namespace_, "shop"),
	   "containerd's config.json: the CRI plugin's annotations");
	n = json(PB_NAMES_OCI,
		 "{\"annotations\":{\"io.kubernetes.container.name\":\"sidecar\","
		 "\"io.kubernetes.pod.name\":\"api-0\",\"io.kubernetes.pod.namespace\":\"prod\","
		 "\"io.kubernetes.cri-o.ContainerType\":\"container\"}}",
		 &err);
	ok(!strcmp(n.container, "sidecar") && !strcmp(n.pod, "api-0") &&
		   !strcmp(n.namespace_, "prod"),
	   "CRI-O's config.json: io.kubernetes.* annotations");
}

static void test_hostile(void)
{
	struct pb_container_names n;
	char *deep = malloc(4001), *big;
	int err;

	n = json(PB_NAMES_DOCKER, "{\"Name\":\"/web\"", &err);
	ok(err == -EINVAL && !n.container[0], "truncated JSON: -EINVAL, nothing");
	n = json(PB_NAMES_DOCKER, "not json", &err);
	ok(err == -EINVAL, "not JSON: -EINVAL");
	for (int i = 0; i < 2000; i++)
		deep[i] = '[', deep[4000 - 1 - i] = ']';
	deep[4000] = '\0';
	n = json(PB_NAMES_PODMAN_LIST, deep, &err);
	ok(err == -EINVAL, "2000 levels of nesting: refused by the depth limit");
	free(deep);
	n = json(PB_NAMES_DOCKER, "{\"Name\":7,\"Config\":{\"Labels\":[1,2]}}", &err);
	ok(!err && !n.container[0], "wrong types: nothing");
	n = json(PB_NAMES_DOCKER, "{\"Name\":\"/a b\\u001b[31m\"}", &err);
	ok(!n.container[0], "a name with a space or an escape byte is not taken");
	n = json(PB_NAMES_OCI, "{\"annotations\":{\"io.kubernetes.pod.name\":\"a\\u0000b\"}}", &err);
	ok(!n.pod[0], "a name with a NUL is not taken (not cut at it)");
	big = malloc(1100);
	memset(big, 'x', 1100);
	memcpy(big, "{\"Name\":\"/", 10);
	memcpy(big + 1100 - 3, "\"}", 3);
	n = json(PB_NAMES_DOCKER, big, &err);
	ok(!err && !n.container[0], "a 1 KiB name is not taken (never cut)");
	free(big);
	n = json(PB_NAMES_PODMAN_LIST, "[{\"id\":\"" ID "\",\"names\":[]},3,null]", &err);
	ok(!err && !n.container[0], "Podman: no names, junk elements");
}

static void test_process(void)
{
	static const char env[] = "PATH=/bin\0HOSTNAME=web-7d4\0KUBERNETES_SERVICE_HOST=10.0.0.1\0"
				  "POD_NAMESPACE=shop\0POD_NAMEX=no";
	static const char hosts[] = "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n"
				    "::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"
				    "10.244.1.7\tapi-0.api.prod.svc.cluster.local\tapi-0\n\n"
				    "# Entries added by HostAliases.\n10.1.1.1\tfoo.local\n";
	static const char aliases_only[] = "127.0.0.1\tlocalhost\n"
					   "# Entries added by HostAliases.\n10.1.1.1\tfoo.local";
	struct pb_container_names n = { { 0 } };

	pb_container_names_environ(env, sizeof(env) - 1, true, &n);
	ok(!strcmp(n.pod, "web-7d4") && !strcmp(n.namespace_, "shop"),
	   "environ in a pod: HOSTNAME names the pod, POD_NAMESPACE the namespace");
	memset(&n, 0, sizeof(n));
	pb_container_names_environ(env, sizeof(env) - 1, false, &n);
	ok(!n.pod[0], "outside a pod HOSTNAME names nothing (Docker's is the short id)");
	memset(&n, 0, sizeof(n));
	pb_container_names_environ("POD_NAME=a", 10, true, &n);
	ok(!strcmp(n.pod, "a"), "an environ without a final NUL is read within its length");
	memset(&n, 0, sizeof(n));
	pb_container_names_etc_hosts(hosts, sizeof(hosts) - 1, &n);
	is_str(n.pod, "api-0", "kubelet etc-hosts: the pod's short name, not localhost or an alias");
	memset(&n, 0, sizeof(n));
	pb_container_names_etc_hosts(aliases_only, sizeof(aliases_only) - 1, &n);
	ok(!n.pod[0], "etc-hosts with only aliases: nothing");
	memset(&n, 0, sizeof(n));
	pb_container_names_namespace_file("kube-system\n", 12, &n);
	is_str(n.namespace_, "kube-system", "service account namespace file");
}

static void put(const char *root, const char *rel, const char *text)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0700);
		*slash = '/';
	}
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* A node root as Docker lays it out; a container's second process reads nothing. */
static void test_cache(void)
{
	char root[] = "/tmp/pb-names-XXXXXX", cmd[600];
	struct pb_names_cache *c;
	struct pb_cgroup_info info = { .container_id = ID, .runtime = "docker" };
	uint64_t reads;

	if (!mkdtemp(root)) {
		ok(false, "mkdtemp");
		return;
	}
	put(root, "var/lib/docker/containers/" ID "/config.v2.json", "{\"Name\":\"/cache-me\"}");
	ok(!pb_names_cache__new(root, root, &c), "cache made");
	pb_names_cache__fill(c, 1, &info, 1000);
	is_str(info.names.container, "cache-me", "Docker's name through the cache");
	reads = pb_names_cache__reads(c);
	memset(&info.names, 0, sizeof(info.names));
	pb_names_cache__fill(c, 2, &info, 2000);
	ok(pb_names_cache__reads(c) == reads && !strcmp(info.names.container, "cache-me"),
	   "another process of the container: from the cache, nothing read");
	pb_names_cache__fill(c, 2, &info, 1000 + 301ull * 1000000000ull);
	ok(pb_names_cache__reads(c) > reads, "read again after 5 minutes");
	info = (struct pb_cgroup_info){ .systemd_unit = "x.service" };
	reads = pb_names_cache__reads(c);
	pb_names_cache__fill(c, 3, &info, 1000);
	ok(pb_names_cache__reads(c) == reads && !info.names.container[0],
	   "a process in no container: nothing looked up");
	pb_names_cache__free(c);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ok(system(cmd) == 0, "node root removed");
}

int main(void)
{
	test_runtimes();
	test_hostile();
	test_process();
	test_cache();
	return tap_done();
}
