// SPDX-License-Identifier: MIT
/* Opens a process's perf map (or jitdump) as root without letting it point us anywhere else. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>
#include "perfmap.h"

/*
 * An O_PATH fd of name under root_fd. openat2 keeps every symlink inside root_fd (a link to
 * /etc/shadow resolves to root_fd's own etc/shadow) and refuses /proc magic links; O_NOFOLLOW
 * stops at a final symlink (O_PATH then gives the link itself, refused by its type). Before
 * openat2 (Linux 5.6) no symlink is followed at all.
 */
static int open_path(int root_fd, const char *dir, const char *name)
{
	struct open_how how = {
	    .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	char rel[PATH_MAX];
	int fd, dfd;

	if ((size_t)snprintf(rel, sizeof(rel), "%s/%s", dir, name) >= sizeof(rel))
		return -ENAMETOOLONG;
	fd = syscall(SYS_openat2, root_fd, rel, &how, sizeof(how));
	if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
		return fd < 0 ? -errno : fd;
	/* EPERM: a seccomp filter that does not know openat2. */
	dfd = openat(root_fd, dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	return fd < 0 ? -errno : fd;
}

int pb_perfmap_open(int root_fd, uint32_t nspid, uid_t owner)
{
	char name[64];

	snprintf(name, sizeof(name), "perf-%" PRIu32 ".map", nspid);
	return pb_open_in_root(root_fd, "tmp", name, owner);
}

int pb_open_in_root(int root_fd, const char *dir, const char *name, uid_t owner)
{
	char self[64];
	struct stat st, st2;
	int pfd, fd;

	pfd = open_path(root_fd, dir, name);
	if (pfd < 0)
		return pfd;
	/*
	 * Checked on the O_PATH fd, before any real open: opening a FIFO or a device can block or
	 * act on the hardware. As perf does, only the process's owner or root may have written it.
	 */
	if (fstat(pfd, &st) || !S_ISREG(st.st_mode) || (st.st_uid && st.st_uid != owner)) {
		close(pfd);
		return -EPERM;
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	fd = open(self, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	close(pfd);
	if (fd < 0)
		return -errno;
	/* The same inode as checked: the reopen goes through our own fd table only. */
	if (fstat(fd, &st2) || st2.st_dev != st.st_dev || st2.st_ino != st.st_ino ||
	    !S_ISREG(st2.st_mode)) {
		close(fd);
		return -EPERM;
	}
	return fd;
}
