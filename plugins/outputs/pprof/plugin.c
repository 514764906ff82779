// SPDX-License-Identifier: MIT
/* The pprof output plugin: -o x.pb.gz / x.pprof writes the profile as gzip'd pprof protobuf. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <profile-bee/plugin.h>

#include "pprof.h"

#define WHO "pprof"

struct pprof_output {
	const struct pb_host *host;
	char *target;
	struct pprof_opts opts;
};

static const struct pb_config_key keys[] = {
    {"frequency", PB_CONFIG_INT, "0",
     "Hz the samples were taken at, for profiles that do not say (folded --input): gives the "
     "cpu/nanoseconds sample type; 0 writes counts only"},
    {"level", PB_CONFIG_INT, "6", "gzip compression level (1 fastest - 9 smallest)"},
    {0},
};

static const struct pb_config_limit limits[] = {
    {"frequency", 0, 1000000},
    {"level", 1, 9},
    {0},
};

static int pprof_open(const struct pb_host *host, const struct pb_output_params *params,
		      const struct pb_config *cfg, void **state)
{
	struct pprof_output *o = calloc(1, sizeof(*o));

	if (!o || !(o->target = strdup(params->target))) {
		free(o);
		return -ENOMEM;
	}
	o->host = host;
	o->opts.frequency = (uint32_t)host->config_int(cfg, "frequency");
	o->opts.level = (int)host->config_int(cfg, "level");
	*state = o;
	return 0;
}

static int pprof_write(void *state, const struct pb_profile *profile, uint32_t flags)
{
	struct pprof_output *o = state;
	struct pprof_report rep;
	struct pb_atomic_file af;
	int err = pb_atomic_file__open(o->target, &af);

	if (err)
		return err;
	err = pprof_encode(profile, &o->opts, af.f, &rep);
	if (err) {
		pb_atomic_file__abort(&af);
		return err;
	}
	if (rep.clamped)
		o->host->log(o->host->session, PB_LOG_WARN, WHO,
			     "%s: %" PRIu64 " values past pprof's int64 written as 2^63-1",
			     o->target, rep.clamped);
	return pb_atomic_file__commit(&af);
}

static void pprof_close(void *state)
{
	struct pprof_output *o = state;

	if (!o)
		return;
	free(o->target);
	free(o);
}

static const struct pb_output_ops ops = {
    .sz = sizeof(ops),
    .open = pprof_open,
    .write = pprof_write,
    .close = pprof_close,
};

/* Both gzip'd, as go tool pprof writes them; it reads plain protobuf too, but nobody else must. */
static const struct pb_output_claim claims[] = {
    {.pattern = ".pb.gz", .format = "pprof"},
    {.pattern = ".pprof", .format = "pprof"},
    {.pattern = "pprof", .format = "pprof"},
    {0},
};

static const struct pb_plugin descriptor = {
    PB_PLUGIN_DESCRIPTOR_INIT,
    .kind = PB_PLUGIN_OUTPUT,
    .name = "pprof",
    .description = "pprof profile (gzip'd protobuf) for go tool pprof, Pyroscope, Parca: "
		   ".pb.gz or .pprof",
    .config_keys = keys,
    .config_limits = limits,
    .output = &ops,
    .claims = claims,
};

PB_PLUGIN_EXPORT(&descriptor)
