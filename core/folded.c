// SPDX-License-Identifier: MIT
/* The folded text format: "comm;root;...;leaf count", the canonical form of a profile. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <profile-bee/profile-bee.h>

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
	size_t n = pb_profile__stack_count(p), *order;
	int err = pb_profile__sorted(p, &order);

	if (err)
		return err;
	flockfile(f);
	for (size_t i = 0; i < n;) {
		const struct pb_stack *s = pb_profile__stack(p, order[i]);
		uint64_t count = 0;

		/* The sort puts the same names from several pids next to each other: one line. */
		for (; i < n && same_names(pb_profile__stack(p, order[i]), s); i++)
			count += pb_profile__stack(p, order[i])->count;
		for (uint32_t d = 0; d < s->depth; d++) {
			if (d)
				putc_unlocked(';', f);
			put_name(pb_profile__frame_name(p, s->frames[d]), f);
		}
		fprintf(f, " %llu\n", (unsigned long long)count);
	}
	funlockfile(f);
	free(order);
	/* errno still says why the stream failed (ENOSPC on a full disk): more use than EIO. */
	return ferror(f) ? (errno ? -errno : -EIO) : 0;
}

/* Adds the stack of one "a;b;c 12" line: 0, -EINVAL when it is not a folded stack, -ENOMEM. */
static int parse_line(struct pb_profile *p, char *line, size_t len, uint32_t **ids,
		      size_t *cap)
{
	char *space, *end, *name;
	unsigned long long count;
	uint32_t depth = 0;

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	space = strrchr(line, ' ');
	if (!space || space == line || !space[1])
		return -EINVAL;
	errno = 0;
	count = strtoull(space + 1, &end, 10);
	if (errno || *end || space[1] == '-' || space[1] == '+')
		return -EINVAL;
	*space = '\0';
	for (name = line;; name++) {
		char *sep = strchr(name, ';');
		size_t nlen = sep ? (size_t)(sep - name) : strlen(name);
		int64_t id;

		if (depth == *cap) {
			size_t ncap = *cap ? *cap * 2 : 64;
			uint32_t *grown = realloc(*ids, ncap * sizeof(**ids));

			if (!grown)
				return -ENOMEM;
			*ids = grown;
			*cap = ncap;
		}
		id = pb_profile__intern(p, name, nlen);
		if (id < 0)
			return id;
		(*ids)[depth++] = id;
		if (!sep)
			break;
		name = sep;
	}
	return count ? pb_profile__add(p, 0, *ids, depth, count) : 0;
}

int pb_profile__read_folded(struct pb_profile *p, FILE *f, struct pb_folded_report *rep)
{
	struct pb_folded_report local = { 0 };
	uint32_t *ids = NULL;
	size_t cap = 0, line_cap = 0;
	char *line = NULL;
	ssize_t len;
	int err = 0;

	if (!rep)
		rep = &local;
	memset(rep, 0, sizeof(*rep));
	while ((len = getline(&line, &line_cap, f)) >= 0) {
		rep->lines++;
		if (len == 0 || line[0] == '\n' || line[0] == '#')
			continue; /* blank lines and comments are not stacks, nor errors */
		err = parse_line(p, line, len, &ids, &cap);
		if (err == -ENOMEM)
			break;
		if (err) {
			if (rep->malformed < sizeof(rep->first_bad) / sizeof(rep->first_bad[0]))
				rep->first_bad[rep->malformed] = rep->lines;
			rep->malformed++;
			err = 0;
		}
	}
	if (!err && ferror(f))
		err = -EIO;
	free(line);
	free(ids);
	return err;
}
