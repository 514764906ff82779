/* SPDX-License-Identifier: MIT */
/* The s3 output's parts: settings, credentials, object naming, spool, uploader, sender thread. */
#ifndef PB_S3_H
#define PB_S3_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <profile-bee/hostmeta.h>
#include <profile-bee/plugin.h>

#define S3_WHO	       "s3"
#define S3_MAX_FORMATS 4

/* Where and how windows go; every string is owned (freed by s3_settings_free). */
struct s3_settings {
	char *bucket;
	char *prefix; /* without leading or trailing '/', may be "" */
	char *region;
	char *endpoint; /* scheme://host[:port] without a trailing '/' */
	bool path_style;
	char *service; /* the path component naming what was profiled; NULL: derived */
	char *formats[S3_MAX_FORMATS];
	int n_formats;
	bool gzip;
	char *spool_dir;
	uint64_t spool_max_bytes;
	uint32_t flush_timeout_ms; /* how long the end of a run waits for uploads */
	uint32_t retry_max_ms;	   /* the longest pause between retries */
	char *imds_endpoint;	   /* NULL: pb_imds__get's default (environment, else on EC2) */
	char *ca_bundle;
};

/* The plugin's settings table (in s3.c); URL query keys are checked against it. */
extern const struct pb_config_key s3_config_keys[];

/*
 * From the -o target ("s3://bucket/prefix?key=value&..."), the [output.s3] settings and the
 * AWS_* environment, in that order of precedence. why gets a message on -EINVAL.
 */
int s3_settings_parse(const struct pb_host *host, const char *target, const struct pb_config *cfg,
		      struct s3_settings *st, char *why, size_t why_len);
void s3_settings_free(struct s3_settings *st);

struct s3_credentials {
	char access_key[128];
	char secret_key[128];
	char session_token[2048];
	uint64_t expires_s; /* CLOCK_REALTIME seconds; 0: does not expire */
	char source[64];    /* "environment", "shared file (profile x)", "instance role y" */
};

/*
 * The usual chain: environment, shared credentials file, EC2 instance role (IMDSv2).
 * Returns 0, or -ENOENT with what was tried in why (never a secret).
 */
int s3_credentials_resolve(const struct s3_settings *st, struct s3_credentials *c, char *why,
			   size_t why_len);
/* True when c should be fetched again (missing, or expiring within a few minutes). */
bool s3_credentials_stale(const struct s3_credentials *c);

/* One object to store: its key and body, with the content headers to send. */
struct s3_object {
	char *key;
	char *content_type;
	void *body;
	size_t len;
};
void s3_object_free_fields(struct s3_object *o);

/* Renders one window into the objects to upload (profiles first, the metadata object last). */
int s3_objects_for_window(const struct s3_settings *st, const struct pb_profile *p,
			  const struct pb_host_metadata *hm, uint64_t now_ns,
			  struct s3_object *objs, int max_objs, int *n_objs);
/* folded text of p, gzip-compressed when gzip is set, in a malloc'ed buffer. */
int s3_render_folded(const struct pb_profile *p, bool gzip, void **buf, size_t *len);
/* p in another file format ("svg", "json"), rendered by the output plugin that writes it. */
int s3_render_format(const struct pb_profile *p, const char *format, void **buf, size_t *len);

/* The spool: every object is written here first and removed once the store has it. */
struct s3_spool;
int s3_spool__open(const char *dir, uint64_t max_bytes, const struct pb_host *host,
		   struct s3_spool **ret);
void s3_spool__free(struct s3_spool *sp);
/* Adds the objects of one window in order; makes room by dropping the oldest, loudly. */
int s3_spool__add(struct s3_spool *sp, uint64_t start_ns, const struct s3_object *objs, int n);
/* The oldest object still to send, read into o; -ENOENT when the spool is empty. */
int s3_spool__oldest(struct s3_spool *sp, char *name, size_t name_len, struct s3_object *o);
int s3_spool__remove(struct s3_spool *sp, const char *name);
size_t s3_spool__count(struct s3_spool *sp);
const char *s3_spool__dir(const struct s3_spool *sp);

/* The result of one PUT. */
struct s3_put_result {
	long status;	   /* HTTP status, 0 when no answer came */
	char code[64];	   /* the store's error code ("SignatureDoesNotMatch"), or "" */
	char message[256]; /* the store's message, or the transport error */
};
/* PUTs o into st->bucket, signed with SigV4 by libcurl. 0 when the store took it. */
int s3_put(const struct s3_settings *st, const struct s3_credentials *c, const struct s3_object *o,
	   const volatile bool *abort, struct s3_put_result *res);

/* The sender thread: drains the spool in order, retrying with a capped backoff. */
struct s3_sender;
int s3_sender__start(const struct pb_host *host, const struct s3_settings *st, struct s3_spool *sp,
		     struct s3_sender **ret);
void s3_sender__kick(struct s3_sender *snd); /* something new is in the spool */
/* Waits up to timeout_ms for the spool to empty: 0, -ETIMEDOUT, or -EACCES (auth failed). */
int s3_sender__drain(struct s3_sender *snd, uint32_t timeout_ms);
void s3_sender__stop(struct s3_sender *snd); /* accepts NULL; cancels an upload in flight */

#endif
