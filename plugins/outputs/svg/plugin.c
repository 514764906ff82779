// SPDX-License-Identifier: MIT
/* The svg output plugin: flame graphs as SVG, a self-contained HTML page, or d3 JSON. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <profile-bee/plugin.h>

#include "flamegraph.h"

#define WHO "svg"
#define OUT_BUFFER (1 << 20)

struct svg_output {
	const struct pb_host *host;
	char *target;
	char format[8]; /* "svg", "html" or "json" */
	struct fg_opts opts;
	const char *diff_base;
	bool diff_normalize;
};

static const struct pb_config_key keys[] = {
	{ "title", PB_CONFIG_STRING, NULL, "heading (default: Flame Graph, or Icicle Graph)" },
	{ "subtitle", PB_CONFIG_STRING, NULL, "second heading line" },
	{ "width", PB_CONFIG_INT, "1200", "image width in pixels" },
	{ "frame-height", PB_CONFIG_INT, "16", "height of one frame in pixels" },
	{ "font-size", PB_CONFIG_INT, "12", "font size in pixels" },
	{ "min-width", PB_CONFIG_DOUBLE, "0.1", "leave out frames narrower than this (pixels)" },
	{ "palette", PB_CONFIG_STRING, "hot",
	  "hot, mem, io, red, green, blue, aqua, yellow, purple, orange; colours follow the "
	  "name, so a function keeps its colour across profiles; _[k] frames contrast" },
	{ "count-name", PB_CONFIG_STRING, "samples", "what the counts are" },
	{ "inverted", PB_CONFIG_BOOL, "false", "icicle graph: root at the top" },
	{ "reverse", PB_CONFIG_BOOL, "false", "reverse stacks (leaf first): who calls hot leaves" },
	{ "diff-base", PB_CONFIG_STRING, NULL,
	  "folded profile to compare against (before): red grew, blue shrank" },
	{ "diff-normalize", PB_CONFIG_BOOL, "false",
	  "scale diff-base to this profile's total before comparing" },
	{ 0 },
};

/* Checked when a setting is given (file:line, --set): open only sees values in range. */
static const struct pb_config_limit limits[] = {
	{ "width", 100, 1000000 },
	{ "frame-height", 4, 200 },
	{ "font-size", 4, 100 },
	{ "min-width", 0, 1000000 },
	{ "palette", .choices = fg_palette_names },
	{ 0 },
};

static int read_opts(const struct pb_host *host, const struct pb_config *cfg, struct svg_output *o)
{
	struct fg_opts *f = &o->opts;

	f->title = host->config_get(cfg, "title");
	f->subtitle = host->config_get(cfg, "subtitle");
	f->count_name = host->config_get(cfg, "count-name");
	f->palette = host->config_get(cfg, "palette");
	f->width = host->config_int(cfg, "width");
	f->frame_height = host->config_int(cfg, "frame-height");
	f->font_size = host->config_int(cfg, "font-size");
	f->min_width = host->config_double(cfg, "min-width");
	f->inverted = host->config_bool(cfg, "inverted");
	f->reverse = host->config_bool(cfg, "reverse");
	o->diff_base = host->config_get(cfg, "diff-base");
	o->diff_normalize = host->config_bool(cfg, "diff-normalize");
	if (!f->count_name)
		f->count_name = "samples";
	if (o->diff_base && !*o->diff_base)
		o->diff_base = NULL;
	return 0;
}

static int svg_open(const struct pb_host *host, const struct pb_output_params *params,
		    const struct pb_config *cfg, void **state)
{
	struct svg_output *o = calloc(1, sizeof(*o));
	int err;

	if (!o || !(o->target = strdup(params->target))) {
		free(o);
		return -ENOMEM;
	}
	o->host = host;
	snprintf(o->format, sizeof(o->format), "%s", params->format ? params->format : "svg");
	err = read_opts(host, cfg, o);
	if (err) {
		free(o->target);
		free(o);
		return err;
	}
	*state = o;
	return 0;
}

static int read_base(struct svg_output *o, struct pb_profile **ret)
{
	struct pb_folded_report rep;
	struct pb_profile *p = NULL;
	FILE *f = fopen(o->diff_base, "r");
	int err;

	if (!f) {
		err = -errno;
		o->host->log(o->host->session, PB_LOG_ERROR, WHO, "cannot open diff-base '%s': %s",
			     o->diff_base, strerror(errno));
		return err;
	}
	err = pb_profile__new(&p);
	if (!err)
		err = pb_profile__read_folded(p, f, &rep);
	fclose(f);
	if (err) {
		char why[512];

		pb_profile__read_error(o->diff_base, err, &rep, why, sizeof(why));
		o->host->log(o->host->session, PB_LOG_ERROR, WHO, "diff-base: %s", why);
		pb_profile__free(p);
		return err;
	}
	if (rep.malformed)
		o->host->log(o->host->session, PB_LOG_WARN, WHO,
			     "%s: skipped %llu malformed lines", o->diff_base,
			     (unsigned long long)rep.malformed);
	*ret = p;
	return 0;
}

static int render(struct svg_output *o, const struct fg_tree *t, FILE *f)
{
	if (!strcmp(o->format, "json"))
		return fg_write_json(f, t, &o->opts);
	if (!strcmp(o->format, "html"))
		return fg_write_html(f, t, &o->opts);
	return fg_write_svg(f, t, &o->opts, false);
}

static int svg_write(void *state, const struct pb_profile *profile, uint32_t flags)
{
	struct svg_output *o = state;
	struct pb_profile *base = NULL;
	struct pb_atomic_file af;
	struct fg_tree t;
	char *buf = NULL;
	int err;

	if (o->diff_base && (err = read_base(o, &base)))
		return err;
	err = fg_tree__build(&t, profile, o->opts.reverse);
	if (!err && base)
		err = fg_tree__set_base(&t, base, o->opts.reverse, o->diff_normalize);
	pb_profile__free(base);
	if (!err)
		err = pb_atomic_file__open(o->target, &af);
	if (err) {
		fg_tree__free(&t);
		return err;
	}
	/* One big buffer: the writers emit many small pieces per frame. */
	if ((buf = malloc(OUT_BUFFER)))
		setvbuf(af.f, buf, _IOFBF, OUT_BUFFER);
	o->opts.diff = t.delta != NULL;
	err = render(o, &t, af.f);
	fg_tree__free(&t);
	if (err)
		pb_atomic_file__abort(&af);
	else
		err = pb_atomic_file__commit(&af);
	free(buf); /* only once the stream that used it is closed */
	return err;
}

static void svg_close(void *state)
{
	struct svg_output *o = state;

	if (!o)
		return;
	free(o->target);
	free(o);
}

static const struct pb_output_ops ops = {
	.sz = sizeof(ops),
	.open = svg_open,
	.write = svg_write,
	.close = svg_close,
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
	.config_limits = limits,
	.output = &ops,
	.claims = claims,
};

PB_PLUGIN_EXPORT(&descriptor)
