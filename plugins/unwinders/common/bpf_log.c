// SPDX-License-Identifier: MIT
/* Routes libbpf's messages to the host's log while a plugin calls into libbpf. */
#include <stdarg.h>
#include <stdio.h>

#include "bpf_log.h"

static const struct pb_host *log_host;
static const char *log_who;

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[4096];
	int n;

	if (!log_host)
		return 0;
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n > 0 && (size_t)n < sizeof(buf) && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	log_host->log(log_host->session, PB_LOG_DEBUG, log_who, "%s", buf);
	return 0;
}

libbpf_print_fn_t pb_bpf_log_begin(const struct pb_host *host, const char *who)
{
	log_host = host;
	log_who = who;
	return libbpf_set_print(libbpf_log);
}

void pb_bpf_log_end(libbpf_print_fn_t prev)
{
	libbpf_set_print(prev);
	log_host = NULL;
}
