// SPDX-License-Identifier: MIT
/* The pprof output plugin: -o x.pb.gz / x.pprof writes the profile as gzip'd pprof protobuf. */
#include <inttypes.h>

#include <profile-bee/plugin.h>

#include "pprof.h"

#define WHO "pprof"

static const struct pb_config_key keys[] = {
	PB_KEY_INT(struct pprof_opts, frequency, "frequency", "0", 0, 1000000,
		   "Hz the samples were taken at, for profiles that do not say (folded --input): "
		   "gives the cpu/nanoseconds sample type; 0 writes counts only"),
	PB_KEY_INT(struct pprof_opts, level, "level", "6", 1, 9,
		   "gzip compression level (1 fastest - 9 smallest)"),
	{ 0 },
};

static int pprof_encode_plugin(const struct pb_host *host, const struct pb_profile *profile,
			       FILE *out, const struct pb_config *cfg)
{
	struct pprof_opts opts;
	struct pprof_report rep;
	int err;

	pb_config__bind(cfg, &opts);
	err = pprof_encode(profile, &opts, out, &rep);
	if (!err && rep.clamped)
		host->log(host->session, PB_LOG_WARN, WHO,
			  "%" PRIu64 " values past pprof's int64 written as 2^63-1", rep.clamped);
	return err;
}

static int pprof_decode_plugin(const struct pb_host *host, FILE *in, struct pb_profile *into,
			       const struct pb_config *cfg)
{
	(void)cfg;
	return pprof_decode(host, in, into);
}

static const struct pb_encoder encoders[] = {
	{ .sz = sizeof(struct pb_encoder), .format = "pprof", .encode = pprof_encode_plugin,
	  .decode = pprof_decode_plugin },
	{ 0 },
};

/* Both gzip'd, as go tool pprof writes them; it reads plain protobuf too, but nobody else must. */
static const struct pb_output_claim claims[] = {
	{ .pattern = ".pb.gz", .format = "pprof" },
	{ .pattern = ".pprof", .format = "pprof" },
	{ .pattern = "pprof", .format = "pprof" },
	{ 0 },
};

static const struct pb_plugin descriptor = {
	PB_PLUGIN_DESCRIPTOR_INIT,
	.kind = PB_PLUGIN_OUTPUT,
	.name = "pprof",
	.description = "pprof profile (gzip'd protobuf) for go tool pprof, Pyroscope, Parca: "
		       ".pb.gz or .pprof",
	.config_keys = keys,
	.settings_size = sizeof(struct pprof_opts),
	.claims = claims,
	.encoders = encoders,
};

PB_PLUGIN_EXPORT(&descriptor)
