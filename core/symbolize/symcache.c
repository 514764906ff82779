// SPDX-License-Identifier: MIT
/* The symbol caches' cap: what they hold, and LRU eviction, binaries no live process maps first. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "symbolizer_impl.h"

/* Under the cap by this share after a trim, so a working set near it is not trimmed each window. */
#define TRIM_SLACK 8 /* cap / 8 */

struct victim {
	struct pb_binary *bin; /* NULL: the least recently used perf map */
	uint64_t used;
	bool live;
};

static size_t cache_bytes(const struct pb_symbolizer *s)
{
	size_t mem = s->pool.bytes + pb_jitmaps_mem(&s->jit);

	for (size_t i = 0; i < s->by_id.cap; i++) {
		const struct pb_binary *b = s->by_id.slots[i].val;

		if (b)
			mem += b->mem;
	}
	return mem + s->by_file.len * sizeof(struct file_ref);
}

static int mark_live(void *ctx, const struct pb_mapping *m)
{
	struct pb_symbolizer *s = ctx;
	struct file_ref *ref = pb_u64map_get(&s->by_file, pb_symbolizer_file_key(m));

	if (ref && ref->bin)
		ref->bin->live = s->epoch;
	return 0;
}

static int cmp_victim(const void *a, const void *b)
{
	const struct victim *x = a, *y = b;

	if (x->live != y->live)
		return x->live ? 1 : -1;
	return x->used < y->used ? -1 : x->used > y->used;
}

/* Drops bin and the files that resolved to it: the next frame in them loads it again. */
static size_t evict_binary(struct pb_symbolizer *s, struct pb_binary *bin)
{
	size_t mem = bin->mem, n = 0;
	uint64_t *keys = malloc(s->by_file.len * sizeof(*keys) + 1);

	for (size_t i = 0; i < s->by_id.cap; i++)
		if (s->by_id.slots[i].val == bin) {
			pb_u64map_del(&s->by_id, s->by_id.slots[i].key);
			break;
		}
	for (size_t i = 0; keys && i < s->by_file.cap; i++) {
		struct file_ref *ref = s->by_file.slots[i].val;

		if (ref && ref->bin == bin)
			keys[n++] = s->by_file.slots[i].key;
	}
	for (size_t i = 0; i < n; i++) {
		free(pb_u64map_del(&s->by_file, keys[i]));
		mem += sizeof(struct file_ref);
	}
	/* Without room for the keys the refs stay and point nowhere: forget them one by one. */
	for (size_t i = 0; !keys && i < s->by_file.cap; i++) {
		struct file_ref *ref = s->by_file.slots[i].val;

		if (ref && ref->bin == bin)
			ref->bin = NULL;
	}
	free(keys);
	pb_binary__free(bin);
	return mem;
}

/* Files that could not be read are tried again on their next frame anyway: forget them. */
static size_t drop_failed(struct pb_symbolizer *s)
{
	size_t freed = 0;
	bool again = true;

	/* Deleting moves entries between slots: rescan until a pass deletes nothing. */
	while (again) {
		again = false;
		for (size_t i = 0; i < s->by_file.cap; i++) {
			struct file_ref *ref = s->by_file.slots[i].val;

			if (!ref || ref->bin)
				continue;
			free(pb_u64map_del(&s->by_file, s->by_file.slots[i].key));
			freed += sizeof(*ref);
			again = true;
		}
	}
	return freed;
}

/* Every cached binary and loaded perf map, least wanted first. */
static struct victim *victims(struct pb_symbolizer *s, size_t *n)
{
	struct victim *v = malloc((s->by_id.len + s->jit.by_pid.len + 1) * sizeof(*v));

	*n = 0;
	if (!v)
		return NULL;
	/*
	 * What this window used stays: the next window most likely needs it again, and dropping
	 * it would only trade memory for reading it again every window (measured: 400 reloads
	 * in 33 windows of a 16 MiB cap under node and clang, and a higher peak than without).
	 */
	for (size_t i = 0; i < s->by_id.cap; i++) {
		struct pb_binary *b = s->by_id.slots[i].val;

		if (b && b->used < s->window)
			v[(*n)++] = (struct victim){b, b->used, b->live == s->epoch};
	}
	/* Perf maps belong to live processes (exited ones are gone already). */
	for (size_t i = 0; i < s->jit.by_pid.len; i++)
		v[(*n)++] = (struct victim){NULL, pb_jitmaps_oldest(&s->jit), true};
	qsort(v, *n, sizeof(*v), cmp_victim);
	return v;
}

void pb_symbolizer_trim(struct pb_symbolizer *s, pb_symbolizer_live_fn live, void *ctx)
{
	size_t bytes = cache_bytes(s), target, n;
	bool freed_any = false;
	struct victim *v;

	if (bytes > s->stats.peak)
		s->stats.peak = bytes;
	s->stats.bytes = bytes;
	if (!s->cap || bytes <= s->cap)
		return;
	s->stats.trims++;
	target = s->cap - s->cap / TRIM_SLACK;
	/* Names made up for unresolved and kernel frames: cheap to make again. */
	bytes -= s->pool.bytes + drop_failed(s);
	pb_strpool_clear(&s->pool);
	s->epoch++;
	if (live)
		live(ctx, mark_live, s);
	v = victims(s, &n);
	for (size_t i = 0; v && i < n && bytes > target; i++) {
		size_t freed = v[i].bin ? evict_binary(s, v[i].bin)
					: pb_jitmaps_evict_oldest(&s->jit, s->window);

		bytes -= freed < bytes ? freed : bytes;
		s->stats.evictions += freed > 0;
		freed_any |= freed > 0;
	}
	free(v);
	s->stats.bytes = bytes;
	s->stats.over += bytes > s->cap;
	/* Symbol tables are large blocks: give their pages back instead of keeping them. */
	if (freed_any)
		malloc_trim(0);
}

void pb_symbolizer__set_cap(struct pb_symbolizer *s, size_t bytes)
{
	pthread_mutex_lock(&s->lock);
	s->cap = bytes;
	pthread_mutex_unlock(&s->lock);
}

void pb_symbolizer__cache_stats(struct pb_symbolizer *s, struct pb_symbolizer_cache_stats *out)
{
	pthread_mutex_lock(&s->lock);
	*out = s->stats;
	pthread_mutex_unlock(&s->lock);
}
