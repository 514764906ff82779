// SPDX-License-Identifier: MIT
/* Unit tests of label sets: interning, stacks apart by labels, merge, copy, relabel, group-by. */
#include <errno.h>
#include <stdbool.h>

#include <profile-bee/profile-bee.h>

#include "profile_text.h"
#include "tap.h"

static const char *const stack[] = { "app", "main", "work" };

static void test_intern(void)
{
	struct pb_profile *p;
	struct pb_label a[] = { { "pod_uid", "u1" }, { "container_id", "c1" } };
	struct pb_label b[] = { { "container_id", "c1" }, { "pod_uid", "u1" } };
	struct pb_label dup[] = { { "k", "old" }, { "k", "new" } };
	struct pb_label bad[] = { { "", "v" } };
	const struct pb_label *l;
	int64_t ia, ib, id;

	pb_profile__new(&p);
	ok(pb_profile__intern_labels(p, NULL, 0) == 0, "the empty set is 0");
	ia = pb_profile__intern_labels(p, a, 2);
	ib = pb_profile__intern_labels(p, b, 2);
	ok(ia > 0 && ia == ib, "order does not matter: one set (%lld, %lld)", (long long)ia,
	   (long long)ib);
	ok(pb_profile__labels(p, ia, &l) == 2 && !strcmp(l[0].key, "container_id") &&
		   !strcmp(l[1].key, "pod_uid"),
	   "labels come sorted by key");
	is_str(pb_profile__label(p, ia, "pod_uid"), "u1", "lookup by key");
	ok(!pb_profile__label(p, ia, "nope") && !pb_profile__label(p, 0, "pod_uid"),
	   "missing key and empty set give NULL");
	id = pb_profile__intern_labels(p, dup, 2);
	ok(pb_profile__labels(p, id, &l) == 1, "a duplicate key is one label");
	is_str(l[0].value, "new", "the later duplicate wins");
	ok(pb_profile__intern_labels(p, bad, 1) == -EINVAL, "an empty key is refused");
	ok(pb_profile__label_set_count(p) == 2, "two distinct sets interned");
	ok(pb_profile__add_labeled(p, 1, 99, NULL, 0, 1) == -EINVAL, "depth 0 refused");
	pb_profile__free(p);
}

static void test_stacks_and_folded(void)
{
	struct pb_profile *p, *q, *g;
	struct pb_label c1 = { "container_id", "c1" }, c2 = { "container_id", "c2" };
	uint32_t ids[3];
	int64_t s1, s2;
	char *out;

	pb_profile__new(&p);
	for (int i = 0; i < 3; i++)
		ids[i] = pb_profile__intern(p, stack[i], strlen(stack[i]));
	s1 = pb_profile__intern_labels(p, &c1, 1);
	s2 = pb_profile__intern_labels(p, &c2, 1);
	pb_profile__add_labeled(p, 7, s1, ids, 3, 2);
	pb_profile__add_labeled(p, 7, s2, ids, 3, 3);
	pb_profile__add_labeled(p, 7, s1, ids, 3, 1);
	ok(pb_profile__stack_count(p) == 2, "same frames, other labels: two stacks");
	out = profile_text(p, NULL);
	is_str(out, "app;main;work 6\n", "folded stays byte-compatible: one line");
	free(out);

	pb_profile__new(&q);
	pb_profile__merge(q, p);
	pb_profile__merge(q, p);
	ok(pb_profile__stack_count(q) == 2 && pb_profile__total(q) == 12,
	   "merge keeps the stacks apart by labels");
	ok(!pb_profile__group_by(q, "container", &g), "group by container");
	out = profile_text(g, NULL);
	is_str(out, "[container=c1];app;main;work 6\n[container=c2];app;main;work 6\n",
	       "a root frame per container");
	free(out);
	pb_profile__free(g);
	ok(pb_profile__group_by(q, "colour", &g) == -EINVAL && !pb_profile__group_by_valid("pod:"),
	   "unknown group-by refused");
	pb_profile__free(q);
	pb_profile__free(p);
}

static void test_relabel_and_copy(void)
{
	struct pb_profile *p, *r, *c, *g;
	struct pb_label svc[] = { { "service", "api" }, { "container_id", "mine" } };
	struct pb_label c1 = { "container_id", "c1" };
	const struct pb_stack *st;
	char *out;

	pb_profile__new(&p);
	pb_profile__add_names(p, 3, stack, 3, 4);
	ok(!pb_profile__relabel(p, svc, 2, &r), "relabel");
	st = pb_profile__stack(r, 0);
	is_str(pb_profile__label(r, st->labels, "service"), "api", "the added label is there");
	ok(st->pid == 3 && st->count == 4, "pid and count kept");
	pb_profile__new(&c);
	pb_profile__copy_stack(c, r, st);
	is_str(pb_profile__label(c, pb_profile__stack(c, 0)->labels, "container_id"), "mine",
	       "copy_stack keeps labels");
	ok(!pb_profile__group_by(c, "label:service", &g), "group by label:service");
	out = profile_text(g, NULL);
	is_str(out, "[service=api];app;main;work 4\n", "user label as root frame");
	free(out);
	pb_profile__free(g);
	ok(!pb_profile__group_by(p, "pod", &g), "group by pod without pods");
	out = profile_text(g, NULL);
	is_str(out, "[no pod];app;main;work 4\n", "stacks without the label say so");
	free(out);
	pb_profile__free(g);
	pb_profile__free(r);
	/* Added labels win over the stack's own. */
	ok(!pb_profile__relabel(c, &c1, 1, &r), "relabel over an existing key");
	is_str(pb_profile__label(r, pb_profile__stack(r, 0)->labels, "container_id"), "c1",
	       "the added value wins");
	pb_profile__free(r);
	pb_profile__free(c);
	pb_profile__free(p);
}

static void test_limits(void)
{
	struct pb_label many[PB_PROFILE_MAX_LABELS + 1];
	char keys[PB_PROFILE_MAX_LABELS + 1][8];
	static char big[PB_LABEL_MAX_LEN + 2];
	struct pb_profile *p;

	pb_profile__new(&p);
	for (int i = 0; i <= PB_PROFILE_MAX_LABELS; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		many[i] = (struct pb_label){ keys[i], "v" };
	}
	ok(pb_profile__intern_labels(p, many, PB_PROFILE_MAX_LABELS) > 0, "the limit fits");
	ok(pb_profile__intern_labels(p, many, PB_PROFILE_MAX_LABELS + 1) == -E2BIG,
	   "one past the limit refused");
	memset(big, 'x', sizeof(big) - 1);
	many[0].value = big;
	ok(pb_profile__intern_labels(p, many, 1) == -E2BIG, "a value past %d bytes refused",
	   PB_LABEL_MAX_LEN);
	pb_profile__free(p);
}

int main(void)
{
	test_intern();
	test_stacks_and_folded();
	test_relabel_and_copy();
	test_limits();
	return tap_done();
}
