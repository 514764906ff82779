// SPDX-License-Identifier: MIT
/* The s3 output's settings: the s3:// URL with its ?query, [output.s3] keys and AWS_* env. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

static const char *query_get(const struct query *qs, const char *key)
{
	for (int i = qs->n - 1; i >= 0; i--)
		if (!strcmp(qs->key[i], key))
			return qs->value[i];
	return NULL;
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

static bool parse_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes") ||
	    !strcasecmp(v, "on"))
		return *out = true, true;
	if (!strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "no") ||
	    !strcasecmp(v, "off"))
		return *out = false, true;
	return false;
}

static int parse_number(const char *key, const char *v, double min, double max, double *out,
			char *why, size_t why_len)
{
	char *end;

	*out = strtod(v, &end);
	if (!*v || *end || !(*out >= min && *out <= max))
		return fail(why, why_len, "%s: '%s' is not a number from %g to %g", key, v, min,
			    max);
	return 0;
}

static int parse_formats(struct s3_settings *st, const char *list, char *why, size_t why_len)
{
	char *copy = strdup(list), *save = NULL;
	int err = copy ? 0 : -ENOMEM;

	for (char *f = copy ? strtok_r(copy, ",+ ", &save) : NULL; f && !err;
	     f = strtok_r(NULL, ",+ ", &save)) {
		if (st->n_formats == S3_MAX_FORMATS)
			err = fail(why, why_len, "at most %d formats", S3_MAX_FORMATS);
		else if (strcmp(f, "folded") && strcmp(f, "svg") && strcmp(f, "json"))
			err = fail(why, why_len,
				   "unknown format '%s' (known: folded, svg, json)", f);
		else if (!(st->formats[st->n_formats++] = strdup(f)))
			err = -ENOMEM;
	}
	free(copy);
	if (!err && !st->n_formats)
		err = fail(why, why_len, "format: no format given");
	return err;
}

static bool known_key(const char *name)
{
	for (const struct pb_config_key *k = s3_config_keys; k->name; k++)
		if (!strcmp(k->name, name))
			return true;
	return false;
}

/* Bucket and prefix from "s3://bucket/prefix/...", the query split off into qs. */
static int parse_url(const char *target, struct s3_settings *st, struct query *qs, char *why,
		     size_t why_len)
{
	const char *rest = target + strlen("s3://"), *q = strchr(rest, '?');
	size_t path_len = q ? (size_t)(q - rest) : strlen(rest);
	size_t bucket_len = strcspn(rest, "/?");
	int err;

	if (strncmp(target, "s3://", 5))
		return fail(why, why_len, "'%s' is not an s3:// URL", target);
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

int s3_settings_parse(const struct pb_host *host, const char *target, const struct pb_config *cfg,
		      struct s3_settings *st, char *why, size_t why_len)
{
	struct query qs = { 0 };
	const char *v;
	double num;
	int err;

#define SETTING(key) first(query_get(&qs, key), host->config_get(cfg, key), NULL, NULL)
	memset(st, 0, sizeof(*st));
	if ((err = parse_url(target, st, &qs, why, why_len)))
		goto out;
	for (int i = 0; i < qs.n; i++) {
		if (!known_key(qs.key[i])) {
			err = fail(why, why_len, "unknown setting '%s' in the URL", qs.key[i]);
			goto out;
		}
	}
	if (!st->bucket && (err = dup_to(&st->bucket, SETTING("bucket"))))
		goto out;
	/* first() skips empty strings: "" as its fallback was NULL, and no prefix crashed. */
	if (!st->prefix && (err = dup_to(&st->prefix, SETTING("prefix") ?: "")))
		goto out;
	trim_slashes(st->prefix);
	if ((err = check_bucket(st->bucket, why, why_len)))
		goto out;
	v = first(SETTING("region"), getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"),
		  "us-east-1");
	if ((err = dup_to(&st->region, v)))
		goto out;
	v = first(SETTING("endpoint"), getenv("AWS_ENDPOINT_URL_S3"), getenv("AWS_ENDPOINT_URL"),
		  NULL);
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
	if ((v = SETTING("path_style")) && !parse_bool(v, &st->path_style)) {
		err = fail(why, why_len, "path_style: '%s' is not true or false", v);
		goto out;
	}
	st->gzip = true;
	if ((v = SETTING("gzip")) && !parse_bool(v, &st->gzip)) {
		err = fail(why, why_len, "gzip: '%s' is not true or false", v);
		goto out;
	}
	if ((err = parse_formats(st, first(SETTING("format"), "folded", 0, 0), why, why_len)) ||
	    (err = dup_to(&st->service, SETTING("service"))) ||
	    (err = dup_to(&st->spool_dir, SETTING("spool_dir"))) ||
	    /* Unset: pb_imds__get's own choice, PB_IMDS_ENDPOINT and the rest, as host metadata. */
	    (err = dup_to(&st->imds_endpoint, SETTING("imds_endpoint"))) ||
	    (err = dup_to(&st->ca_bundle,
			  first(SETTING("ca_bundle"), getenv("AWS_CA_BUNDLE"), 0, 0))))
		goto out;
	if ((err = parse_number("spool_max_mb", first(SETTING("spool_max_mb"), "256", 0, 0), 1,
				1 << 20, &num, why, why_len)))
		goto out;
	st->spool_max_bytes = (uint64_t)(num * 1024 * 1024);
	if ((err = parse_number("flush_timeout", first(SETTING("flush_timeout"), "10", 0, 0), 0,
				3600, &num, why, why_len)))
		goto out;
	st->flush_timeout_ms = (uint32_t)(num * 1000);
	if ((err = parse_number("retry_max", first(SETTING("retry_max"), "30", 0, 0), 0.05, 3600,
				&num, why, why_len)))
		goto out;
	st->retry_max_ms = (uint32_t)(num * 1000);
#undef SETTING
out:
	free(qs.copy);
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
	for (int i = 0; i < st->n_formats; i++)
		free(st->formats[i]);
	free(st->spool_dir);
	free(st->imds_endpoint);
	free(st->ca_bundle);
	memset(st, 0, sizeof(*st));
}
