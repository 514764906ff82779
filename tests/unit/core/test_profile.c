// SPDX-License-Identifier: MIT
/* Unit tests of the profile type and the folded format (reading, writing, malformed input). */
#include <errno.h>
#include <stdbool.h>

#include <profile-bee/profile-bee.h>

#include "profile_text.h"
#include "tap.h"

static struct pb_profile *read_text(const char *text, struct pb_folded_report *rep)
{
	struct pb_profile *p;
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	pb_profile__new(&p);
	pb_profile__read_folded(p, f, rep);
	fclose(f);
	return p;
}

static void test_dedup_and_order(void)
{
	const char *a[] = { "app", "main", "work" };
	const char *b[] = { "app", "main" };
	const char *k[] = { "app", "main", "read", "vfs_read_[k]" };
	struct pb_profile *p;
	char *out;

	pb_profile__new(&p);
	pb_profile__add_names(p, 10, a, 3, 5);
	pb_profile__add_names(p, 10, b, 2, 1);
	pb_profile__add_names(p, 10, a, 3, 2);
	pb_profile__add_names(p, 11, a, 3, 4); /* another pid: its own stack, one folded line */
	pb_profile__add_names(p, 10, k, 4, 3);
	ok(pb_profile__stack_count(p) == 4, "same stack and pid counted once (%zu stacks)",
	   pb_profile__stack_count(p));
	ok(pb_profile__total(p) == 15, "total is the sum of counts");
	out = profile_text(p, NULL);
	is_str(out, "app;main 1\napp;main;read;vfs_read_[k] 3\napp;main;work 11\n",
	       "folded lines sorted, pids merged, kernel suffix kept");
	free(out);
	pb_profile__free(p);
}

static void test_round_trip_and_merge(void)
{
	const char *text = "b;c 2\na;b;c 7\nb;c 1\n";
	struct pb_profile *p = read_text(text, NULL), *q = read_text("a;b;c 1\nz 4\n", NULL);
	char *out = profile_text(p, NULL);

	is_str(out, "a;b;c 7\nb;c 3\n", "reading folded merges equal stacks");
	free(out);
	pb_profile__merge(p, q);
	out = profile_text(p, NULL);
	is_str(out, "a;b;c 8\nb;c 3\nz 4\n", "merge adds counts and new stacks");
	free(out);
	pb_profile__clear(p);
	ok(pb_profile__stack_count(p) == 0 && pb_profile__total(p) == 0, "clear empties");
	pb_profile__free(p);
	pb_profile__free(q);
}

static void test_malformed(void)
{
	struct pb_folded_report rep;
	const char *text = "ok;line 3\n"
			   "no count here\n"
			   "\n"
			   "neg;count -4\n"
			   "# a comment\n"
			   "trailing;space 5 \n"
			   "spaces in name;f(int, char) 2\r\n"
			   "x;y 12abc\n";
	struct pb_profile *p = read_text(text, &rep);
	char *out = profile_text(p, NULL);

	ok(rep.malformed == 4, "4 malformed lines counted (got %llu)",
	   (unsigned long long)rep.malformed);
	ok(rep.first_bad[0] == 2 && rep.first_bad[1] == 4 && rep.first_bad[2] == 6 &&
	       rep.first_bad[3] == 8,
	   "their line numbers are reported (%llu %llu %llu %llu)",
	   (unsigned long long)rep.first_bad[0], (unsigned long long)rep.first_bad[1],
	   (unsigned long long)rep.first_bad[2], (unsigned long long)rep.first_bad[3]);
	is_str(out, "ok;line 3\nspaces in name;f(int, char) 2\n",
	       "good lines kept, names with spaces and CRLF handled");
	free(out);
	pb_profile__free(p);
}

static void test_separators_in_names(void)
{
	const char *a[] = { "app", "odd;name", "new\nline" };
	struct pb_profile *p;
	char *out;

	pb_profile__new(&p);
	pb_profile__add_names(p, 1, a, 3, 1);
	out = profile_text(p, NULL);
	is_str(out, "app;odd:name;new line 1\n", "';' and newlines in names cannot split a line");
	free(out);
	pb_profile__free(p);
}

static void test_many_stacks(void)
{
	struct pb_profile *p;
	char name[32];
	const char *names[3] = { "comm", "f", name };
	bool sorted = true;
	size_t *order;

	pb_profile__new(&p);
	for (int i = 0; i < 50000; i++) {
		snprintf(name, sizeof(name), "fn%05d", (i * 7919) % 50000);
		pb_profile__add_names(p, 1, names, 3, 1);
	}
	pb_profile__sorted(p, &order);
	for (size_t i = 1; i < pb_profile__stack_count(p); i++) {
		const struct pb_stack *x = pb_profile__stack(p, order[i - 1]);
		const struct pb_stack *y = pb_profile__stack(p, order[i]);

		if (strcmp(pb_profile__frame_name(p, x->frames[2]),
			   pb_profile__frame_name(p, y->frames[2])) >= 0)
			sorted = false;
	}
	ok(pb_profile__stack_count(p) == 50000 && sorted,
	   "50000 distinct stacks kept and sorted by name");
	free(order);
	pb_profile__free(p);
}

/* What counts are travels with them: an empty profile takes src's; mixed units do not add. */
static void test_units(void)
{
	const char *names[] = { "app", "main", "wait" };
	struct pb_profile *cpu, *off, *into;
	uint32_t ev = 99;

	pb_profile__new(&cpu);
	pb_profile__new(&off);
	pb_profile__new(&into);
	pb_profile__add_names(cpu, 1, names, 3, 5);
	pb_profile__add_names(off, 1, names, 3, 250000);
	pb_profile__meta(off)->event = PB_EVENT_OFF_CPU;
	ok(!strcmp(pb_profile__unit(cpu), "samples") &&
	       !strcmp(pb_profile__unit(off), "microseconds") &&
	       !strcmp(pb_profile__event_name(PB_EVENT_WALL), "wall"),
	   "units: samples on CPU, microseconds off it; event names");
	ok(!pb_profile__event_parse("off-cpu", &ev) && ev == PB_EVENT_OFF_CPU &&
	       pb_profile__event_parse("offcpu", &ev) == -EINVAL,
	   "event names parse back; others are -EINVAL");
	ok(!pb_profile__merge(into, off) && pb_profile__meta(into)->event == PB_EVENT_OFF_CPU &&
	       pb_profile__total(into) == 250000,
	   "merge into an empty profile takes the source's event");
	ok(pb_profile__merge(into, cpu) == -EDOM && pb_profile__total(into) == 250000 &&
	       pb_profile__stack_count(into) == 1,
	   "samples into microseconds: -EDOM, nothing added");
	pb_profile__clear(cpu);
	ok(!pb_profile__merge(into, cpu) && !pb_profile__merge(into, off) &&
	       pb_profile__total(into) == 500000,
	   "an empty source of another event adds nothing and is no error; same event adds");
	pb_profile__free(cpu);
	pb_profile__free(off);
	pb_profile__free(into);
}

int main(void)
{
	test_units();
	test_dedup_and_order();
	test_round_trip_and_merge();
	test_malformed();
	test_separators_in_names();
	test_many_stacks();
	return tap_done();
}
