/* SPDX-License-Identifier: MIT */
/* Test helper: a process's executable mappings as pb_mapping values, read from /proc. */
#ifndef PB_TEST_MAPS_UTIL_H
#define PB_TEST_MAPS_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "symbolize/proc_maps.h"

struct test_maps {
	struct pb_mapping m[512];
	int n;
};

static int test_maps_add(void *ctx, const struct pb_maps_entry *e)
{
	struct test_maps *t = ctx;

	if (t->n == 512)
		return 0;
	t->m[t->n] = (struct pb_mapping){.start = e->start,
					 .end = e->end,
					 .pgoff = e->pgoff,
					 .dev = e->dev,
					 .inode = e->inode,
					 .path = strdup(e->path)};
	t->m[t->n].open_path = t->m[t->n].path;
	t->n++;
	return 0;
}

static inline void test_maps_clear(struct test_maps *t)
{
	for (int i = 0; i < t->n; i++)
		free((char *)t->m[i].path);
	t->n = 0;
}

/* Replaces t's contents with pid's current executable mappings. */
static inline int test_maps_read(uint32_t pid, struct test_maps *t)
{
	test_maps_clear(t);
	return pb_proc_maps_read(pid, test_maps_add, t);
}

static inline const struct pb_mapping *test_maps_find(const struct test_maps *t, uint64_t addr)
{
	for (int i = 0; i < t->n; i++)
		if (t->m[i].start <= addr && addr < t->m[i].end)
			return &t->m[i];
	return NULL;
}

static inline const struct pb_mapping *test_maps_by_path(const struct test_maps *t,
							 const char *path)
{
	for (int i = 0; i < t->n; i++)
		if (!strcmp(t->m[i].path, path))
			return &t->m[i];
	return NULL;
}

#endif
