// SPDX-License-Identifier: MIT
/* The profile type: interned frame names and deduplicated stacks with counts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "hash.h"
#include "labels.h"
#include "sites.h"
#include <profile-bee/profile-bee.h>

/* Frame ids of all stacks live in fixed-size blocks so stack pointers stay valid as we grow. */
#define FRAME_BLOCK_IDS 16384

struct frame_block {
	struct frame_block *next;
	uint32_t used;
	uint32_t cap;
	uint32_t ids[];
};

struct pb_profile {
	/* interned names: names[id], and an open-addressing index of id + 1 (0 = empty slot) */
	char **names;
	uint64_t *name_hashes; /* hash of names[id]: most probes are decided without comparing */
	uint32_t *name_lens;   /* strlen(names[id]), so a match is one memcmp */
	size_t n_names, cap_names;
	uint32_t *name_index;
	size_t name_index_cap; /* power of two */

	struct pb_stack *stacks;
	size_t n_stacks, cap_stacks;
	uint32_t *stack_index; /* stack number + 1, open addressing */
	size_t stack_index_cap;

	struct frame_block *blocks;
	struct pb_labelsets *labelsets; /* created on the first labelled stack */
	struct pb_sites *sites;		/* frames' binaries and addresses (sites.c), or NULL */
	uint64_t total;
	uint64_t truncated;	/* stacks cut to PB_PROFILE_MAX_DEPTH */
	uint64_t saturated;	/* adds whose count would have wrapped past UINT64_MAX */
	struct pb_profile_meta meta;
};

int pb_profile__new(struct pb_profile **ret)
{
	struct pb_profile *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	*ret = p;
	return 0;
}

static void free_blocks(struct frame_block *b)
{
	while (b) {
		struct frame_block *next = b->next;

		free(b);
		b = next;
	}
}

void pb_profile__free(struct pb_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_names; i++)
		free(p->names[i]);
	free(p->names);
	free(p->name_hashes);
	free(p->name_lens);
	free(p->name_index);
	free(p->stacks);
	free(p->stack_index);
	free_blocks(p->blocks);
	pb_labelsets__free(p->labelsets);
	pb_sites__free(p->sites);
	free(p);
}

struct pb_sites *pb_profile_sites(const struct pb_profile *p)
{
	return p->sites;
}

struct pb_sites *pb_profile_sites_make(struct pb_profile *p)
{
	return p->sites || !pb_sites__new(&p->sites) ? p->sites : NULL;
}

/*
 * Doubles an open-addressing index of ids + 1 (*cap slots, a power of two; 1024 to start) and
 * puts ids 0..n-1 back, each where hash_of(p, id) leads.
 */
static int grow_index(const struct pb_profile *p, uint32_t **index, size_t *cap, size_t n,
		      uint64_t (*hash_of)(const struct pb_profile *p, size_t id))
{
	size_t new_cap = *cap ? *cap * 2 : 1024;
	uint32_t *idx = calloc(new_cap, sizeof(*idx));

	if (!idx)
		return -ENOMEM;
	for (size_t id = 0; id < n; id++) {
		size_t slot = hash_of(p, id) & (new_cap - 1);

		while (idx[slot])
			slot = (slot + 1) & (new_cap - 1);
		idx[slot] = id + 1;
	}
	free(*index);
	*index = idx;
	*cap = new_cap;
	return 0;
}

static uint64_t name_hash_of(const struct pb_profile *p, size_t id)
{
	return p->name_hashes[id];
}

/* name's id (hash h), or -ENOENT with *slot the empty index slot where it would go. */
static int64_t lookup(const struct pb_profile *p, const char *name, size_t len, uint64_t h,
		      size_t *slot)
{
	for (*slot = h & (p->name_index_cap - 1); p->name_index[*slot];
	     *slot = (*slot + 1) & (p->name_index_cap - 1)) {
		uint32_t id = p->name_index[*slot] - 1;

		if (p->name_hashes[id] == h && p->name_lens[id] == len &&
		    !memcmp(p->names[id], name, len))
			return id;
	}
	return -ENOENT;
}

int64_t pb_profile__find(const struct pb_profile *p, const char *name, size_t len)
{
	size_t slot;

	return p->name_index_cap ? lookup(p, name, len, pb_hash_bytes(name, len), &slot) : -ENOENT;
}

