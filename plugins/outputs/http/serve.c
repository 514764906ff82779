// SPDX-License-Identifier: MIT
/* The serve plugin (--serve): holds the profile so far, encodes it on request, feeds the page. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"

enum { CACHE_FOLDED, CACHE_JSON, CACHE_SVG, CACHE_N };

struct cached {
	uint64_t gen; /* 0: empty */
	char *body;
	size_t len;
};

struct live {
	const struct pb_host *host;
	pthread_mutex_t lock; /* guards everything below */
	struct pb_profile *acc; /* every window so far */
	uint64_t gen;		/* windows merged */
	bool finished;		/* the last window came */
	struct cached cache[CACHE_N];
	struct sse_event *snapshot; /* of generation snapshot_gen */
	uint64_t snapshot_gen;
	uint32_t window_ms;
	struct sse_hub *hub;
	struct server *srv;
	bool keep_serving;
};

static const struct {
	const char *path;
	const char *type;
	const char *format; /* of host->encode */
} renders[CACHE_N] = {
	[CACHE_FOLDED] = { "/folded", "text/plain; charset=utf-8", "folded" },
	[CACHE_JSON] = { "/json", "application/json", "json" },
	[CACHE_SVG] = { "/svg", "image/svg+xml", "svg" },
};

/* A JSON string, quoted: the envelope's hostname and comm (the tree is the encoder's). */
static void json_string(FILE *f, const char *s)
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

/*
 * The page's view of a window or of the profile so far: metadata around the tree, which is the
 * svg plugin's d3 JSON (what -o x.json writes) without its final newline, so the whole view
 * stays one line and one "data:" line of an event.
 */
static int render_view(struct live *l, const struct pb_profile *p, uint64_t gen, bool last,
		       struct membuf *b)
{
	const struct pb_profile_meta *m = pb_profile__meta_const(p);
	struct membuf tree;
	int err = membuf_open(&tree);

	if (err)
		return err;
	if ((err = l->host->encode(l->host->session, p, renders[CACHE_JSON].format, tree.f)) ||
	    (err = membuf_close(&tree)) || (err = membuf_open(b))) {
		membuf_free(&tree);
		return err;
	}
	while (tree.len && (tree.data[tree.len - 1] == '\n' || tree.data[tree.len - 1] == ' '))
		tree.len--;
	fprintf(b->f, "{\"gen\":%llu,\"start_ns\":%llu,\"end_ns\":%llu,\"frequency\":%u,"
		      "\"window_ms\":%u,\"last\":%s,\"samples\":%llu,\"host\":",
		(unsigned long long)gen, (unsigned long long)m->start_ns,
		(unsigned long long)m->end_ns, m->frequency, l->window_ms, last ? "true" : "false",
		(unsigned long long)pb_profile__total(p));
	json_string(b->f, m->hostname);
	fputs(",\"comm\":", b->f);
	json_string(b->f, m->comm);
	fputs(",\"tree\":", b->f);
	fwrite(tree.data, 1, tree.len, b->f);
	fputc('}', b->f);
	membuf_free(&tree);
	if ((err = membuf_close(b)))
		membuf_free(b);
	return err;
}

/* /folded and /svg are exactly what -o x.folded and -o x.svg write, settings included. */
static int render_one(struct live *l, int which, struct membuf *b)
{
	int err;

	if (which == CACHE_JSON)
		return render_view(l, l->acc, l->gen, l->finished, b);
	if ((err = membuf_open(b)))
		return err;
	err = l->host->encode(l->host->session, l->acc, renders[which].format, b->f);
	if (!err)
		err = membuf_close(b);
	if (err)
		membuf_free(b);
	return err;
}

int live_render(struct live *l, const char *path, char **body, size_t *len, const char **type)
{
	int which = -1, err = 0;
	struct cached *c;

	for (int i = 0; i < CACHE_N; i++)
		if (!strcmp(path, renders[i].path))
			which = i;
	if (which < 0)
		return -ENOENT;
	pthread_mutex_lock(&l->lock);
	c = &l->cache[which];
	/* Many clients asking between two windows share one rendering. */
	if (c->gen != l->gen + 1) {
		struct membuf b;

		if (!(err = render_one(l, which, &b))) {
			free(c->body);
			c->body = b.data;
			c->len = b.len;
			c->gen = l->gen + 1;
		}
	}
	if (!err && !(*body = malloc(c->len ? c->len : 1)))
		err = -ENOMEM;
	if (!err) {
		memcpy(*body, c->body, c->len);
		*len = c->len;
		*type = renders[which].type;
	}
	pthread_mutex_unlock(&l->lock);
	return err;
}

