// SPDX-License-Identifier: MIT
/* One PUT Object request, signed with AWS Signature V4 by libcurl (CURLOPT_AWS_SIGV4). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "s3.h"

#define CONNECT_TIMEOUT_MS 5000L
#define LOW_SPEED_BYTES	   1024L /* a transfer slower than this for LOW_SPEED_S is dead */
#define LOW_SPEED_S	   30L

struct reply {
	char body[4096];
	size_t len;
};

struct upload {
	const struct s3_object *o;
	size_t sent;
};

static size_t on_reply(char *data, size_t size, size_t n, void *ctx)
{
	struct reply *r = ctx;
	size_t len = size * n, room = sizeof(r->body) - 1 - r->len;

	/* Only the start of an error document matters; the rest is dropped, not an error. */
	if (len > room)
		len = room;
	memcpy(r->body + r->len, data, len);
	r->len += len;
	r->body[r->len] = '\0';
	return size * n;
}

static size_t on_read(char *dst, size_t size, size_t n, void *ctx)
{
	struct upload *u = ctx;
	size_t len = u->o->len - u->sent;

	if (len > size * n)
		len = size * n;
	memcpy(dst, (const char *)u->o->body + u->sent, len);
	u->sent += len;
	return len;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	const volatile bool *abort = ctx;

	return abort && *abort; /* non-zero makes curl stop with CURLE_ABORTED_BY_CALLBACK */
}

/* The text of <tag>...</tag> in an S3 error document. */
static void xml_text(const char *doc, const char *tag, char *dst, size_t len)
{
	char open[64], close[64];
	const char *start, *end;

	dst[0] = '\0';
	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	if (!(start = strstr(doc, open)))
		return;
	start += strlen(open);
	if (!(end = strstr(start, close)))
		return;
	snprintf(dst, len, "%.*s", (int)(end - start), start);
}

/* The key as a URL path: every byte outside the unreserved set and '/' percent-encoded. */
static int url_for(const struct s3_settings *st, const char *key, char *dst, size_t len)
{
	const char *scheme_end = strstr(st->endpoint, "://");
	size_t n;
	int w;

	if (st->path_style)
		w = snprintf(dst, len, "%s/%s/", st->endpoint, st->bucket);
	else
		w = snprintf(dst, len, "%.*s%s.%s/", (int)(scheme_end + 3 - st->endpoint),
			     st->endpoint, st->bucket, scheme_end + 3);
	if (w < 0 || (size_t)w >= len)
		return -ENAMETOOLONG;
	n = w;
	for (const unsigned char *k = (const unsigned char *)key; *k; k++) {
		bool plain = (*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
			     (*k >= '0' && *k <= '9') || strchr("-._~/", *k);

		if (n + 4 >= len)
			return -ENAMETOOLONG;
		n += plain ? (size_t)snprintf(dst + n, len - n, "%c", *k)
			   : (size_t)snprintf(dst + n, len - n, "%%%02X", *k);
	}
	return 0;
}

static int add_header(struct curl_slist **list, const char *fmt, const char *value)
{
	char line[2200];
	struct curl_slist *grown;

	snprintf(line, sizeof(line), fmt, value);
	grown = curl_slist_append(*list, line);
	explicit_bzero(line, sizeof(line)); /* may have held the session token */
	if (!grown)
		return -ENOMEM;
	*list = grown;
	return 0;
}

int s3_put(const struct s3_settings *st, const struct s3_credentials *c, const struct s3_object *o,
	   const volatile bool *abort, struct s3_put_result *res)
{
	struct upload up = { .o = o };
	struct curl_slist *headers = NULL;
	char url[4096], sigv4[128], userpwd[300];
	struct reply *reply = calloc(1, sizeof(*reply));
	CURL *curl = curl_easy_init();
	CURLcode rc;
	int err;

	memset(res, 0, sizeof(*res));
	if (!reply || !curl) {
		err = -ENOMEM;
		goto out;
	}
	if ((err = url_for(st, o->key, url, sizeof(url))) ||
	    (err = add_header(&headers, "Content-Type: %s", o->content_type)) ||
	    /*
	     * S3 wants the payload hash in a header; UNSIGNED-PAYLOAD is its documented value
	     * for a body that is not part of the signature. libcurl signs the header itself.
	     */
	    (err = add_header(&headers, "x-amz-content-sha256: %s", "UNSIGNED-PAYLOAD")) ||
	    (c->session_token[0] &&
	     (err = add_header(&headers, "x-amz-security-token: %s", c->session_token))))
		goto out;
	snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:s3", st->region);
	snprintf(userpwd, sizeof(userpwd), "%s:%s", c->access_key, c->secret_key);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)o->len);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(curl, CURLOPT_READDATA, &up);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4);
	curl_easy_setopt(curl, CURLOPT_USERPWD, userpwd);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_reply);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, reply);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(curl, CURLOPT_XFERINFODATA, abort);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, LOW_SPEED_BYTES);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, LOW_SPEED_S);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	/* No "Expect: 100-continue" round trip for bodies this small. */
	curl_easy_setopt(curl, CURLOPT_EXPECT_100_TIMEOUT_MS, 0L);
	if (st->ca_bundle)
		curl_easy_setopt(curl, CURLOPT_CAINFO, st->ca_bundle);
	rc = curl_easy_perform(curl);
	/* The secret only ever lives in c and, for the call, in userpwd. */
	explicit_bzero(userpwd, sizeof(userpwd));
	if (rc != CURLE_OK) {
		/* curl's messages name the host or the failure, never the credentials. */
		snprintf(res->message, sizeof(res->message), "%s", curl_easy_strerror(rc));
		err = rc == CURLE_ABORTED_BY_CALLBACK ? -ECANCELED : -EIO;
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &res->status);
	if (res->status >= 200 && res->status <= 299)
		goto out;
	xml_text(reply->body, "Code", res->code, sizeof(res->code));
	xml_text(reply->body, "Message", res->message, sizeof(res->message));
	err = res->status == 403 || res->status == 401 ? -EACCES : -EIO;
out:
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	free(reply);
	return err;
}
