// SPDX-License-Identifier: MIT
/* A small, deadline-bounded HTTP request for metadata endpoints (libcurl, loaded on first use). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "curl_lazy.h"
#include "hostmeta_internal.h"

/* A metadata endpoint that cannot even accept a connection this fast is not there. */
#define CONNECT_TIMEOUT_MS 300

struct sink {
	char *buf;
	size_t len, cap;
	bool overflow;
};

uint64_t pb_hostmeta_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static size_t on_data(char *data, size_t size, size_t n, void *ctx)
{
	struct sink *s = ctx;
	size_t len = size * n;

	if (s->len + len >= s->cap) {
		s->overflow = true;
		return 0; /* makes curl stop with CURLE_WRITE_ERROR */
	}
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	s->buf[s->len] = '\0';
	return len;
}

int pb_hostmeta_fetch(const char *method, const char *url, const char *const *headers,
		      uint64_t deadline_ms, char *body, size_t body_len)
{
	struct sink sink = { .buf = body, .cap = body_len };
	uint64_t now = pb_hostmeta_now_ms();
	const struct pb_curl *curl = pb_curl();
	struct curl_slist *list = NULL, *grown;
	long status = 0, left;
	CURLcode rc;
	CURL *c;
	int err = 0;

	if (!body_len)
		return -E2BIG;
	body[0] = '\0';
	if (now >= deadline_ms)
		return -ETIMEDOUT;
	if (!curl)
		return -ENOSYS;
	left = deadline_ms - now;
	c = curl->easy_init();
	if (!c)
		return -ENOMEM;
	for (size_t i = 0; headers && headers[i]; i++) {
		if (!(grown = curl->slist_append(list, headers[i]))) {
			err = -ENOMEM;
			goto out;
		}
		list = grown;
	}
	curl->easy_setopt(c, CURLOPT_URL, url);
	curl->easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (!strcmp(method, "PUT")) {
		/* IMDSv2's token request is a PUT without a body. */
		curl->easy_setopt(c, CURLOPT_POSTFIELDS, "");
		curl->easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
	}
	curl->easy_setopt(c, CURLOPT_HTTPHEADER, list);
	curl->easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl->easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	curl->easy_setopt(c, CURLOPT_TIMEOUT_MS, left);
	curl->easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 left < CONNECT_TIMEOUT_MS ? left : CONNECT_TIMEOUT_MS);
	/* Detection may run in a helper thread: no SIGALRM-based resolver timeouts. */
	curl->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	/* Metadata services are local; a proxy set for the application's traffic is not. */
	curl->easy_setopt(c, CURLOPT_NOPROXY, "*");
	rc = curl->easy_perform(c);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		err = -ETIMEDOUT;
	else if (sink.overflow)
		err = -E2BIG;
	else if (rc != CURLE_OK)
		err = -EIO;
	else if (curl->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status))
		err = -EIO;
	else if (status == 401)
		err = -EACCES; /* IMDSv2: the token is missing, expired or not this service's */
	else if (status == 404)
		err = -ENODATA;
	else if (status < 200 || status > 299)
		err = -EBADMSG;
out:
	curl->slist_free_all(list);
	curl->easy_cleanup(c);
	if (err)
		body[0] = '\0';
	return err;
}
