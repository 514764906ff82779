// SPDX-License-Identifier: MIT
/* The folded text format: "comm;root;...;leaf count", the canonical form of a profile. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <profile-bee/profile-bee.h>

#include "lines.h"

/* ';' separates frames and a newline ends the line: names must not carry either. */
static void put_name(const char *name, FILE *f)
{
	size_t plain = strcspn(name, ";\n\r");

	if (!name[plain]) { /* the usual case: nothing to replace */
		fwrite_unlocked(name, 1, plain, f);
		return;
	}
	for (const char *c = name; *c; c++) {
		if (*c == ';')
			putc_unlocked(':', f);
		else if (*c == '\n' || *c == '\r')
			putc_unlocked(' ', f);
		else
			putc_unlocked(*c, f);
	}
}

static bool same_names(const struct pb_stack *a, const struct pb_stack *b)
{
	return a->depth == b->depth && !memcmp(a->frames, b->frames, a->depth * sizeof(*a->frames));
}

int pb_profile__write_folded(const struct pb_profile *p, FILE *f)
{
	size_t n = pb_profile__stack_count(p), nf = pb_profile__frame_count(p), *order;
	/* Per name, once: its length when it needs no replacing, else 0 (put_name's work). */
	uint32_t *plain = malloc((nf + 1) * sizeof(*plain));
	int err = plain ? pb_profile__sorted(p, &order) : -ENOMEM;

	if (err) {
		free(plain);
		return err;
	}
	for (size_t i = 0; i < nf; i++) {
		const char *name = pb_profile__frame_name(p, i);
		size_t len = strcspn(name, ";\n\r");

		plain[i] = name[len] || len > UINT32_MAX ? 0 : len;
	}
	flockfile(f);
	for (size_t i = 0; i < n;) {
		const struct pb_stack *s = pb_profile__stack(p, order[i]);
		uint64_t count = 0;

		/* The sort puts the same names from several pids next to each other: one line. */
		for (; i < n && same_names(pb_profile__stack(p, order[i]), s); i++)
			count += pb_profile__stack(p, order[i])->count;
		for (uint32_t d = 0; d < s->depth; d++) {
			uint32_t id = s->frames[d];

			if (d)
				putc_unlocked(';', f);
			if (plain[id])
				fwrite_unlocked(pb_profile__frame_name(p, id), 1, plain[id], f);
			else
				put_name(pb_profile__frame_name(p, id), f);
		}
		fprintf(f, " %llu\n", (unsigned long long)count);
	}
	funlockfile(f);
	free(order);
	free(plain);
	/* errno still says why the stream failed (ENOSPC on a full disk): more use than EIO. */
	return ferror(f) ? (errno ? -errno : -EIO) : 0;
}

/* Adds the stack of one "a;b;c 12" line: 0, -EINVAL when it is not a folded stack, -ENOMEM. */
static int parse_line(struct pb_profile *p, char *line, size_t len, uint32_t *ids)
{
	char *space, *end, *name;
	unsigned long long count;
	uint32_t depth = 0;

	while (len && line[len - 1] == '\r')
		line[--len] = '\0';
	if (memchr(line, '\0', len))
		return -EINVAL; /* a NUL byte: not text */
	space = strrchr(line, ' ');
	if (!space || space == line || !space[1])
		return -EINVAL;
	errno = 0;
	count = strtoull(space + 1, &end, 10);
	if (errno || *end || space[1] == '-' || space[1] == '+')
		return -EINVAL;
	*space = '\0';
	/* One frame past the limit is enough for pb_profile__add to cut and count the stack. */
	for (name = line; depth <= PB_PROFILE_MAX_DEPTH; name++) {
		char *sep = strchr(name, ';');
		size_t nlen = sep ? (size_t)(sep - name) : strlen(name);
		int64_t id = pb_profile__intern(p, name, nlen);

		if (id < 0)
			return id;
		ids[depth++] = id;
		if (!sep)
			break;
		name = sep;
	}
	return count ? pb_profile__add(p, 0, ids, depth, count) : 0;
}

int pb_profile__read_folded(struct pb_profile *p, FILE *f, struct pb_folded_report *rep)
{
	struct pb_folded_report local = { 0 };
	uint32_t *ids = malloc((PB_PROFILE_MAX_DEPTH + 1) * sizeof(*ids));
	struct pb_line_reader r;
	char *line;
	ssize_t len;
	int err = pb_line_reader__init(&r, f, PB_FOLDED_MAX_LINE);

	if (!rep)
		rep = &local;
	memset(rep, 0, sizeof(*rep));
	if (!ids || err) {
		err = -ENOMEM;
		goto out;
	}
	while ((len = pb_line_reader__next(&r, &line)) >= 0) {
		rep->lines++;
		if (len == 0 || line[0] == '#')
			continue; /* blank lines and comments are not stacks, nor errors */
		err = parse_line(p, line, len, ids);
		if (err == -ENOMEM)
			goto out;
		if (err) {
			if (rep->malformed < sizeof(rep->first_bad) / sizeof(rep->first_bad[0]))
				rep->first_bad[rep->malformed] = rep->lines;
			rep->malformed++;
			err = 0;
		}
	}
	if (len == -E2BIG)
		rep->lines++; /* the line that did not fit: the caller names it */
	if (len != -ENODATA)
		err = len;
out:
	pb_line_reader__free(&r);
	free(ids);
	return err;
}

void pb_profile__read_error(const char *path, int err, const struct pb_folded_report *rep,
			    char *buf, size_t len)
{
	if (err == -E2BIG)
		snprintf(buf, len, "%s:%llu: line longer than %d bytes (the most a folded line holds)",
			 path, (unsigned long long)rep->lines, PB_FOLDED_MAX_LINE);
	else
		snprintf(buf, len, "cannot read '%s': %s", path, strerror(-err));
}
