// SPDX-License-Identifier: MIT
/* Finds a process's jitdump by the mapping its JIT makes of it, as perf does. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	}
	fclose(f);
	return fd;
}
