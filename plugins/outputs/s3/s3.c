// SPDX-License-Identifier: MIT
/* The s3 output: every window to an S3 bucket (AWS or compatible), through a spool and a sender. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "s3.h"

#define SPOOL_ROOT "/var/tmp/profile-bee/s3"

struct s3_output {
	const struct pb_host *host;
	struct s3_settings st;
	const struct pb_host_metadata *hm;
	struct s3_spool *spool;
	struct s3_sender *sender;
	uint64_t windows;
};

static const struct pb_plugin descriptor;

static void s3_close(void *state);

static int open_spool(struct s3_output *o)
{
	char dir[4096];
	int err;

	/* Per bucket, so that windows spooled for one bucket never land in another. */
	if (!o->st.spool_dir) {
		snprintf(dir, sizeof(dir), "%s/%s", SPOOL_ROOT, o->st.bucket);
		if (!(o->st.spool_dir = strdup(dir)))
			return -ENOMEM;
	}
	err = s3_spool__open(o->st.spool_dir, o->st.spool_max_bytes, o->host, &o->spool);
	if (err)
		o->host->log(o->host->session, PB_LOG_ERROR, S3_WHO,
			     "cannot use the spool directory '%s': %s", o->st.spool_dir,
			     strerror(-err));
	return err;
}

