// SPDX-License-Identifier: MIT
/* The folded output: "comm;root;...;leaf count" lines, to stdout or written whole to a file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <profile-bee/plugin.h>

struct folded_output {
	char *target;
};

static int folded_open(const struct pb_host *host, const struct pb_output_params *params,
		       const struct pb_config *cfg, void **state)
{
	struct folded_output *o = calloc(1, sizeof(*o));

	/* "folded" as a bare format name means stdout, like -f. */
	if (!o || !(o->target = strdup(strcmp(params->target, "folded") ? params->target : "-"))) {
		free(o);
		return -ENOMEM;
	}
	*state = o;
	return 0;
}

static int folded_write(void *state, const struct pb_profile *profile, uint32_t flags)
{
	struct folded_output *o = state;
	struct pb_atomic_file af;
	int err = pb_atomic_file__open(o->target, &af);

	if (err)
		return err;
	err = pb_profile__write_folded(profile, af.f);
	if (err) {
		pb_atomic_file__abort(&af);
		return err;
	}
	return pb_atomic_file__commit(&af);
}

static void folded_close(void *state)
{
	struct folded_output *o = state;

	if (!o)
		return;
	free(o->target);
	free(o);
}

static const struct pb_output_ops ops = {
	.sz = sizeof(ops),
	.open = folded_open,
	.write = folded_write,
	.close = folded_close,
};

static const struct pb_output_claim claims[] = {
	{ .pattern = ".folded", .format = "folded" },
	{ .pattern = ".collapsed", .format = "folded" },
	{ .pattern = ".txt", .format = "folded" },
	{ .pattern = "-", .format = "folded" },
	{ .pattern = "folded", .format = "folded" },
	{ 0 },
};

static const struct pb_config_key keys[] = { { 0 } };

static const struct pb_plugin descriptor = {
	PB_PLUGIN_DESCRIPTOR_INIT,
	.kind = PB_PLUGIN_OUTPUT,
	.name = "folded",
	.description = "folded stacks (comm;root;...;leaf count), the flamegraph.pl input format",
	.config_keys = keys,
	.output = &ops,
	.claims = claims,
};

PB_PLUGIN_EXPORT(&descriptor)
