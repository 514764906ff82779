/* SPDX-License-Identifier: MIT */
/* What every unwinder plugin states alike: the host and params its open accepts, max-frames. */
#ifndef PB_UNWINDER_UNWINDER_H
#define PB_UNWINDER_UNWINDER_H

#include <stdbool.h>

#include <linux/types.h>
#include <profile-bee/plugin.h>

#include "counts.h"

#define PB_UNWINDER_STR_(x) #x
#define PB_UNWINDER_STR(x)  PB_UNWINDER_STR_(x)

/*
 * The max-frames setting, bound to an int64_t field of st: every unwinder walks at most
 * PB_MAX_FRAMES, and does so by default.
 */
#define PB_UNWINDER_KEY_MAX_FRAMES(st, field, help)                                                \
	PB_KEY_INT(st, field, "max-frames", PB_UNWINDER_STR(PB_MAX_FRAMES), 1, PB_MAX_FRAMES, help)

/* Whether open can go on: a host of this ABI, whole params, and some stack to collect. */
static inline bool pb_unwinder_open_ok(const struct pb_host *host,
				       const struct pb_sample_params *params)
{
	return host && host->abi_major == PB_PLUGIN_ABI_MAJOR && params &&
	       params->sz >= sizeof(*params) && (params->user || params->kernel);
}

#endif
