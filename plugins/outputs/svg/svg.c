// SPDX-License-Identifier: MIT
/* The SVG writer: lays the tree out in pixels and prints flamegraph.pl's familiar document. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph.h"

#define XPAD 10
#define TEXT_PAD 3	   /* pixels between a frame's left edge and its label */
#define FONT_WIDTH 0.59	   /* average character width, in font sizes (Verdana) */
#define SEARCH_COLOR "rgb(230,0,230)"

struct layout {
	const struct fg_tree *t;
	const struct fg_opts *o;
	uint64_t total;
	double frames_w;    /* pixels across the frames area */
	double min_samples; /* narrower frames are left out */
	uint32_t max_depth; /* deepest frame drawn */
	int64_t max_delta;  /* largest |delta| drawn, for the diff colours */
	int height, ypad1, ypad2;
};

static bool visible(const struct layout *l, const struct fg_node *n)
{
	return (double)n->value >= l->min_samples;
}

/* What will be drawn decides the height and the diff colour scale: one pass before printing. */
static void measure(struct layout *l)
{
	const struct fg_tree *t = l->t;

	for (size_t i = 0; i < t->n;) {
		const struct fg_node *n = &t->nodes[i];

		if (!visible(l, n)) {
			i = n->end;
			continue;
		}
		if (n->depth > l->max_depth)
			l->max_depth = n->depth;
		if (t->delta && i > 0 && llabs(t->delta[i]) > l->max_delta)
			l->max_delta = llabs(t->delta[i]);
		i++;
	}
	/* Room for the title, and for a subtitle under it. */
	l->ypad1 = l->o->font_size * 3;
	if (l->o->subtitle && *l->o->subtitle)
		l->ypad1 += l->o->font_size * 2;
	l->ypad2 = l->o->font_size * 2 + 10;
	l->height = (l->max_depth + 1) * l->o->frame_height + l->ypad1 + l->ypad2;
}

static void put_pct(FILE *f, double fraction)
{
	fg_put_fixed(f, llround(fraction * 1e6), 4);
	putc_unlocked('%', f);
}

static const char *title_of(const struct fg_opts *o)
{
	if (o->title && *o->title)
		return o->title;
	return o->inverted ? "Icicle Graph" : "Flame Graph";
}

static void put_header(FILE *f, const struct layout *l, bool in_html)
{
	const struct fg_opts *o = l->o;
	int w = o->width, fs = o->font_size;

	if (!in_html)
		fputs("<?xml version=\"1.0\" standalone=\"no\"?>\n", f);
	fprintf(f,
		"<svg version=\"1.1\" id=\"pb-flamegraph\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" xmlns=\"http://www.w3.org/2000/svg\"%s>\n",
		w, l->height, w, l->height,
		in_html ? "" : " xmlns:fg=\"urn:x-profile-bee:flamegraph\"");
	fprintf(f,
		"<defs><linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">"
		"<stop stop-color=\"#eeeeee\" offset=\"5%%\"/>"
		"<stop stop-color=\"#eeeeb0\" offset=\"95%%\"/></linearGradient></defs>\n"
		"<style type=\"text/css\">\n"
		"text{font-family:Verdana,\"DejaVu Sans\",sans-serif;font-size:%dpx;fill:#000}\n"
		"#title{text-anchor:middle;font-size:%dpx}\n"
		"#subtitle{text-anchor:middle;fill:#a0a0a0}\n"
		"#search,#ignorecase{opacity:0.1;cursor:pointer}\n"
		"#search:hover,#search.active,#ignorecase:hover,#ignorecase.active{opacity:1}\n"
		"#unzoom{cursor:pointer}\n"
		"#frames>g{cursor:pointer}\n"
		"#frames rect{rx:2px;ry:2px}\n"
		"#frames>g:hover>rect{stroke:#000;stroke-width:0.5}\n"
		".hide{display:none}\n"
		".parent{opacity:0.5}\n"
		"</style>\n",
		fs, fs + 5);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"100%%\" height=\"100%%\" "
		   "fill=\"url(#background)\"/>\n");
	fprintf(f, "<text id=\"title\" x=\"%d\" y=\"%d\">", w / 2, fs * 2);
	fg_put_xml(f, title_of(o), SIZE_MAX);
	fputs("</text>\n", f);
	if (o->subtitle && *o->subtitle) {
		fprintf(f, "<text id=\"subtitle\" x=\"%d\" y=\"%d\">", w / 2, fs * 4);
		fg_put_xml(f, o->subtitle, SIZE_MAX);
		fputs("</text>\n", f);
	}
	fprintf(f, "<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n", XPAD,
		l->height - l->ypad2 / 2);
	fprintf(f, "<text id=\"unzoom\" class=\"hide\" x=\"%d\" y=\"%d\">Reset Zoom</text>\n",
		XPAD, fs * 2);
	fprintf(f, "<text id=\"search\" x=\"%d\" y=\"%d\">Search</text>\n", w - XPAD - 100,
		fs * 2);
	fprintf(f, "<text id=\"ignorecase\" x=\"%d\" y=\"%d\">ic</text>\n", w - XPAD - 16, fs * 2);
	fprintf(f, "<text id=\"matched\" x=\"%d\" y=\"%d\"> </text>\n", w - XPAD - 100,
		l->height - l->ypad2 / 2);
	fprintf(f, "<svg id=\"frames\" x=\"%d\" width=\"%d\">\n", XPAD, w - 2 * XPAD);
}