int64_t pb_profile__intern(struct pb_profile *p, const char *name, size_t len)
{
	uint64_t h = pb_hash_bytes(name, len);
	int64_t id;
	size_t slot;
	char *copy;

	if ((p->n_names + 1) * 2 > p->name_index_cap &&
	    grow_index(p, &p->name_index, &p->name_index_cap, p->n_names, name_hash_of))
		return -ENOMEM;
	if ((id = lookup(p, name, len, h, &slot)) >= 0)
		return id;
	if (p->n_names == p->cap_names) {
		size_t cap = p->cap_names ? p->cap_names * 2 : 256;
		char **names = realloc(p->names, cap * sizeof(*names));
		uint64_t *hashes = names ? realloc(p->name_hashes, cap * sizeof(*hashes)) : NULL;
		uint32_t *lens = hashes ? realloc(p->name_lens, cap * sizeof(*lens)) : NULL;

		if (names)
			p->names = names;
		if (hashes)
			p->name_hashes = hashes;
		if (!lens)
			return -ENOMEM;
		p->name_lens = lens;
		p->cap_names = cap;
	}
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, name, len);
	copy[len] = '\0';
	p->name_hashes[p->n_names] = h;
	p->name_lens[p->n_names] = len;
	p->names[p->n_names] = copy;
	p->name_index[slot] = ++p->n_names;
	return p->n_names - 1;
}

/* A frame id at a time: stacks are hashed on every add, byte-wise hashing showed in profiles. */
static uint64_t stack_hash(uint32_t pid, uint32_t labels, const uint32_t *frames, uint32_t depth)
{
	uint64_t h = (pid ^ (uint64_t)labels << 32) * 0x9e3779b97f4a7c15ULL + depth;

	for (uint32_t i = 0; i < depth; i++)
		h = (h ^ frames[i]) * 0x100000001b3ULL + (h >> 29);
	return pb_hash_u64(h);
}

static uint64_t stack_hash_of(const struct pb_profile *p, size_t id)
{
	const struct pb_stack *s = &p->stacks[id];

	return stack_hash(s->pid, s->labels, s->frames, s->depth);
}

static uint32_t *store_frames(struct pb_profile *p, const uint32_t *frames, uint32_t depth)
{
	struct frame_block *b = p->blocks;
	uint32_t *dst;

	if (!b || b->cap - b->used < depth) {
		uint32_t cap = depth > FRAME_BLOCK_IDS ? depth : FRAME_BLOCK_IDS;

		b = malloc(sizeof(*b) + cap * sizeof(uint32_t));
		if (!b)
			return NULL;
		b->used = 0;
		b->cap = cap;
		b->next = p->blocks;
		p->blocks = b;
	}
	dst = b->ids + b->used;
	memcpy(dst, frames, depth * sizeof(*frames));
	b->used += depth;
	return dst;
}

static int add_stack(struct pb_profile *p, uint32_t pid, uint32_t labels, const uint32_t *frames,
		     uint32_t depth, uint64_t count)
{
	size_t slot;
	struct pb_stack *s;

	/*
	 * The whole profile's count stays within 64 bits, so the sum of any of its stacks (a
	 * flame graph's parent, a merged line, a diff) cannot wrap either: what would pass
	 * UINT64_MAX is left out and counted.
	 */
	if (count > UINT64_MAX - p->total) {
		count = UINT64_MAX - p->total;
		p->saturated++;
		if (!count)
			return 0;
	}
	if ((p->n_stacks + 1) * 2 > p->stack_index_cap &&
	    grow_index(p, &p->stack_index, &p->stack_index_cap, p->n_stacks, stack_hash_of))
		return -ENOMEM;
	for (slot = stack_hash(pid, labels, frames, depth) & (p->stack_index_cap - 1);
	     p->stack_index[slot]; slot = (slot + 1) & (p->stack_index_cap - 1)) {
		s = &p->stacks[p->stack_index[slot] - 1];
		if (s->pid == pid && s->labels == labels && s->depth == depth &&
		    memcmp(s->frames, frames, depth * sizeof(*frames)) == 0) {
			s->count += count;
			p->total += count;
			return 0;
		}
	}
	if (PB_GROW(p->stacks, p->n_stacks, p->cap_stacks, 256))
		return -ENOMEM;
	s = &p->stacks[p->n_stacks];
	s->frames = store_frames(p, frames, depth);
	if (!s->frames)
		return -ENOMEM;
	s->pid = pid;
	s->labels = labels;
	s->depth = depth;
	s->count = count;
	p->stack_index[slot] = ++p->n_stacks;
	p->total += count;
	return 0;
}

