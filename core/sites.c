// SPDX-License-Identifier: MIT
/* A profile's mappings (interned) and the mapping and address of each frame id. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "hash.h"
#include "sites.h"

/* A mapping's strings live in one allocation with it. */
struct mapping_rec {
	struct pb_profile_mapping m;
	uint64_t hash;
};

struct pb_sites {
	struct mapping_rec **maps; /* maps[id - 1] */
	size_t n_maps, cap_maps;
	uint32_t *index; /* id, open addressing (0 = empty slot) */
	size_t index_cap; /* power of two */
	uint32_t *map_of; /* frame id -> mapping id, 0 none */
	uint64_t *addr_of;
	size_t cap_frames;
};

int pb_sites__new(struct pb_sites **ret)
{
	return (*ret = calloc(1, sizeof(**ret))) ? 0 : -ENOMEM;
}

void pb_sites__free(struct pb_sites *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_maps; i++)
		free(s->maps[i]);
	free(s->maps);
	free(s->index);
	free(s->map_of);
	free(s->addr_of);
	free(s);
}

static uint64_t mapping_hash(const struct pb_profile_mapping *m)
{
	uint64_t h = pb_hash_u64(m->start ^ pb_hash_u64(m->limit ^ pb_hash_u64(m->offset)));

	return h ^ pb_hash_bytes(m->path, strlen(m->path)) ^
	       pb_hash_u64(pb_hash_bytes(m->build_id, strlen(m->build_id)));
}

static bool same(const struct pb_profile_mapping *a, const struct pb_profile_mapping *b)
{
	return a->start == b->start && a->limit == b->limit && a->offset == b->offset &&
	       !strcmp(a->path, b->path) && !strcmp(a->build_id, b->build_id);
}

static int grow_index(struct pb_sites *s)
{
	size_t cap = s->index_cap ? s->index_cap * 2 : 64;
	uint32_t *idx = calloc(cap, sizeof(*idx));

	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_maps; i++) {
		size_t slot = s->maps[i]->hash & (cap - 1);

		while (idx[slot])
			slot = (slot + 1) & (cap - 1);
		idx[slot] = i + 1;
	}
	free(s->index);
	s->index = idx;
	s->index_cap = cap;
	return 0;
}

static struct mapping_rec *copy_mapping(const struct pb_profile_mapping *m, uint64_t hash)
{
	size_t lp = strlen(m->path) + 1, lb = strlen(m->build_id) + 1;
	struct mapping_rec *r = malloc(sizeof(*r) + lp + lb);
	char *str;

	if (!r)
		return NULL;
	str = (char *)(r + 1);
	r->m = *m;
	r->hash = hash;
	r->m.path = memcpy(str, m->path, lp);
	r->m.build_id = memcpy(str + lp, m->build_id, lb);
	return r;
}

int64_t pb_sites__intern_mapping(struct pb_sites *s, const struct pb_profile_mapping *m)
{
	struct pb_profile_mapping key = *m;
	uint64_t h;
	size_t slot;

	if (!key.path)
		key.path = "";
	if (!key.build_id)
		key.build_id = "";
	h = mapping_hash(&key);
	if ((s->n_maps + 1) * 2 > s->index_cap && grow_index(s))
		return -ENOMEM;
	for (slot = h & (s->index_cap - 1); s->index[slot]; slot = (slot + 1) & (s->index_cap - 1)) {
		const struct mapping_rec *r = s->maps[s->index[slot] - 1];

		if (r->hash == h && same(&r->m, &key))
			return s->index[slot];
	}
	if (s->n_maps >= UINT32_MAX - 1 || PB_GROW(s->maps, s->n_maps, s->cap_maps, 16))
		return -ENOMEM;
	if (!(s->maps[s->n_maps] = copy_mapping(&key, h)))
		return -ENOMEM;
	s->index[slot] = ++s->n_maps;
	return s->n_maps;
}

size_t pb_sites__mapping_count(const struct pb_sites *s)
{
	return s ? s->n_maps : 0;
}

const struct pb_profile_mapping *pb_sites__mapping(const struct pb_sites *s, uint32_t id)
{
	return s && id >= 1 && id <= s->n_maps ? &s->maps[id - 1]->m : NULL;
}

int pb_sites__set(struct pb_sites *s, uint32_t frame, uint32_t mapping, uint64_t address)
{
	if (mapping < 1 || mapping > s->n_maps)
		return -EINVAL;
	if (frame >= s->cap_frames) {
		size_t cap = s->cap_frames ? s->cap_frames : 256;
		uint32_t *map_of;
		uint64_t *addr_of;

		while (cap <= frame)
			cap *= 2;
		if (!(map_of = realloc(s->map_of, cap * sizeof(*map_of))))
			return -ENOMEM;
		s->map_of = map_of;
		if (!(addr_of = realloc(s->addr_of, cap * sizeof(*addr_of))))
			return -ENOMEM;
		s->addr_of = addr_of;
		memset(map_of + s->cap_frames, 0, (cap - s->cap_frames) * sizeof(*map_of));
		s->cap_frames = cap;
	}
	if (!s->map_of[frame]) {
		s->map_of[frame] = mapping;
		s->addr_of[frame] = address;
	}
	return 0;
}

uint32_t pb_sites__get(const struct pb_sites *s, uint32_t frame, uint64_t *address)
{
	uint32_t m = s && frame < s->cap_frames ? s->map_of[frame] : 0;

	if (address)
		*address = m ? s->addr_of[frame] : 0;
	return m;
}

/* The public calls (profile-bee.h) on the profile's table. */

int64_t pb_profile__intern_mapping(struct pb_profile *p, const struct pb_profile_mapping *m)
{
	struct pb_sites *s = pb_profile_sites_make(p);

	return s ? pb_sites__intern_mapping(s, m) : -ENOMEM;
}

size_t pb_profile__mapping_count(const struct pb_profile *p)
{
	return pb_sites__mapping_count(pb_profile_sites(p));
}

const struct pb_profile_mapping *pb_profile__mapping(const struct pb_profile *p, uint32_t id)
{
	return pb_sites__mapping(pb_profile_sites(p), id);
}

int pb_profile__set_frame_site(struct pb_profile *p, uint32_t frame, uint32_t mapping,
			       uint64_t address)
{
	struct pb_sites *s = pb_profile_sites(p);

	if (frame >= pb_profile__frame_count(p) || !s)
		return -EINVAL;
	return pb_sites__set(s, frame, mapping, address);
}

uint32_t pb_profile__frame_site(const struct pb_profile *p, uint32_t frame, uint64_t *address)
{
	return pb_sites__get(pb_profile_sites(p), frame, address);
}

int pb_profile__copy_frame_site(struct pb_profile *dst, uint32_t frame,
				const struct pb_profile *src, uint32_t src_frame)
{
	uint64_t addr;
	uint32_t m = pb_profile__frame_site(src, src_frame, &addr);
	int64_t id;

	if (!m || pb_profile__frame_site(dst, frame, NULL))
		return 0;
	id = pb_profile__intern_mapping(dst, pb_profile__mapping(src, m));
	return id < 0 ? id : pb_profile__set_frame_site(dst, frame, id, addr);
}
