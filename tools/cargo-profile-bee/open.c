// SPDX-License-Identifier: MIT
/* Shows the flame graph: in a browser when a graphical session is there, else its path. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cargo-profile-bee.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

const char *cpb_svg_output(const struct cpb_opts *o)
{
	if (o->svg)
		return o->svg;
	for (int i = 0; i < o->n_outputs; i++)
		if (!strstr(o->outputs[i], "://") &&
		    (ends_with(o->outputs[i], ".svg") || ends_with(o->outputs[i], ".html")))
			return o->outputs[i];
	return NULL;
}

static bool on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL, file[PATH_MAX];
	bool found = false;

	if (!path || !(copy = strdup(path)))
		return false;
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		snprintf(file, sizeof(file), "%s/%s", d, prog);
		found = !access(file, X_OK);
	}
	free(copy);
	return found;
}

/* $BROWSER is a ':'-separated list of commands by convention; the first one is used. */
static char *opener(void)
{
	const char *browser = getenv("BROWSER");

	if (browser && *browser)
		return strndup(browser, strcspn(browser, ":"));
	return on_path("xdg-open") ? strdup("xdg-open") : NULL;
}

/* The browser may run as long as its window is open: it is started in its own session and
 * not waited for, with its chatter kept off the terminal. */
static void spawn_detached(const char *cmd, const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		setsid();
		if (fork())
			_exit(0);
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execl("/bin/sh", "sh", "-c", "exec $0 \"$1\"", cmd, path, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

void cpb_open_result(const struct cpb_opts *o, const char *path)
{
	const char *display = getenv("DISPLAY"), *wayland = getenv("WAYLAND_DISPLAY");
	bool graphical = (display && *display) || (wayland && *wayland);
	char full[PATH_MAX], *cmd;

	if (!path || access(path, R_OK))
		return;
	if (!realpath(path, full))
		snprintf(full, sizeof(full), "%s", path);
	if (o->open == CPB_OPEN_NEVER || (o->open == CPB_OPEN_AUTO && !graphical)) {
		fprintf(stderr, "cargo-profile-bee: flame graph: %s\n", full);
		return;
	}
	if (!(cmd = opener())) {
		fprintf(stderr, "cargo-profile-bee: flame graph: %s (no $BROWSER or xdg-open to "
				"open it)\n", full);
		return;
	}
	fprintf(stderr, "cargo-profile-bee: opening %s with %s\n", full, cmd);
	spawn_detached(cmd, full);
	free(cmd);
}