struct sse_event *live_snapshot_event(struct live *l, uint64_t *gen)
{
	struct sse_event *e = NULL;
	struct membuf b;

	pthread_mutex_lock(&l->lock);
	if (!l->snapshot || l->snapshot_gen != l->gen) {
		if (!render_view(l, l->acc, l->gen, l->finished, &b)) {
			sse_event_put(l->snapshot);
			l->snapshot = sse_event_new("snapshot", l->gen, b.data, b.len);
			l->snapshot_gen = l->gen;
			membuf_free(&b);
		}
	}
	if (l->snapshot && l->snapshot_gen == l->gen) {
		e = sse_event_get(l->snapshot);
		*gen = l->gen;
	}
	pthread_mutex_unlock(&l->lock);
	return e;
}

int serve_open(const struct pb_host *host, const struct pb_output_params *params,
	       const struct pb_config *cfg, void **state)
{
	struct live *l = calloc(1, sizeof(*l));
	struct serve_settings set;
	struct guard *guard;
	int err;

	if (!l)
		return -ENOMEM;
	pb_config__bind(cfg, &set);
	l->host = host;
	l->window_ms = params->window_ms;
	l->keep_serving = set.keep_serving;
	pthread_mutex_init(&l->lock, NULL);
	if ((err = pb_profile__new(&l->acc)) || (err = sse_hub_new(l, &l->hub)) ||
	    (err = guard_new(host, &set, &guard)))
		goto fail;
	err = server_start(host, set.listen, (unsigned)set.max_clients, guard, l, l->hub, &l->srv);
	if (err)
		goto fail;
	*state = l;
	return 0;
fail:
	serve_close(l);
	return err;
}

int serve_write(void *state, const struct pb_profile *profile, uint32_t flags)
{
	struct live *l = state;
	bool last = flags & PB_WRITE_LAST;
	struct sse_event *e;
	struct membuf b;
	uint64_t gen, start;
	int err;

	/* Merging is all the sampling thread waits for; clients render from the result later. */
	pthread_mutex_lock(&l->lock);
	err = pb_profile__merge(l->acc, profile);
	start = l->gen ? pb_profile__meta(l->acc)->start_ns : pb_profile__meta_const(profile)->start_ns;
	*pb_profile__meta(l->acc) = *pb_profile__meta_const(profile);
	pb_profile__meta(l->acc)->start_ns = start;
	gen = ++l->gen;
	l->finished = last;
	pthread_mutex_unlock(&l->lock);
	if (err)
		return err;
	if ((err = render_view(l, profile, gen, last, &b)))
		return err;
	e = sse_event_new("window", gen, b.data, b.len);
	membuf_free(&b);
	if (!e)
		return -ENOMEM;
	sse_hub_publish(l->hub, e, gen);
	return 0;
}

/*
 * A run that ended by itself (-d elapsed, the command exited) leaves the user looking at the
 * page, so the final profile stays served until Ctrl-C; after a Ctrl-C the user asked to stop.
 */
int serve_wait(void *state)
{
	struct live *l = state;
	struct pb_session *s = l->host->session;

	if (!l->keep_serving || l->host->stop_requested(s))
		return 0;
	l->host->log(s, PB_LOG_WARN, SERVE_WHO,
		     "profile finished; still serving it on http://%s — Ctrl-C to quit",
		     server_address(l->srv));
	while (!l->host->stop_requested(s))
		usleep(100 * 1000);
	return 0;
}

void serve_close(void *state)
{
	struct live *l = state;

	if (!l)
		return;
	if (l->hub)
		sse_hub_shutdown(l->hub);
	server_stop(l->srv);
	sse_hub_free(l->hub);
	sse_event_put(l->snapshot);
	for (int i = 0; i < CACHE_N; i++)
		free(l->cache[i].body);
	pb_profile__free(l->acc);
	pthread_mutex_destroy(&l->lock);
	free(l);
}
