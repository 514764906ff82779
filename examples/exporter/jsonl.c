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

/* The settings, as pb_config__bind fills them from the key table at the end. */
struct jsonl_settings {
	const char *path;
	int64_t top; /* the heaviest stacks only; 0: all */
	bool with_host;
};

struct jsonl {
	const struct pb_host *host;
	const struct pb_config *cfg; /* the core keeps it until close */
	char *path;
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
	struct jsonl_settings st;

	if (!o)
		return -ENOMEM;
	pb_config__bind(cfg, &st);
	o->host = host;
	o->cfg = cfg;
	/* "-o jsonl" writes where the path setting says; "-o x.jsonl" writes x.jsonl. */
	o->path = strdup(strcmp(params->target, "jsonl") ? params->target : st.path);
	if (!o->path) {
		free(o);
		return -ENOMEM;
	}
	*state = o;
	return 0;
}

/* One window as one JSON line; "last" only when the window is one of a run (NULL: left out). */
static int put_window(FILE *f, const struct pb_profile *p, const struct pb_config *cfg,
		      const char *last)
{
	const struct pb_profile_meta *m = pb_profile__meta_const(p);
	struct jsonl_settings st;

	pb_config__bind(cfg, &st);
	fprintf(f, "{\"start_ns\":%" PRIu64 ",\"end_ns\":%" PRIu64 ",\"frequency\":%u,"
		   "\"pid\":%d,\"samples\":%" PRIu64 ",",
		m->start_ns, m->end_ns, m->frequency, m->target_pid, pb_profile__total(p));
	if (last)
		fprintf(f, "\"last\":%s,", last);
	fputs("\"unwinder\":", f);
	put_string(f, m->unwinder);
	fputs(",\"comm\":", f);
	put_string(f, m->comm);
	if (st.with_host) {
		struct labels l = { .f = f };

		fputs(",\"host\":{", f);
		pb_host_metadata__for_each(pb_host_metadata__get(), put_label, &l);
		fputc('}', f);
	}
	fputc(',', f);
	put_stacks(f, p, st.top);
	fputs("}\n", f);
	return ferror(f) ? -EIO : 0;
}

/* The format's encoder: what Lua's p:encode("jsonl") and pb_profile__write_format write. */
static int jsonl_encode(const struct pb_host *host, const struct pb_profile *p, FILE *f,
			const struct pb_config *cfg)
{
	return put_window(f, p, cfg, NULL);
}

/* One line per window, written with one write() on an O_APPEND fd: readers never see half. */
static int jsonl_write(void *state, const struct pb_profile *p, uint32_t flags)
{
	struct jsonl *o = state;
	char *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);
	int fd, err;

	if (!f)
		return -ENOMEM;
	err = put_window(f, p, o->cfg, flags & PB_WRITE_LAST ? "true" : "false");
	if (fclose(f) && !err)
		err = -ENOMEM;
	fd = err ? -1
	   : strcmp(o->path, "-") ? open(o->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)
				  : STDOUT_FILENO;
	if (!err && fd < 0)
		err = -errno;
	else if (!err && write(fd, line, len) != (ssize_t)len)
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

static const struct pb_encoder encoders[] = {
	{ .sz = sizeof(struct pb_encoder), .format = "jsonl", .encode = jsonl_encode },
	{ 0 },
};

static const struct pb_config_key keys[] = {
	PB_KEY_STRING(struct jsonl_settings, path, "path", "-",
		      "where \"-o jsonl\" appends (\"-\": stdout)"),
	PB_KEY_INT(struct jsonl_settings, top, "top", "0", 0, 1000000000,
		   "keep only the N heaviest stacks of a window (0: all)"),
	PB_KEY_BOOL(struct jsonl_settings, with_host, "host", "true",
		    "add the host metadata (EC2, ECS, Kubernetes)"),
	{ 0 },
};

static const struct pb_plugin descriptor = {
	PB_PLUGIN_DESCRIPTOR_INIT,
	.kind = PB_PLUGIN_OUTPUT,
	.name = "jsonl",
	.description = "example exporter: one JSON object per window, appended to a file",
	.config_keys = keys,
	.settings_size = sizeof(struct jsonl_settings),
	.output = &ops,
	.claims = claims,
	.encoders = encoders,
	.output_flags = PB_OUTPUT_WANTS_WINDOWS,
};

PB_PLUGIN_EXPORT(&descriptor)
