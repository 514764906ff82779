/* SPDX-License-Identifier: MIT */
/* Bounded line reading for files from outside (--input, diff-base, pb.load, conf files). */
#ifndef PB_LINES_H
#define PB_LINES_H

#include <stdio.h>
#include <sys/types.h>

/*
 * Reads one line into buf (at most max bytes, newline dropped, NUL-terminated: buf holds max + 1).
 * Returns its length, -ENODATA at the end of the file, -E2BIG when the line is longer than max (the
 * rest is left unread: /dev/zero has no end), or -errno when reading failed (EISDIR for a
 * directory), so the caller can name the real cause.
 */
ssize_t pb_read_line(FILE *f, char *buf, size_t max);

#endif
