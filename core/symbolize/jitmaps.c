// SPDX-License-Identifier: MIT
/* Per-process JIT perf maps and jitdumps: found in the process's own root, re-read as they grow. */
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
#include "jitdump.h"
#include "jitmaps.h"
#include "perfmap.h"

/*
 * A miss re-reads the map at most this often: JITs append as they compile, and one window's
 * misses then cost one open and a read of the new bytes, not one per frame.
 */
#define REREAD_NS  (200ull * 1000000ull)
#define READ_CHUNK (64u << 10)

struct jit {
	/* void: struct jit_file reaches both through a void ** (struct pointers may not alias). */
	void *pm; /* struct pb_perfmap, NULL until a map was found */
	void *jd; /* struct pb_jitdump, NULL until a dump was found */
	uint64_t checked_ns;
	uint64_t dev, ino;	 /* the map's file */
	uint64_t jd_dev, jd_ino; /* the dump's */
	uint64_t used;		 /* the window of its last lookup */
	bool dead;		 /* exited or exec'd: dropped when the window ends */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void add(struct pb_perfmap_stats *to, const struct pb_perfmap_stats *st)
{
	to->entries += st->entries;
	to->malformed += st->malformed;
	to->too_long += st->too_long;
	to->limited += st->limited;
}

/* Both files' counts: a jitdump's records count as a map's lines. */
static void add_stats(struct pb_perfmap_stats *to, const struct jit *x)
{
	struct pb_perfmap_stats st;

	if (x->pm)
		add(to, pb_perfmap__stats(x->pm));
	if (x->jd) {
		pb_jitdump__stats(x->jd, &st);
		add(to, &st);
	}
}

/* Drops what x read (counted in gone first when keep_counts: a dropped file's lines stay counted).
 */
static void drop(struct pb_jitmaps *j, struct jit *x, bool keep_counts)
{
	if (keep_counts)
		add_stats(&j->gone, x);
	pb_perfmap__free(x->pm);
	pb_jitdump__free(x->jd);
	x->pm = NULL;
	x->jd = NULL;
}

void pb_jitmaps_clear(struct pb_jitmaps *j)
{
	for (size_t i = 0; i < j->by_pid.cap; i++) {
		struct jit *x = j->by_pid.slots[i].val;

		if (x)
			drop(j, x, false);
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

/* One of the two files a JIT writes, and how to feed its parser. */
struct jit_file {
	void **parser;
	uint64_t *dev, *ino;
	bool (*done)(const void *parser); /* nothing more will be parsed: stop reading */
	int (*make)(void **parser);
	void (*destroy)(void *parser);
	uint64_t (*offset)(const void *parser);
	void (*feed)(void *parser, const void *buf, size_t len);
	void (*stats)(const void *parser, struct pb_perfmap_stats *out);
};

static bool pm_done(const void *p)
{
	return pb_perfmap__offset(p) >= PB_PERFMAP_MAX_BYTES;
}
static bool jd_done(const void *p)
{
	return pb_jitdump__done(p);
}
static int pm_make(void **p)
{
	struct pb_perfmap *pm;
	int err = pb_perfmap__new(&pm);

	*p = err ? NULL : pm;
	return err;
}
static void pm_destroy(void *p)
{
	pb_perfmap__free(p);
}
static uint64_t pm_offset(const void *p)
{
	return pb_perfmap__offset(p);
}
static void pm_feed(void *p, const void *buf, size_t len)
{
	pb_perfmap__feed(p, buf, len);
}
static void pm_stats(const void *p, struct pb_perfmap_stats *out)
{
	*out = *pb_perfmap__stats(p);
}
static int jd_make(void **p)
{
	struct pb_jitdump *jd;
	int err = pb_jitdump__new(&jd);

	*p = err ? NULL : jd;
	return err;
}
static void jd_destroy(void *p)
{
	pb_jitdump__free(p);
}
static uint64_t jd_offset(const void *p)
{
	return pb_jitdump__offset(p);
}
static void jd_feed(void *p, const void *buf, size_t len)
{
	pb_jitdump__feed(p, buf, len);
}
static void jd_stats(const void *p, struct pb_perfmap_stats *out)
{
	pb_jitdump__stats(p, out);
}

/* Reads what was appended to fd since the last time (all of it when the file is new). */
static void read_new(struct pb_jitmaps *j, const struct jit_file *f, int fd, char *buf)
{
	struct pb_perfmap_stats st;
	struct stat sb;

	if (fstat(fd, &sb))
		return;
	/* Another file, or rewritten from the start: a new program wrote it. */
	if (*f->parser && (sb.st_dev != *f->dev || sb.st_ino != *f->ino ||
			   (uint64_t)sb.st_size < f->offset(*f->parser))) {
		f->stats(*f->parser, &st);
		add(&j->gone, &st);
		f->destroy(*f->parser);
		*f->parser = NULL;
	}
	if (!*f->parser && f->make(f->parser))
		return;
	*f->dev = sb.st_dev;
	*f->ino = sb.st_ino;
	while (!f->done(*f->parser)) {
		ssize_t n = pread(fd, buf, READ_CHUNK, f->offset(*f->parser));

		if (n <= 0)
			break;
		f->feed(*f->parser, buf, n);
	}
}

/* Reads what pid's perf map and jitdump gained since the last time. */
static void refresh(struct pb_jitmaps *j, struct jit *x, uint32_t pid)
{
	const struct jit_file map = {&x->pm,	 &x->dev,   &x->ino, pm_done, pm_make,
				     pm_destroy, pm_offset, pm_feed, pm_stats};
	const struct jit_file dump = {&x->jd,	  &x->jd_dev, &x->jd_ino, jd_done, jd_make,
				      jd_destroy, jd_offset,  jd_feed,	  jd_stats};
	char name[64], *buf;
	struct stat st;
	int root, fd;

	snprintf(name, sizeof(name), "/proc/%" PRIu32, pid);
	if (stat(name, &st))
		return; /* gone: what was read stays until the window ends */
	snprintf(name, sizeof(name), "/proc/%" PRIu32 "/root", pid);
	root = open(name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	buf = root < 0 ? NULL : malloc(READ_CHUNK);
	if (buf) {
		fd = pb_perfmap_open(root, ns_pid(pid), st.st_uid);
		if (fd >= 0) {
			read_new(j, &map, fd, buf);
			close(fd);
		}
		fd = pb_jitdump_open(pid, root, st.st_uid);
		if (fd >= 0) {
			read_new(j, &dump, fd, buf);
			close(fd);
		}
	}
	free(buf);
	if (root >= 0)
		close(root);
}

/* The name either file gives addr; the perf map first (a JIT writing both agrees). */
static const char *find(struct jit *x, uint64_t addr)
{
	const char *name = x->pm ? pb_perfmap__lookup(x->pm, addr) : NULL;

	return name || !x->jd ? name : pb_jitdump__lookup(x->jd, addr);
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
	name = find(x, addr);
	now = now_ns();
	if (name || x->dead || (x->checked_ns && now - x->checked_ns < REREAD_NS))
		return name;
	x->checked_ns = now;
	refresh(j, x, pid);
	return find(x, addr);
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
			drop(j, x, true);
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
			add_stats(out, x);
	}
}

size_t pb_jitmaps_mem(const struct pb_jitmaps *j)
{
	size_t mem = 0;

	for (size_t i = 0; i < j->by_pid.cap; i++) {
		const struct jit *x = j->by_pid.slots[i].val;

		if (x)
			mem += sizeof(*x) + (x->pm ? pb_perfmap__mem(x->pm) : 0) +
			       (x->jd ? pb_jitdump__mem(x->jd) : 0);
	}
	return mem;
}

static struct jit *oldest(const struct pb_jitmaps *j)
{
	struct jit *old = NULL;

	for (size_t i = 0; i < j->by_pid.cap; i++) {
		struct jit *x = j->by_pid.slots[i].val;

		if (x && (x->pm || x->jd) && (!old || x->used < old->used))
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
	mem = (x->pm ? pb_perfmap__mem(x->pm) : 0) + (x->jd ? pb_jitdump__mem(x->jd) : 0);
	drop(j, x, false);
	x->checked_ns = 0; /* the next miss reads the whole file again */
	return mem;
}
