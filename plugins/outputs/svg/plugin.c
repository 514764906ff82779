// SPDX-License-Identifier: MIT
/* The svg output plugin: flame graphs as SVG, a self-contained HTML page, or d3 JSON. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <profile-bee/plugin.h>

#include "flamegraph.h"

#define WHO "svg"

/* The plugin's settings, as pb_config__bind fills them from the key table below. */
struct svg_settings {
	const char *title, *subtitle, *palette, *count_name, *diff_base;
	int64_t width, frame_height, font_size;
	double min_width;
	bool inverted, reverse, diff_normalize;
};

#define KEY_INT(field, key, def, lo, hi, help) PB_KEY_INT(struct svg_settings, field, key, def, lo, hi, help)
#define KEY_STR(field, key, def, help, ...) PB_KEY_STRING(struct svg_settings, field, key, def, help, __VA_ARGS__)
#define KEY_BOOL(field, key, def, help) PB_KEY_BOOL(struct svg_settings, field, key, def, help)

static const struct pb_config_key keys[] = {
	KEY_STR(title, "title", NULL, "heading (default: Flame Graph, or Icicle Graph)"),
	KEY_STR(subtitle, "subtitle", NULL, "second heading line"),
	KEY_INT(width, "width", "1200", 100, 1000000, "image width in pixels"),
	KEY_INT(frame_height, "frame-height", "16", 4, 200, "height of one frame in pixels"),
	KEY_INT(font_size, "font-size", "12", 4, 100, "font size in pixels"),
	PB_KEY_DOUBLE(struct svg_settings, min_width, "min-width", "0.1", 0, 1000000,
		      "leave out frames narrower than this (pixels)"),
	KEY_STR(palette, "palette", "hot",
		"colours follow the name, so a function keeps its colour across profiles; _[k] "
		"frames contrast",
		.choices = fg_palette_names),
	KEY_STR(count_name, "count-name", "samples", "what the counts are"),
	KEY_BOOL(inverted, "inverted", "false", "icicle graph: root at the top"),
	KEY_BOOL(reverse, "reverse", "false", "reverse stacks (leaf first): who calls hot leaves"),
	KEY_STR(diff_base, "diff-base", NULL,
		"folded profile to compare against (before): red grew, blue shrank"),
	KEY_BOOL(diff_normalize, "diff-normalize", "false",
		 "scale diff-base to this profile's total before comparing"),
	{ 0 },
};

static struct fg_opts fg_opts_of(const struct svg_settings *s)
{
	return (struct fg_opts){
		.title = s->title,
		.subtitle = s->subtitle,
		.count_name = s->count_name,
		.palette = s->palette,
		.width = (int)s->width,
		.frame_height = (int)s->frame_height,
		.font_size = (int)s->font_size,
		.min_width = s->min_width,
		.inverted = s->inverted,
		.reverse = s->reverse,
	};
}

static void say(const struct pb_host *host, enum pb_log_level level, const char *fmt, const char *a,
		const char *b)
{
	host->log(host->session, level, WHO, fmt, a, b);
}

static int read_base(const struct pb_host *host, const char *path, struct pb_profile **ret)
{
	struct pb_folded_report rep;
	struct pb_profile *p = NULL;
	FILE *f = fopen(path, "r");
	char why[512];
	int err;

	if (!f) {
		err = -errno;
		say(host, PB_LOG_ERROR, "cannot open diff-base '%s': %s", path, strerror(errno));
		return err;
	}
	err = pb_profile__new(&p);
	if (!err && !strcmp(pb_profile__input_format(path, f), "pprof")) {
		err = pb_profile__read_format(p, "pprof", f, NULL, why, sizeof(why));
		fclose(f);
		if (err) {
			say(host, PB_LOG_ERROR, "diff-base '%s': %s", path, why);
			pb_profile__free(p);
			return err;
		}
		*ret = p;
		return 0;
	}
	if (!err)
		err = pb_profile__read_folded(p, f, &rep);
	fclose(f);
	if (err) {
		pb_profile__read_error(path, err, &rep, why, sizeof(why));
		say(host, PB_LOG_ERROR, "diff-base: %s%s", why, "");
		pb_profile__free(p);
		return err;
	}
	if (rep.malformed) {
		snprintf(why, sizeof(why), "%llu", (unsigned long long)rep.malformed);
		say(host, PB_LOG_WARN, "%s: skipped %s malformed lines", path, why);
	}
	*ret = p;
	return 0;
}