static int s3_open(const struct pb_host *host, const struct pb_output_params *params,
		   const struct pb_config *cfg, void **state)
{
	struct s3_output *o = calloc(1, sizeof(*o));
	char why[512];
	size_t left;
	int err;

	if (!o)
		return -ENOMEM;
	o->host = host;
	err = s3_settings_parse(&descriptor, params->target, cfg, &o->st, why, sizeof(why));
	if (err) {
		if (err == -EINVAL)
			host->log(host->session, PB_LOG_ERROR, S3_WHO, "%s", why);
		free(o);
		return err;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		s3_settings_free(&o->st);
		free(o);
		return -ENOMEM;
	}
	/* Bounded (about 1 s at worst) and done before sampling starts. */
	o->hm = pb_host_metadata__get();
	if ((err = open_spool(o)))
		goto fail;
	if ((left = s3_spool__count(o->spool)))
		host->log(host->session, PB_LOG_INFO, S3_WHO,
			  "%zu object%s left by an earlier run in '%s' go first", left,
			  left == 1 ? "" : "s", o->st.spool_dir);
	if ((err = s3_sender__start(host, &o->st, o->spool, &o->sender)))
		goto fail;
	host->log(host->session, PB_LOG_DEBUG, S3_WHO, "to s3://%s/%s at %s (%s, %s-style)",
		  o->st.bucket, o->st.prefix, o->st.endpoint, o->st.region,
		  o->st.path_style ? "path" : "virtual-host");
	*state = o;
	return 0;
fail:
	s3_close(o);
	return err;
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* At the end of a run: a bounded wait for the sender, then say what stays behind. */
static int finish(struct s3_output *o)
{
	int err = s3_sender__drain(o->sender, o->st.flush_timeout_ms);
	size_t left = s3_spool__count(o->spool);

	if (!left)
		return 0;
	o->host->log(o->host->session, PB_LOG_WARN, S3_WHO,
		     "%zu object%s not uploaded yet; kept in '%s', they go out on the next run",
		     left, left == 1 ? "" : "s", o->st.spool_dir);
	/* Refused credentials need the user; an unreachable store only needs time. */
	return err == -EACCES ? -EACCES : 0;
}

static int s3_write(void *state, const struct pb_profile *profile, uint32_t flags)
{
	struct s3_output *o = state;
	const struct pb_profile_meta *m = pb_profile__meta_const(profile);
	struct s3_object objs[S3_MAX_FORMATS + 1];
	uint64_t now = realtime_ns();
	int n = 0, err;

	err = s3_objects_for_window(o->host, &o->st, profile, o->hm, now, objs, S3_MAX_FORMATS + 1,
				    &n);
	if (err) {
		/* The encoder's own message (no plugin for the format, ...) came before this. */
		o->host->log(o->host->session, PB_LOG_ERROR, S3_WHO,
			     "window %llu lost: cannot render it: %s",
			     (unsigned long long)o->windows + 1, strerror(-err));
	} else {
		err = s3_spool__add(o->spool, m->start_ns ? m->start_ns : now, objs, n);
		for (int i = 0; i < n; i++)
			s3_object_free_fields(&objs[i]);
		/* Not silent, and not fatal: the next window may fit again. */
		if (err)
			o->host->log(o->host->session, PB_LOG_ERROR, S3_WHO,
				     "window %llu lost: cannot spool it in '%s': %s",
				     (unsigned long long)o->windows + 1, o->st.spool_dir,
				     strerror(-err));
	}
	o->windows++;
	s3_sender__kick(o->sender);
	if (flags & PB_WRITE_LAST) {
		int fin = finish(o);

		return err ? err : fin;
	}
	return 0;
}

static int s3_flush(void *state)
{
	struct s3_output *o = state;

	s3_sender__kick(o->sender);
	return 0;
}

static void s3_close(void *state)
{
	struct s3_output *o = state;

	if (!o)
		return;
	s3_sender__stop(o->sender);
	s3_spool__free(o->spool);
	s3_settings_free(&o->st);
	free(o);
}

static const struct pb_output_ops ops = {
	.sz = sizeof(ops),
	.open = s3_open,
	.write = s3_write,
	.flush = s3_flush,
	.close = s3_close,
};

static const struct pb_output_claim claims[] = {
	{ .pattern = "s3://", .format = "s3" },
	{ 0 },
};

/* Each key is named as its field. */
#define S3_KEY(type, field, ...) PB_KEY_##type(struct s3_keys, field, #field, __VA_ARGS__)

/* Also settable in the URL: s3://bucket/prefix?region=eu-west-3&format=folded */
static const struct pb_config_key keys[] = {
	S3_KEY(STRING, bucket, NULL, "bucket, when the URL names none"),
	S3_KEY(STRING, prefix, NULL, "key prefix, when the URL names none"),
	S3_KEY(STRING, region, NULL, "default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1"),
	S3_KEY(STRING, endpoint, NULL,
	       "S3-compatible store URL (path-style); default: AWS_ENDPOINT_URL_S3, "
	       "AWS_ENDPOINT_URL, AWS"),
	S3_KEY(BOOL, path_style, NULL, "bucket in the path (default: with an endpoint)"),
	S3_KEY(STRING, format, "folded",
	       "what to store per window, comma-separated: folded, svg, json, html, pprof "
	       "(each as -o writes it)"),
	S3_KEY(BOOL, gzip, "true", "store folded profiles gzip-compressed (.folded.gz)"),
	S3_KEY(STRING, service, NULL,
	       "key component naming what was profiled (default: the target's name, or "
	       "system)"),
	S3_KEY(STRING, spool_dir, NULL,
	       "where windows wait until uploaded (default: " SPOOL_ROOT "/BUCKET)"),
	S3_KEY(INT, spool_max_mb, "256", 1, 1 << 20,
	       "spool size bound; the oldest windows go first"),
	S3_KEY(DOUBLE, flush_timeout, "10", 0, 3600, "seconds the end of a run waits for uploads"),
	S3_KEY(DOUBLE, retry_max, "30", 0.05, 3600, "longest pause between retries, in seconds"),
	S3_KEY(STRING, imds_endpoint, NULL,
	       "EC2 metadata service for role credentials (default: PB_IMDS_ENDPOINT, on "
	       "EC2 only)"),
	S3_KEY(STRING, ca_bundle, NULL, "CA certificates file (default: AWS_CA_BUNDLE)"),
	{ 0 },
};

static const struct pb_plugin descriptor = {
	PB_PLUGIN_DESCRIPTOR_INIT,
	.kind = PB_PLUGIN_OUTPUT,
	.name = "s3",
	.description = "every window to an S3 bucket (AWS or S3-compatible), SigV4-signed",
	.config_keys = keys,
	.settings_size = sizeof(struct s3_keys),
	.output = &ops,
	.claims = claims,
	.output_flags = PB_OUTPUT_WANTS_WINDOWS,
};

PB_PLUGIN_EXPORT(&descriptor)
