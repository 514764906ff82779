// SPDX-License-Identifier: MIT
/*
 * Output plugins that fail on purpose, for the fault tests: "failopen" (.failopen) refuses to
 * open, "failwrite" (.failwrite) opens but fails every write. Built twice with -DFAIL_WRITE.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <profile-bee/plugin.h>

/* Leaves a mark when dlopen ran the plugin's code: the tests of refused plugins look for it. */
__attribute__((constructor)) static void mark_loaded(void)
{
	const char *mark = getenv("PB_FAULT_CTOR_MARK");
	int fd = mark ? open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0644) : -1;

	if (fd >= 0)
		close(fd);
}

static int t_open(const struct pb_host *h, const struct pb_output_params *p,
		  const struct pb_config *c, void **s)
{
#ifdef FAIL_WRITE
	*s = NULL;
	return 0;
#else
	h->log(h->session, PB_LOG_ERROR, "failopen", "the backend is unreachable (on purpose)");
	return -ECONNREFUSED;
#endif
}

static int t_write(void *s, const struct pb_profile *p, uint32_t flags)
{
	return -EIO;
}

static void t_close(void *s)
{
}

#ifdef FAIL_WRITE
#define NAME "failwrite"
#else
#define NAME "failopen"
#endif

static const struct pb_output_ops ops = { .sz = sizeof(ops), .open = t_open, .write = t_write,
					  .close = t_close };
static const struct pb_output_claim claims[] = { { "." NAME, NAME }, { 0 } };
static const struct pb_plugin desc = {
	PB_PLUGIN_DESCRIPTOR_INIT,
	.kind = PB_PLUGIN_OUTPUT,
	.name = NAME,
	.description = "fault test plugin that fails",
	.output = &ops,
	.claims = claims,
};

PB_PLUGIN_EXPORT(&desc)
