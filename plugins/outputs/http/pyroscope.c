// SPDX-License-Identifier: MIT
/* Pyroscope's ingest URL: the series name, the window's from/until and the format fields. */
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

int pyroscope_build_url(const char *base, const char *name, uint32_t frequency, uint64_t from_ns,
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
	fprintf(url.f, "&format=folded&sampleRate=%u&spyName=profile-bee&units=samples"
		       "&aggregationType=sum", frequency ? frequency : 99);
	if ((err = membuf_close(&url))) {
		membuf_free(&url);
		return err;
	}
	*ret = url.data;
	return 0;
}
