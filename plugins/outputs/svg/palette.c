// SPDX-License-Identifier: MIT
/* Frame colours: flamegraph.pl's palettes, picked by a hash of the name so they are stable. */
#include <stdio.h>
#include <string.h>

#include "flamegraph.h"

/*
 * A colour is base + span * v per channel, v in [0, 1) from the name: the ranges are
 * flamegraph.pl's, so graphs look as people expect. Hashing the name (rather than rolling
 * dice, as flamegraph.pl does by default) makes a function keep its colour from one profile
 * to the next and keeps output byte-for-byte deterministic.
 */
struct scheme {
	const char *name;
	uint8_t base[3];
	uint8_t span[3];
	uint8_t var[3]; /* which of the name's variations drives each channel */
	const char *kernel; /* the scheme of "_[k]" frames: one that contrasts with this one */
};

static const struct scheme schemes[] = {
	{ "hot", { 205, 0, 0 }, { 50, 230, 55 }, { 2, 0, 1 }, "aqua" },
	{ "mem", { 0, 190, 0 }, { 0, 50, 210 }, { 0, 1, 0 }, "orange" },
	{ "io", { 80, 80, 190 }, { 60, 60, 55 }, { 0, 0, 1 }, "orange" },
	{ "red", { 200, 50, 50 }, { 55, 80, 80 }, { 0, 0, 0 }, "aqua" },
	{ "green", { 50, 200, 50 }, { 60, 55, 60 }, { 0, 0, 0 }, "orange" },
	{ "blue", { 80, 80, 205 }, { 60, 60, 50 }, { 0, 0, 0 }, "orange" },
	{ "aqua", { 50, 165, 165 }, { 60, 55, 55 }, { 0, 0, 0 }, "orange" },
	{ "yellow", { 175, 175, 50 }, { 55, 55, 20 }, { 0, 0, 0 }, "aqua" },
	{ "purple", { 190, 80, 190 }, { 65, 60, 65 }, { 0, 0, 0 }, "green" },
	{ "orange", { 190, 90, 0 }, { 65, 65, 0 }, { 0, 0, 0 }, "aqua" },
	{ NULL },
};

const char fg_palette_names[] = "hot, mem, io, red, green, blue, aqua, yellow, purple, orange";

static const struct scheme *find(const char *name)
{
	for (const struct scheme *s = schemes; s->name; s++)
		if (name && !strcmp(s->name, name))
			return s;
	return NULL;
}

bool fg_palette_known(const char *palette)
{
	return find(palette) != NULL;
}

/* FNV-1a, forwards and backwards: two independent-looking variations of one name. */
static void name_hashes(const char *name, size_t len, uint32_t v[3])
{
	uint32_t fwd = 2166136261u, back = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		fwd = (fwd ^ (unsigned char)name[i]) * 16777619u;
		back = (back ^ (unsigned char)name[len - 1 - i]) * 16777619u;
	}
	v[0] = fwd;
	v[1] = back;
	v[2] = fwd ^ (back >> 7);
}

static bool is_kernel(const char *name, size_t len)
{
	return len >= 4 && !memcmp(name + len - 4, "_[k]", 4);
}

void fg_palette_color(const char *palette, const char *name, char out[24])
{
	const struct scheme *s = find(palette);
	size_t len = strlen(name);
	uint32_t v[3];
	int c[3];

	if (!s)
		s = schemes;
	if (is_kernel(name, len))
		s = find(s->kernel);
	name_hashes(name, len, v);
	for (int i = 0; i < 3; i++)
		c[i] = s->base[i] + (int)(((uint64_t)s->span[i] * (v[s->var[i]] >> 8)) >> 24);
	snprintf(out, 24, "rgb(%d,%d,%d)", c[0], c[1], c[2]);
}

void fg_diff_color(int64_t delta, int64_t max_abs_delta, char out[24])
{
	int r = 255, g = 255, b = 255;

	/*
	 * White means unchanged; full red is the largest growth, full blue the largest shrink.
	 * A frame beyond the scale (the root, which is left out of it) is drawn at its end: no
	 * component may leave 0-255 (the root was rgb(-43,-43,255)).
	 */
	if (delta > max_abs_delta)
		delta = max_abs_delta;
	else if (delta < -max_abs_delta)
		delta = -max_abs_delta;
	if (max_abs_delta > 0 && delta > 0)
		g = b = (int)(210 * (max_abs_delta - delta) / max_abs_delta);
	else if (max_abs_delta > 0 && delta < 0)
		r = g = (int)(210 * (max_abs_delta + delta) / max_abs_delta);
	snprintf(out, 24, "rgb(%d,%d,%d)", r, g, b);
}
