// SPDX-License-Identifier: MIT
/* Bounded line reading: getline() would grow without end on a file with no newline. */
#include <errno.h>

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
