// SPDX-License-Identifier: MIT
/*
 * Plugins for the loader tests, one file built several ways: a valid output, one of another
 * ABI (major, newer minor, or ABI 1's single-descriptor entry), one without an entry, a .so
 * holding two plugins, one with a default outside its own range, and one whose ops struct is
 * smaller than the core's (its flush, past its sz, must never be called).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <profile-bee/plugin.h>

#ifndef TEST_ABI_MAJOR
#define TEST_ABI_MAJOR PB_PLUGIN_ABI_MAJOR
#endif
#ifndef TEST_ABI_MINOR
#define TEST_ABI_MINOR PB_PLUGIN_ABI_MINOR
#endif

struct t_settings {
	int64_t level;
};

/* Writes an empty file at the target: proof, for the test, that write was called. */
static int t_open(const struct pb_host *h, const struct pb_output_params *p,
		  const struct pb_config *c, void **s)
{
	*s = (void *)p->target;
	return 0;
}

static int t_write(void *s, const struct pb_profile *p, uint32_t flags)
{
	int fd = open(s, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	return fd < 0 ? -1 : close(fd);
}

static void t_close(void *s)
{
}

/* Beyond the ops struct's sz in the TEST_SMALL_OPS build: calling it ends the test. */
static __attribute__((unused)) int t_flush(void *s)
{
	abort();
}

static const struct pb_output_ops ops = {
#ifdef TEST_SMALL_OPS
	.sz = __builtin_offsetof(struct pb_output_ops, flush),
#else
	.sz = sizeof(ops),
#endif
	.open = t_open,
	.write = t_write,
	.close = t_close,
#ifdef TEST_SMALL_OPS
	.flush = t_flush,
#endif
};

static const struct pb_config_key keys[] = {
#ifdef TEST_BAD_DEFAULT
	PB_KEY_INT(struct t_settings, level, "level", "12", 1, 9, "out of its own range"),
#else
	PB_KEY_INT(struct t_settings, level, "level", "6", 1, 9, "a setting with a range"),
#endif
	{ 0 },
};

static const struct pb_output_claim claims[] = { { ".testfmt", "testfmt" }, { 0 } };
static const struct pb_plugin desc __attribute__((unused)) = {
	.abi_major = TEST_ABI_MAJOR,
	.abi_minor = TEST_ABI_MINOR,
	.sz = sizeof(struct pb_plugin),
	.kind = PB_PLUGIN_OUTPUT,
	.name = "testfmt",
	.description = "loader test plugin",
	.config_keys = keys,
	.settings_size = sizeof(struct t_settings),
	.output = &ops,
	.claims = claims,
};

#if defined(TEST_ABI_V1)
/* ABI 1's entry: one descriptor, whose first fields were the major and minor too. */
__attribute__((visibility("default"))) const void *pb_plugin_entry(void)
{
	static const struct {
		uint16_t major, minor;
		uint32_t size;
	} v1 = { 1, 1, 120 };
	return &v1;
}
#elif defined(TEST_NO_ENTRY)
const struct pb_plugin *not_the_entry(void)
{
	return &desc;
}
#elif defined(TEST_TWO)
static int t_encode(const struct pb_host *h, const struct pb_profile *p, FILE *out,
		    const struct pb_config *c)
{
	return fputs("second\n", out) < 0 ? -1 : 0;
}
static const struct pb_encoder encoders[] = { { sizeof(struct pb_encoder), "second", t_encode },
					      { 0 } };
static const struct pb_output_claim claims2[] = { { ".second", "second" }, { 0 } };
static const struct pb_plugin second = {
	PB_PLUGIN_DESCRIPTOR_INIT,
	.kind = PB_PLUGIN_OUTPUT,
	.name = "second",
	.description = "the other plugin of a two-plugin file: an encoder only",
	.claims = claims2,
	.encoders = encoders,
};
PB_PLUGIN_EXPORT(&desc, &second)
#else
PB_PLUGIN_EXPORT(&desc)
#endif
