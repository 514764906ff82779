// SPDX-License-Identifier: MIT
/* The folded format: "comm;root;...;leaf count" lines, the flamegraph.pl input. */
#include <profile-bee/plugin.h>

static int folded_encode(const struct pb_host *host, const struct pb_profile *profile, FILE *out,
			 const struct pb_config *cfg)
{
	return pb_profile__write_folded(profile, out);
}

static const struct pb_encoder encoders[] = {
	{ .sz = sizeof(struct pb_encoder), .format = "folded", .encode = folded_encode },
	{ 0 },
};

/* "-" and the bare word "folded" are stdout, like -f. */
static const struct pb_output_claim claims[] = {
	{ .pattern = ".folded", .format = "folded" },
	{ .pattern = ".collapsed", .format = "folded" },
	{ .pattern = ".txt", .format = "folded" },
	{ .pattern = "-", .format = "folded" },
	{ .pattern = "folded", .format = "folded" },
	{ 0 },
};

static const struct pb_plugin descriptor = {
	PB_PLUGIN_DESCRIPTOR_INIT,
	.kind = PB_PLUGIN_OUTPUT,
	.name = "folded",
	.description = "folded stacks (comm;root;...;leaf count), the flamegraph.pl input format",
	.claims = claims,
	.encoders = encoders,
};

PB_PLUGIN_EXPORT(&descriptor)
