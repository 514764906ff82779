// SPDX-License-Identifier: MIT
/* Bounded line reading: getline() would grow without end on a file with no newline. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"

ssize_t pb_read_line(FILE *f, char *buf, size_t max)
{
	size_t n = 0;
	int c;

	flockfile(f);
	errno = 0;
	while ((c = getc_unlocked(f)) != EOF && c != '\n') {
		if (n == max) {
			funlockfile(f);
			return -E2BIG;
		}
		buf[n++] = c;
	}
	funlockfile(f);
	buf[n] = '\0';
	if (c == EOF && ferror(f))
		return errno ? -errno : -EIO;
	if (c == EOF && n == 0)
		return -ENODATA;
	return n;
}

#define READ_BLOCK (256u << 10)

int pb_line_reader__init(struct pb_line_reader *r, FILE *f, size_t max)
{
	*r = (struct pb_line_reader){ .f = f, .max = max, .cap = max + 1 + READ_BLOCK };
	r->buf = malloc(r->cap);
	return r->buf ? 0 : -ENOMEM;
}

void pb_line_reader__free(struct pb_line_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* Moves the unread bytes to the front and reads more after them: 0, or -errno. */
static int fill(struct pb_line_reader *r)
{
	size_t n;

	memmove(r->buf, r->buf + r->start, r->end - r->start);
	r->end -= r->start;
	r->start = 0;
	errno = 0;
	n = fread(r->buf + r->end, 1, r->cap - 1 - r->end, r->f); /* one byte for a last NUL */
	r->end += n;
	if (!n && ferror(r->f))
		return errno ? -errno : -EIO;
	r->eof = !n;
	return 0;
}

ssize_t pb_line_reader__next(struct pb_line_reader *r, char **line)
{
	for (;;) {
		char *from = r->buf + r->start;
		char *nl = memchr(from, '\n', r->end - r->start);
		size_t len = nl ? (size_t)(nl - from) : r->end - r->start;
		int err;

		if (len > r->max)
			return -E2BIG;
		if (nl || (r->eof && len)) {
			from[len] = '\0';
			r->start += len + (nl != NULL);
			*line = from;
			return len;
		}
		if (r->eof)
			return -ENODATA;
		if ((err = fill(r)))
			return err;
	}
}
