// SPDX-License-Identifier: MIT
/*
 * pid -> cgroup attribution, read from /proc/PID/cgroup once per process and again after
 * REREAD_NS (a process can be moved: systemd-run --scope, a container runtime's setup). The
 * table is direct-mapped and fixed: its memory never grows, a colliding pid evicts the older
 * entry, and a drain pays one hash and compare per distinct stack (stacks arrive aggregated).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "hash.h"

#define SLOTS 1024			 /* ~1.4 MiB; processes sampled per window are fewer */
#define REREAD_NS (30ull * 1000000000ull) /* a moved process is labelled right within 30 s */
#define READ_MAX (64 * 1024)		 /* a v1 host lists ~13 lines; more is not a cgroup file */

struct slot {
	uint32_t pid; /* 0: empty */
	uint64_t read_ns;
	struct pb_cgroup_info info;
};

struct pb_cgroup_cache {
	char proc_root[64];
	uint64_t reads;
	struct pb_names_cache *names; /* container and pod names, per container */
	struct pb_cgroup_info none;
	struct slot slots[SLOTS];
};

int pb_cgroup_cache__new(const char *proc_root, struct pb_cgroup_cache **ret)
{
	struct pb_cgroup_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	snprintf(c->proc_root, sizeof(c->proc_root), "%s", proc_root ? proc_root : "/proc");
	/*
	 * PROFILE_BEE_NODE_ROOT (a test hook) puts the runtimes' and the kubelet's directories
	 * under another root. Without the names cache, ids still label stacks.
	 */
	pb_names_cache__new(getenv("PROFILE_BEE_NODE_ROOT"), c->proc_root, &c->names);
	*ret = c;
	return 0;
}

void pb_cgroup_cache__free(struct pb_cgroup_cache *c)
{
	if (c)
		pb_names_cache__free(c->names);
	free(c);
}

static void read_info(struct pb_cgroup_cache *c, uint32_t pid, struct pb_cgroup_info *info)
{
	char path[96], *buf = malloc(READ_MAX);
	ssize_t n = -1, got;
	int fd;

	memset(info, 0, sizeof(*info));
	snprintf(path, sizeof(path), "%s/%u/cgroup", c->proc_root, pid);
	fd = buf ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	c->reads++;
	if (fd >= 0) {
		n = 0;
		while (n < READ_MAX && (got = read(fd, buf + n, READ_MAX - n)) > 0)
			n += got;
		close(fd);
	}
	if (n > 0)
		pb_cgroup_parse(buf, n, info);
	free(buf);
}

const struct pb_cgroup_info *pb_cgroup_cache__get(struct pb_cgroup_cache *c, uint32_t pid,
						  uint64_t now_ns)
{
	struct slot *s;

	if (!pid)
		return &c->none;
	s = &c->slots[pb_hash_u64(pid) % SLOTS];
	if (s->pid != pid || now_ns - s->read_ns > REREAD_NS) {
		read_info(c, pid, &s->info);
		if (c->names)
			pb_names_cache__fill(c->names, pid, &s->info, now_ns);
		s->pid = pid;
		s->read_ns = now_ns;
	}
	return &s->info;
}

uint64_t pb_cgroup_cache__reads(const struct pb_cgroup_cache *c)
{
	return c->reads;
}
