// SPDX-License-Identifier: MIT
/*
 * Container and pod names from the node alone (no API server): the runtime's files for the
 * container id the cgroup gave, the kubelet's pod directory for the pod uid, the process's own
 * environment and service account last. Looked up once per container (keyed by container id
 * and pod uid, which is what its cgroup is) and again after REREAD_NS, in a fixed direct-mapped
 * table; every file is read up to a cap.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "cgroup.h"
#include "hash.h"

#define SLOTS 256			  /* containers sampled at once on one node */
#define REREAD_NS (300ull * 1000000000ull) /* a name is set when a container is created */
#define SMALL_MAX (64 * 1024)		  /* environ, etc-hosts, a namespace file */

struct slot {
	char key[PB_CGROUP_ID_LEN + 1 + 37]; /* "container_id/pod_uid"; "" empty */
	uint64_t read_ns;
	struct pb_container_names names;
};

struct pb_names_cache {
	char node_root[256];
	char proc_root[64];
	uint64_t reads;
	struct slot slots[SLOTS];
};

int pb_names_cache__new(const char *node_root, const char *proc_root, struct pb_names_cache **ret)
{
	struct pb_names_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	if (snprintf(c->node_root, sizeof(c->node_root), "%s", node_root ? node_root : "") >=
	    (int)sizeof(c->node_root)) {
		free(c);
		return -ENAMETOOLONG;
	}
	snprintf(c->proc_root, sizeof(c->proc_root), "%s", proc_root ? proc_root : "/proc");
	*ret = c;
	return 0;
}

void pb_names_cache__free(struct pb_names_cache *c)
{
	free(c);
}

uint64_t pb_names_cache__reads(const struct pb_names_cache *c)
{
	return c->reads;
}

/* fd's first max bytes (malloc'ed, *len set), or NULL when it cannot be read or is longer. */
static char *read_capped_fd(struct pb_names_cache *c, int fd, size_t max, size_t *len)
{
	char *buf;
	ssize_t got = 0;
	size_t n = 0;

	if (fd < 0)
		return NULL;
	c->reads++;
	buf = malloc(max + 1);
	while (buf && n <= max && (got = read(fd, buf + n, max + 1 - n)) > 0)
		n += got;
	close(fd);
	if (!buf || got < 0 || n > max) { /* a file past the cap is not the runtime's */
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

static char *read_capped(struct pb_names_cache *c, const char *path, size_t max, size_t *len)
{
	return read_capped_fd(c, open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), max, len);
}

/*
 * A file inside pid's own root, its symlinks resolved there (RESOLVE_IN_ROOT, Linux 5.6): a
 * container's "/run/secrets/..." must not lead a root profiler to a file of the host.
 */
static char *read_in_root(struct pb_names_cache *c, uint32_t pid, const char *path, size_t max,
			  size_t *len)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	char root[96];
	int dir, fd;

	snprintf(root, sizeof(root), "%s/%u/root", c->proc_root, pid);
	if ((dir = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return NULL;
	fd = syscall(SYS_openat2, dir, path, &how, sizeof(how));
	close(dir);
	return read_capped_fd(c, fd, max, len);
}

static void from_json(struct pb_names_cache *c, const char *path, enum pb_names_format format,
		      const char *id, struct pb_container_names *out)
{
	size_t len;
	char *text = read_capped(c, path, PB_NAMES_JSON_MAX, &len);

	if (text)
		pb_container_names_json(format, text, len, id, out);
	free(text);
}

/* Where the runtimes keep a container's file: node root, then container id. */
#define CONTAINERD_CONFIG "%s/run/containerd/io.containerd.runtime.v2.task/k8s.io/%s/config.json"
#define CRIO_CONFIG	  "%s/run/containers/storage/overlay-containers/%s/userdata/config.json"
#define DOCKER_CONFIG	  "%s/var/lib/docker/containers/%s/config.v2.json"
#define PODMAN_LIST	  "%s/var/lib/containers/storage/overlay-containers/containers.json"

/* The runtime's own files for the container id, by the runtime its cgroup named. */
static void from_runtime(struct pb_names_cache *c, const struct pb_cgroup_info *info,
			 struct pb_container_names *out)
{
	const char *r = c->node_root, *id = info->container_id, *rt = info->runtime;
	bool any = !rt[0]; /* cgroupfs under the kubelet: the runtime is not in the path */
	char path[512];

	if (!id[0])
		return;
	if (any || !strcmp(rt, "containerd")) {
		snprintf(path, sizeof(path), CONTAINERD_CONFIG, r, id);
		from_json(c, path, PB_NAMES_OCI, id, out);
	}
	if (any || !strcmp(rt, "cri-o")) {
		snprintf(path, sizeof(path), CRIO_CONFIG, r, id);
		from_json(c, path, PB_NAMES_OCI, id, out);
	}
	if (any || !strcmp(rt, "docker")) {
		snprintf(path, sizeof(path), DOCKER_CONFIG, r, id);
		from_json(c, path, PB_NAMES_DOCKER, id, out);
	}
	if (!strcmp(rt, "podman")) {
		snprintf(path, sizeof(path), PODMAN_LIST, r);
		from_json(c, path, PB_NAMES_PODMAN_LIST, id, out);
	}
}

/* What the process itself says (downward API, HOSTNAME, its service account), then the kubelet. */
static void from_process(struct pb_names_cache *c, uint32_t pid, const struct pb_cgroup_info *info,
			 struct pb_container_names *out)
{
	char path[512], *text;
	size_t len;

	snprintf(path, sizeof(path), "%s/%u/environ", c->proc_root, pid);
	if ((text = read_capped(c, path, SMALL_MAX, &len)))
		pb_container_names_environ(text, len, info->pod_uid[0], out);
	free(text);
	/* The kubelet mounts it at /var/run/secrets, which is /run/secrets in most images. */
	for (int i = 0; i < 2 && !out->namespace_[0] && info->pod_uid[0]; i++) {
		text = read_in_root(c, pid,
				    i ? "/var/run/secrets/kubernetes.io/serviceaccount/namespace"
				      : "/run/secrets/kubernetes.io/serviceaccount/namespace",
				    256, &len);
		if (text)
			pb_container_names_namespace_file(text, len, out);
		free(text);
	}
	if (!out->pod[0] && info->pod_uid[0]) {
		snprintf(path, sizeof(path), "%s/var/lib/kubelet/pods/%s/etc-hosts", c->node_root,
			 info->pod_uid);
		if ((text = read_capped(c, path, SMALL_MAX, &len)))
			pb_container_names_etc_hosts(text, len, out);
		free(text);
	}
}

void pb_names_cache__fill(struct pb_names_cache *c, uint32_t pid, struct pb_cgroup_info *info,
			  uint64_t now_ns)
{
	char key[sizeof(c->slots[0].key)];
	struct slot *s;

	if (!info->container_id[0] && !info->pod_uid[0])
		return;
	snprintf(key, sizeof(key), "%s/%s", info->container_id, info->pod_uid);
	s = &c->slots[pb_hash_bytes(key, strlen(key)) % SLOTS];
	if (strcmp(s->key, key) || now_ns - s->read_ns > REREAD_NS) {
		memset(&s->names, 0, sizeof(s->names));
		from_runtime(c, info, &s->names);
		if (!s->names.container[0] || !s->names.pod[0] || !s->names.namespace_[0])
			from_process(c, pid, info, &s->names);
		memcpy(s->key, key, sizeof(key));
		s->read_ns = now_ns;
	}
	info->names = s->names;
}
