// SPDX-License-Identifier: MIT
/* The s3 output's settings: the s3:// URL with its ?query, [output.s3] keys and AWS_* env. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"

#define MAX_QUERY 32

/* The ?key=value pairs of the target, percent-decoded in place. */
struct query {
	char *copy;
	const char *key[MAX_QUERY];
	const char *value[MAX_QUERY];
	int n;
};

static int fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void percent_decode(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (*s == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
			char hex[3] = { s[1], s[2], 0 };

			*out++ = (char)strtol(hex, NULL, 16);
			s += 2;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

static int parse_query(const char *q, struct query *qs, char *why, size_t why_len)
{
	char *save = NULL;

	if (!(qs->copy = strdup(q)))
		return -ENOMEM;
	for (char *tok = strtok_r(qs->copy, "&", &save); tok; tok = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq || eq == tok)
			return fail(why, why_len, "'%s' in the URL is not key=value", tok);
		if (qs->n == MAX_QUERY)
			return fail(why, why_len, "too many settings in the URL");
		*eq = '\0';
		percent_decode(eq + 1);
		qs->key[qs->n] = tok;
		qs->value[qs->n++] = eq + 1;
	}
	return 0;
}

/* s when it is set and not empty (an empty setting counts as not given), else NULL. */
static const char *given(const char *s)
{
	return s && s[0] ? s : NULL;
}

/* The first of the candidates that is set and not empty. */
static const char *first(const char *a, const char *b, const char *c, const char *d)
{
	const char *v[] = { a, b, c, d };

	for (int i = 0; i < 4; i++)
		if (v[i] && v[i][0])
			return v[i];
	return NULL;
}

static int dup_to(char **dst, const char *src)
{
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

static void trim_slashes(char *s)
{
	size_t len = strlen(s), skip = strspn(s, "/");

	while (len > skip && s[len - 1] == '/')
		len--;
	memmove(s, s + skip, len - skip);
	s[len - skip] = '\0';
}

/* "folded,svg" (or "folded+svg", "folded svg"): each one a format stored under its extension. */
static int parse_formats(struct s3_settings *st, const char *list, char *why, size_t why_len)
{
	char *copy = strdup(list ? list : ""), *save = NULL;
	int err = copy ? 0 : -ENOMEM;

	for (char *f = copy ? strtok_r(copy, ",+ ", &save) : NULL; f && !err;
	     f = strtok_r(NULL, ",+ ", &save)) {
		if (st->n_formats == S3_MAX_FORMATS)
			err = fail(why, why_len, "at most %d formats", S3_MAX_FORMATS);
		else if (!(st->formats[st->n_formats++] = s3_format_find(f)))
			err = fail(why, why_len, "unknown format '%s' (known: %s)", f,
				   s3_format_names);
	}
	free(copy);
	if (!err && !st->n_formats)
		err = fail(why, why_len, "format: no format given");
	return err;
}

static bool has_key(const struct pb_plugin *desc, const char *name)
{
	for (const struct pb_config_key *k = desc->config_keys; k->name; k++)
		if (!strcmp(k->name, name))
			return true;
	return false;
}

/*
 * The settings cfg holds ([output.s3], --set, the agent's string) with the URL's ?query on top,
 * checked against the key table as the other sources are: one config, bound once.
 */
static int add_query(const struct pb_plugin *desc, const struct pb_config *cfg,
		     const struct query *qs, struct pb_config **ret, char *why, size_t why_len)
{
	struct pb_config *all = NULL;
	int err = pb_config__new_for(desc, &all);

	for (const struct pb_config_key *k = desc->config_keys; !err && k->name; k++) {
		const char *v = pb_config__get(cfg, k->name);

		if (v)
			err = pb_config__set(all, k->name, v, NULL, why, why_len);
	}
	/* An empty value (?region=) leaves the setting as the other sources gave it. */
	for (int i = 0; !err && i < qs->n; i++)
		if (qs->value[i][0] || !has_key(desc, qs->key[i]))
			err = pb_config__set(all, qs->key[i], qs->value[i], "the URL", why,
					     why_len);
	if (err) {
		pb_config__free(all);
		return err == -ENOENT ? -EINVAL : err; /* a key the table lacks: a usage error */
	}
	*ret = all;
	return 0;
}

/*
 * Bucket and prefix from "s3://bucket/prefix/...", the query split off into qs. The plugin's
 * name alone ("s3", as the agent and Lua name outputs) leaves everything to the settings.
 */
static int parse_url(const char *target, struct s3_settings *st, struct query *qs, char *why,
		     size_t why_len)
{
	const char *rest, *q;
	size_t path_len, bucket_len;
	int err;

	if (!strcmp(target, "s3"))
		return 0;
	if (strncmp(target, "s3://", 5))
		return fail(why, why_len, "'%s' is not an s3:// URL", target);
	rest = target + strlen("s3://");
	q = strchr(rest, '?');
	path_len = q ? (size_t)(q - rest) : strlen(rest);
	bucket_len = strcspn(rest, "/?");
	if (q && (err = parse_query(q + 1, qs, why, why_len)))
		return err;
	if (bucket_len && !(st->bucket = strndup(rest, bucket_len)))
		return -ENOMEM;
	if (path_len > bucket_len &&
	    !(st->prefix = strndup(rest + bucket_len, path_len - bucket_len)))
		return -ENOMEM;
	return 0;
}

static int check_bucket(const char *b, char *why, size_t why_len)
{
	size_t len = b ? strlen(b) : 0;

	if (!len)
		return fail(why, why_len, "no bucket: use -o s3://BUCKET/PREFIX");
	if (len < 3 || len > 63 || strspn(b, "abcdefghijklmnopqrstuvwxyz0123456789.-") != len)
		return fail(why, why_len, "'%s' is not a bucket name (3-63 of a-z 0-9 . -)", b);
	return 0;
}

int s3_settings_parse(const struct pb_plugin *desc, const char *target,
		      const struct pb_config *cfg, struct s3_settings *st, char *why,
		      size_t why_len)
{
	struct pb_config *all = NULL;
	struct query qs = { 0 };
	struct s3_keys k;
	const char *v;
	int err;

	memset(st, 0, sizeof(*st));
	if ((err = parse_url(target, st, &qs, why, why_len)) ||
	    (err = add_query(desc, cfg, &qs, &all, why, why_len)))
		goto out;
	pb_config__bind(all, &k);
	if (!st->bucket && (err = dup_to(&st->bucket, given(k.bucket))))
		goto out;
	/* No prefix is "", never NULL (a NULL one crashed once). */
	if (!st->prefix && (err = dup_to(&st->prefix, given(k.prefix) ?: "")))
		goto out;
	trim_slashes(st->prefix);
	if ((err = check_bucket(st->bucket, why, why_len)))
		goto out;
	v = first(k.region, getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"), "us-east-1");
	if ((err = dup_to(&st->region, v)))
		goto out;
	v = first(k.endpoint, getenv("AWS_ENDPOINT_URL_S3"), getenv("AWS_ENDPOINT_URL"), NULL);
	/* Custom stores (MinIO, Ceph) are addressed by path; AWS by virtual host. */
	st->path_style = v != NULL;
	if (v && strncmp(v, "http://", 7) && strncmp(v, "https://", 8)) {
		err = fail(why, why_len, "endpoint '%s' is not an http:// or https:// URL", v);
		goto out;
	}
	if (!v) {
		char aws[128];

		snprintf(aws, sizeof(aws), "https://s3.%s.amazonaws.com", st->region);
		err = dup_to(&st->endpoint, aws);
		/* A dotted bucket does not match the wildcard certificate of a virtual host. */
		st->path_style = strchr(st->bucket, '.') != NULL;
	} else if (!(err = dup_to(&st->endpoint, v))) {
		size_t len = strlen(st->endpoint);

		while (len && st->endpoint[len - 1] == '/')
			st->endpoint[--len] = '\0';
	}
	if (err)
		goto out;
	/* Unset, it binds false: whether it was given at all is asked of the settings. */
	if (pb_config__get(all, "path_style"))
		st->path_style = k.path_style;
	st->gzip = k.gzip;
	if ((err = parse_formats(st, k.format, why, why_len)) ||
	    (err = dup_to(&st->service, given(k.service))) ||
	    (err = dup_to(&st->spool_dir, given(k.spool_dir))) ||
	    /* Unset: pb_imds__get's own choice, PB_IMDS_ENDPOINT and the rest, as host metadata. */
	    (err = dup_to(&st->imds_endpoint, given(k.imds_endpoint))) ||
	    (err = dup_to(&st->ca_bundle, first(k.ca_bundle, getenv("AWS_CA_BUNDLE"), 0, 0))))
		goto out;
	st->spool_max_bytes = (uint64_t)k.spool_max_mb << 20;
	st->flush_timeout_ms = (uint32_t)(k.flush_timeout * 1000);
	st->retry_max_ms = (uint32_t)(k.retry_max * 1000);
out:
	free(qs.copy);
	pb_config__free(all);
	if (err)
		s3_settings_free(st);
	return err;
}

void s3_settings_free(struct s3_settings *st)
{
	if (!st)
		return;
	free(st->bucket);
	free(st->prefix);
	free(st->region);
	free(st->endpoint);
	free(st->service);
	free(st->spool_dir);
	free(st->imds_endpoint);
	free(st->ca_bundle);
	memset(st, 0, sizeof(*st));
}
