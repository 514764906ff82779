// SPDX-License-Identifier: MIT
/* Object keys that sort by time and say where a window came from, and its metadata object. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "s3.h"

void s3_object_free_fields(struct s3_object *o)
{
	if (!o)
		return;
	free(o->key);
	free(o->content_type);
	free(o->body);
	memset(o, 0, sizeof(*o));
}

/* A key path component: anything but [A-Za-z0-9._-] becomes '_' so keys need no escaping. */
static void component(char *dst, size_t len, const char *src, const char *fallback)
{
	size_t n = 0;

	if (!src || !src[0])
		src = fallback;
	for (; *src && n + 1 < len; src++) {
		char ch = *src;
		bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			     (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_';

		dst[n++] = plain ? ch : '_';
	}
	dst[n] = '\0';
	if (!strcmp(dst, ".") || !strcmp(dst, ".."))
		dst[0] = '_';
}

/* ISO 8601 to the millisecond in UTC, the date and time laid out by a strftime format. */
static void iso8601(char *dst, size_t len, uint64_t ns, const char *layout)
{
	time_t secs = ns / 1000000000ull;
	struct tm tm;
	char day[32];

	gmtime_r(&secs, &tm);
	strftime(day, sizeof(day), layout, &tm);
	snprintf(dst, len, "%s.%03uZ", day, (unsigned)(ns / 1000000 % 1000));
}

/* The basic form (20260125T171831.042Z): sorts as text, has no ':' to escape. */
static void iso_basic(char *dst, size_t len, uint64_t ns)
{
	iso8601(dst, len, ns, "%Y%m%dT%H%M%S");
}

static void iso_extended(char *dst, size_t len, uint64_t ns)
{
	iso8601(dst, len, ns, "%Y-%m-%dT%H:%M:%S");
}

/* "<prefix>/<service>/<yyyy>/<mm>/<dd>/<host>/<start>_<pid or all>", without an extension. */
static int key_stem(const struct s3_settings *st, const struct pb_profile_meta *m,
		    const struct pb_host_metadata *hm, uint64_t start_ns, char *dst, size_t len)
{
	char service[128], host[128], start[40], who[16], date[16];
	time_t secs = start_ns / 1000000000ull;
	struct tm tm;
	int n;

	component(service, sizeof(service), st->service,
		  m->target_pid && m->comm[0] ? m->comm : "system");
	component(host, sizeof(host), m->hostname[0] ? m->hostname : hm->hostname, "unknown-host");
	iso_basic(start, sizeof(start), start_ns);
	gmtime_r(&secs, &tm);
	strftime(date, sizeof(date), "%Y/%m/%d", &tm);
	if (m->target_pid)
		snprintf(who, sizeof(who), "%d", m->target_pid);
	else
		snprintf(who, sizeof(who), "all");
	n = snprintf(dst, len, "%s%s%s/%s/%s/%s_%s", st->prefix, st->prefix[0] ? "/" : "", service,
		     date, host, start, who);
	return n > 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
}

static int add_host(void *ctx, const char *key, const char *value)
{
	json_object_object_add(ctx, key, json_object_new_string(value));
	return 0;
}

static int metadata_json(const struct s3_settings *st, const struct pb_profile *p,
			 const struct pb_host_metadata *hm, uint64_t start_ns,
			 const struct s3_object *objs, int n_objs, struct s3_object *out)
{
	const struct pb_profile_meta *m = pb_profile__meta_const(p);
	json_object *doc = json_object_new_object(), *window = json_object_new_object();
	json_object *target = json_object_new_object(), *host = json_object_new_object();
	json_object *list = json_object_new_array();
	char when[40];
	const char *text;
	int err = -ENOMEM;

	if (!doc || !window || !target || !host || !list) {
		json_object_put(window);
		json_object_put(target);
		json_object_put(host);
		json_object_put(list);
		goto out;
	}
	json_object_object_add(doc, "profile_bee_version", json_object_new_string(PB_VERSION));
	iso_extended(when, sizeof(when), start_ns);
	json_object_object_add(window, "start", json_object_new_string(when));
	json_object_object_add(window, "start_ns", json_object_new_uint64(start_ns));
	if (m->end_ns) {
		iso_extended(when, sizeof(when), m->end_ns);
		json_object_object_add(window, "end", json_object_new_string(when));
		json_object_object_add(window, "end_ns", json_object_new_uint64(m->end_ns));
		if (m->start_ns && m->end_ns >= m->start_ns)
			json_object_object_add(
			    window, "duration_ms",
			    json_object_new_uint64((m->end_ns - m->start_ns) / 1000000));
	}
	json_object_object_add(doc, "window", window);
	json_object_object_add(doc, "frequency_hz", json_object_new_int64(m->frequency));
	json_object_object_add(doc, "unwinder", json_object_new_string(m->unwinder));
	json_object_object_add(target, "pid", json_object_new_int64(m->target_pid));
	json_object_object_add(target, "comm", json_object_new_string(m->comm));
	json_object_object_add(doc, "target", target);
	json_object_object_add(doc, "samples", json_object_new_uint64(pb_profile__total(p)));
	json_object_object_add(doc, "stacks", json_object_new_uint64(pb_profile__stack_count(p)));
	pb_host_metadata__for_each(hm, add_host, host);
	json_object_object_add(doc, "host", host);
	for (int i = 0; i < n_objs; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "key", json_object_new_string(objs[i].key));
		json_object_object_add(o, "content_type",
				       json_object_new_string(objs[i].content_type));
		json_object_object_add(o, "bytes", json_object_new_uint64(objs[i].len));
		json_object_array_add(list, o);
	}
	json_object_object_add(doc, "objects", list);
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text && (out->body = strdup(text)) &&
	    (out->content_type = strdup("application/json"))) {
		out->len = strlen(text);
		err = 0;
	}
