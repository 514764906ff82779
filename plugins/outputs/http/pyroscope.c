// SPDX-License-Identifier: MIT
/* Pyroscope's ingest URL: the series name, the window's from/until and the format fields. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/*
 * from/until as integer nanoseconds. Pyroscope's /ingest documents them as "UNIX time"; its parser
 * (attime.Parse) reads an all-digit value by its length: 10 digits seconds, 13 milliseconds, 16
 * microseconds, 19 nanoseconds. A decimal fraction ("1700000000.5") is not a number to it and
 * silently becomes "now", so whole seconds were the only form we could send, and 1 s windows
 * then overlapped by a second. Every time since 2001-09-09 is 19 digits in nanoseconds; an
 * earlier one (a test clock) is sent in seconds, with until rounded up so nothing is cut short.
 */
static void put_time(FILE *f, const char *key, uint64_t ns, bool up)
{
	if (ns >= 1000000000000000000ull)
		fprintf(f, "&%s=%llu", key, (unsigned long long)ns);
	else
		fprintf(f, "&%s=%llu", key,
			(unsigned long long)((ns + (up ? 999999999ull : 0)) / 1000000000ull));
}

int pyroscope_build_url(const char *base, const char *name, const char *format,
			uint32_t frequency, uint64_t from_ns,
			uint64_t until_ns, char **ret)
{
	struct membuf url;
	int err = membuf_open(&url);

	if (err)
		return err;
	fprintf(url.f, "%s%cname=", base, strchr(base, '?') ? '&' : '?');
	url_append_escaped(url.f, name);
	put_time(url.f, "from", from_ns, false);
	put_time(url.f, "until", until_ns, true);
	fprintf(url.f, "&format=%s&sampleRate=%u&spyName=profile-bee&units=samples"
		       "&aggregationType=sum", format, frequency ? frequency : 99);
	if ((err = membuf_close(&url))) {
		membuf_free(&url);
		return err;
	}
	*ret = url.data;
	return 0;
}

/* A Prometheus label name, as Pyroscope keeps pprof labels for series: [A-Za-z_][A-Za-z0-9_]*. */
static bool valid_key(const char *k, char *out, size_t len)
{
	bool same = true;
	size_t i;

	for (i = 0; k[i] && i + 1 < len; i++) {
		char c = k[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			  (i > 0 && c >= '0' && c <= '9');

		out[i] = ok ? c : '_';
		same &= ok;
	}
	out[i] = '\0';
	return same && !k[i] && strncmp(k, "__", 2);
}

static bool said;

/* The first label name of set id that Pyroscope would refuse. */
static const char *have_key(const struct pb_profile *prof, uint32_t id)
{
	const struct pb_label *l;
	size_t n = pb_profile__labels(prof, id, &l);
	char k[128];

	for (size_t i = 0; i < n; i++)
		if (!valid_key(l[i].key, k, sizeof(k)))
			return l[i].key;
	return "";
}

/* prof with every label key made valid for Pyroscope (each change said), or NULL: none needed. */
static int valid_labels(const struct pb_host *host, const struct pb_profile *prof,
			struct pb_profile **ret)
{
	char keys[PB_PROFILE_MAX_LABELS][128];
	struct pb_label l[PB_PROFILE_MAX_LABELS];
	struct pb_profile *q = NULL;
	bool any = false;
	int err = 0;

	*ret = NULL;
	for (size_t id = 1; id <= pb_profile__label_set_count(prof) && !any; id++) {
		const struct pb_label *have;
		size_t n = pb_profile__labels(prof, id, &have);

		for (size_t i = 0; i < n && !any; i++)
			any = !valid_key(have[i].key, keys[0], sizeof(keys[0]));
		/* Said once per process: every window has the same labels again. */
		if (any && !__atomic_exchange_n(&said, true, __ATOMIC_RELAXED))
			host->log(host->session, PB_LOG_WARN, "push",
				  "label names Pyroscope would refuse are sent with '_' for what it "
				  "does not take (first: '%.64s' as '%s')", have_key(prof, id),
				  keys[0][0] == '_' && keys[0][1] == '_' ? keys[0] + 1 : keys[0]);
	}
	if (!any)
		return 0;
	if ((err = pb_profile__new(&q)))
		return err;
	*pb_profile__meta(q) = *pb_profile__meta_const(prof);
	for (size_t s = 0; s < pb_profile__stack_count(prof) && !err; s++) {
		const struct pb_stack *st = pb_profile__stack(prof, s);
		const struct pb_label *have;
		size_t n = pb_profile__labels(prof, st->labels, &have);
		int64_t set;

		for (size_t i = 0; i < n; i++) {
			valid_key(have[i].key, keys[i], sizeof(keys[i]));
			l[i] = (struct pb_label){ keys[i][0] == '_' && keys[i][1] == '_' ? keys[i] + 1
										   : keys[i],
						  have[i].value };
		}
		set = pb_profile__intern_labels(q, l, n);
		err = set < 0 ? set : pb_profile__copy_stack_as(q, prof, st, set);
	}
	if (err) {
		pb_profile__free(q);
		return err;
	}
	*ret = q;
	return 0;
}

int pyroscope_pprof_body(const struct pb_host *host, const struct pb_profile *prof, FILE *out,
			 char *content_type, size_t len)
{
	char boundary[48];
	struct timespec ts;
	struct pb_profile *valid;
	int err = valid_labels(host, prof, &valid);

	if (err)
		return err;
	clock_gettime(CLOCK_REALTIME, &ts);
	/* Never in a gzip stream by chance: 16 hex digits of the time after a fixed text. */
	snprintf(boundary, sizeof(boundary), "profile-bee-%016llx",
		 (unsigned long long)(ts.tv_sec * 1000000000ull + ts.tv_nsec));
	snprintf(content_type, len, "multipart/form-data; boundary=%s", boundary);
	fprintf(out, "--%s\r\nContent-Disposition: form-data; name=\"profile\"; "
		     "filename=\"profile.pprof\"\r\nContent-Type: application/octet-stream\r\n\r\n",
		boundary);
	err = host->encode(host->session, valid ? valid : prof, "pprof", out);
	fprintf(out, "\r\n--%s--\r\n", boundary);
	pb_profile__free(valid);
	return err;
}
