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

/* What a process's cgroup says about it; empty strings where nothing applies. */
struct pb_cgroup_info {
	char cgroup[PB_CGROUP_PATH_MAX]; /* the v2 path, else name=systemd's, else the first v1 */
	char container_id[PB_CGROUP_ID_LEN + 1];
	char runtime[16];  /* docker, containerd, cri-o, podman */
	char pod_uid[37];  /* 8-4-4-4-12, dashes (systemd's underscores turned back) */
	char systemd_unit[128];
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
/* info as labels (cgroup, container_id, container_runtime, pod_uid, systemd_unit); how many. */
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
