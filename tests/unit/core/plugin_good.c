// SPDX-License-Identifier: MIT
/* A minimal valid output plugin for the loader tests; ABI version chosen at build time. */
#include <profile-bee/plugin.h>

#ifndef TEST_ABI_MAJOR
#define TEST_ABI_MAJOR PB_PLUGIN_ABI_MAJOR
#endif

static int t_open(const struct pb_host *h, const struct pb_output_params *p,
		  const struct pb_config *c, void **s)
{
	return 0;
}

static int t_write(void *s, const struct pb_profile *p, uint32_t flags)
{
	return 0;
}

static void t_close(void *s)
{
}

static const struct pb_output_ops ops = { .sz = sizeof(ops), .open = t_open, .write = t_write,
					  .close = t_close };
static const struct pb_output_claim claims[] = { { ".testfmt", "testfmt" }, { 0 } };
static const struct pb_plugin desc = {
	.abi_major = TEST_ABI_MAJOR,
	.abi_minor = 7,
	.struct_size = sizeof(struct pb_plugin),
	.kind = PB_PLUGIN_OUTPUT,
	.name = "testfmt",
	.description = "loader test plugin",
	.output = &ops,
	.claims = claims,
};

#ifndef TEST_NO_ENTRY
PB_PLUGIN_EXPORT(&desc)
#else
const struct pb_plugin *not_the_entry(void)
{
	return &desc;
}
#endif
