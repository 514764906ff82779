// SPDX-License-Identifier: MIT
/* The one IMDSv2 client: which endpoint, a session token shared by the process, bounded reads. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hostmeta_internal.h"

#define IMDS_DEFAULT_ENDPOINT "http://169.254.169.254"
#define STR_(x)		      #x
#define STR(x)		      STR_(x)

/*
 * Every caller asks for the same token lifetime: 6 h, the longest IMDS grants and what the AWS
 * SDKs ask for. The token is kept and shared (host metadata at start, the s3 output's role
 * credentials whenever they near their end), so a long run does one PUT per 6 h, not one per
 * read. A long life exposes nothing more: IMDS takes the token only from this instance, where
 * anyone able to use it could PUT for one of their own. It is used until a minute before its
 * end, so that no read carries a token that runs out on the way.
 */
#define TOKEN_TTL_S	21600
#define TOKEN_MARGIN_MS (60 * 1000ull)
#define TOKEN_MAX	256 /* IMDS tokens are a few dozen characters; a longer reply is not one */

static struct {
	pthread_mutex_t lock;
	char base[256];
	char token[TOKEN_MAX];
	uint64_t until_ms; /* pb_hostmeta_now_ms() time */
} kept = { .lock = PTHREAD_MUTEX_INITIALIZER };

static bool file_starts_with(const char *path, const char *prefix, bool anywhere)
{
	char line[128] = "";
	FILE *f = fopen(path, "r");
	bool ret;

	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	if (anywhere)
		ret = strcasestr(line, prefix) != NULL;
	else
		ret = !strncasecmp(line, prefix, strlen(prefix));
	return ret;
}

/*
 * Asking 169.254.169.254 off EC2 costs the whole time budget on some networks (and is noise
 * on others), so the firmware has to say "Amazon" first: DMI on Nitro, the Xen uuid before.
 */
static bool on_ec2(void)
{
	return file_starts_with("/sys/class/dmi/id/sys_vendor", "amazon", true) ||
	       file_starts_with("/sys/class/dmi/id/board_vendor", "amazon", true) ||
	       file_starts_with("/sys/hypervisor/uuid", "ec2", false);
}

static const char *first_set(const char *a, const char *b, const char *c)
{
	if (a && a[0])
		return a;
	if (b && b[0])
		return b;
	return c && c[0] ? c : NULL;
}

/* The endpoint without a trailing '/' into base; -ENOENT when IMDS is not to be asked. */
static int resolve_endpoint(const char *endpoint, char *base, size_t base_len)
{
	const char *off = getenv("AWS_EC2_METADATA_DISABLED");
	size_t len;

	if (off && !strcasecmp(off, "true"))
		return -ENOENT;
	endpoint = first_set(endpoint, getenv("PB_IMDS_ENDPOINT"),
			     getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT"));
	if (!endpoint) {
		if (!on_ec2())
			return -ENOENT;
		endpoint = IMDS_DEFAULT_ENDPOINT;
	}
	len = strlen(endpoint);
	if (len >= base_len)
		return -EINVAL;
	memcpy(base, endpoint, len + 1);
	while (len && base[len - 1] == '/')
		base[--len] = '\0';
	return 0;
}

static bool kept_token(const char *base, char *token, size_t len)
{
	bool hit;

	pthread_mutex_lock(&kept.lock);
	hit = kept.token[0] && !strcmp(kept.base, base) && pb_hostmeta_now_ms() < kept.until_ms;
	if (hit)
		snprintf(token, len, "%s", kept.token);
	pthread_mutex_unlock(&kept.lock);
	return hit;
}

/*
 * Keeps token for base until until_ms (token NULL: none). With old, only in place of old: another
 * thread may have kept a newer one meanwhile.
 */
static void keep_token(const char *base, const char *token, const char *old, uint64_t until_ms)
{
	pthread_mutex_lock(&kept.lock);
	if (!old || !strcmp(kept.token, old)) {
		explicit_bzero(kept.token, sizeof(kept.token));
		snprintf(kept.base, sizeof(kept.base), "%s", base);
		snprintf(kept.token, sizeof(kept.token), "%s", token ? token : "");
		kept.until_ms = until_ms;
	}
	pthread_mutex_unlock(&kept.lock);
}

/* It goes into a header: a reply with a space, a line break or a control byte is not a token. */
static bool token_ok(const char *t)
{
	if (!t[0])
		return false;
	for (; *t; t++)
		if ((unsigned char)*t < 0x21 || (unsigned char)*t > 0x7e)
			return false;
	return true;
}

static int new_token(const char *base, uint64_t deadline_ms, char *token, size_t len)
{
	static const char *const ttl[] = {
		"X-aws-ec2-metadata-token-ttl-seconds: " STR(TOKEN_TTL_S), NULL
	};
	uint64_t asked_ms = pb_hostmeta_now_ms();
	char url[300];
	int err;

	snprintf(url, sizeof(url), "%s/latest/api/token", base);
	if ((err = pb_hostmeta_fetch("PUT", url, ttl, deadline_ms, token, len)))
		return err;
	pb_hostmeta_copy_trimmed(token, len, token);
	if (!token_ok(token)) {
		explicit_bzero(token, len);
		return -EBADMSG;
	}
	keep_token(base, token, NULL, asked_ms + TOKEN_TTL_S * 1000ull - TOKEN_MARGIN_MS);
	return 0;
}

static int get(const char *url, const char *token, uint64_t deadline_ms, char *buf, size_t len)
{
	char header[TOKEN_MAX + 32];
	const char *headers[] = { header, NULL };
	int err;

	snprintf(header, sizeof(header), "X-aws-ec2-metadata-token: %s", token);
	err = pb_hostmeta_fetch("GET", url, headers, deadline_ms, buf, len);
	explicit_bzero(header, sizeof(header));
	return err;
}

bool pb_hostmeta_imds_wanted(void)
{
	char base[256];

	return resolve_endpoint(NULL, base, sizeof(base)) == 0;
}

int pb_imds__get(const char *endpoint, const char *path, uint32_t timeout_ms, char *buf, size_t len)
{
	uint64_t deadline_ms = pb_hostmeta_now_ms() + timeout_ms;
	char base[256], url[768], token[TOKEN_MAX];
	bool fresh;
	int err;

	if (!buf || !len)
		return -EINVAL;
	buf[0] = '\0';
	if (!path)
		return -EINVAL;
	if ((err = resolve_endpoint(endpoint, base, sizeof(base))))
		return err;
	if (snprintf(url, sizeof(url), "%s/latest/%s", base, path) >= (int)sizeof(url))
		return -EINVAL;
	fresh = !kept_token(base, token, sizeof(token));
	if (fresh && (err = new_token(base, deadline_ms, token, sizeof(token))))
		return err;
	err = get(url, token, deadline_ms, buf, len);
	/* A kept token may have run out early (the service restarted): one new token, once. */
	if (err == -EACCES && !fresh) {
		keep_token(base, NULL, token, 0);
		if (!(err = new_token(base, deadline_ms, token, sizeof(token))))
			err = get(url, token, deadline_ms, buf, len);
	}
	explicit_bzero(token, sizeof(token));
	return err;
}
