// SPDX-License-Identifier: MIT
/* output-http.so's two plugins: serve (the live server, --serve) and push (-o http[s]://...). */
#include <stddef.h>

#include "http.h"

#define SERVE_KEY_STRING(field, key, def, help)                                                    \
	PB_KEY_STRING(struct serve_settings, field, key, def, help)
#define PUSH_KEY_STRING(field, key, def, help, ...)                                                \
	PB_KEY_STRING(struct push_settings, field, key, def, help, __VA_ARGS__)
#define PUSH_KEY_DOUBLE(field, key, def, lo, hi, help)                                             \
	PB_KEY_DOUBLE(struct push_settings, field, key, def, lo, hi, help)

static const struct pb_config_key serve_keys[] = {
	SERVE_KEY_STRING(listen, "listen", "127.0.0.1:8000",
			 "ADDR:PORT to listen on ([::1]:8000 for IPv6; port 0 picks a free one)"),
	PB_KEY_BOOL(struct serve_settings, keep_serving, "keep-serving", "true",
		    "when the profile ends by itself (-d, the command exited), keep serving the "
		    "final profile until Ctrl-C"),
	PB_KEY_INT(struct serve_settings, max_clients, "max-clients", "256", 2, 100000,
		   "most connections at once (idle ones count); live streams get all but one, so "
		   "/folded, /json and /svg are still answered"),
	SERVE_KEY_STRING(allow_host, "allow-host", NULL,
			 "Host names answered besides loopback ones and the listen address "
			 "(comma-separated; * for any); others get 403, so no page can read it "
			 "via DNS rebinding"),
	SERVE_KEY_STRING(token, "token", NULL,
			 "every request needs it (Authorization: Bearer, or /?token= once in a "
			 "browser)"),
	SERVE_KEY_STRING(token_file, "token-file", NULL,
			 "read the token from this file's first line"),
	{ .name = NULL },
};

static const struct pb_output_ops serve_ops = {
	.sz = sizeof(serve_ops),
	.open = serve_open,
	.write = serve_write,
	.close = serve_close,
	.wait = serve_wait,
};

static const struct pb_output_claim serve_claims[] = {
	{ .pattern = "serve", .format = "serve" },
	{ .pattern = NULL },
};

const struct pb_plugin serve_plugin = {
	PB_PLUGIN_DESCRIPTOR_INIT,
	.kind = PB_PLUGIN_OUTPUT,
	.name = "serve",
	.description = "live flame graph in a browser (--serve); /svg, /json and /folded are what "
		       "-o writes",
	.config_keys = serve_keys,
	.settings_size = sizeof(struct serve_settings),
	.output = &serve_ops,
	.claims = serve_claims,
	/* The page shows windows as they come. */
	.output_flags = PB_OUTPUT_WANTS_WINDOWS,
};

static const struct pb_config_key push_keys[] = {
	PUSH_KEY_STRING(mode, "mode", "auto",
			"pyroscope, generic (folded text with X-Profile-Bee-* headers), or auto "
			"(pyroscope when the URL path ends in /ingest); otlp+http:// is always OTLP",
			.choices = "auto, pyroscope, generic"),
	PUSH_KEY_STRING(app_name, "app-name", NULL,
			"Pyroscope application name (default: the target's name, else "
			"profile-bee); characters outside A-Z a-z 0-9 _ . - / are sent as _ "
			"(logged)"),
	PUSH_KEY_STRING(labels, "labels", NULL,
			"extra labels, k=v;k2=v2; made valid for Pyroscope (logged), values cut at "
			"2048 bytes"),
	PB_KEY_BOOL(struct push_settings, host_labels, "host-labels", "true",
		    "add host metadata labels (hostname, EC2/ECS/Kubernetes identity)"),
	PUSH_KEY_STRING(bearer_token, "bearer-token", NULL, "sent as Authorization: Bearer"),
	PUSH_KEY_STRING(tenant_id, "tenant-id", NULL, "sent as X-Scope-OrgID"),
	PUSH_KEY_STRING(headers, "headers", NULL,
			"extra headers, 'Name: value' separated by '|'"),
	PUSH_KEY_STRING(username, "username", NULL, "basic auth user (or user:pass@ in the URL)"),
	PUSH_KEY_STRING(password, "password", NULL, "basic auth password"),
	PUSH_KEY_STRING(ca_file, "ca-file", NULL, "CA bundle to verify the collector's TLS"),
	PB_KEY_BOOL(struct push_settings, insecure, "insecure", "false",
		    "do not verify TLS certificates"),
	PB_KEY_BOOL(struct push_settings, gzip, "gzip", "true", "generic mode: gzip the body"),
	PUSH_KEY_STRING(format, "format", "folded",
			"pyroscope mode: the body, folded text (one request per label set, its "
			"labels in the series name) or pprof (multipart, as /ingest?format=pprof "
			"takes it; each stack's labels become series labels)",
			.choices = "folded, pprof"),
	PUSH_KEY_DOUBLE(timeout, "timeout", "10", 0.001, 86400, "seconds one request may take"),
	PUSH_KEY_DOUBLE(connect_timeout, "connect-timeout", "5", 0.001, 86400,
			"seconds to connect"),
	PB_KEY_INT(struct push_settings, queue_size, "queue-size", "64", 1, 1000000,
		   "windows kept while the collector is down; beyond it the oldest are dropped"),
	PUSH_KEY_DOUBLE(max_backoff, "max-backoff", "30", 0, 86400,
			"longest wait between retries, seconds"),
	PUSH_KEY_DOUBLE(flush_timeout, "flush-timeout", "10", 0, 86400,
			"at the end, seconds to wait for queued windows to be delivered"),
	{ .name = NULL },
};

static const struct pb_output_ops push_ops = {
	.sz = sizeof(push_ops),
	.open = push_open,
	.write = push_write,
	.close = push_close,
};

static const struct pb_output_claim push_claims[] = {
	{ .pattern = "http://", .format = "push" },
	{ .pattern = "https://", .format = "push" },
	/*
	 * OTLP/HTTP: the otlp plugin's encoder, delivered like every push. Not "otlp-push": the
	 * linker would keep "push" only as that string's tail, and --set output.push finds this
	 * file by the string "push" standing alone.
	 */
	{ .pattern = "otlp+http://", .format = "push-otlp" },
	{ .pattern = "otlp+https://", .format = "push-otlp" },
	{ .pattern = NULL },
};

const struct pb_plugin push_plugin = {
	PB_PLUGIN_DESCRIPTOR_INIT,
	.kind = PB_PLUGIN_OUTPUT,
	.name = "push",
	.description = "push each window to a collector (-o http[s]://...): Pyroscope /ingest, "
		       "generic folded text, or OTLP profiles (-o otlp+http://HOST:4318)",
	.config_keys = push_keys,
	.settings_size = sizeof(struct push_settings),
	.output = &push_ops,
	.claims = push_claims,
	/* Windows are sent as they come (a one-shot run sends the sum of its windows once). */
	.output_flags = PB_OUTPUT_WANTS_WINDOWS,
};

PB_PLUGIN_EXPORT(&serve_plugin, &push_plugin)
