// SPDX-License-Identifier: MIT
/* A static SVG flame graph (GET /svg): flamegraph.pl's geometry and palette, no script. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define SVG_WIDTH 1200
#define SVG_PAD 10
#define SVG_FRAME_H 16
#define SVG_TOP 40	    /* room for the title */
#define SVG_FONT_W 7.08	    /* 12 px Verdana, as flamegraph.pl estimates it */
#define SVG_MIN_WIDTH 0.1   /* narrower frames are left out, as flamegraph.pl does */

struct svg_ctx {
	FILE *f;
	double scale; /* pixels per sample */
	uint32_t levels;
	uint64_t total;
	const char **names; /* the open path's names, by depth */
	uint32_t cap;
};

static void xml_text(FILE *f, const char *s, size_t max)
{
	for (size_t i = 0; s[i] && i < max; i++) {
		switch (s[i]) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(s[i], f);
		}
	}
}

/* A colour that stays the same for a name between refreshes (flamegraph.pl picks at random). */
static void frame_colour(const char *name, int rgb[3])
{
	uint32_t h = 2166136261u;
	size_t len = strlen(name);

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 16777619u;
	if (len > 4 && !strcmp(name + len - 4, "_[k]")) {
		rgb[0] = 50 + h % 60, rgb[1] = 150 + (h >> 8) % 70, rgb[2] = 200 + (h >> 16) % 55;
		return;
	}
	rgb[0] = 205 + h % 50, rgb[1] = (h >> 8) % 230, rgb[2] = (h >> 16) % 55;
}

static void svg_frame(struct svg_ctx *c, const char *name, uint32_t level, uint64_t before,
		      uint64_t samples)
{
	double x = SVG_PAD + before * c->scale, w = samples * c->scale;
	double y = SVG_TOP + (c->levels - level - 1) * SVG_FRAME_H;
	size_t fit = w > 3 * SVG_FONT_W ? (size_t)(w / SVG_FONT_W) - 1 : 0;
	int rgb[3];

	if (w < SVG_MIN_WIDTH)
		return;
	frame_colour(name, rgb);
	fputs("<g><title>", c->f);
	xml_text(c->f, name, (size_t)-1);
	fprintf(c->f, " (%llu samples, %.2f%%)</title>", (unsigned long long)samples,
		c->total ? 100.0 * samples / c->total : 0.0);
	fprintf(c->f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
		      "fill=\"rgb(%d,%d,%d)\" rx=\"2\"/>",
		x, y, w, SVG_FRAME_H - 1, rgb[0], rgb[1], rgb[2]);
	if (fit) {
		fprintf(c->f, "<text x=\"%.1f\" y=\"%.1f\">", x + 3, y + SVG_FRAME_H - 5);
		xml_text(c->f, name, strlen(name) > fit ? fit - 2 : fit);
		fputs(strlen(name) > fit ? "..</text>" : "</text>", c->f);
	}
	fputs("</g>\n", c->f);
}

static int svg_open(void *ctx, const char *name, uint32_t depth, uint64_t before)
{
	struct svg_ctx *c = ctx;

	if (depth < c->cap)
		c->names[depth] = name;
	return 0;
}

static int svg_close(void *ctx, uint32_t depth, uint64_t before, uint64_t end)
{
	struct svg_ctx *c = ctx;

	if (depth < c->cap)
		svg_frame(c, c->names[depth], depth + 1, before, end - before);
	return ferror(c->f) ? -EIO : 0;
}

int render_svg(const struct pb_profile *p, const char *title, FILE *f)
{
	struct svg_ctx c = { .f = f, .total = pb_profile__total(p) };
	struct tree_visitor v = { .open = svg_open, .close = svg_close, .ctx = &c };
	uint32_t height;
	int err;

	for (size_t i = 0; i < pb_profile__stack_count(p); i++)
		if (pb_profile__stack(p, i)->depth > c.cap)
			c.cap = pb_profile__stack(p, i)->depth;
	c.names = calloc(c.cap ? c.cap : 1, sizeof(*c.names));
	if (!c.names)
		return -ENOMEM;
	c.levels = c.cap + 1; /* the "all" frame under everything */
	c.scale = c.total ? (SVG_WIDTH - 2.0 * SVG_PAD) / c.total : 0;
	height = SVG_TOP + c.levels * SVG_FRAME_H + SVG_PAD;
	fprintf(f, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		   "<svg version=\"1.1\" width=\"%d\" height=\"%u\" viewBox=\"0 0 %d %u\" "
		   "xmlns=\"http://www.w3.org/2000/svg\">\n"
		   "<style>text{font-family:Verdana,sans-serif;font-size:12px;fill:#000}"
		   "#title{font-size:17px;text-anchor:middle}</style>\n"
		   "<rect width=\"100%%\" height=\"100%%\" fill=\"#f8f8f8\"/>\n"
		   "<text id=\"title\" x=\"%d\" y=\"24\">",
		SVG_WIDTH, height, SVG_WIDTH, height, SVG_WIDTH / 2);
	xml_text(f, title, (size_t)-1);
	fputs("</text>\n", f);
	err = render_tree_walk(p, &v);
	if (!err && c.total)
		svg_frame(&c, "all", 0, 0, c.total);
	fputs("</svg>\n", f);
	free(c.names);
	if (!err && ferror(f))
		err = -EIO;
	return err;
}
