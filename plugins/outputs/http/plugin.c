// SPDX-License-Identifier: MIT
/* The http output's descriptor: "serve" runs the live server, http(s):// URLs the push exporter. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

struct http_output {
	bool push;
	void *impl;
};

static int http_open(const struct pb_host *host, const struct pb_output_params *params,
		     const struct pb_config *cfg, void **state)
{
	struct http_output *o = calloc(1, sizeof(*o));
	int err;

	if (!o)
		return -ENOMEM;
	o->push = strcmp(params->format, "serve") != 0;
	err = o->push ? push_open(host, params, cfg, &o->impl) : serve_open(host, params, cfg, &o->impl);
	if (err) {
		free(o);
		return err;
	}
	*state = o;
	return 0;
}

static int http_write(void *state, const struct pb_profile *profile, uint32_t flags)
{
	struct http_output *o = state;

	return o->push ? push_write(o->impl, profile, flags) : serve_write(o->impl, profile, flags);
}

static int http_wait(void *state)
{
	struct http_output *o = state;

	return o->push ? 0 : serve_wait(o->impl);
}

static void http_close(void *state)
{
	struct http_output *o = state;

	if (!o)
		return;
	if (o->push)
		push_close(o->impl);
	else
		serve_close(o->impl);
	free(o);
}

static const struct pb_output_ops ops = {
	.sz = sizeof(ops),
	.open = http_open,
	.write = http_write,
	.wait = http_wait,
	.close = http_close,
};

static const struct pb_output_claim claims[] = {
	{ .pattern = "serve", .format = "serve" },
	{ .pattern = "http://", .format = "push" },
	{ .pattern = "https://", .format = "push" },
	{ 0 },
};

static const struct pb_config_key keys[] = {
	/* --serve */
	{ "listen", PB_CONFIG_STRING, "127.0.0.1:8000",
	  "--serve: ADDR:PORT to listen on ([::1]:8000 for IPv6; port 0 picks a free one)" },
	{ "keep-serving", PB_CONFIG_BOOL, "true",
	  "--serve: when the profile ends by itself (-d, the command exited), keep serving the "
	  "final profile until Ctrl-C" },
	{ "max-clients", PB_CONFIG_INT, "256",
	  "--serve: most connections at once (idle ones count); live streams get all but one, "
	  "so /folded, /json and /svg are still answered" },
	{ "allow-host", PB_CONFIG_STRING, NULL,
	  "--serve: Host names answered besides loopback ones and the listen address "
	  "(comma-separated; * for any); others get 403, so no page can read it via DNS rebinding" },
	{ "token", PB_CONFIG_STRING, NULL,
	  "--serve: every request needs it (Authorization: Bearer, or /?token= once in a browser)" },
	{ "token-file", PB_CONFIG_STRING, NULL, "--serve: read the token from this file's first line" },
	/* push */
	{ "mode", PB_CONFIG_STRING, "auto",
	  "push: pyroscope, generic, or auto (pyroscope when the URL path ends in /ingest)" },
	{ "app-name", PB_CONFIG_STRING, NULL,
	  "push: Pyroscope application name (default: the target's name, else profile-bee); "
	  "characters outside A-Z a-z 0-9 _ . - / are sent as _ (logged)" },
	{ "labels", PB_CONFIG_STRING, NULL,
	  "push: extra labels, k=v;k2=v2; made valid for Pyroscope (logged), values cut at "
	  "2048 bytes" },
	{ "host-labels", PB_CONFIG_BOOL, "true",
	  "push: add host metadata labels (hostname, EC2/ECS/Kubernetes identity)" },
	{ "bearer-token", PB_CONFIG_STRING, NULL, "push: sent as Authorization: Bearer" },
	{ "tenant-id", PB_CONFIG_STRING, NULL, "push: sent as X-Scope-OrgID" },
	{ "headers", PB_CONFIG_STRING, NULL, "push: extra headers, 'Name: value' separated by '|'" },
	{ "username", PB_CONFIG_STRING, NULL, "push: basic auth user (or user:pass@ in the URL)" },
	{ "password", PB_CONFIG_STRING, NULL, "push: basic auth password" },
	{ "ca-file", PB_CONFIG_STRING, NULL, "push: CA bundle to verify the collector's TLS" },
	{ "insecure", PB_CONFIG_BOOL, "false", "push: do not verify TLS certificates" },
	{ "gzip", PB_CONFIG_BOOL, "true", "push, generic mode: gzip the body" },
	{ "timeout", PB_CONFIG_DOUBLE, "10", "push: seconds one request may take" },
	{ "connect-timeout", PB_CONFIG_DOUBLE, "5", "push: seconds to connect" },
	{ "queue-size", PB_CONFIG_INT, "64",
	  "push: windows kept while the collector is down; beyond it the oldest are dropped" },
	{ "max-backoff", PB_CONFIG_DOUBLE, "30", "push: longest wait between retries, seconds" },
	{ "flush-timeout", PB_CONFIG_DOUBLE, "10",
	  "push: at the end, seconds to wait for queued windows to be delivered" },
	{ 0 },
};

/* Checked when a setting is given, so a bad one is a usage error naming where it came from. */
static const struct pb_config_limit limits[] = {
	{ "max-clients", 2, 100000 },
	{ "mode", .choices = "auto, pyroscope, generic" },
	{ "timeout", 0.001, 86400 },
	{ "connect-timeout", 0.001, 86400 },
	{ "queue-size", 1, 1000000 },
	{ "max-backoff", 0, 86400 },
	{ "flush-timeout", 0, 86400 },
	{ 0 },
};

static const struct pb_plugin descriptor = {
	PB_PLUGIN_DESCRIPTOR_INIT,
	.kind = PB_PLUGIN_OUTPUT,
	.name = "http",
	.description = "live flame graph in a browser (--serve) and push to a collector "
		       "(-o http[s]://..., Pyroscope /ingest or generic)",
	.config_keys = keys,
	.config_limits = limits,
	.output = &ops,
	.claims = claims,
	/* The server shows windows as they come; the exporter sends them (or sums a one-shot run). */
	.output_flags = PB_OUTPUT_WANTS_WINDOWS,
};

PB_PLUGIN_EXPORT(&descriptor)
