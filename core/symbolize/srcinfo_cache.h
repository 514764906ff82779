/* SPDX-License-Identifier: MIT */
/*
 * Expanded frames per address, packed: a hash slot per address pointing into an arena of
 * records sized to their frames, so a warm lookup touches one slot and one short record.
 */
#ifndef PB_SRCINFO_CACHE_H
#define PB_SRCINFO_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "srcinfo.h"
#include "u64map.h"

struct pb_src_chunk;

struct pb_src_cache {
	struct pb_u64map map; /* key -> record in the arena, or the shared empty record */
	struct pb_src_chunk *chunks;
	size_t chunk_used, bytes;
};

/* key's record (n may be 0: a cached miss), or NULL when key was never put. */
static inline const struct pb_src_frames *pb_src_cache_get(const struct pb_src_cache *c,
							   uint64_t key)
{
	return pb_u64map_get(&c->map, key);
}
/* Stores a copy of f (n = 0 shares one record) and returns it, or NULL on -ENOMEM. */
const struct pb_src_frames *pb_src_cache_put(struct pb_src_cache *c, uint64_t key,
					     const struct pb_src_frames *f);
void pb_src_cache_clear(struct pb_src_cache *c);
/* Bytes of slots and records. */
size_t pb_src_cache_mem(const struct pb_src_cache *c);

#endif
