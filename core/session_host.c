// SPDX-License-Identifier: MIT
/* The host table plugins call back through, lost-stack accounting and session errors. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "session_internal.h"

static void host_log(struct pb_session *s, enum pb_log_level level, const char *who,
		     const char *fmt, ...)
{
	va_list ap;
	int used;

	va_start(ap, fmt);
	/* Said while opening or writing an output: it becomes that failure's one message. */
	if (level == PB_LOG_ERROR && s && s->capturing &&
	    pthread_equal(s->capture_thread, pthread_self()) && !s->captured[0]) {
		used = who ? snprintf(s->captured, sizeof(s->captured), "%s: ", who) : 0;
		vsnprintf(s->captured + used, sizeof(s->captured) - used, fmt, ap);
	} else {
		pb_vlog_to(s ? s->opts.log : NULL, s ? s->opts.log_ctx : NULL, level, who, fmt, ap);
	}
	va_end(ap);
}

void pb_session_log(struct pb_session *s, enum pb_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pb_vlog_to(s->opts.log, s->opts.log_ctx, level, NULL, fmt, ap);
	va_end(ap);
}

static int host_encode(struct pb_session *s, const struct pb_profile *p, const char *format,
		       FILE *out)
{
	return pb_session_encode(s, p, format, out);
}

void pb_session_capture_begin(struct pb_session *s)
{
	s->captured[0] = '\0';
	s->capture_thread = pthread_self();
	s->capturing = true;
}

const char *pb_session_capture_end(struct pb_session *s, int err)
{
	s->capturing = false;
	return s->captured[0] ? s->captured : strerror(-err);
}

static const struct pb_mapping *host_find_mapping(struct pb_session *s, uint32_t pid,
						  uint64_t addr)
{
	return s->proctab ? pb_proctab__find(s->proctab, pid, addr) : NULL;
}

static int host_for_each_mapping(struct pb_session *s, uint32_t pid, pb_mapping_fn fn, void *ctx)
{
	return s->proctab ? pb_proctab__for_each_mapping(s->proctab, pid, fn, ctx) : -ENOENT;
}

static bool host_stop_requested(struct pb_session *s)
{
	return s->stop_requested;
}

static uint64_t host_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int host_command_output_fd(struct pb_session *s)
{
	return s->child_output_fd;
}

void pb_session_init_host(struct pb_session *s)
{
	s->host = (struct pb_host){
		.sz = sizeof(struct pb_host),
		.abi_major = PB_PLUGIN_ABI_MAJOR,
		.abi_minor = PB_PLUGIN_ABI_MINOR,
		.session = s,
		.log = host_log,
		.count_lost = pb_session_count_lost,
		.find_mapping = host_find_mapping,
		.for_each_mapping = host_for_each_mapping,
		.request_stop = pb_session__stop,
		.stop_requested = host_stop_requested,
		.now_ns = host_now_ns,
		.command_output_fd = host_command_output_fd,
		.encode = host_encode,
	};
}

void pb_session_count_lost(struct pb_session *s, const char *cause, uint64_t n, const char *hint)
{
	struct pb_lost_cause *l = NULL;

	if (!n)
		return;
	for (size_t i = 0; i < s->n_lost; i++)
		if (!strcmp(s->lost[i].cause, cause))
			l = &s->lost[i];
	if (!l && s->n_lost < PB_MAX_LOST_CAUSES) {
		l = &s->lost[s->n_lost++];
		snprintf(l->cause, sizeof(l->cause), "%s", cause);
		snprintf(l->hint, sizeof(l->hint), "%s", hint ? hint : "");
	}
	if (l)
		l->n += n;
}

/* One stderr line: "lost or cut short: 12 kernel stack map full (raise --stack-storage-size)" */
void pb_session_report_lost(struct pb_session *s)
{
	char line[1024];
	size_t used = 0;

	if (!s->n_lost || s->opts.quiet)
		return;
	for (size_t i = 0; i < s->n_lost && used < sizeof(line); i++) {
		const struct pb_lost_cause *l = &s->lost[i];

		used += snprintf(line + used, sizeof(line) - used, "%s%llu %s%s%s%s",
				 i ? ", " : "", (unsigned long long)l->n, l->cause,
				 l->hint[0] ? " (try " : "", l->hint, l->hint[0] ? ")" : "");
	}
	pb_session_log(s, PB_LOG_WARN, "stacks lost or cut short: %s", line);
}

int pb_session_fail(struct pb_session *s, int err, const char *fmt, ...)
{
	va_list ap;

	/* The CLI and scripts print it: as safe as a log line. */
	va_start(ap, fmt);
	pb_vformat_escaped(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	return err < 0 ? err : -err;
}

int pb_host__new(const struct pb_host_opts *opts, struct pb_host **ret)
{
	struct pb_host_opts o = { 0 };
	struct pb_session_opts so = { .sz = sizeof(so), .quiet = true, .errors_to_caller = true };
	struct pb_session *s;
	int err;

	if (opts)
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	so.log = o.log;
	so.log_ctx = o.log_ctx;
	so.plugin_path = o.plugin_path;
	if ((err = pb_session__new(&so, &s)))
		return err;
	*ret = &s->host;
	return 0;
}

void pb_host__free(struct pb_host *host)
{
	if (host)
		pb_session__free(host->session);
}

uint64_t pb_host__lost(const struct pb_host *host, const char *cause)
{
	const struct pb_session *s = host->session;
	uint64_t n = 0;

	for (size_t i = 0; i < s->n_lost; i++)
		if (!cause || !strcmp(s->lost[i].cause, cause))
			n += s->lost[i].n;
	return n;
}
