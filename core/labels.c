// SPDX-License-Identifier: MIT
/*
 * Interned label sets: a profile holds few distinct sets (one per process, container or user
 * label combination), each stack only its id, so stacks stay small and comparing two stacks'
 * labels is comparing two integers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "hash.h"
#include "labels.h"

struct labelset {
	uint64_t hash;
	uint32_t n;
	struct pb_label *labels; /* sorted by key; the strings live in the same allocation */
};

struct pb_labelsets {
	struct labelset *sets; /* id k is sets[k - 1]; id 0 is the empty set */
	size_t n, cap;
	uint32_t *index; /* id, open addressing; 0 = empty slot */
	size_t index_cap;
};

int pb_labelsets__new(struct pb_labelsets **ret)
{
	struct pb_labelsets *ls = calloc(1, sizeof(*ls));

	if (!ls)
		return -ENOMEM;
	*ret = ls;
	return 0;
}

void pb_labelsets__free(struct pb_labelsets *ls)
{
	if (!ls)
		return;
	for (size_t i = 0; i < ls->n; i++)
		free(ls->sets[i].labels);
	free(ls->sets);
	free(ls->index);
	free(ls);
}

static int cmp_key(const void *a, const void *b)
{
	const struct pb_label *x = a, *y = b;

	return strcmp(x->key, y->key);
}

static uint64_t hash_set(const struct pb_label *l, size_t n)
{
	uint64_t h = n;

	for (size_t i = 0; i < n; i++) {
		h = pb_hash_u64(h ^ pb_hash_bytes(l[i].key, strlen(l[i].key)));
		h = pb_hash_u64(h ^ pb_hash_bytes(l[i].value, strlen(l[i].value)));
	}
	return h;
}

static bool same_set(const struct labelset *s, uint64_t h, const struct pb_label *l, size_t n)
{
	if (s->hash != h || s->n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(s->labels[i].key, l[i].key) || strcmp(s->labels[i].value, l[i].value))
			return false;
	return true;
}

static int grow_index(struct pb_labelsets *ls)
{
	size_t cap = ls->index_cap ? ls->index_cap * 2 : 64;
	uint32_t *idx = calloc(cap, sizeof(*idx));

	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < ls->n; i++) {
		size_t slot = ls->sets[i].hash & (cap - 1);

		while (idx[slot])
			slot = (slot + 1) & (cap - 1);
		idx[slot] = i + 1;
	}
	free(ls->index);
	ls->index = idx;
	ls->index_cap = cap;
	return 0;
}

/* One allocation: the label array, then every key and value with its NUL. */
struct pb_label *pb_labels_copy(const struct pb_label *l, size_t n)
{
	size_t bytes = n * sizeof(*l);
	struct pb_label *out;
	char *str;

	for (size_t i = 0; i < n; i++)
		bytes += strlen(l[i].key) + strlen(l[i].value) + 2;
	out = malloc(bytes ?: 1);
	if (!out)
		return NULL;
	str = (char *)(out + n);
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(l[i].key) + 1, v = strlen(l[i].value) + 1;

		out[i].key = memcpy(str, l[i].key, k);
		out[i].value = memcpy(str + k, l[i].value, v);
		str += k + v;
	}
	return out;
}

int64_t pb_labelsets__intern(struct pb_labelsets *ls, const struct pb_label *labels, size_t n)
{
	struct pb_label sorted[PB_PROFILE_MAX_LABELS];
	size_t m = 0, slot;
	uint64_t h;

	if (n > PB_PROFILE_MAX_LABELS)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		if (!labels[i].key || !labels[i].key[0] || !labels[i].value)
			return -EINVAL;
		if (strlen(labels[i].key) > PB_LABEL_MAX_LEN || strlen(labels[i].value) > PB_LABEL_MAX_LEN)
			return -E2BIG;
	}
	/* Stable order for equal keys comes from keeping only the last of each key. */
	for (size_t i = 0; i < n; i++) {
		size_t j;

		for (j = 0; j < m && strcmp(sorted[j].key, labels[i].key); j++)
			;
		sorted[j] = labels[i];
		if (j == m)
			m++;
	}
	if (!m)
		return 0;
	qsort(sorted, m, sizeof(*sorted), cmp_key);
	h = hash_set(sorted, m);
	if ((ls->n + 1) * 2 > ls->index_cap && grow_index(ls))
		return -ENOMEM;
	for (slot = h & (ls->index_cap - 1); ls->index[slot]; slot = (slot + 1) & (ls->index_cap - 1))
		if (same_set(&ls->sets[ls->index[slot] - 1], h, sorted, m))
			return ls->index[slot];
	if (ls->n >= UINT32_MAX - 1 || PB_GROW(ls->sets, ls->n, ls->cap, 16))
		return -ENOMEM;
	ls->sets[ls->n].labels = pb_labels_copy(sorted, m);
	if (!ls->sets[ls->n].labels)
		return -ENOMEM;
	ls->sets[ls->n].n = m;
	ls->sets[ls->n].hash = h;
	ls->index[slot] = ++ls->n;
	return ls->n;
}

size_t pb_labelsets__get(const struct pb_labelsets *ls, uint32_t id, const struct pb_label **ret)
{
	if (!ls || id == 0 || id > ls->n) {
		*ret = NULL;
		return 0;
	}
	*ret = ls->sets[id - 1].labels;
	return ls->sets[id - 1].n;
}

size_t pb_labelsets__count(const struct pb_labelsets *ls)
{
	return ls ? ls->n : 0;
}

int pb_labelsets__cmp(const struct pb_labelsets *ls, uint32_t a, uint32_t b)
{
	const struct pb_label *x, *y;
	size_t nx, ny;

	if (a == b)
		return 0;
	nx = pb_labelsets__get(ls, a, &x);
	ny = pb_labelsets__get(ls, b, &y);
	for (size_t i = 0; i < nx && i < ny; i++) {
		int c = strcmp(x[i].key, y[i].key);

		if (!c)
			c = strcmp(x[i].value, y[i].value);
		if (c)
			return c;
	}
	return nx < ny ? -1 : nx > ny;
}
