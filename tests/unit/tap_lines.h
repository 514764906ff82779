/* SPDX-License-Identifier: MIT */
/* TAP text that may hold newlines (a log, stderr, a folded profile): further lines are comments. */
#ifndef PB_TAP_LINES_H
#define PB_TAP_LINES_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* Prints head, then the formatted text; each of its newlines starts a "# " line. */
static inline void tap_vprint(const char *head, const char *fmt, va_list ap)
{
	va_list again;
	char *text;
	int len;

	va_copy(again, ap);
	len = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	text = len < 0 ? NULL : malloc((size_t)len + 1);
	fputs(head, stdout);
	if (!text) {
		puts("(cannot format the message)");
		return;
	}
	vsnprintf(text, (size_t)len + 1, fmt, ap);
	for (const char *p = text; *p; p++) {
		putchar(*p);
		if (*p == '\n')
			fputs("# ", stdout);
	}
	putchar('\n');
	fflush(stdout);
	free(text);
}

__attribute__((format(printf, 2, 3))) static inline void tap_print(const char *head,
								   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vprint(head, fmt, ap);
	va_end(ap);
}

#endif
