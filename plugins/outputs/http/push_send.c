// SPDX-License-Identifier: MIT
/* One POST of one window with libcurl: auth headers, TLS, timeouts, and what the collector said. */
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define RESPONSE_KEEP 512 /* bytes of a response body kept to explain a rejection */

struct push_conn {
	CURL *curl; /* reused between windows: keeps the connection (and TLS session) alive */
	struct curl_slist *headers; /* from the settings; the same for every window */
	char response[RESPONSE_KEEP];
	size_t response_len;
	const bool *abort;
};

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct push_conn *c = ctx;
	size_t len = size * n, room = sizeof(c->response) - 1 - c->response_len;

	memcpy(c->response + c->response_len, data, len < room ? len : room);
	c->response_len += len < room ? len : room;
	c->response[c->response_len] = '\0';
	return len;
}

/* Lets close() give up on a collector that holds a request open. */
static int on_progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct push_conn *c = ctx;

	return c->abort && __atomic_load_n(c->abort, __ATOMIC_RELAXED);
}

static int add_header(struct curl_slist **list, const char *fmt, const char *value)
{
	char line[1024];
	struct curl_slist *grown;

	snprintf(line, sizeof(line), fmt, value);
	grown = curl_slist_append(*list, line);
	if (!grown)
		return -ENOMEM;
	*list = grown;
	return 0;
}

static int config_headers(const struct pb_host *host, const struct push_settings *set,
			  struct curl_slist **list)
{
	const char *token = set->bearer_token, *tenant = set->tenant_id, *extra = set->headers;
	int err = add_header(list, "User-Agent: profile-bee/%s", PB_VERSION);

	if (!err && token)
		err = add_header(list, "Authorization: Bearer %s", token);
	if (!err && tenant)
		err = add_header(list, "X-Scope-OrgID: %s", tenant);
	for (const char *p = extra; !err && p && *p;) {
		size_t len = strcspn(p, "|");
		char one[512];

		snprintf(one, sizeof(one), "%.*s", (int)len, p);
		if (strchr(one, ':'))
			err = add_header(list, "%s", one);
		else if (one[0])
			host->log(host->session, PB_LOG_WARN, PUSH_WHO,
				  "header '%s' has no ':', ignored", one);
		p += len;
		p += *p == '|';
	}
	return err;
}

int push_conn_new(const struct pb_host *host, const struct push_settings *set,
		  struct push_conn **ret)
{
	struct push_conn *c = calloc(1, sizeof(*c));
	int err;

	if (!c || !(c->curl = curl_easy_init())) {
		free(c);
		return -ENOMEM;
	}
	if ((err = config_headers(host, set, &c->headers))) {
		push_conn_free(c);
		return err;
	}
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, (long)(set->timeout * 1000));
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)(set->connect_timeout * 1000));
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, c);
	/* A collector URL is followed as given: no redirects to elsewhere with our credentials. */
	curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	/* curl copies these strings: the settings need not outlive open. */
	if (set->username)
		curl_easy_setopt(c->curl, CURLOPT_USERNAME, set->username);
	if (set->password)
		curl_easy_setopt(c->curl, CURLOPT_PASSWORD, set->password);
	if (set->ca_file)
		curl_easy_setopt(c->curl, CURLOPT_CAINFO, set->ca_file);
	if (set->insecure) {
		host->log(host->session, PB_LOG_WARN, PUSH_WHO,
			  "insecure=true: the collector's TLS certificate is not checked");
		curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	*ret = c;
	return 0;
}

void push_conn_set_abort(struct push_conn *c, const bool *abort)
{
	c->abort = abort;
}

void push_conn_free(struct push_conn *c)
{
	if (!c)
		return;
	curl_slist_free_all(c->headers);
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c);
}

long push_conn_post(struct push_conn *c, const struct push_request *r, char *why, size_t why_len)
{
	struct curl_slist *all = NULL;
	long status = 0;
	CURLcode rc;
	int err = 0;

	for (struct curl_slist *h = c->headers; h && !err; h = h->next)
		err = add_header(&all, "%s", h->data);
	for (struct curl_slist *h = r->headers; h && !err; h = h->next)
		err = add_header(&all, "%s", h->data);
	if (!err)
		err = add_header(&all, "Content-Type: %s",
				 r->content_type ? r->content_type : "text/plain; charset=utf-8");
	if (!err && r->gzip)
		err = add_header(&all, "Content-Encoding: %s", "gzip");
	/* curl would otherwise wait a second for "100 Continue" before a large body. */
	if (!err)
		err = add_header(&all, "%s", "Expect:");
	if (err) {
		curl_slist_free_all(all);
		snprintf(why, why_len, "out of memory");
		return err;
	}
	c->response_len = 0;
	c->response[0] = '\0';
	curl_easy_setopt(c->curl, CURLOPT_URL, r->url);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, all);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, r->body);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->len);
	rc = curl_easy_perform(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(all);
	if (rc != CURLE_OK) {
		snprintf(why, why_len, "%s", curl_easy_strerror(rc));
		return rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -ECONNREFUSED;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	snprintf(why, why_len, "%s", c->response);
	return status;
}