/*
 * Every stack of a profile holds at most PB_PROFILE_MAX_DEPTH frames, so whoever copies one
 * (merge, filters, renders) can use that bound. A deeper one keeps its root side and ends in
 * "[truncated]", and is counted.
 */
int pb_profile__add(struct pb_profile *p, uint32_t pid, const uint32_t *frames, uint32_t depth,
		    uint64_t count)
{
	return pb_profile__add_labeled(p, pid, 0, frames, depth, count);
}

int pb_profile__add_labeled(struct pb_profile *p, uint32_t pid, uint32_t labels,
			    const uint32_t *frames, uint32_t depth, uint64_t count)
{
	uint32_t cut[PB_PROFILE_MAX_DEPTH];
	int64_t mark;

	if (depth == 0 || count == 0)
		return depth ? 0 : -EINVAL;
	if (labels > pb_labelsets__count(p->labelsets))
		return -EINVAL;
	for (uint32_t i = 0; i < depth; i++)
		if (frames[i] >= p->n_names)
			return -EINVAL;
	if (depth <= PB_PROFILE_MAX_DEPTH)
		return add_stack(p, pid, labels, frames, depth, count);
	mark = pb_profile__intern(p, PB_PROFILE_TRUNCATED, strlen(PB_PROFILE_TRUNCATED));
	if (mark < 0)
		return mark;
	memcpy(cut, frames, (PB_PROFILE_MAX_DEPTH - 1) * sizeof(*cut));
	cut[PB_PROFILE_MAX_DEPTH - 1] = mark;
	p->truncated++;
	return add_stack(p, pid, labels, cut, PB_PROFILE_MAX_DEPTH, count);
}

int64_t pb_profile__intern_labels(struct pb_profile *p, const struct pb_label *labels, size_t n)
{
	if (!n)
		return 0;
	if (!p->labelsets && pb_labelsets__new(&p->labelsets))
		return -ENOMEM;
	return pb_labelsets__intern(p->labelsets, labels, n);
}

size_t pb_profile__labels(const struct pb_profile *p, uint32_t id, const struct pb_label **ret)
{
	return pb_labelsets__get(p->labelsets, id, ret);
}

size_t pb_profile__label_set_count(const struct pb_profile *p)
{
	return pb_labelsets__count(p->labelsets);
}

/* src's label set ids as p's: map[id] for every id of src (map[0] = 0). */
static uint32_t *map_labelsets(struct pb_profile *p, const struct pb_profile *src)
{
	size_t n = pb_labelsets__count(src->labelsets);
	uint32_t *map = calloc(n + 1, sizeof(*map));

	for (size_t id = 1; map && id <= n; id++) {
		const struct pb_label *l;
		size_t nl = pb_labelsets__get(src->labelsets, id, &l);
		int64_t mine = pb_profile__intern_labels(p, l, nl);

		if (mine < 0) {
			free(map);
			return NULL;
		}
		map[id] = mine;
	}
	return map;
}

int pb_profile__merge(struct pb_profile *p, const struct pb_profile *src)
{
	uint32_t *map, *lmap;
	uint32_t ids[PB_PROFILE_MAX_DEPTH]; /* src's stacks are never deeper (pb_profile__add) */
	int err = 0;

	if (src->n_stacks && p->n_stacks && src->meta.event != p->meta.event)
		return -EDOM;
	if (src->n_stacks && !p->n_stacks)
		p->meta.event = src->meta.event;
	map = malloc((src->n_names + 1) * sizeof(*map));
	lmap = map ? map_labelsets(p, src) : NULL;
	if (!lmap) {
		free(map);
		return -ENOMEM;
	}
	for (size_t i = 0; i < src->n_names && !err; i++) {
		int64_t id = pb_profile__intern(p, src->names[i], strlen(src->names[i]));

		if (id < 0)
			err = id;
		else if (!(err = pb_profile__copy_frame_site(p, id, src, i)))
			map[i] = id;
	}
	for (size_t i = 0; i < src->n_stacks && !err; i++) {
		const struct pb_stack *s = &src->stacks[i];

		for (uint32_t f = 0; f < s->depth; f++)
			ids[f] = map[s->frames[f]];
		err = pb_profile__add_labeled(p, s->pid, lmap[s->labels], ids, s->depth, s->count);
	}
	p->truncated += src->truncated;
	p->saturated += src->saturated;
	free(map);
	free(lmap);
	return err;
}