/* "name (1,234 samples, 5.67%)", and in a diff "; +89 samples, +1.23%" before the ')'. */
static void put_title(FILE *f, const struct layout *l, size_t i, const char *name)
{
	const struct fg_node *n = &l->t->nodes[i];

	fputs_unlocked("<title>", f);
	fg_put_xml(f, name, SIZE_MAX);
	fputs_unlocked(" (", f);
	fg_put_grouped(f, n->value);
	putc_unlocked(' ', f);
	fg_put_xml(f, l->o->count_name, SIZE_MAX);
	fputs_unlocked(", ", f);
	fg_put_fixed(f, llround(n->value * 1e4 / l->total), 2);
	putc_unlocked('%', f);
	if (l->t->delta) {
		int64_t d = l->t->delta[i];

		fputs_unlocked(d > 0 ? "; +" : d < 0 ? "; -" : "; ", f);
		fg_put_grouped(f, d < 0 ? -(uint64_t)d : (uint64_t)d);
		putc_unlocked(' ', f);
		fg_put_xml(f, l->o->count_name, SIZE_MAX);
		fputs_unlocked(d >= 0 ? ", +" : ", ", f);
		fg_put_fixed(f, llround(d * 1e4 / l->total), 2);
		putc_unlocked('%', f);
	}
	fputs_unlocked(")</title>", f);
}

/* The label the frame shows at its width: whole, cut with "..", or none under 3 characters. */
static void put_label(FILE *f, const char *name, double width_px, int font_size)
{
	size_t chars = (size_t)(width_px / (font_size * FONT_WIDTH));
	size_t len;

	if (chars < 3)
		return;
	len = fg_utf8_length(name);
	if (len <= chars) {
		fg_put_xml(f, name, SIZE_MAX);
		return;
	}
	fg_put_xml(f, name, chars - 2);
	fputs_unlocked("..", f);
}

