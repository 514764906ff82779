// SPDX-License-Identifier: MIT
/* Parses /proc/PID/maps lines: "start-end perms offset major:minor inode   path". */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "proc_maps.h"

#define DELETED " (deleted)"

void pb_proc_maps_clean_path(char *path, bool *deleted)
{
	size_t len = strlen(path), dl = strlen(DELETED);
	char *w = path;

	*deleted = len > dl && !strcmp(path + len - dl, DELETED);
	if (*deleted)
		path[len - dl] = 0;
	/* The kernel escapes a newline in a path as "\012"; undo it so the path can be opened. */
	for (const char *r = path; *r; r++, w++) {
		if (!strncmp(r, "\\012", 4)) {
			*w = '\n';
			r += 3;
		} else {
			*w = *r;
		}
	}
	*w = 0;
	if (!strcmp(path, "//anon"))
		path[0] = 0;
}

int pb_proc_maps_parse_line(char *line, struct pb_maps_entry *e)
{
	unsigned int maj, min;
	char perms[8];
	int pos = -1;
	size_t len = strlen(line);

	if (len && line[len - 1] == '\n')
		line[--len] = 0;
	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 "%n", &e->start,
		   &e->end, perms, &e->pgoff, &maj, &min, &e->inode, &pos) < 7 ||
	    pos < 0 || e->end <= e->start)
		return -EINVAL;
	e->exec = strlen(perms) >= 3 && perms[2] == 'x';
	e->dev = makedev(maj, min);
	/* The path starts after the padding and runs to the end of the line: it may hold spaces. */
	char *path = line + pos;

	while (*path == ' ' || *path == '\t')
		path++;
	pb_proc_maps_clean_path(path, &e->deleted);
	e->path = path;
	return 0;
}

int pb_proc_maps_read(uint32_t pid, int (*fn)(void *ctx, const struct pb_maps_entry *e), void *ctx)
{
	char name[64], *line = NULL;
	size_t cap = 0;
	int err = 0;
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%" PRIu32 "/maps", pid);
	f = fopen(name, "re");
	if (!f)
		return -errno;
	errno = 0;
	/* Streamed line by line: maps files of big processes reach megabytes. */
	while (getline(&line, &cap, f) > 0) {
		struct pb_maps_entry e;

		if (pb_proc_maps_parse_line(line, &e) || !e.exec)
			continue;
		err = fn(ctx, &e);
		if (err)
			break;
	}
	/* A read error mid-file means the process went away; report what was seen as gone. */
	if (!err && ferror(f))
		err = errno ? -errno : -EIO;
	free(line);
	fclose(f);
	return err;
}

int pb_proc_read_comm(uint32_t pid, char *buf, size_t sz)
{
	char name[64];
	ssize_t n;
	int fd;

	snprintf(name, sizeof(name), "/proc/%" PRIu32 "/comm", pid);
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sz - 1);
	close(fd);
	if (n < 0)
		return -errno;
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = 0;
	return 0;
}
