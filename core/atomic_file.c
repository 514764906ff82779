// SPDX-License-Identifier: MIT
/* Files written whole: a temporary file beside the target, renamed over it on commit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <limits.h>
#include <profile-bee/profile-bee.h>

/*
 * Temporary paths still open, copied into fixed slots so a signal handler can unlink them
 * without touching the heap. A slot is written, then published (READY); cleared after rename
 * or unlink (a late unlink of a renamed name finds nothing: harmless).
 */
#define PENDING_SLOTS 64
enum { FREE, CLAIMED, READY };
static struct {
	int state;
	char path[PATH_MAX];
} pending[PENDING_SLOTS];

static void track(struct pb_atomic_file *af)
{
	for (int i = 0; i < PENDING_SLOTS; i++) {
		int expect = FREE;

		if (strlen(af->tmp_path) >= PATH_MAX ||
		    !__atomic_compare_exchange_n(&pending[i].state, &expect, CLAIMED, false,
						 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			continue;
		strcpy(pending[i].path, af->tmp_path);
		__atomic_store_n(&pending[i].state, READY, __ATOMIC_RELEASE);
		return;
	}
	/* More than 64 at once: this one is not removed on a signal (no output writes so many). */
}

/* Found by its name: struct pb_atomic_file is public and keeps its size (plugins embed it). */
static void untrack(struct pb_atomic_file *af)
{
	for (int i = 0; i < PENDING_SLOTS; i++)
		if (__atomic_load_n(&pending[i].state, __ATOMIC_ACQUIRE) == READY &&
		    !strcmp(pending[i].path, af->tmp_path)) {
			__atomic_store_n(&pending[i].state, FREE, __ATOMIC_RELEASE);
			return;
		}
}

void pb_atomic_file__remove_pending(void)
{
	for (int i = 0; i < PENDING_SLOTS; i++)
		if (__atomic_load_n(&pending[i].state, __ATOMIC_ACQUIRE) == READY)
			unlink(pending[i].path);
}

int pb_atomic_file__open(const char *path, struct pb_atomic_file *af)
{
	int fd;

	memset(af, 0, sizeof(*af));
	if (!strcmp(path, "-")) {
		af->f = stdout;
		af->path = strdup(path);
		return af->path ? 0 : -ENOMEM;
	}
	af->path = strdup(path);
	if (!af->path || asprintf(&af->tmp_path, "%s.XXXXXX", path) < 0) {
		free(af->path);
		af->tmp_path = NULL;
		return -ENOMEM;
	}
	fd = mkstemp(af->tmp_path);
	if (fd < 0 || !(af->f = fdopen(fd, "w"))) {
		int err = -errno;

		if (fd >= 0) {
			close(fd);
			unlink(af->tmp_path);
		}
		free(af->tmp_path);
		free(af->path);
		memset(af, 0, sizeof(*af));
		return err;
	}
	/* mkstemp makes 0600 files; a profile is an ordinary file (umask applies). */
	fchmod(fd, 0644 & ~umask(umask(0)));
	track(af);
	return 0;
}

int pb_atomic_file__commit(struct pb_atomic_file *af)
{
	int err = 0;

	if (!af->tmp_path) {
		err = fflush(af->f) ? -errno : 0;
		free(af->path);
		memset(af, 0, sizeof(*af));
		return err;
	}
	if (fflush(af->f) || ferror(af->f) || fsync(fileno(af->f)))
		err = errno ? -errno : -EIO;
	if (fclose(af->f) && !err)
		err = -errno;
	if (!err && rename(af->tmp_path, af->path))
		err = -errno;
	if (err)
		unlink(af->tmp_path);
	untrack(af);
	free(af->tmp_path);
	free(af->path);
	memset(af, 0, sizeof(*af));
	return err;
}

void pb_atomic_file__abort(struct pb_atomic_file *af)
{
	if (af->tmp_path) {
		fclose(af->f);
		unlink(af->tmp_path);
		untrack(af);
	}
	free(af->tmp_path);
	free(af->path);
	memset(af, 0, sizeof(*af));
}
