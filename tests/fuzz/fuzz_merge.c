// SPDX-License-Identifier: MIT
/* Fuzz target: deep stacks through every path that copies frames (add, add_names, merge). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <profile-bee/profile-bee.h>

#include "fuzz.h"

/*
 * The first byte repeats every stack's frames (1-256 times), so short inputs reach past
 * PB_PROFILE_MAX_DEPTH; the rest is folded text. Counts near 2^64 come from the text itself.
 */
static void check(const struct pb_profile *p, const char *what)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < pb_profile__stack_count(p); i++) {
		const struct pb_stack *s = pb_profile__stack(p, i);

		/* No wrap: the stacks add up to the total, and none is above it. */
		if (s->depth == 0 || s->depth > PB_PROFILE_MAX_DEPTH ||
		    __builtin_add_overflow(sum, s->count, &sum)) {
			fprintf(stderr, "%s: stack %zu: depth %u, count %llu\n", what, i, s->depth,
				(unsigned long long)s->count);
			abort();
		}
	}
	if (sum != pb_profile__total(p)) {
		fprintf(stderr, "%s: stacks add up to %llu, total %llu\n", what,
			(unsigned long long)sum, (unsigned long long)pb_profile__total(p));
		abort();
	}
}

/* q gets every stack of p with its frames (comm excluded) repeated rep times. */
static int deepen(struct pb_profile *q, const struct pb_profile *p, unsigned rep)
{
	for (size_t i = 0; i < pb_profile__stack_count(p); i++) {
		const struct pb_stack *s = pb_profile__stack(p, i);
		size_t body = s->depth - 1, n = 1 + body * rep;
		const char **names = malloc(n * sizeof(*names));
		int err;

		if (!names)
			return -1;
		names[0] = pb_profile__frame_name(p, s->frames[0]);
		for (size_t j = 0; j < body * rep; j++)
			names[1 + j] = pb_profile__frame_name(p, s->frames[1 + j % body]);
		err = pb_profile__add_names(q, s->pid, names, n > UINT32_MAX ? UINT32_MAX : n,
					    s->count);
		free(names);
		if (err)
			return err;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_profile *p = NULL, *q = NULL, *r = NULL;
	unsigned rep = size ? data[0] + 1u : 1;
	FILE *f = size > 1 ? fmemopen((void *)(data + 1), size - 1, "r") : NULL;

	if (!f || pb_profile__new(&p) || pb_profile__new(&q) || pb_profile__new(&r))
		goto out;
	if (pb_profile__read_folded(p, f, NULL))
		goto out;
	check(p, "read");
	if (deepen(q, p, rep))
		goto out;
	check(q, "deepened");
	/* Merging a profile into another, and into itself twice over: the Lua p:merge(p) case. */
	if (pb_profile__merge(r, q) || pb_profile__merge(r, q) || pb_profile__merge(r, p))
		goto out;
	check(r, "merged");
	if (pb_profile__total(r) < pb_profile__total(q))
		abort(); /* merging never loses samples, short of the 2^64 ceiling */
out:
	if (f)
		fclose(f);
	pb_profile__free(p);
	pb_profile__free(q);
	pb_profile__free(r);
	return 0;
}