static void put_frame(FILE *f, const struct layout *l, size_t i, uint64_t x)
{
	const struct fg_node *n = &l->t->nodes[i];
	const struct fg_opts *o = l->o;
	const char *name = fg_node_name(l->t, n);
	int y = o->inverted ? l->ypad1 + (int)n->depth * o->frame_height
			    : l->height - l->ypad2 - ((int)n->depth + 1) * o->frame_height;
	double width_px = (double)n->value * l->frames_w / l->total;
	char color[24];

	if (l->t->delta)
		fg_diff_color(l->t->delta[i], l->max_delta, color);
	else
		fg_palette_color(o->palette, name, color);
	fputs_unlocked("<g fg:x=\"", f);
	fg_put_u64(f, x);
	fputs_unlocked("\" fg:w=\"", f);
	fg_put_u64(f, n->value);
	fputs_unlocked("\">", f);
	put_title(f, l, i, name);
	fputs_unlocked("<rect x=\"", f);
	put_pct(f, (double)x / l->total);
	fputs_unlocked("\" y=\"", f);
	fg_put_u64(f, y);
	fputs_unlocked("\" width=\"", f);
	put_pct(f, (double)n->value / l->total);
	fputs_unlocked("\" height=\"", f);
	fg_put_u64(f, o->frame_height - 1);
	fputs_unlocked("\" fill=\"", f);
	fputs_unlocked(color, f);
	fputs_unlocked("\"/><text x=\"", f);
	put_pct(f, (double)x / l->total + TEXT_PAD / l->frames_w);
	fputs_unlocked("\" y=\"", f);
	fg_put_u64(f, y + o->frame_height - 5);
	fputs_unlocked("\">", f);
	put_label(f, name, width_px, o->font_size);
	fputs_unlocked("</text></g>\n", f);
}

/*
 * Children follow their parent in preorder, so one cursor per depth places every frame: a
 * frame starts where the previous frame at its depth ended, or where its parent starts.
 */
static int put_frames(FILE *f, const struct layout *l)
{
	const struct fg_tree *t = l->t;
	uint64_t *cursor = calloc(t->max_depth + 2, sizeof(*cursor));

	if (!cursor)
		return -ENOMEM;
	for (size_t i = 0; i < t->n;) {
		const struct fg_node *n = &t->nodes[i];
		uint64_t x = cursor[n->depth];

		cursor[n->depth] += n->value;
		if (!visible(l, n)) {
			i = n->end;
			continue;
		}
		cursor[n->depth + 1] = x;
		put_frame(f, l, i, x);
		i++;
	}
	free(cursor);
	return 0;
}

static void put_config(FILE *f, const struct layout *l)
{
	fputs("var pbFlameGraph = {\"total\":", f);
	fg_put_u64(f, l->total);
	fprintf(f,
		",\"framesWidth\":%d,\"fontSize\":%d,\"fontWidth\":%.2f,\"textPad\":%d,"
		"\"inverted\":%s,\"searchColor\":\"%s\",\"nameType\":\"Function:\"};\n",
		(int)l->frames_w, l->o->font_size, FONT_WIDTH, TEXT_PAD,
		l->o->inverted ? "true" : "false", SEARCH_COLOR);
}

int fg_write_svg(FILE *f, const struct fg_tree *t, const struct fg_opts *o, bool in_html)
{
	struct layout l = {
		.t = t,
		.o = o,
		.total = t->nodes[0].value,
		.frames_w = o->width - 2 * XPAD,
	};
	int err;

	if (!l.total)
		l.total = 1; /* an empty profile still gives a valid (empty) graph */
	l.min_samples = o->min_width * l.total / l.frames_w;
	measure(&l);
	flockfile(f);
	put_header(f, &l, in_html);
	err = put_frames(f, &l);
	fputs_unlocked("</svg>\n", f);
	if (!in_html) {
		fputs_unlocked("<script type=\"text/ecmascript\"><![CDATA[\n", f);
		put_config(f, &l);
		fputs_unlocked(fg_script, f);
		fputs_unlocked("]]></script>\n", f);
	}
	fputs_unlocked("</svg>\n", f);
	if (in_html) {
		fputs_unlocked("<script>\n", f);
		put_config(f, &l);
		fputs_unlocked(fg_script, f);
		fputs_unlocked("</script>\n", f);
	}
	funlockfile(f);
	/* errno still says why the stream failed (ENOSPC on a full disk): more use than EIO. */
	if (!err && ferror(f))
		err = errno ? -errno : -EIO;
	return err;
}
