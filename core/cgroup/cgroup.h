/* SPDX-License-Identifier: MIT */
/* Container, pod and service attribution from /proc/PID/cgroup (cgroup v2 and v1). */
#ifndef PB_CGROUP_H
#define PB_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <profile-bee/profile-bee.h>

#define PB_CGROUP_PATH_MAX 512 /* longer cgroup paths are not labelled (and counted) */
#define PB_CGROUP_ID_LEN 64    /* a container id: 64 hex digits */

/* Names the node keeps for a container and its pod; empty strings where none was found. */
struct pb_container_names {
	char container[254]; /* Docker's and Podman's name, the kubelet's container name */
	char pod[254];	     /* a DNS subdomain: at most 253 */
	char namespace_[64]; /* a DNS label: at most 63 */
};

/* What a process's cgroup says about it; empty strings where nothing applies. */
struct pb_cgroup_info {
	char cgroup[PB_CGROUP_PATH_MAX]; /* the v2 path, else name=systemd's, else the first v1 */
	char container_id[PB_CGROUP_ID_LEN + 1];
	char runtime[16];  /* docker, containerd, cri-o, podman */
	char pod_uid[37];  /* 8-4-4-4-12, dashes (systemd's underscores turned back) */
	char systemd_unit[128];
	struct pb_container_names names; /* filled by the cache (names_node.c), not the parser */
};

/* One /proc/PID/cgroup line, "ID:CONTROLLERS:PATH", without its newline. */
struct pb_cgroup_line {
	bool v2;		 /* "0::/path" */
	bool systemd;		 /* v1 "name=systemd" */
	const char *path;	 /* into the line */
	size_t path_len;
};

/* Splits a line; -EINVAL when it is not ID:CONTROLLERS:/PATH. */
int pb_cgroup_parse_line(const char *line, size_t len, struct pb_cgroup_line *out);
/* Fills what path (a cgroup path, not NUL-terminated) tells; true when it named anything. */
bool pb_cgroup_attribute(const char *path, size_t len, struct pb_cgroup_info *info);
/*
 * Reads a whole /proc/PID/cgroup text: v2's line first, then v1 ones for what it lacked.
 * 0, or -EINVAL when no line parsed.
 */
int pb_cgroup_parse(const char *text, size_t len, struct pb_cgroup_info *info);
/*
 * info as labels (cgroup, container_id, container_runtime, pod_uid, systemd_unit,
 * container_name, pod_name, namespace); how many.
 */
size_t pb_cgroup_labels(const struct pb_cgroup_info *info, struct pb_label *out, size_t max);

/* The cgroup v2 hierarchy's mount point into out; -ENOENT when none is mounted. */
int pb_cgroup_v2_root(char *out, size_t len);
/*
 * --cgroup's arg (absolute, or relative to the v2 mount) as an absolute path into out, checked
 * to be a cgroup v2 directory; else -errno with why naming the path.
 */
int pb_cgroup_resolve(const char *arg, char *out, size_t len, char *why, size_t why_len);
/* A comma-separated list of them into out[0..*n) (at most max); stops at the first bad one. */
int pb_cgroup_resolve_list(const char *list, char (*out)[PB_CGROUP_PATH_MAX], size_t max,
			   size_t *n, char *why, size_t why_len);

/* names_parse.c: each fills only the fields of out still empty. */
#define PB_NAMES_JSON_MAX (8u << 20) /* bytes of one runtime file read at most */
enum pb_names_format {
	PB_NAMES_DOCKER,      /* /var/lib/docker/containers/ID/config.v2.json */
	PB_NAMES_PODMAN_LIST, /* /var/lib/containers/storage/overlay-containers/containers.json */
	PB_NAMES_OCI,	      /* a bundle's config.json (containerd, CRI-O): kubelet annotations */
};
/* From one runtime file's text (id: the container, for a list); -EINVAL when it is not JSON. */
int pb_container_names_json(enum pb_names_format format, const char *text, size_t len,
			    const char *id, struct pb_container_names *out);
/* From /proc/PID/environ: POD_NAME, POD_NAMESPACE; in_pod: HOSTNAME under the kubelet. */
void pb_container_names_environ(const char *env, size_t len, bool in_pod,
				struct pb_container_names *out);
/* The pod's name from the kubelet's etc-hosts (/var/lib/kubelet/pods/UID/etc-hosts). */
void pb_container_names_etc_hosts(const char *text, size_t len, struct pb_container_names *out);
/* The namespace from a service account's namespace file (in the container's root). */
void pb_container_names_namespace_file(const char *text, size_t len,
				       struct pb_container_names *out);

/*
 * names_node.c: a container's names, looked up on the node once per container (and again after
 * a while), its process pid's environment as a last resort. node_root prefixes every runtime
 * and kubelet path ("" for /; PROFILE_BEE_NODE_ROOT, a test hook); proc_root is /proc.
 */
struct pb_names_cache;
int pb_names_cache__new(const char *node_root, const char *proc_root, struct pb_names_cache **ret);
void pb_names_cache__free(struct pb_names_cache *c);
/* Fills info->names for a process in a container or pod; leaves others alone. */
void pb_names_cache__fill(struct pb_names_cache *c, uint32_t pid, struct pb_cgroup_info *info,
			  uint64_t now_ns);
/* Runtime and kubelet files read so far (for tests: a container's second process reads none). */
uint64_t pb_names_cache__reads(const struct pb_names_cache *c);

/* pid -> info, read from /proc on first use and again after a while; bounded. */
struct pb_cgroup_cache;
int pb_cgroup_cache__new(const char *proc_root, struct pb_cgroup_cache **ret);
void pb_cgroup_cache__free(struct pb_cgroup_cache *c);
/* pid's info (empty when its cgroup cannot be read), valid until the next call; never NULL. */
const struct pb_cgroup_info *pb_cgroup_cache__get(struct pb_cgroup_cache *c, uint32_t pid,
						  uint64_t now_ns);
/* Reads of /proc/PID/cgroup so far (for tests: a pid's second lookup reads nothing). */
uint64_t pb_cgroup_cache__reads(const struct pb_cgroup_cache *c);

#endif
