// SPDX-License-Identifier: MIT
/* Host metadata as push labels: the core's detector when this libprofilebee has it, else hostname. */
#include <string.h>
#include <unistd.h>

#include <profile-bee/hostmeta.h>

#include "http.h"

/*
 * Weak, so the plugin still loads against a libprofilebee built before host metadata existed;
 * it then labels with the hostname alone.
 */
extern const struct pb_host_metadata *pb_host_metadata__get(void) __attribute__((weak));
extern int pb_host_metadata__for_each(const struct pb_host_metadata *m,
				     int (*fn)(void *ctx, const char *key, const char *value),
				     void *ctx) __attribute__((weak));

int hostinfo_for_each(int (*fn)(void *ctx, const char *key, const char *value), void *ctx)
{
	char host[256] = "";

	if (pb_host_metadata__get && pb_host_metadata__for_each)
		return pb_host_metadata__for_each(pb_host_metadata__get(), fn, ctx);
	if (gethostname(host, sizeof(host) - 1) || !host[0])
		return 0;
	return fn(ctx, "hostname", host);
}
