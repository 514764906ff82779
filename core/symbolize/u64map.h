/* SPDX-License-Identifier: MIT */
/* A small open-addressing hash map from uint64_t keys to pointers, for the symbolize module. */
#ifndef PB_U64MAP_H
#define PB_U64MAP_H

#include <stddef.h>
#include <stdint.h>

struct pb_u64map_slot {
	uint64_t key;
	void *val; /* NULL marks an empty slot: values are never NULL */
};

struct pb_u64map {
	struct pb_u64map_slot *slots;
	size_t cap; /* power of two, or 0 */
	size_t len;
};

/* The value for key, or NULL. */
void *pb_u64map_get(const struct pb_u64map *m, uint64_t key);
/* Inserts or replaces; val must not be NULL. Returns 0 or -ENOMEM. */
int pb_u64map_put(struct pb_u64map *m, uint64_t key, void *val);
/* Removes key and returns its value, or NULL when absent. */
void *pb_u64map_del(struct pb_u64map *m, uint64_t key);
/* Frees the slots only; the caller owns the values. */
void pb_u64map_clear(struct pb_u64map *m);

/* Iterate: for (size_t i = 0; i < m->cap; i++) if (m->slots[i].val) ... */

uint64_t pb_hash64(const void *data, size_t len, uint64_t seed);

#endif
