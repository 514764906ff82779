// SPDX-License-Identifier: MIT
/* cargo-profile-bee: cargo builds, profile-bee profiles the result, a browser shows it. */
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "cargo-profile-bee.h"

int main(int argc, char **argv)
{
	char self[PATH_MAX];
	struct cpb_build build;
	struct cpb_opts o;
	bool exit_now;
	ssize_t n;
	int ret = cpb_parse(argc, argv, &o, &exit_now);

	if (ret || exit_now)
		return ret;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = 0;
	ret = cpb_build_run(&o, &build);
	if (!ret) {
		ret = cpb_profile_run(&o, &build, self);
		/* A failing program still leaves its profile, and that is worth a look. */
		cpb_open_result(&o, cpb_svg_output(&o));
	}
	cpb_build_free(&build);
	return ret;
}
