// SPDX-License-Identifier: MIT
/* The library's messages: "profile-bee: ..." lines on stderr, or the embedder's pb_log_fn. */
#include <stdio.h>

#include "log.h"

int pb_log_verbosity = PB_LOG_WARN;
static pb_log_fn handler;
static void *handler_ctx;

void pb_log__set_handler(pb_log_fn fn, void *ctx)
{
	handler = fn;
	handler_ctx = ctx;
}

void pb_vlog_to(pb_log_fn fn, void *ctx, enum pb_log_level level, const char *who,
		const char *fmt, va_list ap)
{
	char line[2048];

	if ((int)level > pb_log_verbosity)
		return;
	/*
	 * Messages carry what collectors, stores and metadata services sent: one sanitizer for all
	 * of them, here, so no caller can forget it (an ESC from a reply cleared the screen).
	 */
	pb_vformat_escaped(line, sizeof(line), fmt, ap);
	if (!fn) {
		fn = handler;
		ctx = handler_ctx;
	}
	if (fn)
		fn(ctx, level, who, line);
	/* One write per message so lines from threads do not interleave. */
	else if (who)
		fprintf(stderr, "profile-bee: %s: %s\n", who, line);
	else
		fprintf(stderr, "profile-bee: %s\n", line);
}

void pb_vlog(enum pb_log_level level, const char *who, const char *fmt, va_list ap)
{
	pb_vlog_to(NULL, NULL, level, who, fmt, ap);
}

void pb_log(enum pb_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pb_vlog(level, NULL, fmt, ap);
	va_end(ap);
}
