// SPDX-License-Identifier: MIT
/* Finds a process's jitdump by the mapping its JIT makes of it, as perf does. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "jitdump.h"

/* Whether base is "jit-" digits ".dump" (perf's test: any pid, the JIT's own namespace's). */
static int is_dump_name(const char *base)
{
	const char *p = base + 4;

	if (strncmp(base, "jit-", 4) || *p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	return !strcmp(p, ".dump");
}

/*
 * Whether fd is the very file line maps (its device and inode): a path renamed or linked over
 * since the JIT mapped it is not read, so only a file the process could read is.
 */
static bool same_file(int fd, const char *line)
{
	unsigned int maj, min;
	unsigned long long ino;
	struct stat st;

	return sscanf(line, "%*s %*s %*s %x:%x %llu", &maj, &min, &ino) == 3 && !fstat(fd, &st) &&
	       st.st_ino == ino && major(st.st_dev) == maj && minor(st.st_dev) == min;
}

int pb_jitdump_open(uint32_t pid, int root_fd, uid_t owner)
{
	char name[64], line[PATH_MAX + 128];
	int fd = -ENOENT;
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%" PRIu32 "/maps", pid);
	f = fopen(name, "re");
	if (!f)
		return -errno;
	while (fd == -ENOENT && fgets(line, sizeof(line), f)) {
		char *path = strchr(line, '/'), *nl = strchr(line, '\n'), *base;

		if (!path || !nl)
			continue; /* anonymous, or a path longer than PATH_MAX */
		*nl = 0;
		base = strrchr(path, '/');
		if (!is_dump_name(base + 1))
			continue;
		/* The path is the process's own (inside its root): resolved under root_fd. */
		*base = 0;
		fd = pb_open_in_root(root_fd, base == path ? "." : path + 1, base + 1, owner);
		if (fd >= 0 && !same_file(fd, line)) {
			close(fd);
			fd = -EPERM;
		}
	}
	fclose(f);
	return fd;
}
