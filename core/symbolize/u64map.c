// SPDX-License-Identifier: MIT
/* Linear-probing hash map keyed by uint64_t, with backward-shift deletion (no tombstones). */
#include <errno.h>
#include <stdlib.h>
#include "u64map.h"

static size_t slot_of(uint64_t key, size_t cap)
{
	/* Keys are often pids or small ids: mix them so neighbours do not cluster. */
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return key & (cap - 1);
}

void *pb_u64map_get(const struct pb_u64map *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (!m->slots[i].val)
			return NULL;
		if (m->slots[i].key == key)
			return m->slots[i].val;
	}
}

static int grow(struct pb_u64map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16;
	struct pb_u64map_slot *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t j = 0; j < m->cap; j++) {
		if (!m->slots[j].val)
			continue;
		size_t i = slot_of(m->slots[j].key, cap);

		while (slots[i].val)
			i = (i + 1) & (cap - 1);
		slots[i] = m->slots[j];
	}
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	return 0;
}

int pb_u64map_put(struct pb_u64map *m, uint64_t key, void *val)
{
	if (!val)
		return -EINVAL;
	if ((m->len + 1) * 4 > m->cap * 3) {
		int err = grow(m);

		if (err)
			return err;
	}
	size_t i = slot_of(key, m->cap);

	while (m->slots[i].val && m->slots[i].key != key)
		i = (i + 1) & (m->cap - 1);
	if (!m->slots[i].val)
		m->len++;
	m->slots[i].key = key;
	m->slots[i].val = val;
	return 0;
}

void *pb_u64map_del(struct pb_u64map *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	size_t mask = m->cap - 1, i = slot_of(key, m->cap);

	while (m->slots[i].val && m->slots[i].key != key)
		i = (i + 1) & mask;
	void *val = m->slots[i].val;

	if (!val)
		return NULL;
	/* Shift later members of the probe run back so lookups never stop early. */
	for (size_t j = (i + 1) & mask; m->slots[j].val; j = (j + 1) & mask) {
		size_t home = slot_of(m->slots[j].key, m->cap);

		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i].val = NULL;
	m->len--;
	return val;
}

void pb_u64map_clear(struct pb_u64map *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->len = 0;
}

uint64_t pb_hash64(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}
