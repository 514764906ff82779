// SPDX-License-Identifier: MIT
/* Finds profile-bee and cargo.lua, then runs profile-bee -c cargo.lua in place of the driver. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cargo-profile-bee.h"

/* Where this executable lives: the build tree, or an installation's bindir. */
static void self_dir(char *dir, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	self[n > 0 ? n : 0] = 0;
	snprintf(dir, size, "%s", dirname(self));
}

/* $PROFILE_BEE; from the build tree, the profile-bee built with us; else the one beside us. */
static const char *find_profile_bee(const char *dir, char *buf, size_t size)
{
	const char *env = getenv("PROFILE_BEE");

	if (env && *env)
		return env;
	if (!strcmp(dir, CPB_BUILD_DIR) && !access(CPB_BUILD_PROFILE_BEE, X_OK))
		return CPB_BUILD_PROFILE_BEE;
	if (snprintf(buf, size, "%s/profile-bee", dir) < (int)size && !access(buf, X_OK))
		return buf;
	if (!access(CPB_BINDIR "/profile-bee", X_OK))
		return CPB_BINDIR "/profile-bee";
	return "profile-bee"; /* from $PATH */
}

/* $CARGO_PROFILE_BEE_SCRIPT; from the build tree, the source's; else the installed one,
 * beside us first so that a moved installation still finds its own. */
static const char *find_script(const char *dir, char *buf, size_t size)
{
	const char *env = getenv("CARGO_PROFILE_BEE_SCRIPT");

	if (env && *env)
		return env;
	if (!strcmp(dir, CPB_BUILD_DIR))
		return CPB_SOURCE_SCRIPT;
	if (snprintf(buf, size, "%s/../share/profile-bee/scripts/cargo.lua", dir) < (int)size &&
	    !access(buf, R_OK))
		return buf;
	return CPB_SCRIPT;
}

int cpb_exec(const struct cpb_opts *o)
{
	const char *argv[CPB_MAX_ARGS + 16];
	char dir[PATH_MAX], pb_buf[PATH_MAX + 16], script_buf[PATH_MAX + 48];
	int n = 0;

	self_dir(dir, sizeof(dir));
	argv[n++] = find_profile_bee(dir, pb_buf, sizeof(pb_buf));
	for (int i = 0; i < o->verbosity && i < 3; i++)
		argv[n++] = "-v";
	if (o->plugin_path) {
		argv[n++] = "--plugin-path";
		argv[n++] = o->plugin_path;
	}
	argv[n++] = "-c";
	argv[n++] = find_script(dir, script_buf, sizeof(script_buf));
	argv[n++] = "--";
	for (int i = 0; i < o->n_script_args; i++)
		argv[n++] = o->script_args[i];
	argv[n] = NULL;
	execvp(argv[0], (char **)argv);
	fprintf(stderr, "cargo-profile-bee: cannot run '%s': %s (PROFILE_BEE names the one "
			"to use)\n", argv[0], strerror(errno));
	return 1;
}
