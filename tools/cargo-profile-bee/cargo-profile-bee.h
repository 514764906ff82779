/* SPDX-License-Identifier: MIT */
/* cargo-profile-bee: the parsed command line and the steps of the workflow. */
#ifndef CARGO_PROFILE_BEE_H
#define CARGO_PROFILE_BEE_H

#include <stdbool.h>

#define CPB_MAX_OUTPUTS 32

enum cpb_mode {
	CPB_BUILD, /* build (or run): the program is the one binary built */
	CPB_TEST,  /* test --no-run, then every test harness with the filter */
	CPB_BENCH, /* bench --no-run, then every bench harness with --bench */
};

enum cpb_open { CPB_OPEN_AUTO, CPB_OPEN_NEVER, CPB_OPEN_ALWAYS };

struct cpb_opts {
	const char *svg;			  /* --svg FILE */
	const char *outputs[CPB_MAX_OUTPUTS]; /* -o FILE|URL|PLUGIN, passed through */
	int n_outputs;
	bool tui;
	const char *frequency; /* -F, -d, --unwinder: checked by profile-bee itself */
	const char *duration;
	const char *unwinder;
	const char *plugin_path;
	int verbosity;
	enum cpb_open open;
	bool root;	   /* --root: profile through sudo, build as the user */
	bool via_cargo;	   /* argv[1] was "profile-bee": cargo ran us as a subcommand */
	enum cpb_mode mode;
	char **cargo_args; /* between the first "--" (and the command word) and the second */
	int n_cargo_args;
	char **prog_args; /* after the second "--": program arguments or test filter */
	int n_prog_args;
};

/* Parses argv; returns 0, or the exit status to leave with (help: 0 printed, usage: 2). */
int cpb_parse(int argc, char **argv, struct cpb_opts *o, bool *exit_now);

/* Whether the unwinder walks frame pointers (so the build needs them). */
bool cpb_wants_frame_pointers(const struct cpb_opts *o);

struct cpb_exe {
	char *path;
	char *name;	/* the cargo target's name, for messages */
	char *pkg_dir;	/* directory of its Cargo.toml: test harnesses run there, as cargo does */
};

struct cpb_build {
	struct cpb_exe *exes;
	int n_exes;
};

/* Sets up the environment (debug info, frame pointers), runs cargo and collects the
 * executables from its JSON messages. Returns 0, or the exit status to leave with. */
int cpb_build_run(const struct cpb_opts *o, struct cpb_build *b);
void cpb_build_free(struct cpb_build *b);

/* Runs profile-bee on what was built; returns profile-bee's exit status. */
int cpb_profile_run(const struct cpb_opts *o, const struct cpb_build *b, const char *self);

/* The flame graph file the run writes (for opening), or NULL. */
const char *cpb_svg_output(const struct cpb_opts *o);

/* Opens the flame graph in a browser when a graphical session is there, else prints its path. */
void cpb_open_result(const struct cpb_opts *o, const char *path);

#endif
