// SPDX-License-Identifier: MIT
/* The TUI's stack store: windows accumulated (or reset, or decayed) into one set of stacks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static uint64_t hash_stack(uint32_t pid, const uint32_t *frames, uint32_t depth)
{
	uint64_t h = tui_mix(pid + 0x9e3779b97f4a7c15ULL);

	for (uint32_t i = 0; i < depth; i++)
		h = tui_mix(h ^ frames[i]) + i;
	return h;
}

static uint64_t stack_hash_of(const void *ctx, uint32_t k)
{
	const struct tui_store *s = ctx;

	return s->stacks[k].hash;
}

static int rebuild_slots(struct tui_store *s, uint32_t n_slots)
{
	return tui_slots_rebuild(&s->slots, &s->n_slots, n_slots, s->n, stack_hash_of, s);
}

static bool same(const struct tui_stack *st, uint64_t h, uint32_t pid, const uint32_t *frames,
		 uint32_t depth)
{
	return st->hash == h && st->pid == pid && st->depth == depth &&
	       !memcmp(st->frames, frames, depth * sizeof(*frames));
}

static int add_one(struct tui_store *s, uint32_t pid, const uint32_t *frames, uint32_t depth,
		   double count)
{
	uint64_t h = hash_stack(pid, frames, depth);
	struct tui_stack *st;
	uint32_t i;
	int err;

	if ((s->n + 1) * 2 > s->n_slots &&
	    (err = rebuild_slots(s, s->n_slots ? s->n_slots * 2 : 4096)))
		return err;
	for (i = h & (s->n_slots - 1); s->slots[i]; i = (i + 1) & (s->n_slots - 1)) {
		st = &s->stacks[s->slots[i] - 1];
		if (same(st, h, pid, frames, depth)) {
			st->count += count;
			s->total += count;
			return 0;
		}
	}
	if (s->n == s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 1024;
		struct tui_stack *stacks = realloc(s->stacks, cap * sizeof(*stacks));

		if (!stacks)
			return -ENOMEM;
		s->stacks = stacks;
		s->cap = cap;
	}
	st = &s->stacks[s->n];
	st->frames = malloc(depth * sizeof(*frames));
	if (!st->frames)
		return -ENOMEM;
	memcpy(st->frames, frames, depth * sizeof(*frames));
	st->pid = pid;
	st->depth = depth;
	st->count = count;
	st->hash = h;
	s->slots[i] = ++s->n;
	s->total += count;
	return 0;
}

/* Our id of the profile's frame id, interning the name the first time this profile uses it. */
static int64_t remap(struct tui_store *s, const struct pb_profile *p, uint32_t id)
{
	int64_t ours = s->remap[id];

	if (ours < 0) {
		ours = tui_names_intern(&s->names, pb_profile__frame_name(p, id));
		s->remap[id] = ours;
	}
	return ours;
}

int tui_store_add(struct tui_store *s, const struct pb_profile *p)
{
	size_t n_frames = pb_profile__frame_count(p), n = pb_profile__stack_count(p);
	uint32_t buf[256], *frames = buf, cap = 256;
	int err = 0;

	if (n_frames > s->remap_cap) {
		int64_t *r = realloc(s->remap, n_frames * sizeof(*r));

		if (!r)
			return -ENOMEM;
		s->remap = r;
		s->remap_cap = n_frames;
	}
	for (size_t i = 0; i < n_frames; i++)
		s->remap[i] = -1;
	for (size_t k = 0; k < n && !err; k++) {
		const struct pb_stack *st = pb_profile__stack(p, k);

		if (st->depth > cap) {
			uint32_t *grown = malloc(st->depth * sizeof(*grown));

			if (!grown) {
				err = -ENOMEM;
				break;
			}
			if (frames != buf)
				free(frames);
			frames = grown;
			cap = st->depth;
		}
		for (uint32_t d = 0; d < st->depth && !err; d++) {
			int64_t id = remap(s, p, st->frames[d]);

			if (id < 0)
				err = id;
			frames[d] = id;
		}
		if (!err && st->depth)
			err = add_one(s, st->pid, frames, st->depth, st->count);
	}
	if (frames != buf)
		free(frames);
	return err;
}

int tui_store_scale(struct tui_store *s, double factor)
{
	uint32_t kept = 0;

	s->total = 0;
	for (uint32_t k = 0; k < s->n; k++) {
		struct tui_stack *st = &s->stacks[k];

		st->count *= factor;
		if (st->count < 0.5) {
			free(st->frames);
			continue;
		}
		s->total += st->count;
		s->stacks[kept++] = *st;
	}
	if (kept == s->n)
		return 0;
	s->n = kept;
	return rebuild_slots(s, s->n_slots ? s->n_slots : 4096);
}

void tui_store_clear(struct tui_store *s)
{
	for (uint32_t k = 0; k < s->n; k++)
		free(s->stacks[k].frames);
	s->n = 0;
	s->total = 0;
	if (s->slots)
		memset(s->slots, 0, s->n_slots * sizeof(*s->slots));
}

void tui_store_free(struct tui_store *s)
{
	if (!s)
		return;
	tui_store_clear(s);
	free(s->stacks);
	free(s->slots);
	free(s->remap);
	tui_names_free(&s->names);
	memset(s, 0, sizeof(*s));
}
