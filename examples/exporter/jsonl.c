// SPDX-License-Identifier: MIT
/* An in-house exporter built out of tree: every window appended to a file as one JSON line. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <profile-bee/hostmeta.h>
#include <profile-bee/plugin.h>

struct jsonl {
	const struct pb_host *host;
	char *path;
	int64_t top;	/* the heaviest stacks only; 0: all */
	bool with_host;
};

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

struct labels {
	FILE *f;
	int n;
};

static int put_label(void *ctx, const char *key, const char *value)
{
	struct labels *l = ctx;
	FILE *f = l->f;

	if (l->n++)
		fputc(',', f);
	put_string(f, key);
	fputc(':', f);
	put_string(f, value);
	return 0;
}

static const struct pb_profile *sort_profile;

static int by_count(const void *a, const void *b)
{
	uint64_t ca = pb_profile__stack(sort_profile, *(const size_t *)a)->count;
	uint64_t cb = pb_profile__stack(sort_profile, *(const size_t *)b)->count;

	return ca < cb ? 1 : ca > cb ? -1 : 0;
}

static void put_stacks(FILE *f, const struct pb_profile *p, int64_t top)
{
	size_t n = pb_profile__stack_count(p), *order = malloc(n * sizeof(*order) + 1);

	if (!order)
		n = 0;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	/* Windows are written one at a time (the session's thread), so a static is enough. */
	sort_profile = p;
	qsort(order, n, sizeof(*order), by_count);
	if (top > 0 && (size_t)top < n)
		n = top;
	fputs("\"stacks\":[", f);
	for (size_t i = 0; i < n; i++) {
		const struct pb_stack *s = pb_profile__stack(p, order[i]);

		fprintf(f, "%s{\"pid\":%u,\"count\":%" PRIu64 ",\"frames\":[", i ? "," : "",
			s->pid, s->count);
		for (uint32_t d = 0; d < s->depth; d++) {
			if (d)
				fputc(',', f);
			put_string(f, pb_profile__frame_name(p, s->frames[d]));
		}
		fputs("]}", f);
	}
	fputc(']', f);
	free(order);
}

static int jsonl_open(const struct pb_host *host, const struct pb_output_params *params,
		      const struct pb_config *cfg, void **state)
{
	struct jsonl *o = calloc(1, sizeof(*o));
	const char *path = host->config_get(cfg, "path");

	if (!o)
		return -ENOMEM;
	o->host = host;
	/* "-o jsonl" writes where the path setting says; "-o x.jsonl" writes x.jsonl. */
	o->path = strdup(strcmp(params->target, "jsonl") ? params->target : path ? path : "-");
	o->top = host->config_int(cfg, "top");
	o->with_host = host->config_bool(cfg, "host");
	if (!o->path) {
		free(o);
		return -ENOMEM;
	}
	*state = o;
	return 0;
}

/* One line per window, written with one write() on an O_APPEND fd: readers never see half. */
static int jsonl_write(void *state, const struct pb_profile *p, uint32_t flags)
{
	struct jsonl *o = state;
	const struct pb_profile_meta *m = pb_profile__meta_const(p);
	char *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);
	int fd, err = 0;

	if (!f)
		return -ENOMEM;
	fprintf(f, "{\"start_ns\":%" PRIu64 ",\"end_ns\":%" PRIu64 ",\"frequency\":%u,"
		   "\"pid\":%d,\"last\":%s,\"samples\":%" PRIu64 ",\"unwinder\":",
		m->start_ns, m->end_ns, m->frequency, m->target_pid,
		flags & PB_WRITE_LAST ? "true" : "false", pb_profile__total(p));
	put_string(f, m->unwinder);
	fputs(",\"comm\":", f);
	put_string(f, m->comm);
	if (o->with_host) {
		struct labels l = { .f = f };

		fputs(",\"host\":{", f);
		pb_host_metadata_for_each(pb_host_metadata(), put_label, &l);
		fputc('}', f);
	}
	fputc(',', f);
	put_stacks(f, p, o->top);
	fputs("}\n", f);
	if (fclose(f)) {
		free(line);
		return -ENOMEM;
	}
	fd = strcmp(o->path, "-") ? open(o->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)
				   : STDOUT_FILENO;
	if (fd < 0)
		err = -errno;
	else if (write(fd, line, len) != (ssize_t)len)
		err = -EIO;
	if (fd > STDOUT_FILENO)
		close(fd);
	free(line);
	return err;
}

static void jsonl_close(void *state)
{
	struct jsonl *o = state;

	if (!o)
		return;
	free(o->path);
	free(o);
}

static const struct pb_output_ops ops = {
	.sz = sizeof(ops),
	.open = jsonl_open,
	.write = jsonl_write,
	.close = jsonl_close,
};

static const struct pb_output_claim claims[] = {
	{ .pattern = ".jsonl", .format = "jsonl" },
	{ .pattern = "jsonl", .format = "jsonl" },
	{ 0 },
};

static const struct pb_config_key keys[] = {
	{ "path", PB_CONFIG_STRING, "-", "where \"-o jsonl\" appends (\"-\": stdout)" },
	{ "top", PB_CONFIG_INT, "0", "keep only the N heaviest stacks of a window (0: all)" },
	{ "host", PB_CONFIG_BOOL, "true", "add the host metadata (EC2, ECS, Kubernetes)" },
	{ 0 },
};

static const struct pb_plugin descriptor = {
	PB_PLUGIN_DESCRIPTOR_INIT,
	.kind = PB_PLUGIN_OUTPUT,
	.name = "jsonl",
	.description = "example exporter: one JSON object per window, appended to a file",
	.config_keys = keys,
	.output = &ops,
	.claims = claims,
	.output_flags = PB_OUTPUT_WANTS_WINDOWS,
};

PB_PLUGIN_EXPORT(&descriptor)
