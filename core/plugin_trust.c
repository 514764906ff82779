// SPDX-License-Identifier: MIT
/* Whether a plugin file may run as us: the file and every directory and link on its way from /. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin_file.h"

/* As the kernel's own limit on links followed in one lookup. */
#define MAX_LINKS 40

/*
 * Anyone who owns a directory can chmod it and then replace what it holds, so owners count
 * as writers: only root and we ourselves are trusted.
 */
static bool trusted_owner(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

static const char *writers(mode_t mode)
{
	if ((mode & S_IWGRP) && (mode & S_IWOTH))
		return "its group and others";
	return mode & S_IWOTH ? "others" : "its group";
}

/*
 * May someone but root (or us) replace entry in dir? Group/other-writable directories are
 * refused, except a sticky one (/tmp) whose entry we pass through belongs to root or us: the
 * sticky bit keeps others from renaming or removing entries they do not own.
 */
static int check_entry(const char *plugin, const char *dir, const struct stat *dst,
		       const char *entry, const struct stat *est, char *err, size_t len)
{
	if (!(dst->st_mode & (S_IWGRP | S_IWOTH)))
		return 0;
	if (!(dst->st_mode & S_ISVTX)) {
		snprintf(err, len,
			 "refusing plugin '%s': directory '%s' is writable by %s (mode %04o)",
			 plugin, dir, writers(dst->st_mode), (unsigned)(dst->st_mode & 07777));
		return -EPERM;
	}
	if (trusted_owner(est->st_uid))
		return 0;
	snprintf(err, len,
		 "refusing plugin '%s': '%s' is owned by uid %u, not root, in the directory '%s' "
		 "writable by %s (mode %04o)",
		 plugin, entry, (unsigned)est->st_uid, dir, writers(dst->st_mode),
		 (unsigned)(dst->st_mode & 07777));
	return -EPERM;
}

static int check_owner(const char *plugin, const char *what, const char *path,
		       const struct stat *st, char *err, size_t len)
{
	if (trusted_owner(st->st_uid))
		return 0;
	snprintf(err, len, "refusing plugin '%s': %s '%s' is owned by uid %u, not root", plugin,
		 what, path, (unsigned)st->st_uid);
	return -EPERM;
}

/* cur = "/" or "/a/b"; appends "/name" (or "name" after "/"). */
static int join(char *cur, size_t size, const char *name, size_t n)
{
	size_t used = strlen(cur);
	int w = snprintf(cur + used, size - used, "%s%.*s", used > 1 ? "/" : "", (int)n, name);

	return w < 0 || (size_t)w >= size - used ? -ENAMETOOLONG : 0;
}

static void up(char *cur)
{
	char *slash = strrchr(cur, '/');

	if (slash == cur)
		cur[1] = '\0';
	else if (slash)
		*slash = '\0';
}

/*
 * Walks path one name at a time from / (links followed by hand, as sudo and OpenSSH walk their
 * files), so every directory that could swap what comes next is looked at: the symlinks, the
 * directories they sit in and the ones they point into.
 */
int pb_plugin_trust(const char *path, char *real, size_t real_len, char *err, size_t len)
{
	char todo[2 * PATH_MAX], next[2 * PATH_MAX], target[PATH_MAX], cur[PATH_MAX] = "/";
	struct stat dst, st;
	int links = 0, ret;
	ssize_t n;

	if (path[0] == '/')
		ret = snprintf(todo, sizeof(todo), "%s", path);
	else if (getcwd(cur, sizeof(cur)))
		ret = snprintf(todo, sizeof(todo), "%s/%s", cur, path);
	else
		ret = -1;
	if (ret < 0 || (size_t)ret >= sizeof(todo)) {
		snprintf(err, len, "cannot open '%s': %s", path, strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	strcpy(cur, "/");
	if (stat("/", &dst) || (ret = check_owner(path, "directory", "/", &dst, err, len)))
		return ret ? ret : -errno;
	for (char *p = todo; *p;) {
		size_t clen;
		char *rest;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		clen = strcspn(p, "/");
		rest = p + clen;
		if ((clen == 1 && p[0] == '.') || (clen == 2 && !strncmp(p, "..", 2))) {
			/* cur holds no links and its ancestors were checked on the way down. */
			if (clen == 2)
				up(cur);
			if (stat(cur, &dst))
				goto fail_errno;
			p = rest;
			continue;
		}
		snprintf(next, sizeof(next), "%s", cur);
		if (join(next, sizeof(next), p, clen)) {
			errno = ENAMETOOLONG;
			goto fail_errno;
		}
		if (lstat(next, &st)) {
			snprintf(err, len, "cannot open '%s': '%s': %s", path, next,
				 strerror(errno));
			return -errno;
		}
		if ((ret = check_entry(path, cur, &dst, next, &st, err, len)))
			return ret;
		if (S_ISLNK(st.st_mode)) {
			if (++links > MAX_LINKS) {
				errno = ELOOP;
				goto fail_errno;
			}
			n = readlink(next, target, sizeof(target) - 1);
			if (n < 0)
				goto fail_errno;
			target[n] = '\0';
			/* The link's target replaces its name in what is left to walk. */
			ret = snprintf(next, sizeof(next), "%s%s", target, rest);
			if (ret < 0 || (size_t)ret >= sizeof(todo)) {
				errno = ENAMETOOLONG;
				goto fail_errno;
			}
			memcpy(todo, next, (size_t)ret + 1);
			p = todo;
			if (target[0] == '/') {
				strcpy(cur, "/");
				if (stat(cur, &dst))
					goto fail_errno;
			}
			continue;
		}
		if (strlen(next) >= sizeof(cur)) {
			errno = ENAMETOOLONG;
			goto fail_errno;
		}
		strcpy(cur, next);
		p = rest;
		while (*p == '/')
			p++;
		if (S_ISDIR(st.st_mode)) {
			if ((ret = check_owner(path, "directory", cur, &st, err, len)))
				return ret;
			dst = st;
			continue;
		}
		if (*p) {
			errno = ENOTDIR;
			goto fail_errno;
		}
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, len, "refusing plugin '%s': '%s' is not a regular file", path,
				 cur);
			return -EPERM;
		}
		if ((ret = check_owner(path, "file", cur, &st, err, len)))
			return ret;
		if (st.st_mode & (S_IWGRP | S_IWOTH)) {
			snprintf(err, len,
				 "refusing plugin '%s': file '%s' is writable by %s (mode %04o)",
				 path, cur, writers(st.st_mode), (unsigned)(st.st_mode & 07777));
			return -EPERM;
		}
		if (strlen(cur) >= real_len) {
			errno = ENAMETOOLONG;
			goto fail_errno;
		}
		strcpy(real, cur);
		return 0;
	}
	snprintf(err, len, "refusing plugin '%s': '%s' is a directory", path, cur);
	return -EISDIR;
fail_errno:
	ret = -errno;
	snprintf(err, len, "cannot open '%s': %s", path, strerror(errno));
	return ret;
}
