// SPDX-License-Identifier: MIT
/* The per-address cache of expanded frames: records bump-allocated from chunks, freed together. */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "srcinfo_cache.h"

#define CHUNK_BYTES (16u << 10)

struct pb_src_chunk {
	struct pb_src_chunk *next;
	alignas(max_align_t) unsigned char data[CHUNK_BYTES];
};

/* Every address without DWARF or frames points here: no record of its own. */
static const struct pb_src_frames empty;

static void *arena_alloc(struct pb_src_cache *c, size_t size)
{
	size = (size + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
	if (!c->chunks || c->chunk_used + size > CHUNK_BYTES) {
		struct pb_src_chunk *ch = malloc(sizeof(*ch));

		if (!ch)
			return NULL;
		ch->next = c->chunks;
		c->chunks = ch;
		c->chunk_used = 0;
		c->bytes += sizeof(*ch);
	}
	c->chunk_used += size;
	return c->chunks->data + c->chunk_used - size;
}

const struct pb_src_frames *pb_src_cache_put(struct pb_src_cache *c, uint64_t key,
					     const struct pb_src_frames *f)
{
	size_t size = sizeof(*f) + f->n * sizeof(f->name[0]);
	struct pb_src_frames *rec = f->n ? arena_alloc(c, size) : (struct pb_src_frames *)&empty;

	if (!rec)
		return NULL;
	if (f->n)
		memcpy(rec, f, size);
	/* A failed put leaves the record unused in its chunk: freed with the cache. */
	return pb_u64map_put(&c->map, key, rec) ? NULL : rec;
}

void pb_src_cache_clear(struct pb_src_cache *c)
{
	while (c->chunks) {
		struct pb_src_chunk *next = c->chunks->next;

		free(c->chunks);
		c->chunks = next;
	}
	pb_u64map_clear(&c->map);
	memset(c, 0, sizeof(*c));
}

size_t pb_src_cache_mem(const struct pb_src_cache *c)
{
	return c->bytes + c->map.cap * sizeof(*c->map.slots);
}
