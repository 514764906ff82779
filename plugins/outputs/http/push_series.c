// SPDX-License-Identifier: MIT
/*
 * Pyroscope series of folded pushes: folded text carries no labels, so a window is sent as one
 * /ingest request per label set of its stacks, each named app.cpu{...,the set's labels,...}.
 * Names are made (and any change to them said) once per label set, not once per window.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

/* Past this many distinct sets the cache starts over (a run labelled per thread, say). */
#define SERIES_CACHE_MAX 4096

void series_names_free(struct series_names *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->names[i]);
	free(c->names);
	pb_profile__free(c->keys);
	*c = (struct series_names){ 0 };
}

/* "app\x1fk\x1ev\x1f..." of set (sorted by key, so one set is one key). */
static char *cache_key(const char *app, const struct pb_label *set, size_t n)
{
	struct membuf b;

	if (membuf_open(&b))
		return NULL;
	fputs(app, b.f);
	for (size_t i = 0; i < n; i++)
		fprintf(b.f, "\x1f%s\x1e%s", set[i].key, set[i].value);
	if (membuf_close(&b)) {
		membuf_free(&b);
		return NULL;
	}
	return b.data;
}

int series_name(struct series_names *c, const struct series_opts *o, const char *app,
		const struct pb_label *set, size_t n, const char **ret)
{
	char *key = cache_key(app, set, n), *name;
	int64_t id;
	int err;

	if (!key)
		return -ENOMEM;
	if (c->n >= SERIES_CACHE_MAX)
		series_names_free(c);
	if (!c->keys && (err = pb_profile__new(&c->keys))) {
		free(key);
		return err;
	}
	id = pb_profile__intern(c->keys, key, strlen(key));
	free(key);
	if (id < 0)
		return id;
	if ((size_t)id < c->n) {
		*ret = c->names[id];
		return 0;
	}
	if ((err = pyroscope_name(o->host, app, o->type, o->labels, set, n, o->host_labels, &name)))
		return err;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		char **names = realloc(c->names, cap * sizeof(*names));

		if (!names) {
			free(name);
			return -ENOMEM;
		}
		c->names = names;
		c->cap = cap;
	}
	c->names[c->n++] = name;
	*ret = name;
	return 0;
}

void series_split_free(struct pb_profile **parts, size_t n)
{
	for (size_t i = 0; parts && i < n; i++)
		pb_profile__free(parts[i]);
	free(parts);
}

int series_split(const struct pb_profile *prof, struct pb_profile ***ret, size_t *n_ret)
{
	size_t n = pb_profile__label_set_count(prof) + 1;
	struct pb_profile **parts = calloc(n, sizeof(*parts));
	int err = parts ? 0 : -ENOMEM;

	for (size_t i = 0; !err && i < pb_profile__stack_count(prof); i++) {
		const struct pb_stack *st = pb_profile__stack(prof, i);
		struct pb_profile **q = &parts[st->labels];

		if (!*q && !(err = pb_profile__new(q)))
			*pb_profile__meta(*q) = *pb_profile__meta_const(prof);
		if (!err)
			err = pb_profile__copy_stack_as(*q, prof, st, 0);
	}
	if (err) {
		series_split_free(parts, n);
		return err;
	}
	*ret = parts;
	*n_ret = n;
	return 0;
}
