/* SPDX-License-Identifier: MIT */
/* Bounded line reading for files from outside (--input, diff-base, pb.load, conf files). */
#ifndef PB_LINES_H
#define PB_LINES_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/*
 * Reads one line into buf (at most max bytes, newline dropped, NUL-terminated: buf holds max + 1).
 * Returns its length, -ENODATA at the end of the file, -E2BIG when the line is longer than max (the
 * rest is left unread: /dev/zero has no end), or -errno when reading failed (EISDIR for a
 * directory), so the caller can name the real cause.
 */
ssize_t pb_read_line(FILE *f, char *buf, size_t max);

/*
 * The same for a whole file read line after line (folded input: 33 MB where one getc per byte
 * was the biggest cost): f is read in large blocks, lines are found with memchr and handed out
 * in place. Lines of at most max bytes; f is read no further than max bytes past a line start.
 */
struct pb_line_reader {
	FILE *f;
	char *buf;
	size_t cap, start, end, max;
	bool eof;
};
int pb_line_reader__init(struct pb_line_reader *r, FILE *f, size_t max);
/* Its next line in *line (NUL-terminated, valid until the next call); returns as pb_read_line. */
ssize_t pb_line_reader__next(struct pb_line_reader *r, char **line);
void pb_line_reader__free(struct pb_line_reader *r);

#endif
