// SPDX-License-Identifier: MIT
/* Unit tests of plugin settings: defaults, types, ranges, choices, sources, binding. */
#include <errno.h>
#include <stdbool.h>

#include "config.h"
#include "tap.h"

struct settings {
	const char *title, *palette;
	int64_t width;
	bool inverted;
	double ratio;
};

static const struct pb_config_key keys[] = {
	PB_KEY_STRING(struct settings, title, "title", "Flame Graph", "heading"),
	PB_KEY_INT(struct settings, width, "width", "1200", 100, 100000, "pixels"),
	PB_KEY_BOOL(struct settings, inverted, "inverted", "false", "icicle"),
	PB_KEY_DOUBLE(struct settings, ratio, "ratio", NULL, 0, 0, "any number"),
	PB_KEY_STRING(struct settings, palette, "palette", "hot", "colours", .choices = "hot, mem"),
	{ 0 },
};

int main(void)
{
	struct settings st;
	struct pb_config *cfg;
	char err[256] = "";
	int ret;

	pb_config__new(keys, "output.svg", &cfg);
	pb_config__bind(cfg, &st);
	is_str(st.title, "Flame Graph", "unset key gives its default");
	ok(st.width == 1200, "integer default parsed");
	ok(pb_config__get(cfg, "ratio") == NULL && st.ratio == 0, "no default: NULL, bound 0");
	ret = pb_config__set_list(cfg, "width=800,inverted=yes,title=a b", NULL, err, sizeof(err));
	pb_config__bind(cfg, &st);
	ok(ret == 0 && st.width == 800 && st.inverted && !strcmp(st.title, "a b"),
	       "a key=value list sets each key, and binding stores each in its field");
	ret = pb_config__set(cfg, "colour", "red", NULL, err, sizeof(err));
	ok(ret == -ENOENT, "an unknown key is refused");
	is_str(err, "output.svg has no setting 'colour'", "and the message names it");
	ret = pb_config__set(cfg, "width", "wide", NULL, err, sizeof(err));
	pb_config__bind(cfg, &st);
	ok(ret == -EINVAL && st.width == 800, "a bad integer is refused, the old value kept");
	is_str(err, "output.svg: 'width' must be an integer, not 'wide'", "with a clear message");
	ret = pb_config__set(cfg, "inverted", "maybe", NULL, err, sizeof(err));
	ok(ret == -EINVAL, "a bad boolean is refused");
	ret = pb_config__set_list(cfg, "novalue", NULL, err, sizeof(err));
	ok(ret == -EINVAL, "a list item without '=' is refused");
	ret = pb_config__set(cfg, "width", "99", "conf/x.conf:7", err, sizeof(err));
	ok(ret == -EINVAL, "a value below the key's range is refused");
	is_str(err, "conf/x.conf:7: output.svg: 'width' must be from 100 to 100000, not '99'",
		   "the message names the source, the key, the range and the value");
	ret = pb_config__set(cfg, "palette", "neon", "--set", err, sizeof(err));
	is_str(err, "--set: output.svg: 'palette' must be one of hot, mem, not 'neon'",
		   "a value outside the choices names them");
	ret = pb_config__set(cfg, "ratio", "-1e300", NULL, err, sizeof(err));
	ok(ret == 0, "a key without a range takes any number");
	pb_config__free(cfg);
	pb_config__free(NULL);
	return tap_done();
}