/* The tree of profile, with the deltas against diff-base when one is set. */
static int build_tree(const struct pb_host *host, const struct svg_settings *s,
		      const struct pb_profile *profile, struct fg_tree *t)
{
	struct pb_profile *base = NULL;
	int err;

	if (s->diff_base && *s->diff_base && (err = read_base(host, s->diff_base, &base)))
		return err;
	err = fg_tree__build(t, profile, s->reverse);
	if (!err && base)
		err = fg_tree__set_base(t, base, s->reverse, s->diff_normalize);
	pb_profile__free(base);
	if (err)
		fg_tree__free(t);
	return err;
}

typedef int (*fg_writer)(FILE *f, const struct fg_tree *t, const struct fg_opts *o);

static int encode(const struct pb_host *host, const struct pb_profile *profile, FILE *out,
		  const struct pb_config *cfg, fg_writer write)
{
	struct svg_settings s;
	struct fg_opts o;
	struct fg_tree t;
	int err;

	pb_config__bind(cfg, &s);
	o = fg_opts_of(&s);
	/* A profile of time (a saved off-CPU pprof) says so unless count-name was changed. */
	if (!strcmp(o.count_name, "samples") && !strcmp(pb_profile__unit(profile), "microseconds"))
		o.count_name = "us";
	if ((err = build_tree(host, &s, profile, &t)))
		return err;
	o.diff = t.delta != NULL;
	err = write(out, &t, &o);
	fg_tree__free(&t);
	return err;
}

static int write_svg(FILE *f, const struct fg_tree *t, const struct fg_opts *o)
{
	return fg_write_svg(f, t, o, false);
}

static int encode_svg(const struct pb_host *host, const struct pb_profile *profile, FILE *out,
		      const struct pb_config *cfg)
{
	return encode(host, profile, out, cfg, write_svg);
}

static int encode_html(const struct pb_host *host, const struct pb_profile *profile, FILE *out,
		       const struct pb_config *cfg)
{
	return encode(host, profile, out, cfg, fg_write_html);
}

static int encode_json(const struct pb_host *host, const struct pb_profile *profile, FILE *out,
		       const struct pb_config *cfg)
{
	return encode(host, profile, out, cfg, fg_write_json);
}

static const struct pb_encoder encoders[] = {
	{ .sz = sizeof(struct pb_encoder), .format = "svg", .encode = encode_svg },
	{ .sz = sizeof(struct pb_encoder), .format = "html", .encode = encode_html },
	{ .sz = sizeof(struct pb_encoder), .format = "json", .encode = encode_json },
	{ 0 },
};

static const struct pb_output_claim claims[] = {
	{ .pattern = ".svg", .format = "svg" },
	{ .pattern = ".html", .format = "html" },
	{ .pattern = ".htm", .format = "html" },
	{ .pattern = ".json", .format = "json" },
	{ 0 },
};

static const struct pb_plugin descriptor = {
	PB_PLUGIN_DESCRIPTOR_INIT,
	.kind = PB_PLUGIN_OUTPUT,
	.name = "svg",
	.description = "interactive flame graph: .svg, a self-contained .html page, or d3 .json",
	.config_keys = keys,
	.settings_size = sizeof(struct svg_settings),
	.claims = claims,
	.encoders = encoders,
};

PB_PLUGIN_EXPORT(&descriptor)
