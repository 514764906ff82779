// SPDX-License-Identifier: MIT
/* Routes libbpf's messages to the host's log while a plugin calls into libbpf. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_log.h"

static const struct pb_host *log_host;
static const char *log_who;
static char refusal[256]; /* the verifier's reason for the last refused program */

/* Lines the verifier writes after its verdict, not the verdict itself. */
static bool is_statistics(const char *line, size_t len)
{
	static const char *const prefixes[] = {"verification time", "stack depth", "processed "};

	if (len == 0)
		return true;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(line, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/*
 * libbpf prints a refused program's verifier log between BEGIN and END markers; the verdict is
 * its last line before the statistics ("R1 invalid mem access 'scalar'").
 */
static void keep_refusal(const char *msg)
{
	const char *end = strstr(msg, "-- END PROG LOAD LOG --");
	const char *begin = strstr(msg, "-- BEGIN PROG LOAD LOG --");

	if (!end || !begin || end < begin)
		return;
	while (end > begin) {
		const char *line_end = end - 1; /* the '\n' ending the previous line */
		const char *line = line_end;

		while (line > begin && line[-1] != '\n')
			line--;
		if (line <= begin)
			return;
		if (!is_statistics(line, line_end - line)) {
			snprintf(refusal, sizeof(refusal), "%.*s", (int)(line_end - line), line);
			return;
		}
		end = line;
	}
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *msg;
	int n;

	if (!log_host)
		return 0;
	n = vasprintf(&msg, fmt, ap);
	if (n < 0)
		return 0;
	if (n > 0 && msg[n - 1] == '\n')
		msg[n - 1] = '\0';
	if (level == LIBBPF_WARN)
		keep_refusal(msg);
	log_host->log(log_host->session, PB_LOG_DEBUG, log_who, "%s", msg);
	free(msg);
	return 0;
}

libbpf_print_fn_t pb_bpf_log_begin(const struct pb_host *host, const char *who)
{
	log_host = host;
	log_who = who;
	refusal[0] = '\0';
	return libbpf_set_print(libbpf_log);
}

void pb_bpf_log_end(libbpf_print_fn_t prev)
{
	libbpf_set_print(prev);
	log_host = NULL;
}

/* No "who": said while the unwinder opens, it becomes "cannot load the 'X' unwinder: ..." */
void pb_bpf_log_load_failed(const struct pb_host *host, int err)
{
	if (refusal[0])
		host->log(host->session, PB_LOG_ERROR, NULL,
			  "the kernel refused the BPF program: %s (-vv shows the verifier's log)",
			  refusal);
	else
		host->log(host->session, PB_LOG_ERROR, NULL,
			  "cannot load the BPF program: %s (-vv shows libbpf's reason)",
			  strerror(-err));
}
