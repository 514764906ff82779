// SPDX-License-Identifier: MIT
/* The profiled command's output: lines read from its pipe into a ring, escape codes dropped. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui.h"

#define MAX_LINES 5000

int tui_lines_push(struct tui_lines *l, const char *s, size_t len)
{
	char *line = strndup(s, len);

	if (!line)
		return -ENOMEM;
	if (!l->lines) {
		if (!(l->lines = calloc(MAX_LINES, sizeof(*l->lines)))) {
			free(line);
			return -ENOMEM;
		}
		l->cap = MAX_LINES;
	}
	if (l->n == l->cap) {
		free(l->lines[l->head]);
		l->lines[l->head] = line;
		l->head = (l->head + 1) % l->cap;
	} else {
		l->lines[(l->head + l->n++) % l->cap] = line;
	}
	return 0;
}

const char *tui_lines_get(const struct tui_lines *l, uint32_t i)
{
	return i < l->n ? l->lines[(l->head + i) % l->cap] : "";
}

/* Escape sequences (colours, cursor moves) would draw over the viewer: keep only the text. */
static void take(struct tui_lines *l, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = buf[i];

		if (l->in_escape) {
			/* CSI runs until a final byte; other escapes are one character long. */
			if (l->in_escape == 1)
				l->in_escape = c == '[' ? 2 : 0;
			else if (c >= 0x40 && c <= 0x7e)
				l->in_escape = 0;
			continue;
		}
		if (c == 0x1b) {
			l->in_escape = 1;
		} else if (c == '\n' || l->n_partial == sizeof(l->partial)) {
			tui_lines_push(l, l->partial, l->n_partial);
			l->n_partial = 0;
			if (c != '\n')
				l->partial[l->n_partial++] = c;
		} else if (c == '\t') {
			l->partial[l->n_partial++] = ' ';
		} else if (c >= 0x20 && c != 0x7f) {
			l->partial[l->n_partial++] = c;
		}
	}
}

int tui_lines_read(struct tui_lines *l, int fd)
{
	char buf[4096];
	int got = 0;

	for (int rounds = 0; rounds < 64 && !l->eof; rounds++) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? got : -errno;
		if (n == 0) {
			l->eof = true;
			if (l->n_partial)
				tui_lines_push(l, l->partial, l->n_partial);
			l->n_partial = 0;
			return 1;
		}
		take(l, buf, n);
		got = 1;
	}
	return got;
}

void tui_lines_free(struct tui_lines *l)
{
	if (!l)
		return;
	for (uint32_t i = 0; i < l->n; i++)
		free(l->lines[(l->head + i) % l->cap]);
	free(l->lines);
	memset(l, 0, sizeof(*l));
}
