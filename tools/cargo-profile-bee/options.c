// SPDX-License-Identifier: MIT
/* cargo-profile-bee's command line: the flags for profile-bee itself; cargo.lua parses the rest. */
#include <stdio.h>
#include <string.h>

#include "cargo-profile-bee.h"

static const char usage[] =
	"Usage: cargo profile-bee [OPTIONS] [-- [CARGO_COMMAND] [CARGO_ARGS...] [-- ARGS...]]\n"
	"\n"
	"Builds with cargo (debug info on; frame pointers on unless the unwinder reads\n"
	".eh_frame), runs the program, test or bench under profile-bee and opens the flame graph.\n"
	"\n"
	"After the first --, cargo's arguments: 'build' is implied unless the first word is\n"
	"test or bench (run and build are the same here). After a second --, the program's\n"
	"arguments, or the test filter.\n"
	"\n"
	"Options:\n"
	"      --svg FILE             the flame graph (default flamegraph.svg when no output\n"
	"                             is given)\n"
	"  -o, --output FILE|URL      any profile-bee output, repeatable (x.folded, x.html, ...)\n"
	"      --tui                  show the flame graph in the terminal\n"
	"  -F, --frequency HZ         samples per second per CPU (profile-bee's default 99)\n"
	"  -d, --duration SECONDS     stop after SECONDS (default: when the program ends)\n"
	"      --unwinder NAME        fp (default), dwarf, libdw, libunwind\n"
	"      --dwarf                the same as --unwinder dwarf: no frame pointers needed\n"
	"      --open, --no-open      open the flame graph in a browser, or not (default: when a\n"
	"                             graphical session is there; else its path is printed)\n"
	"      --plugin-path DIRS     where profile-bee also looks for plugins\n"
	"  -v, --verbose              more messages from profile-bee\n"
	"  -h, --help                 this text\n"
	"\n"
	"The workflow is the Lua script cargo.lua, run as profile-bee -c cargo.lua -- ARGS.\n"
	"Environment: PROFILE_BEE names the profile-bee binary, CARGO_PROFILE_BEE_SCRIPT the\n"
	"script.\n"
	"\n"
	"Examples:\n"
	"  cargo profile-bee --svg out.svg -- --release --bin my-server\n"
	"  cargo profile-bee --svg test.svg -- test -- my_heavy_test\n"
	"  cargo profile-bee --svg bench.svg -- bench\n"
	"  cargo profile-bee --dwarf -o out.folded -- --release --bin my-server -- --port 80\n";

/* The script's flags that take a value: their values are never read as the driver's flags. */
static bool takes_value(const char *a)
{
	static const char *const flags[] = { "--svg", "-o", "--output", "-F", "--frequency",
					     "-d", "--duration", "--unwinder", NULL };

	for (int i = 0; flags[i]; i++)
		if (!strcmp(a, flags[i]))
			return true;
	return false;
}

static int keep(struct cpb_opts *o, char *arg)
{
	if (o->n_script_args == CPB_MAX_ARGS) {
		fprintf(stderr, "cargo-profile-bee: at most %d arguments\n", CPB_MAX_ARGS);
		return 2;
	}
	o->script_args[o->n_script_args++] = arg;
	return 0;
}

int cpb_parse(int argc, char **argv, struct cpb_opts *o, bool *exit_now)
{
	int i = 1, ret = 0;

	memset(o, 0, sizeof(*o));
	*exit_now = false;
	/* cargo runs "cargo-profile-bee profile-bee ARGS..." for "cargo profile-bee ARGS...". */
	if (argc > 1 && !strcmp(argv[1], "profile-bee"))
		i = 2;
	for (; i < argc && !ret; i++) {
		char *a = argv[i];

		if (!strcmp(a, "--")) {
			break;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage, stdout);
			*exit_now = true;
			return 0;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			o->verbosity++;
		} else if (!strcmp(a, "--plugin-path") || !strncmp(a, "--plugin-path=", 14)) {
			if (a[13] == '=') {
				o->plugin_path = a + 14;
			} else if (i + 1 < argc) {
				o->plugin_path = argv[++i];
			} else {
				fprintf(stderr, "cargo-profile-bee: --plugin-path needs a value\n");
				return 2;
			}
		} else {
			ret = keep(o, a);
			if (!ret && takes_value(a) && i + 1 < argc)
				ret = keep(o, argv[++i]);
		}
	}
	/* "--" and all after it: cargo's words and the program's, for the script. */
	for (; i < argc && !ret; i++)
		ret = keep(o, argv[i]);
	return ret;
}
