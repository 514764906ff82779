// SPDX-License-Identifier: MIT
/* One window made ready to push: its URL (Pyroscope) or metadata headers (generic), its body. */
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"

char *otlp_url(const char *target)
{
	const char *url = target + strlen("otlp+"), *host = strstr(url, "://") + 3;
	const char *path = strchr(host, '/');
	char *out;

	if (path && strcmp(path, "/"))
		return strdup(url);
	if (asprintf(&out, "%.*s/v1development/profiles", (int)((path ? path : host + strlen(host)) - url),
		     url) < 0)
		return NULL;
	return out;
}

void window_free(struct window *w)
{
	if (!w)
		return;
	curl_slist_free_all(w->headers);
	free(w->url);
	free(w->body);
	free(w);
}

int window_new(const struct pb_host *host, const struct pb_profile *prof,
	       const struct window_opts *o, struct window **ret)
{
	const struct pb_profile_meta *m = pb_profile__meta_const(prof);
	struct window *w = calloc(1, sizeof(*w));
	struct membuf b;
	char v[64];
	int err;

	if (!w || (err = membuf_open(&b))) {
		free(w);
		return -ENOMEM;
	}
	/* Folded text in both modes, or pprof for Pyroscope (format=pprof): the -o encoders. */
	if (o->otlp)
		err = host->encode(host->session, prof, "otlp", b.f);
	else if (o->pyroscope && o->pprof)
		err = pyroscope_pprof_body(host, prof, b.f, w->content_type,
					   sizeof(w->content_type));
	else
		err = host->encode(host->session, prof, "folded", b.f);
	if (err || (err = membuf_close(&b)))
		goto fail;
	w->seq = o->seq;
	if (o->pyroscope) {
		uint64_t from = m->start_ns, until = m->end_ns;
		/*
		 * /ingest's units name no time (samples, objects, bytes, goroutines, lock_*):
		 * off-CPU and wall microseconds go as samples at 1 MHz, which Pyroscope turns into
		 * the right nanoseconds (a sample is worth 1e9 / sampleRate of them).
		 */
		bool us = m->event == PB_EVENT_OFF_CPU || m->event == PB_EVENT_WALL;
		struct timespec now;

		/* A profile read from a file has no window: it is stored as of now, not 1970. */
		if (!until) {
			clock_gettime(CLOCK_REALTIME, &now);
			from = until = now.tv_sec * 1000000000ull + now.tv_nsec;
		}
		err = pyroscope_build_url(o->url, o->name, o->pprof ? "pprof" : "folded",
					  us ? 1000000 : m->frequency, from, until, &w->url);
		if (err)
			goto fail;
		w->body = b.data;
		w->len = b.len;
		b.data = NULL;
		*ret = w;
		return 0;
	}
	/* Generic: the window's facts travel in headers so the body stays plain folded text. */
	if (!(w->url = strdup(o->url)))
		goto nomem;
	w->gzip = o->gzip;
	if (o->otlp)
		snprintf(w->content_type, sizeof(w->content_type), "application/x-protobuf");
	if (w->gzip ? gzip_compress(b.data, b.len, &w->body, &w->len) : 0)
		goto nomem;
	if (!w->gzip) {
		w->body = b.data;
		w->len = b.len;
		b.data = NULL;
	}
#define HDR(fmt, val)                                                                              \
	do {                                                                                       \
		char line[160];                                                                    \
		struct curl_slist *g;                                                              \
		snprintf(line, sizeof(line), fmt, val);                                            \
		if (!(g = curl_slist_append(w->headers, line)))                                    \
			goto nomem;                                                                \
		w->headers = g;                                                                    \
	} while (0)
	if (o->otlp)
		goto done; /* the request holds the window's facts itself */
	HDR("X-Profile-Bee-Window: %llu", (unsigned long long)w->seq);
	HDR("X-Profile-Bee-Start-Ns: %llu", (unsigned long long)m->start_ns);
	HDR("X-Profile-Bee-End-Ns: %llu", (unsigned long long)m->end_ns);
	HDR("X-Profile-Bee-Frequency: %u", m->frequency);
	HDR("X-Profile-Bee-Samples: %llu", (unsigned long long)pb_profile__total(prof));
	snprintf(v, sizeof(v), "%s", m->hostname);
	HDR("X-Profile-Bee-Host: %s", v);
	HDR("X-Profile-Bee-Unwinder: %s", m->unwinder);
	if (m->target_pid)
		HDR("X-Profile-Bee-Pid: %d", m->target_pid);
#undef HDR
done:
	membuf_free(&b);
	*ret = w;
	return 0;
nomem:
	err = -ENOMEM;
fail:
	membuf_free(&b);
	window_free(w);
	return err;
}
