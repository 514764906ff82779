// SPDX-License-Identifier: MIT
/* The core's messages to stderr: "profile-bee: ..." lines, filtered by verbosity. */
#include <stdio.h>

#include "log.h"

int pb_log_verbosity = PB_LOG_WARN;

void pb_vlog(enum pb_log_level level, const char *who, const char *fmt, va_list ap)
{
	char line[2048];

	if ((int)level > pb_log_verbosity)
		return;
	/*
	 * Messages carry what collectors, stores and metadata services sent: one sanitizer for all
	 * of them, here, so no caller can forget it (an ESC from a reply cleared the screen).
	 */
	pb_vformat_escaped(line, sizeof(line), fmt, ap);
	/* One write per message so lines from threads do not interleave. */
	if (who)
		fprintf(stderr, "profile-bee: %s: %s\n", who, line);
	else
		fprintf(stderr, "profile-bee: %s\n", line);
}

void pb_log(enum pb_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pb_vlog(level, NULL, fmt, ap);
	va_end(ap);
}
