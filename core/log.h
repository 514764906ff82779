/* SPDX-License-Identifier: MIT */
/* The library's messages: "profile-bee: ..." lines on stderr, or the embedder's pb_log_fn. */
#ifndef PB_LOG_H
#define PB_LOG_H

#include <stdarg.h>
#include <profile-bee/plugin.h>

extern int pb_log_verbosity; /* messages above this level are dropped; default PB_LOG_WARN */

void pb_log(enum pb_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pb_vlog(enum pb_log_level level, const char *who, const char *fmt, va_list ap);
/* To fn (a session's own), else to the handler of pb_log__set_handler, else to stderr. */
void pb_vlog_to(pb_log_fn fn, void *ctx, enum pb_log_level level, const char *who,
		const char *fmt, va_list ap);

/*
 * Text from outside (a collector's reply, metadata, a Host header) made one safe line: control
 * characters, C1, bidi overrides and bytes that are not UTF-8 escaped; cut with "..." to fit len.
 * Every message goes through it on its way to stderr.
 */
size_t pb_escape(char *dst, size_t len, const char *src, size_t n);
/* vsnprintf, then pb_escape into dst. */
void pb_vformat_escaped(char *dst, size_t len, const char *fmt, va_list ap);

#define pb_err(...) pb_log(PB_LOG_ERROR, __VA_ARGS__)
#define pb_warn(...) pb_log(PB_LOG_WARN, __VA_ARGS__)
#define pb_info(...) pb_log(PB_LOG_INFO, __VA_ARGS__)
#define pb_debug(...) pb_log(PB_LOG_DEBUG, __VA_ARGS__)

#endif
