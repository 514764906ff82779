// SPDX-License-Identifier: MIT
/*
 * The OTLP profiles encoder plugin: format "otlp" (an ExportProfilesServiceRequest, protobuf).
 * -o x.otlp writes it to a file; -o otlp+http://HOST:4318 sends it through the push output
 * (gzip, retry with backoff, bounded queue) to POST /v1development/profiles.
 */
#include <profile-bee/plugin.h>

#include "otlp.h"

static const struct pb_config_key keys[] = {
	PB_KEY_INT(struct otlp_opts, frequency, "frequency", "0", 0, 1000000,
		   "Hz the samples were taken at, for profiles that do not say (folded --input): "
		   "gives the period; 0 writes none"),
	{ 0 },
};

static int otlp_encode_plugin(const struct pb_host *host, const struct pb_profile *profile,
			      FILE *out, const struct pb_config *cfg)
{
	struct otlp_opts opts;

	(void)host;
	pb_config__bind(cfg, &opts);
	return otlp_encode(profile, &opts, out);
}

static const struct pb_encoder encoders[] = {
	{ .sz = sizeof(struct pb_encoder), .format = "otlp", .encode = otlp_encode_plugin },
	{ 0 },
};

static const struct pb_output_claim claims[] = {
	{ .pattern = ".otlp", .format = "otlp" },
	{ .pattern = "otlp", .format = "otlp" },
	{ 0 },
};

static const struct pb_plugin descriptor = {
	PB_PLUGIN_DESCRIPTOR_INIT,
	.kind = PB_PLUGIN_OUTPUT,
	.name = "otlp",
	.description = "OTLP profiles (v1development ExportProfilesServiceRequest, protobuf): "
		       ".otlp files; otlp+http://HOST:4318 pushes them",
	.config_keys = keys,
	.settings_size = sizeof(struct otlp_opts),
	.claims = claims,
	.encoders = encoders,
};

PB_PLUGIN_EXPORT(&descriptor)
