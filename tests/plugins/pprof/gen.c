// SPDX-License-Identifier: MIT
/*
 * Writes profiles the folded text cannot carry (names with ';', pids, a 2^63+ count, a stack at
 * PB_PROFILE_MAX_DEPTH, known meta) through pb_profile__write_format(.., "pprof", ..), and
 * beside each the stacks it holds as JSON, for the tests to hold decoders' readings against.
 * Usage: pprof-gen odd|huge|deep OUT.pb.gz OUT.json
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <profile-bee/profile-bee.h>

#define DEEP (PB_PROFILE_MAX_DEPTH - 1) /* frames below the comm */

/* A JSON string: our names are UTF-8 without control characters but for the test's own. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* [{"comm":..,"pid":..,"frames":[root..leaf],"count":"N"}] (counts as strings: past 2^53). */
static void write_json(const struct pb_profile *p, FILE *f)
{
	fputs("[", f);
	for (size_t i = 0; i < pb_profile__stack_count(p); i++) {
		const struct pb_stack *st = pb_profile__stack(p, i);

		fprintf(f, "%s\n{\"comm\":", i ? "," : "");
		json_str(f, pb_profile__frame_name(p, st->frames[0]));
		fprintf(f, ",\"pid\":%" PRIu32 ",\"count\":\"%" PRIu64 "\",\"frames\":[", st->pid,
			st->count);
		for (uint32_t d = 1; d < st->depth; d++) {
			fputs(d > 1 ? "," : "", f);
			json_str(f, pb_profile__frame_name(p, st->frames[d]));
		}
		fputs("]}", f);
	}
	fputs("\n]\n", f);
}

static int add(struct pb_profile *p, uint32_t pid, uint64_t count, int n, ...)
{
	const char *names[16];
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < n; i++)
		names[i] = va_arg(ap, const char *);
	va_end(ap);
	return pb_profile__add_names(p, pid, names, n, count);
}

static int fill(struct pb_profile *p, const char *mode)
{
	struct pb_profile_meta *m = pb_profile__meta(p);
	int err = 0;

	m->frequency = 100;
	m->start_ns = 1700000000000000000ull;
	m->end_ns = m->start_ns + 2500000000ull;
	snprintf(m->unwinder, sizeof(m->unwinder), "fp");
	snprintf(m->hostname, sizeof(m->hostname), "test-host");
	if (!strcmp(mode, "odd")) {
		err = add(p, 4242, 7, 4, "my app", "main", "naïve_ünïcode_🐝", "operator;weird");
		err = err
			  ?: add(p, 4242, 3, 4, "my app", "main",
				 "std::vector<int> push_back(int const&)", "do_sys_open_[k]");
		err = err ?: add(p, 77, 5, 3, "zeta", "main", "naïve_ünïcode_🐝");
		/* Same names, other pid: one folded line, two pprof samples. */
		err = err ?: add(p, 78, 2, 3, "zeta", "main", "naïve_ünïcode_🐝");
	} else if (!strcmp(mode, "huge")) {
		err = add(p, 1, (1ull << 63) + 5, 3, "big", "main", "hot");
		err = err ?: add(p, 2, 40, 3, "big", "main", "cold");
	} else if (!strcmp(mode, "deep")) {
		const char **names = calloc(DEEP + 1, sizeof(*names));
		char(*buf)[16] = calloc(DEEP, sizeof(*buf));

		if (!names || !buf)
			err = -1;
		for (int i = 0; !err && i < DEEP; i++) {
			snprintf(buf[i], sizeof(buf[i]), "f%d", i);
			names[i + 1] = buf[i];
		}
		if (!err) {
			names[0] = "deep";
			err = pb_profile__add_names(p, 9, names, DEEP + 1, 11);
		}
		free(names);
		free(buf);
	} else {
		err = -1;
	}
	return err;
}

int main(int argc, char **argv)
{
	struct pb_profile *p = NULL;
	FILE *out, *json;
	int err;

	if (argc != 4) {
		fprintf(stderr, "usage: pprof-gen odd|huge|deep OUT.pb.gz OUT.json\n");
		return 2;
	}
	if (pb_profile__new(&p) || fill(p, argv[1])) {
		fprintf(stderr, "pprof-gen: cannot build the '%s' profile\n", argv[1]);
		return 1;
	}
	if (!(out = fopen(argv[2], "w")) || !(json = fopen(argv[3], "w"))) {
		perror("pprof-gen");
		return 1;
	}
	err = pb_profile__write_format(p, "pprof", out, NULL);
	write_json(p, json);
	if (fclose(out) || fclose(json) || err) {
		fprintf(stderr, "pprof-gen: writing failed: %s\n", strerror(err < 0 ? -err : EIO));
		return 1;
	}
	pb_profile__free(p);
	return 0;
}