void pb_profile__clear(struct pb_profile *p)
{
	free_blocks(p->blocks);
	p->blocks = NULL;
	p->n_stacks = 0;
	p->total = 0;
	p->truncated = 0;
	p->saturated = 0;
	if (p->stack_index)
		memset(p->stack_index, 0, p->stack_index_cap * sizeof(*p->stack_index));
}

size_t pb_profile__stack_count(const struct pb_profile *p)
{
	return p->n_stacks;
}

const struct pb_stack *pb_profile__stack(const struct pb_profile *p, size_t i)
{
	return i < p->n_stacks ? &p->stacks[i] : NULL;
}

size_t pb_profile__frame_count(const struct pb_profile *p)
{
	return p->n_names;
}

const char *pb_profile__frame_name(const struct pb_profile *p, uint32_t id)
{
	return id < p->n_names ? p->names[id] : NULL;
}

uint64_t pb_profile__total(const struct pb_profile *p)
{
	return p->total;
}

uint64_t pb_profile__truncated(const struct pb_profile *p)
{
	return p->truncated;
}

uint64_t pb_profile__saturated(const struct pb_profile *p)
{
	return p->saturated;
}

struct pb_profile_meta *pb_profile__meta(struct pb_profile *p)
{
	return &p->meta;
}

const struct pb_profile_meta *pb_profile__meta_const(const struct pb_profile *p)
{
	return &p->meta;
}

struct sort_ctx {
	const struct pb_profile *p;
	const uint32_t *rank;
};

static int cmp_name_ids(const void *a, const void *b, void *vctx)
{
	const struct sort_ctx *ctx = vctx;
	const uint32_t *x = a, *y = b;

	return strcmp(ctx->p->names[*x], ctx->p->names[*y]);
}

static int cmp_stacks(const void *a, const void *b, void *vctx)
{
	const struct sort_ctx *ctx = vctx;
	const struct pb_stack *x = &ctx->p->stacks[*(const size_t *)a];
	const struct pb_stack *y = &ctx->p->stacks[*(const size_t *)b];
	uint32_t n = x->depth < y->depth ? x->depth : y->depth;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t rx = ctx->rank[x->frames[i]], ry = ctx->rank[y->frames[i]];

		if (rx != ry)
			return rx < ry ? -1 : 1;
	}
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return pb_labelsets__cmp(ctx->p->labelsets, x->labels, y->labels);
}

int pb_profile__sorted(const struct pb_profile *p, size_t **ret_order)
{
	size_t *order = malloc((p->n_stacks + 1) * sizeof(*order));
	uint32_t *by_name = malloc((p->n_names + 1) * sizeof(*by_name));
	uint32_t *rank = malloc((p->n_names + 1) * sizeof(*rank));

	if (!order || !by_name || !rank) {
		free(order);
		free(by_name);
		free(rank);
		return -ENOMEM;
	}
	/* Rank names once so stack comparisons are integer comparisons. */
	struct sort_ctx ctx = { .p = p, .rank = rank };

	for (size_t i = 0; i < p->n_names; i++)
		by_name[i] = i;
	qsort_r(by_name, p->n_names, sizeof(*by_name), cmp_name_ids, &ctx);
	for (size_t i = 0; i < p->n_names; i++)
		rank[by_name[i]] = i;
	for (size_t i = 0; i < p->n_stacks; i++)
		order[i] = i;
	qsort_r(order, p->n_stacks, sizeof(*order), cmp_stacks, &ctx);
	free(by_name);
	free(rank);
	*ret_order = order;
	return 0;
}
