/* SPDX-License-Identifier: MIT */
/* cargo-profile-bee: what the driver takes from its command line before it runs cargo.lua. */
#ifndef CARGO_PROFILE_BEE_H
#define CARGO_PROFILE_BEE_H

#include <stdbool.h>

#define CPB_MAX_ARGS 256

struct cpb_opts {
	int verbosity;		 /* -v: profile-bee's */
	const char *plugin_path; /* --plugin-path: profile-bee's */
	char *script_args[CPB_MAX_ARGS]; /* the rest, for cargo.lua (pb.args) */
	int n_script_args;
};

/* Parses argv; returns 0, or the exit status to leave with (help: 0 printed, usage: 2). */
int cpb_parse(int argc, char **argv, struct cpb_opts *o, bool *exit_now);

/* Runs profile-bee -c cargo.lua -- ARGS in place of this process; returns only on failure. */
int cpb_exec(const struct cpb_opts *o);

#endif
