// SPDX-License-Identifier: MIT
/*
 * While the viewer owns the terminal, stderr goes to a pipe: the core's and other outputs'
 * messages (the http output's URL) show on the status line instead of scribbling over the
 * screen, and are printed for real once the terminal is given back.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ui.h"

static int saved_stderr = -1;
static int read_end = -1;

int tui_logcap_start(void)
{
	int p[2];

	if (saved_stderr >= 0)
		return -EBUSY;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK))
		return -errno;
	fflush(stderr);
	saved_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (saved_stderr < 0 || dup2(p[1], STDERR_FILENO) < 0) {
		int err = -errno;

		close(p[0]);
		close(p[1]);
		if (saved_stderr >= 0)
			close(saved_stderr);
		saved_stderr = -1;
		return err;
	}
	close(p[1]);
	read_end = p[0];
	return 0;
}

int tui_logcap_fd(void)
{
	return read_end;
}

/* Async-signal-safe: the crash handlers call it so a dying process's last words get out. */
void tui_logcap_restore_fd(void)
{
	if (saved_stderr >= 0)
		dup2(saved_stderr, STDERR_FILENO);
}

void tui_logcap_stop(struct tui_lines *log)
{
	ssize_t unused;

	if (saved_stderr < 0)
		return;
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	saved_stderr = -1;
	tui_lines_read(log, read_end);
	close(read_end);
	read_end = -1;
	for (uint32_t i = 0; i < log->n; i++) {
		const char *line = tui_lines_get(log, i);

		unused = write(STDERR_FILENO, line, strlen(line));
		unused = write(STDERR_FILENO, "\n", 1);
	}
	(void)unused;
}
