// SPDX-License-Identifier: MIT
/* Copying stacks between profiles with their labels, and --group-by's view of a profile. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <profile-bee/profile-bee.h>

const char *pb_profile__label(const struct pb_profile *p, uint32_t id, const char *key)
{
	const struct pb_label *l;
	size_t n = pb_profile__labels(p, id, &l);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(l[i].key, key))
			return l[i].value;
	return NULL;
}

int pb_profile__add_names(struct pb_profile *p, uint32_t pid, const char *const *names,
			  uint32_t depth, uint64_t count)
{
	uint32_t ids[PB_PROFILE_MAX_DEPTH + 1];

	/* One past the limit is enough for pb_profile__add to cut: the rest is never interned. */
	if (depth > PB_PROFILE_MAX_DEPTH + 1)
		depth = PB_PROFILE_MAX_DEPTH + 1;
	for (uint32_t i = 0; i < depth; i++) {
		int64_t id = pb_profile__intern(p, names[i], strlen(names[i]));

		if (id < 0)
			return id;
		ids[i] = id;
	}
	return pb_profile__add(p, pid, ids, depth, count);
}

int pb_profile__copy_stack_as(struct pb_profile *dst, const struct pb_profile *src,
			      const struct pb_stack *st, uint32_t set)
{
	uint32_t ids[PB_PROFILE_MAX_DEPTH]; /* no stack of src is deeper */

	for (uint32_t i = 0; i < st->depth; i++) {
		const char *name = pb_profile__frame_name(src, st->frames[i]);
		int64_t id = pb_profile__intern(dst, name, strlen(name));
		int err = id < 0 ? id : pb_profile__copy_frame_site(dst, id, src, st->frames[i]);

		if (err)
			return err;
		ids[i] = id;
	}
	return pb_profile__add_labeled(dst, st->pid, set, ids, st->depth, st->count);
}

int pb_profile__copy_stack(struct pb_profile *dst, const struct pb_profile *src,
			   const struct pb_stack *st)
{
	const struct pb_label *l;
	size_t nl = pb_profile__labels(src, st->labels, &l);
	int64_t set = pb_profile__intern_labels(dst, l, nl);

	return set < 0 ? set : pb_profile__copy_stack_as(dst, src, st, set);
}

/*
 * l[0..n) then l[n..n+m): a label of the second part replaces the first part's of the same key
 * (pb_profile__intern_labels would keep the later one too, but past the limit it refuses).
 */
size_t pb_profile__labels_merge(struct pb_label *l, size_t n, size_t m)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		bool replaced = false;

		for (size_t j = n; j < n + m && !replaced; j++)
			replaced = !strcmp(l[i].key, l[j].key);
		if (!replaced)
			l[out++] = l[i];
	}
	memmove(l + out, l + n, m * sizeof(*l));
	return out + m;
}

int pb_profile__relabel(const struct pb_profile *p, const struct pb_label *add, size_t n_add,
			struct pb_profile **ret)
{
	struct pb_label l[2 * PB_PROFILE_MAX_LABELS];
	struct pb_profile *q;
	int err;

	if (n_add > PB_PROFILE_MAX_LABELS)
		return -E2BIG;
	if ((err = pb_profile__new(&q)))
		return err;
	*pb_profile__meta(q) = *pb_profile__meta_const(p);
	for (size_t i = 0; !err && i < pb_profile__stack_count(p); i++) {
		const struct pb_stack *st = pb_profile__stack(p, i);
		const struct pb_label *have;
		size_t n = pb_profile__labels(p, st->labels, &have);
		int64_t set;

		if (n) /* have is NULL for the empty set */
			memcpy(l, have, n * sizeof(*l));
		if (n_add)
			memcpy(l + n, add, n_add * sizeof(*l));
		n = pb_profile__labels_merge(l, n, n_add);
		set = pb_profile__intern_labels(q, l, n);
		if (set < 0) {
			err = set;
			break;
		}
		err = pb_profile__copy_stack_as(q, p, st, set);
	}
	if (err) {
		pb_profile__free(q);
		return err;
	}
	*ret = q;
	return 0;
}

/* The label keys a --group-by KEY reads, best first, and the name its frames show. */
static int group_keys(const char *by, const char *keys[2], const char **shown)
{
	if (!strcmp(by, "container")) {
		keys[0] = "container_name";
		keys[1] = "container_id";
		*shown = "container";
	} else if (!strcmp(by, "pod")) {
		keys[0] = "pod_name";
		keys[1] = "pod_uid";
		*shown = "pod";
	} else if (!strncmp(by, "label:", 6) && by[6]) {
		keys[0] = keys[1] = by + 6;
		*shown = by + 6;
	} else {
		return -EINVAL;
	}
	return 0;
}

bool pb_profile__group_by_valid(const char *by)
{
	const char *keys[2], *shown;

	return by && !group_keys(by, keys, &shown);
}

int pb_profile__group_by(const struct pb_profile *p, const char *by, struct pb_profile **ret)
{
	uint32_t ids[PB_PROFILE_MAX_DEPTH + 1];
	const char *keys[2], *shown;
	struct pb_profile *q;
	char *frame = NULL;
	int err = group_keys(by, keys, &shown);

	if (err)
		return err;
	if ((err = pb_profile__new(&q)))
		return err;
	*pb_profile__meta(q) = *pb_profile__meta_const(p);
	for (size_t i = 0; !err && i < pb_profile__stack_count(p); i++) {
		const struct pb_stack *st = pb_profile__stack(p, i);
		const char *v = pb_profile__label(p, st->labels, keys[0]);
		const struct pb_label *l;
		size_t nl = pb_profile__labels(p, st->labels, &l);
		int64_t id, set = pb_profile__intern_labels(q, l, nl);
		uint32_t n = 0;

		if (!v)
			v = pb_profile__label(p, st->labels, keys[1]);
		free(frame);
		if ((v ? asprintf(&frame, "[%s=%s]", shown, v)
		       : asprintf(&frame, "[no %s]", shown)) < 0) {
			frame = NULL;
			err = -ENOMEM;
			break;
		}
		id = set < 0 ? set : pb_profile__intern(q, frame, strlen(frame));
		if (id < 0) {
			err = id;
			break;
		}
		ids[n++] = id;
		/* One frame more than the limit at most: pb_profile__add cuts and counts it. */
		for (uint32_t f = 0; f < st->depth; f++) {
			const char *name = pb_profile__frame_name(p, st->frames[f]);

			if ((id = pb_profile__intern(q, name, strlen(name))) < 0 ||
			    (id = pb_profile__copy_frame_site(q, id, p, st->frames[f]) ?: id) < 0)
				break;
			ids[n++] = id;
		}
		err = id < 0 ? id : pb_profile__add_labeled(q, st->pid, set, ids, n, st->count);
	}
	free(frame);
	if (err) {
		pb_profile__free(q);
		return err;
	}
	*ret = q;
	return 0;
}
