// SPDX-License-Identifier: MIT
/* The profile as a JSON tree {name, value, children}, what the live page draws from. */
#include <errno.h>

#include "http.h"

void render_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c < 0x20)
			fprintf(f, "\\u%04x", *c);
		else
			fputc(*c, f);
	}
	fputc('"', f);
}

struct json_ctx {
	FILE *f;
	bool first; /* the next node is its parent's first child */
};

static int json_open(void *ctx, const char *name, uint32_t depth, uint64_t before)
{
	struct json_ctx *j = ctx;

	fputs(j->first ? "{\"name\":" : ",{\"name\":", j->f);
	render_json_string(j->f, name);
	fputs(",\"children\":[", j->f);
	j->first = true;
	return 0;
}

/* "value" goes last: a node's samples are only known once its last stack has been seen. */
static int json_close(void *ctx, uint32_t depth, uint64_t before, uint64_t end)
{
	struct json_ctx *j = ctx;

	fprintf(j->f, "],\"value\":%llu}", (unsigned long long)(end - before));
	j->first = false;
	return ferror(j->f) ? -EIO : 0;
}

int render_json_tree(const struct pb_profile *p, FILE *f)
{
	struct json_ctx j = { .f = f, .first = true };
	struct tree_visitor v = { .open = json_open, .close = json_close, .ctx = &j };
	int err;

	fputs("{\"name\":\"all\",\"children\":[", f);
	err = render_tree_walk(p, &v);
	fprintf(f, "],\"value\":%llu}", (unsigned long long)pb_profile__total(p));
	if (!err && ferror(f))
		err = -EIO;
	return err;
}
