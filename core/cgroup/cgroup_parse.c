// SPDX-License-Identifier: MIT
/*
 * Reads container, pod and service out of cgroup paths, as Docker, containerd and CRI-O under
 * the kubelet, Podman and systemd name them (both cgroup drivers):
 *   /system.slice/docker-<id>.scope             /docker/<id>
 *   /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/
 *     cri-containerd-<id>.scope | crio-<id>.scope
 *   /kubepods/burstable/pod<uid>/<id>           /machine.slice/libpod-<id>.scope[/container]
 *   /system.slice/nginx.service
 * The text comes from /proc of any process: a line or a path too long, a malformed id, are
 * simply not attributed, and nothing is read past len.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"

struct prefix {
	const char *prefix;
	const char *runtime;
};

/* "<prefix><id>.scope": the systemd cgroup driver's container scopes. */
static const struct prefix scopes[] = {
	{ "docker-", "docker" },
	{ "cri-containerd-", "containerd" },
	{ "crio-", "cri-o" },
	{ "libpod-", "podman" },
	{ NULL, NULL },
};

static bool is_hex_id(const char *s, size_t n)
{
	if (n != PB_CGROUP_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool has_prefix(const char *s, size_t n, const char *prefix)
{
	size_t m = strlen(prefix);

	return n >= m && !memcmp(s, prefix, m);
}

static bool has_suffix(const char *s, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);

	return n >= m && !memcmp(s + n - m, suffix, m);
}

static void set_id(struct pb_cgroup_info *info, const char *id, const char *runtime)
{
	memcpy(info->container_id, id, PB_CGROUP_ID_LEN);
	info->container_id[PB_CGROUP_ID_LEN] = '\0';
	snprintf(info->runtime, sizeof(info->runtime), "%s", runtime);
}

/* A pod uid as the kubelet names it: 36 characters, 8-4-4-4-12 hex, '-' or systemd's '_'. */
static bool take_pod_uid(const char *s, size_t n, struct pb_cgroup_info *info)
{
	char uid[37];

	if (n != 36)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = s[i];

		if (dash ? (c != '-' && c != '_') : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
		uid[i] = dash ? '-' : c;
	}
	uid[36] = '\0';
	memcpy(info->pod_uid, uid, sizeof(uid));
	return true;
}

/* "pod<uid>" (cgroupfs) or "kubepods[-<qos>]-pod<uid>.slice" (systemd). */
static void try_pod(const char *c, size_t n, struct pb_cgroup_info *info)
{
	const char *pod;

	if (info->pod_uid[0])
		return;
	if (has_prefix(c, n, "pod")) {
		take_pod_uid(c + 3, n - 3, info);
		return;
	}
	if (!has_prefix(c, n, "kubepods") || !has_suffix(c, n, ".slice"))
		return;
	pod = memmem(c, n, "-pod", 4);
	if (pod)
		take_pod_uid(pod + 4, c + n - 6 - (pod + 4), info);
}

static void try_container(const char *c, size_t n, const char *parent, size_t parent_len,
			  bool in_pod, struct pb_cgroup_info *info)
{
	for (const struct prefix *p = scopes; p->prefix; p++) {
		size_t m = strlen(p->prefix);

		if (has_prefix(c, n, p->prefix) && has_suffix(c, n, ".scope") &&
		    is_hex_id(c + m, n - m - 6)) {
			set_id(info, c + m, p->runtime);
			return;
		}
	}
	/* cgroupfs driver: /docker/<id>, /kubepods/<qos>/pod<uid>/<id>. */
	if (is_hex_id(c, n)) {
		if (parent_len == 6 && !memcmp(parent, "docker", 6))
			set_id(info, c, "docker");
		else if (in_pod)
			set_id(info, c, "");
	}
}

bool pb_cgroup_attribute(const char *path, size_t len, struct pb_cgroup_info *info)
{
	const char *end = path + len, *c = path, *parent = "";
	size_t parent_len = 0;
	bool named = false;

	while (c < end) {
		const char *slash = memchr(c, '/', end - c);
		size_t n = (slash ? slash : end) - c;

		if (n) {
			try_pod(c, n, info);
			try_container(c, n, parent, parent_len, info->pod_uid[0], info);
			if (has_suffix(c, n, ".service") && n < sizeof(info->systemd_unit)) {
				memcpy(info->systemd_unit, c, n);
				info->systemd_unit[n] = '\0';
			}
			parent = c;
			parent_len = n;
		}
		c += n + 1;
	}
	named = info->container_id[0] || info->pod_uid[0] || info->systemd_unit[0];
	return named;
}

int pb_cgroup_parse_line(const char *line, size_t len, struct pb_cgroup_line *out)
{
	const char *c1 = memchr(line, ':', len), *c2;

	if (!c1 || c1 == line)
		return -EINVAL;
	c2 = memchr(c1 + 1, ':', line + len - c1 - 1);
	if (!c2 || c2 + 1 >= line + len || c2[1] != '/')
		return -EINVAL;
	for (const char *d = line; d < c1; d++)
		if (*d < '0' || *d > '9')
			return -EINVAL;
	out->v2 = c1 - line == 1 && line[0] == '0' && c2 == c1 + 1;
	out->systemd = (size_t)(c2 - c1 - 1) == 12 && !memcmp(c1 + 1, "name=systemd", 12);
	out->path = c2 + 1;
	out->path_len = line + len - out->path;
	return 0;
}

static void keep_path(struct pb_cgroup_info *info, const struct pb_cgroup_line *l)
{
	/* The root says nothing: no label rather than "/" on every stack. */
	if (l->path_len > 1 && l->path_len < sizeof(info->cgroup)) {
		memcpy(info->cgroup, l->path, l->path_len);
		info->cgroup[l->path_len] = '\0';
	}
}

int pb_cgroup_parse(const char *text, size_t len, struct pb_cgroup_info *info)
{
	struct pb_cgroup_line lines[2] = { { 0 } }; /* [0] v2, [1] name=systemd or the first v1 */
	bool have[2] = { false, false };
	const char *end = text + len;

	memset(info, 0, sizeof(*info));
	for (const char *l = text; l < end;) {
		const char *nl = memchr(l, '\n', end - l);
		size_t n = (nl ? nl : end) - l;
		struct pb_cgroup_line pl;

		if (!pb_cgroup_parse_line(l, n, &pl)) {
			int k = pl.v2 ? 0 : 1;

			if (!have[k] || (k == 1 && pl.systemd))
				lines[k] = pl;
			have[k] = true;
			/* Any v1 hierarchy may be the one that names the container. */
			if (!pl.v2)
				pb_cgroup_attribute(pl.path, pl.path_len, info);
		}
		l += n + 1;
	}
	if (!have[0] && !have[1])
		return -EINVAL;
	/* v2's path decides when it says anything (a hybrid host's v2 may be just "/"). */
	if (have[0] && (lines[0].path_len > 1 || !have[1])) {
		struct pb_cgroup_info v2 = { 0 };

		if (pb_cgroup_attribute(lines[0].path, lines[0].path_len, &v2) || !have[1])
			*info = v2;
		keep_path(info, &lines[0]);
	} else {
		keep_path(info, &lines[1]);
	}
	return 0;
}

size_t pb_cgroup_labels(const struct pb_cgroup_info *info, struct pb_label *out, size_t max)
{
	const struct pb_label all[] = {
		{ "cgroup", info->cgroup },
		{ "container_id", info->container_id },
		{ "container_runtime", info->runtime },
		{ "pod_uid", info->pod_uid },
		{ "systemd_unit", info->systemd_unit },
		{ "container_name", info->names.container },
		{ "pod_name", info->names.pod },
		{ "namespace", info->names.namespace_ },
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]) && n < max; i++)
		if (all[i].value[0])
			out[n++] = all[i];
	return n;
}
