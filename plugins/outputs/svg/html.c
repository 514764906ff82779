// SPDX-License-Identifier: MIT
/* The HTML writer: one self-contained page holding the SVG flame graph and its script. */
#include <errno.h>

#include "flamegraph.h"

int fg_write_html(FILE *f, const struct fg_tree *t, const struct fg_opts *o)
{
	const char *title = o->title && *o->title ? o->title
				: o->inverted ? "Icicle Graph" : "Flame Graph";
	int err;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
	fg_put_xml(f, title, SIZE_MAX);
	fputs("</title>\n<style>body{margin:0;background:#fff}</style>\n</head>\n<body>\n", f);
	/* Inline SVG keeps one DOM for both formats, so the script is the same file. */
	if ((err = fg_write_svg(f, t, o, true)))
		return err;
	fputs("</body>\n</html>\n", f);
	return ferror(f) ? (errno ? -errno : -EIO) : 0;
}
