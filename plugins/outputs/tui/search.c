// SPDX-License-Identifier: MIT
/* Flame graph search: a regular expression, the frames it matches, and their share of samples. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* Tests names not seen yet; windows keep adding names while a search stays active. */
int tui_search_refresh(struct tui_flame *f, const struct tui_names *names)
{
	uint32_t from = f->name_match_cap;

	if (!f->searching || names->n <= from)
		return 0;
	uint8_t *m = realloc(f->name_match, names->n);

	if (!m)
		return -ENOMEM;
	f->name_match = m;
	for (uint32_t i = from; i < names->n; i++)
		m[i] = !regexec(&f->re, names->names[i], 0, NULL, 0);
	f->name_match_cap = names->n;
	f->matched_valid = false;
	return 0;
}

static bool has_upper(const char *s)
{
	for (; *s; s++)
		if (isupper((unsigned char)*s))
			return true;
	return false;
}

int tui_search_set(struct tui_flame *f, const struct tui_names *names, const char *pattern,
		   char *err, size_t err_len)
{
	int flags = REG_EXTENDED | REG_NOSUB | (has_upper(pattern) ? 0 : REG_ICASE);
	regex_t re;
	int rc = regcomp(&re, pattern, flags);

	if (rc) {
		regerror(rc, &re, err, err_len);
		regfree(&re);
		return -EINVAL;
	}
	tui_search_clear(f);
	f->matched_valid = false;
	f->re = re;
	f->searching = true;
	snprintf(f->pattern, sizeof(f->pattern), "%s", pattern);
	return tui_search_refresh(f, names);
}

void tui_search_clear(struct tui_flame *f)
{
	if (!f->searching)
		return;
	regfree(&f->re);
	f->searching = false;
	f->pattern[0] = '\0';
	f->name_match_cap = 0;
	f->matched_valid = false;
}

/* Cached: the status line asks at every redraw, and a walk of a big tree costs milliseconds. */
double tui_search_matched(struct tui_flame *f, uint32_t zoom)
{
	uint32_t *todo, n_todo = 0;
	double sum = 0;

	if (f->matched_valid && f->matched_zoom == zoom)
		return f->matched;
	if (!f->searching || zoom >= f->n || !(todo = malloc(f->n * sizeof(*todo))))
		return 0;
	todo[n_todo++] = zoom;
	while (n_todo) {
		const struct tui_node *nd = &f->nodes[todo[--n_todo]];

		/* A match counts its whole subtree once, even when callees match again. */
		if (tui_search_hit(f, nd - f->nodes)) {
			sum += nd->total;
			continue;
		}
		for (uint32_t c = 0; c < nd->n_children; c++)
			todo[n_todo++] = f->children[nd->first_child + c];
	}
	free(todo);
	f->matched = sum;
	f->matched_zoom = zoom;
	f->matched_valid = true;
	return sum;
}

uint32_t tui_search_next(const struct tui_flame *f, uint32_t node, int dir)
{
	int64_t at = tui_flame_cell_of(f, node, NULL), n = f->n_cells;

	if (!f->searching || !n)
		return TUI_NO_NODE;
	if (at < 0)
		at = dir > 0 ? -1 : n;
	for (int64_t k = 1; k <= n; k++) {
		int64_t i = ((at + dir * k) % n + n) % n;

		if (tui_search_hit(f, f->cells[i].node))
			return f->cells[i].node;
	}
	return TUI_NO_NODE;
}

void tui_search_literal(const char *name, char *out, size_t len)
{
	size_t o = 0;

	for (; *name && o + 3 < len; name++) {
		if (strchr(".[]{}()\\*+?^$|", *name))
			out[o++] = '\\';
		out[o++] = *name;
	}
	out[o] = '\0';
	/* Anchored so "#" on "main" does not also light up "domain_loop". */
	if (o + 3 < len) {
		memmove(out + 1, out, o + 1);
		out[0] = '^';
		out[o + 1] = '$';
		out[o + 2] = '\0';
	}
}
