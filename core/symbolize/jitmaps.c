// SPDX-License-Identifier: MIT
/* Per-process JIT perf maps: found in the process's own root, re-read as they grow. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "jitmaps.h"
#include "perfmap.h"

/*
 * A miss re-reads the map at most this often: JITs append as they compile, and one window's
 * misses then cost one open and a read of the new bytes, not one per frame.
 */
#define REREAD_NS  (200ull * 1000000ull)
#define READ_CHUNK (64u << 10)

struct jit {
	struct pb_perfmap *pm; /* NULL until a map was found */
	uint64_t checked_ns;
	uint64_t dev, ino;
	uint64_t used; /* the window of its last lookup */
	bool dead;     /* exited or exec'd: dropped when the window ends */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void pb_jitmaps_clear(struct pb_jitmaps *j)
{
	for (size_t i = 0; i < j->by_pid.cap; i++) {
		struct jit *x = j->by_pid.slots[i].val;

		if (x)
			pb_perfmap__free(x->pm);
		free(x);
	}
	pb_u64map_clear(&j->by_pid);
}

/* The pid in the process's own pid namespace (the last NSpid field), which names its map. */
static uint32_t ns_pid(uint32_t pid)
{
	char name[64], line[256];
	uint32_t ns = pid;
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%" PRIu32 "/status", pid);
	f = fopen(name, "re");
	if (!f)
		return pid;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "NSpid:", 6))
			continue;
		for (char *p = line + 6, *end; *p; p = end) {
			unsigned long v = strtoul(p, &end, 10);

			if (end == p)
				break;
			ns = v;
		}
		break;
	}
	fclose(f);
	return ns;
}

static void add_stats(struct pb_perfmap_stats *to, const struct pb_perfmap *pm)
{
	const struct pb_perfmap_stats *st = pm ? pb_perfmap__stats(pm) : NULL;

	if (!st)
		return;
	to->entries += st->entries;
	to->malformed += st->malformed;
	to->too_long += st->too_long;
	to->limited += st->limited;
}

/* Reads what was appended to pid's map since the last time (all of it when the file is new). */
static void refresh(struct pb_jitmaps *j, struct jit *x, uint32_t pid)
{
	char name[64], *buf = NULL;
	struct stat st;
	int root, fd;

	snprintf(name, sizeof(name), "/proc/%" PRIu32, pid);
	if (stat(name, &st))
		return; /* gone: what was read stays until the window ends */
	snprintf(name, sizeof(name), "/proc/%" PRIu32 "/root", pid);
	root = open(name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return;
	fd = pb_perfmap_open(root, ns_pid(pid), st.st_uid);
	close(root);
	if (fd < 0 || fstat(fd, &st))
		goto out;
	/* Another file, or rewritten from the start: a new program wrote it. */
	if (x->pm && (st.st_dev != x->dev || st.st_ino != x->ino ||
		      (uint64_t)st.st_size < pb_perfmap__offset(x->pm))) {
		add_stats(&j->gone, x->pm);
		pb_perfmap__free(x->pm);
		x->pm = NULL;
	}
	if (!x->pm && pb_perfmap__new(&x->pm))
		goto out;
	x->dev = st.st_dev;
	x->ino = st.st_ino;
	buf = malloc(READ_CHUNK);
	while (buf && pb_perfmap__offset(x->pm) < PB_PERFMAP_MAX_BYTES) {
		ssize_t n = pread(fd, buf, READ_CHUNK, pb_perfmap__offset(x->pm));

		if (n <= 0)
			break;
		pb_perfmap__feed(x->pm, buf, n);
	}
out:
	free(buf);
	if (fd >= 0)
		close(fd);
}

const char *pb_jitmaps_lookup(struct pb_jitmaps *j, uint32_t pid, uint64_t addr)
{
	struct jit *x = pb_u64map_get(&j->by_pid, pid);
	const char *name;
	uint64_t now;

	if (!x) {
		x = calloc(1, sizeof(*x));
		if (!x || pb_u64map_put(&j->by_pid, pid, x)) {
			free(x);
			return NULL;
		}
	}
	x->used = j->window;
	name = x->pm ? pb_perfmap__lookup(x->pm, addr) : NULL;
	now = now_ns();
	if (name || x->dead || (x->checked_ns && now - x->checked_ns < REREAD_NS))
		return name;
	x->checked_ns = now;
	refresh(j, x, pid);
	return x->pm ? pb_perfmap__lookup(x->pm, addr) : NULL;
}

void pb_jitmaps_forget(struct pb_jitmaps *j, uint32_t pid)
{
	struct jit *x = pb_u64map_get(&j->by_pid, pid);

	if (x)
		x->dead = true;
}

void pb_jitmaps_end_window(struct pb_jitmaps *j)
{
	bool again = true;

	/* Deleting moves entries between slots: rescan until a pass finds no dead one. */
	while (again) {
		again = false;
		for (size_t i = 0; i < j->by_pid.cap; i++) {
			struct jit *x = j->by_pid.slots[i].val;

			if (!x || !x->dead)
				continue;
			add_stats(&j->gone, x->pm);
			pb_perfmap__free(x->pm);
			free(pb_u64map_del(&j->by_pid, j->by_pid.slots[i].key));
			again = true;
			break;
		}
	}
}

void pb_jitmaps_stats(const struct pb_jitmaps *j, struct pb_perfmap_stats *out)
{
	*out = j->gone;
	for (size_t i = 0; i < j->by_pid.cap; i++) {
		const struct jit *x = j->by_pid.slots[i].val;

		if (x)
			add_stats(out, x->pm);
	}
}

size_t pb_jitmaps_mem(const struct pb_jitmaps *j)
{
	size_t mem = 0;

	for (size_t i = 0; i < j->by_pid.cap; i++) {
		const struct jit *x = j->by_pid.slots[i].val;

		if (x)
			mem += sizeof(*x) + (x->pm ? pb_perfmap__mem(x->pm) : 0);
	}
	return mem;
}

static struct jit *oldest(const struct pb_jitmaps *j)
{
	struct jit *old = NULL;

	for (size_t i = 0; i < j->by_pid.cap; i++) {
		struct jit *x = j->by_pid.slots[i].val;

		if (x && x->pm && (!old || x->used < old->used))
			old = x;
	}
	return old;
}

uint64_t pb_jitmaps_oldest(const struct pb_jitmaps *j)
{
	const struct jit *x = oldest(j);

	return x ? x->used : UINT64_MAX;
}

size_t pb_jitmaps_evict_oldest(struct pb_jitmaps *j, uint64_t before)
{
	struct jit *x = oldest(j);
	size_t mem;

	if (!x || x->used >= before)
		return 0;
	/* Not added to gone: reading the file again counts its lines again. */
	mem = pb_perfmap__mem(x->pm);
	pb_perfmap__free(x->pm);
	x->pm = NULL;
	x->checked_ns = 0; /* the next miss reads the whole file again */
	return mem;
}
