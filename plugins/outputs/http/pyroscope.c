// SPDX-License-Identifier: MIT
/* Pyroscope's ingest URL: name=app.cpu{labels}, the window's from/until and the format fields. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

bool pyroscope_is_ingest_url(const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *path = scheme ? strchr(scheme + 3, '/') : NULL;
	size_t len;

	if (!path)
		return false;
	len = strcspn(path, "?#");
	while (len > 1 && path[len - 1] == '/')
		len--;
	return len >= 7 && !strncmp(path + len - 7, "/ingest", 7);
}

void url_append_escaped(FILE *f, const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || strchr("-._~", *c))
			fputc(*c, f);
		else
			fprintf(f, "%%%02X", *c);
	}
}

/* Label keys and values may not carry the characters that delimit the name's label set. */
static void put_label_part(FILE *f, const char *s, size_t len, bool key)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool ok = key ? (c == '_' || c == '.' || (c >= 'a' && c <= 'z') ||
				 (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			      : !strchr(",{}=\"", c) && (unsigned char)c >= 0x20;

		fputc(ok ? c : '_', f);
	}
}

struct labels {
	FILE *f;
	int n;
	const char *given; /* the configured labels, which win over host ones */
};

static bool given_has(const char *given, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = given; p && *p;) {
		size_t len = strcspn(p, ";,");

		while (*p == ' ' && len)
			p++, len--;
		if (len > klen && !strncmp(p, key, klen) && p[klen] == '=')
			return true;
		p += len;
		p += *p != '\0';
	}
	return false;
}

static void add_label(struct labels *l, const char *key, size_t klen, const char *v, size_t vlen)
{
	if (!klen || !vlen)
		return;
	fputc(l->n++ ? ',' : '{', l->f);
	put_label_part(l->f, key, klen, true);
	fputc('=', l->f);
	put_label_part(l->f, v, vlen, false);
}

static int add_host_label(void *ctx, const char *key, const char *value)
{
	struct labels *l = ctx;

	if (!given_has(l->given, key))
		add_label(l, key, strlen(key), value, strlen(value));
	return 0;
}

int pyroscope_build_url(const char *base, const char *app, const char *labels, bool host_labels,
			const struct pb_profile_meta *meta, uint64_t from_ns, uint64_t until_ns,
			char **ret)
{
	struct membuf name, url;
	struct labels l = { .given = labels };
	int err;

	if ((err = membuf_open(&name)))
		return err;
	fprintf(name.f, "%s.cpu", app);
	l.f = name.f;
	for (const char *p = labels; p && *p;) {
		size_t len = strcspn(p, ";,"), klen;

		while (*p == ' ' && len)
			p++, len--;
		klen = strcspn(p, "=");
		if (klen < len)
			add_label(&l, p, klen, p + klen + 1, len - klen - 1);
		p += len;
		p += *p != '\0';
	}
	if (host_labels)
		hostinfo_for_each(add_host_label, &l);
	fputs(l.n ? "}" : "{}", name.f);
	if ((err = membuf_close(&name)) || (err = membuf_open(&url))) {
		membuf_free(&name);
		return err;
	}
	fprintf(url.f, "%s%cname=", base, strchr(base, '?') ? '&' : '?');
	url_append_escaped(url.f, name.data);
	/* Seconds, with until rounded up so the window is never cut short. */
	fprintf(url.f, "&from=%llu&until=%llu&format=folded&sampleRate=%u&spyName=profile-bee"
		       "&units=samples&aggregationType=sum",
		(unsigned long long)(from_ns / 1000000000ull),
		(unsigned long long)((until_ns + 999999999ull) / 1000000000ull),
		meta->frequency ? meta->frequency : 99);
	membuf_free(&name);
	if ((err = membuf_close(&url))) {
		membuf_free(&url);
		return err;
	}
	*ret = url.data;
	return 0;
}
