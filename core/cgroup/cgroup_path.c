// SPDX-License-Identifier: MIT
/*
 * --cgroup's paths: a cgroup v2 directory, absolute or relative to the v2 hierarchy's mount
 * (/sys/fs/cgroup on a unified host, /sys/fs/cgroup/unified on a hybrid one), or a path in the
 * hierarchy as /proc/PID/cgroup writes it ("/system.slice/x.service"). Checked once
 * where the setting is given, so that a wrong path is a usage error that names it, and again
 * when a session starts (the agent and Lua reach the session without the CLI).
 */
#include <errno.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cgroup.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static bool is_cgroup2_dir(const char *path)
{
	struct statfs fs;
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode) && !statfs(path, &fs) &&
	       fs.f_type == CGROUP2_SUPER_MAGIC;
}

int pb_cgroup_v2_root(char *out, size_t len)
{
	static const char *const usual[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	struct mntent *m, mbuf;
	char buf[1024];
	FILE *f;
	int err = -ENOENT;

	for (size_t i = 0; i < sizeof(usual) / sizeof(usual[0]); i++)
		if (is_cgroup2_dir(usual[i]))
			return snprintf(out, len, "%s", usual[i]) < (int)len ? 0 : -ENAMETOOLONG;
	f = setmntent("/proc/self/mounts", "re");
	while (f && (m = getmntent_r(f, &mbuf, buf, sizeof(buf))))
		if (!strcmp(m->mnt_type, "cgroup2")) {
			err = snprintf(out, len, "%s", m->mnt_dir) < (int)len ? 0 : -ENAMETOOLONG;
			break;
		}
	if (f)
		endmntent(f);
	return err;
}

int pb_cgroup_resolve(const char *arg, char *out, size_t len, char *why, size_t why_len)
{
	char root[PB_CGROUP_PATH_MAX] = "";
	bool have_root = !pb_cgroup_v2_root(root, sizeof(root));
	int n;

	if (!arg[0]) {
		snprintf(why, why_len, "an empty cgroup path");
		return -EINVAL;
	}
	if (arg[0] == '/') {
		n = snprintf(out, len, "%s", arg);
	} else if (have_root) {
		n = snprintf(out, len, "%s/%s", root, arg);
	} else {
		snprintf(why, why_len, "'%s': no cgroup v2 hierarchy is mounted", arg);
		return -ENOENT;
	}
	if (n < 0 || (size_t)n >= len) {
		snprintf(why, why_len, "'%s': too long", arg);
		return -ENAMETOOLONG;
	}
	if (is_cgroup2_dir(out))
		return 0;
	/*
	 * "/system.slice/nginx.service" as /proc/PID/cgroup and the cgroup label write it: a path
	 * in the hierarchy, when it is none on the filesystem.
	 */
	if (arg[0] == '/' && have_root && access(out, F_OK) &&
	    snprintf(out, len, "%s%s", root, arg) < (int)len && is_cgroup2_dir(out))
		return 0;
	if (arg[0] == '/') /* the error names the path as given */
		snprintf(out, len, "%s", arg);
	if (access(out, F_OK))
		snprintf(why, why_len, "'%s' does not exist", out);
	else if (have_root)
		snprintf(why, why_len, "'%s' is not a cgroup v2 directory (the v2 hierarchy is at "
			 "%s)", out, root);
	else
		snprintf(why, why_len, "'%s' is not a cgroup v2 directory", out);
	return -EINVAL;
}

int pb_cgroup_resolve_list(const char *list, char (*out)[PB_CGROUP_PATH_MAX], size_t max,
			   size_t *n, char *why, size_t why_len)
{
	const char *p = list;

	*n = 0;
	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t m = comma ? (size_t)(comma - p) : strlen(p);
		char one[PB_CGROUP_PATH_MAX];
		int err;

		if (m >= sizeof(one)) {
			snprintf(why, why_len, "a cgroup path longer than %d bytes",
				 PB_CGROUP_PATH_MAX - 1);
			return -ENAMETOOLONG;
		}
		memcpy(one, p, m);
		one[m] = '\0';
		if (*n == max) {
			snprintf(why, why_len, "at most %zu cgroups", max);
			return -E2BIG;
		}
		if ((err = pb_cgroup_resolve(one, out[*n], PB_CGROUP_PATH_MAX, why, why_len)))
			return err;
		(*n)++;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}
