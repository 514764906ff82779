// SPDX-License-Identifier: MIT
/* Unit tests of plugin settings: defaults, types, unknown keys, lists. */
#include <errno.h>
#include <stdbool.h>

#include "config.h"
#include "tap.h"

static const struct pb_config_key keys[] = {
	{ .name = "title", .type = PB_CONFIG_STRING, .default_value = "Flame Graph" },
	{ .name = "width", .type = PB_CONFIG_INT, .default_value = "1200" },
	{ .name = "inverted", .type = PB_CONFIG_BOOL, .default_value = "false" },
	{ .name = "ratio", .type = PB_CONFIG_DOUBLE },
	{ 0 },
};

int main(void)
{
	struct pb_config *cfg;
	char err[256] = "";
	int ret;

	pb_config__new(keys, NULL, "output.svg", &cfg);
	is_str(pb_config__get(cfg, "title"), "Flame Graph", "unset key gives its default");
	ok(pb_config__int(cfg, "width") == 1200, "integer default parsed");
	ok(pb_config__get(cfg, "ratio") == NULL, "no default: NULL");
	ret = pb_config__set_list(cfg, "width=800,inverted=yes,title=a b", err, sizeof(err));
	ok(ret == 0 && pb_config__int(cfg, "width") == 800 && pb_config__bool(cfg, "inverted"),
	   "a key=value list sets each key");
	ret = pb_config__set(cfg, "colour", "red", err, sizeof(err));
	ok(ret == -ENOENT, "an unknown key is refused");
	is_str(err, "output.svg has no setting 'colour'", "and the message names it");
	ret = pb_config__set(cfg, "width", "wide", err, sizeof(err));
	ok(ret == -EINVAL && pb_config__int(cfg, "width") == 800,
	   "a bad integer is refused, the old value kept");
	is_str(err, "output.svg: 'width' must be an integer, not 'wide'", "with a clear message");
	ret = pb_config__set(cfg, "inverted", "maybe", err, sizeof(err));
	ok(ret == -EINVAL, "a bad boolean is refused");
	ret = pb_config__set_list(cfg, "novalue", err, sizeof(err));
	ok(ret == -EINVAL, "a list item without '=' is refused");
	pb_config__free(cfg);
	pb_config__free(NULL);
	return tap_done();
}