out:
	json_object_put(doc);
	return err;
}

/* How each format is stored: readers find a window's objects by these extensions. */
static const struct s3_format formats[] = {
	{ "folded", ".folded", "text/plain; charset=utf-8", ".folded.gz" },
	{ "svg", ".svg", "image/svg+xml" },
	{ "json", ".json", "application/json" },
	{ "html", ".html", "text/html; charset=utf-8" },
	{ "pprof", ".pb.gz", "application/octet-stream" }, /* gzip'd already, by its encoder */
};

const char s3_format_names[] = "folded, svg, json, html, pprof";

const struct s3_format *s3_format_find(const char *name)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(formats[i].name, name))
			return &formats[i];
	return NULL;
}

/* A window in one format, by the session's encoder; folded text gzip-compressed unless not. */
static int render(const struct pb_host *host, const struct s3_settings *st,
		  const struct pb_profile *p, const struct s3_format *f, struct s3_object *o,
		  const char **ext)
{
	bool gzip = f->gzip_ext && st->gzip;

	*ext = gzip ? f->gzip_ext : f->ext;
	if (!(o->content_type = strdup(gzip ? "application/gzip" : f->content_type)))
		return -ENOMEM;
	return s3_render(host, p, f->name, gzip, &o->body, &o->len);
}

int s3_objects_for_window(const struct pb_host *host, const struct s3_settings *st,
			  const struct pb_profile *p, const struct pb_host_metadata *hm,
			  uint64_t now_ns, struct s3_object *objs, int max_objs, int *n_objs)
{
	const struct pb_profile_meta *m = pb_profile__meta_const(p);
	uint64_t start_ns = m->start_ns ? m->start_ns : now_ns;
	char stem[1024], key[1100];
	const char *ext;
	int n = 0, err = 0;

	if (max_objs < st->n_formats + 1)
		return -EINVAL;
	/* A failure frees every object begun, the one that failed half-filled too. */
	memset(objs, 0, (st->n_formats + 1) * sizeof(*objs));
	if ((err = key_stem(st, m, hm, start_ns, stem, sizeof(stem))))
		return err;
	for (int i = 0; i < st->n_formats && !err; i++, n++) {
		if (!(err = render(host, st, p, st->formats[i], &objs[n], &ext))) {
			snprintf(key, sizeof(key), "%s%s", stem, ext);
			if (!(objs[n].key = strdup(key)))
				err = -ENOMEM;
		}
	}
	if (!err) {
		/* Last, so that a reader who finds the metadata finds the profiles it lists. */
		snprintf(key, sizeof(key), "%s.meta.json", stem);
		if (!(objs[n].key = strdup(key)))
			err = -ENOMEM;
		else
			err = metadata_json(st, p, hm, start_ns, objs, n, &objs[n]);
		n++;
	}
	if (err) {
		for (int i = 0; i < n; i++)
			s3_object_free_fields(&objs[i]);
		return err;
	}
	*n_objs = n;
	return 0;
}
