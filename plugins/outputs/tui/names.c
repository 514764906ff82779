// SPDX-License-Identifier: MIT
/* Frame names interned by the TUI: one id per distinct name across every window it receives. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return tui_mix(h);
}

int tui_slots_rebuild(uint32_t **slots, uint32_t *cur_n_slots, uint32_t n_slots, uint32_t n,
		      uint64_t (*hash_of)(const void *ctx, uint32_t id), const void *ctx)
{
	uint32_t *v = calloc(n_slots, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (uint32_t id = 0; id < n; id++) {
		uint32_t i = hash_of(ctx, id) & (n_slots - 1);

		while (v[i])
			i = (i + 1) & (n_slots - 1);
		v[i] = id + 1;
	}
	free(*slots);
	*slots = v;
	*cur_n_slots = n_slots;
	return 0;
}

static uint64_t name_hash_of(const void *ctx, uint32_t id)
{
	const struct tui_names *t = ctx;

	return hash_str(t->names[id]);
}

static bool is_kernel(const char *name)
{
	size_t len = strlen(name);

	return len >= 4 && !strcmp(name + len - 4, "_[k]");
}

int64_t tui_names_intern(struct tui_names *t, const char *name)
{
	uint32_t i;
	int err;

	/* Keep the table at most half full so probes stay short. */
	if ((t->n + 1) * 2 > t->n_slots &&
	    (err = tui_slots_rebuild(&t->slots, &t->n_slots, t->n_slots ? t->n_slots * 2 : 1024,
				     t->n, name_hash_of, t)))
		return err;
	i = hash_str(name) & (t->n_slots - 1);
	for (; t->slots[i]; i = (i + 1) & (t->n_slots - 1))
		if (!strcmp(t->names[t->slots[i] - 1], name))
			return t->slots[i] - 1;
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 1024;
		char **names = realloc(t->names, cap * sizeof(*names));
		uint8_t *kernel;

		if (!names)
			return -ENOMEM;
		t->names = names;
		kernel = realloc(t->kernel, cap);
		if (!kernel)
			return -ENOMEM;
		t->kernel = kernel;
		t->cap = cap;
	}
	if (!(t->names[t->n] = strdup(name)))
		return -ENOMEM;
	t->kernel[t->n] = is_kernel(name);
	t->slots[i] = t->n + 1;
	return t->n++;
}

void tui_names_free(struct tui_names *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < t->n; i++)
		free(t->names[i]);
	free(t->names);
	free(t->kernel);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}
