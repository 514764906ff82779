// SPDX-License-Identifier: MIT
/*
 * Unit tests of frame sites (the binary and address a frame was seen at): interning mappings,
 * first sight kept, folded output unchanged, and merge, copy and group-by carrying them.
 */
#include <errno.h>
#include <stdbool.h>

#include <profile-bee/profile-bee.h>

#include "profile_text.h"
#include "tap.h"

static const struct pb_profile_mapping app = { 0x400000, 0x401000, 0x1000, "/usr/bin/app",
					       "0a1b2c" };
static const struct pb_profile_mapping libc = { 0x7f0000, 0x7f9000, 0x26000, "/lib/libc.so.6",
						"" };

/* app;main;work with main and work in the app and the comm nowhere. */
static struct pb_profile *sample(bool sites)
{
	static const char *const names[] = { "app", "main", "work" };
	struct pb_profile *p;
	uint32_t ids[3];

	pb_profile__new(&p);
	for (int i = 0; i < 3; i++)
		ids[i] = pb_profile__intern(p, names[i], strlen(names[i]));
	if (sites) {
		int64_t m = pb_profile__intern_mapping(p, &app);

		pb_profile__set_frame_site(p, ids[1], m, 0x400123);
		pb_profile__set_frame_site(p, ids[2], m, 0x400456);
	}
	pb_profile__add(p, 7, ids, 3, 5);
	return p;
}

/* The site of the frame called name in p: its mapping (NULL: none) and address. */
static const struct pb_profile_mapping *site_of(const struct pb_profile *p, const char *name,
						uint64_t *addr)
{
	for (uint32_t f = 0; f < pb_profile__frame_count(p); f++)
		if (!strcmp(pb_profile__frame_name(p, f), name))
			return pb_profile__mapping(p, pb_profile__frame_site(p, f, addr));
	return NULL;
}

static void test_intern_and_first_sight(void)
{
	struct pb_profile *p = sample(true);
	struct pb_profile_mapping again = app;
	const struct pb_profile_mapping *m;
	uint64_t addr;
	int64_t a = pb_profile__intern_mapping(p, &again), l = pb_profile__intern_mapping(p, &libc);

	ok(a == 1 && l == 2 && pb_profile__mapping_count(p) == 2,
	   "an equal mapping is interned once, another gets the next id (%lld, %lld)", (long long)a,
	   (long long)l);
	again.offset = 0;
	ok(pb_profile__intern_mapping(p, &again) == 3, "another offset is another mapping");
	m = site_of(p, "work", &addr);
	ok(m && !strcmp(m->path, "/usr/bin/app") && !strcmp(m->build_id, "0a1b2c") &&
		   m->start == 0x400000 && m->limit == 0x401000 && m->offset == 0x1000 &&
		   addr == 0x400456,
	   "a frame's mapping (path, build id, range, offset) and address");
	pb_profile__set_frame_site(p, 2, l, 0x7f0042);
	m = site_of(p, "work", &addr);
	ok(m && !strcmp(m->path, "/usr/bin/app") && addr == 0x400456, "the first sight stays");
	ok(!site_of(p, "app", &addr) && addr == 0, "a frame never placed has none (address 0)");
	ok(pb_profile__set_frame_site(p, 99, 1, 1) == -EINVAL &&
		   pb_profile__set_frame_site(p, 0, 9, 1) == -EINVAL,
	   "an unknown frame or mapping id is refused");
	pb_profile__free(p);
}

static void test_folded_unchanged_and_copies(void)
{
	struct pb_profile *with = sample(true), *without = sample(false), *merged, *grouped, *copy;
	char *a = profile_text(with, NULL), *b = profile_text(without, NULL);
	const struct pb_profile_mapping *m;
	uint64_t addr;

	is_str(a, b, "folded output is the same with sites and without");
	pb_profile__new(&merged);
	pb_profile__merge(merged, without);
	pb_profile__merge(merged, with);
	m = site_of(merged, "main", &addr);
	ok(pb_profile__stack_count(merged) == 1 && m && !strcmp(m->path, "/usr/bin/app") &&
		   addr == 0x400123,
	   "merge: one stack, sites carried into frames that had none");
	pb_profile__new(&copy);
	pb_profile__copy_stack(copy, with, pb_profile__stack(with, 0));
	m = site_of(copy, "work", &addr);
	ok(m && !strcmp(m->build_id, "0a1b2c") && addr == 0x400456, "copy_stack carries sites");
	ok(pb_profile__group_by(with, "label:service", &grouped) == 0, "group-by");
	m = site_of(grouped, "work", &addr);
	ok(m && !strcmp(m->path, "/usr/bin/app") && addr == 0x400456 &&
		   !site_of(grouped, "[no service]", &addr),
	   "group-by carries sites; its own frame has none");
	free(a);
	free(b);
	pb_profile__free(with);
	pb_profile__free(without);
	pb_profile__free(merged);
	pb_profile__free(copy);
	pb_profile__free(grouped);
}

int main(void)
{
	test_intern_and_first_sight();
	test_folded_unchanged_and_copies();
	return tap_done();
}
