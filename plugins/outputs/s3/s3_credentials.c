// SPDX-License-Identifier: MIT
/* AWS credentials in the usual order: environment, shared credentials file, EC2 instance role. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "s3.h"

#define IMDS_TIMEOUT_MS	 1000 /* for each read, its token included */
#define IMDS_BODY_MAX	 8192 /* a role's credentials as JSON, session token included */
#define REFRESH_MARGIN_S 300  /* fetch role credentials again this long before they expire */

static int copy(char *dst, size_t len, const char *src)
{
	if (!src || strlen(src) >= len)
		return -EINVAL;
	strcpy(dst, src);
	return 0;
}

static int from_env(struct s3_credentials *c)
{
	const char *id = getenv("AWS_ACCESS_KEY_ID"), *secret = getenv("AWS_SECRET_ACCESS_KEY");
	const char *token = getenv("AWS_SESSION_TOKEN");

	if (!id || !id[0] || !secret || !secret[0])
		return -ENOENT;
	if (copy(c->access_key, sizeof(c->access_key), id) ||
	    copy(c->secret_key, sizeof(c->secret_key), secret) ||
	    (token && copy(c->session_token, sizeof(c->session_token), token)))
		return -EINVAL;
	snprintf(c->source, sizeof(c->source), "environment");
	return 0;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* The [profile] section of an INI-style credentials file, as the AWS CLI writes it. */
static int from_file(struct s3_credentials *c, char *path, size_t path_len)
{
	const char *file = getenv("AWS_SHARED_CREDENTIALS_FILE"), *home = getenv("HOME");
	const char *profile = getenv("AWS_PROFILE");
	char line[4096], want[160];
	bool in_section = false;
	int err = -ENOENT;
	FILE *f;

	if (!profile || !profile[0])
		profile = "default";
	if (file && file[0])
		snprintf(path, path_len, "%s", file);
	else
		snprintf(path, path_len, "%s/.aws/credentials", home && home[0] ? home : "/root");
	if (!(f = fopen(path, "r")))
		return -ENOENT;
	snprintf(want, sizeof(want), "[%s]", profile);
	while (fgets(line, sizeof(line), f)) {
		char *l = trim(line), *eq, *key, *value;

		if (l[0] == '[') {
			in_section = !strcmp(l, want);
			continue;
		}
		if (!in_section || l[0] == '#' || l[0] == ';' || !(eq = strchr(l, '=')))
			continue;
		*eq = '\0';
		key = trim(l);
		value = trim(eq + 1);
		if (!strcasecmp(key, "aws_access_key_id"))
			err = copy(c->access_key, sizeof(c->access_key), value);
		else if (!strcasecmp(key, "aws_secret_access_key"))
			err = copy(c->secret_key, sizeof(c->secret_key), value);
		else if (!strcasecmp(key, "aws_session_token"))
			err = copy(c->session_token, sizeof(c->session_token), value);
		if (err == -EINVAL)
			break;
	}
	fclose(f);
	if (err == -EINVAL || !c->access_key[0] || !c->secret_key[0])
		return -ENOENT;
	snprintf(c->source, sizeof(c->source), "shared file (profile %.40s)", profile);
	return 0;
}

/* "2026-01-02T03:04:05Z" as seconds since the epoch, 0 when it does not parse. */
static uint64_t parse_expiration(const char *s)
{
	struct tm tm = { 0 };
	const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;

	return end ? (uint64_t)timegm(&tm) : 0;
}

static const char *field(json_object *doc, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(doc, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The role's credentials through libprofilebee's IMDSv2 client, the one host metadata uses. */
static int from_instance_role(const struct s3_settings *st, struct s3_credentials *c)
{
	const char *list = "meta-data/iam/security-credentials/";
	char path[320], role[256], *body;
	json_object *doc = NULL;
	int err;

	if (!(body = malloc(IMDS_BODY_MAX)))
		return -ENOMEM;
	if ((err = pb_imds__get(st->imds_endpoint, list, IMDS_TIMEOUT_MS, body, IMDS_BODY_MAX)))
		goto out;
	/* One role per instance profile: the first line. */
	snprintf(role, sizeof(role), "%s", trim(body));
	role[strcspn(role, "\r\n")] = '\0';
	snprintf(path, sizeof(path), "%s%s", list, role);
	err = -EBADMSG;
	if (!role[0] ||
	    (err = pb_imds__get(st->imds_endpoint, path, IMDS_TIMEOUT_MS, body, IMDS_BODY_MAX)))
		goto out;
	err = -EBADMSG;
	if (!(doc = json_tokener_parse(body)) ||
	    copy(c->access_key, sizeof(c->access_key), field(doc, "AccessKeyId")) ||
	    copy(c->secret_key, sizeof(c->secret_key), field(doc, "SecretAccessKey")) ||
	    copy(c->session_token, sizeof(c->session_token), field(doc, "Token")))
		goto out;
	c->expires_s = parse_expiration(field(doc, "Expiration"));
	snprintf(c->source, sizeof(c->source), "instance role %.40s", role);
	err = 0;
out:
	json_object_put(doc);
	/* The buffer held a secret: do not leave it in freed memory. */
	explicit_bzero(body, IMDS_BODY_MAX);
	free(body);
	return err;
}

/* Why the instance role gave nothing, after "no EC2 instance role answered". */
static const char *role_why(int err)
{
	switch (err) {
	case -ETIMEDOUT:
		return ": no answer in time";
	case -EACCES:
		return ": the metadata service refused its own token";
	case -ENODATA:
		return ": none attached";
	case -E2BIG:
		return ": an answer too large";
	case -EBADMSG:
		return ": an answer that is not credentials";
	default:
		return "";
	}
}

int s3_credentials_resolve(const struct s3_settings *st, struct s3_credentials *c, char *why,
			   size_t why_len)
{
	char path[512];
	int err;

	explicit_bzero(c, sizeof(*c));
	if (!from_env(c))
		return 0;
	explicit_bzero(c, sizeof(*c));
	if (!from_file(c, path, sizeof(path)))
		return 0;
	explicit_bzero(c, sizeof(*c));
	if (!(err = from_instance_role(st, c)))
		return 0;
	explicit_bzero(c, sizeof(*c));
	snprintf(why, why_len,
		 "no AWS credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY unset, none in '%s' "
		 "(AWS_PROFILE=%s), %s%s",
		 path, getenv("AWS_PROFILE") ? getenv("AWS_PROFILE") : "default",
		 err == -ENOENT ? "not on EC2" : "no EC2 instance role answered", role_why(err));
	return err == -ENOMEM ? -ENOMEM : -ENOENT;
}

bool s3_credentials_stale(const struct s3_credentials *c)
{
	if (!c->access_key[0])
		return true;
	return c->expires_s && (uint64_t)time(NULL) + REFRESH_MARGIN_S >= c->expires_s;
}
