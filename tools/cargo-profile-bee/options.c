// SPDX-License-Identifier: MIT
/* Parses cargo-profile-bee's command line: its own flags, cargo's arguments, the program's. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
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
	"      --root                 profile through sudo (profiling needs root; cargo does not)\n"
	"      --plugin-path DIRS     where profile-bee also looks for plugins\n"
	"  -v, --verbose              more messages from profile-bee\n"
	"  -h, --help                 this text\n"
	"\n"
	"Environment: PROFILE_BEE names the profile-bee binary to use.\n"
	"\n"
	"Examples:\n"
	"  cargo profile-bee --svg out.svg -- --release --bin my-server\n"
	"  cargo profile-bee --svg test.svg -- test -- my_heavy_test\n"
	"  cargo profile-bee --svg bench.svg -- bench\n"
	"  cargo profile-bee --dwarf -o out.folded -- --release --bin my-server -- --port 80\n";

enum {
	OPT_SVG = 256,
	OPT_TUI,
	OPT_UNWINDER,
	OPT_DWARF,
	OPT_OPEN,
	OPT_NO_OPEN,
	OPT_ROOT,
	OPT_PLUGIN_PATH,
};

static const struct option long_options[] = {
	{ "svg", required_argument, NULL, OPT_SVG },
	{ "output", required_argument, NULL, 'o' },
	{ "tui", no_argument, NULL, OPT_TUI },
	{ "frequency", required_argument, NULL, 'F' },
	{ "duration", required_argument, NULL, 'd' },
	{ "unwinder", required_argument, NULL, OPT_UNWINDER },
	{ "dwarf", no_argument, NULL, OPT_DWARF },
	{ "open", no_argument, NULL, OPT_OPEN },
	{ "no-open", no_argument, NULL, OPT_NO_OPEN },
	{ "root", no_argument, NULL, OPT_ROOT },
	{ "plugin-path", required_argument, NULL, OPT_PLUGIN_PATH },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static int parse_one(int c, char *arg, struct cpb_opts *o, bool *exit_now)
{
	switch (c) {
	case OPT_SVG:
		o->svg = arg;
		return 0;
	case 'o':
		if (o->n_outputs == CPB_MAX_OUTPUTS) {
			fprintf(stderr, "cargo-profile-bee: at most %d outputs\n", CPB_MAX_OUTPUTS);
			return 2;
		}
		o->outputs[o->n_outputs++] = arg;
		return 0;
	case OPT_TUI:
		o->tui = true;
		return 0;
	case 'F':
		o->frequency = arg;
		return 0;
	case 'd':
		o->duration = arg;
		return 0;
	case OPT_UNWINDER:
		o->unwinder = arg;
		return 0;
	case OPT_DWARF:
		o->unwinder = "dwarf";
		return 0;
	case OPT_OPEN:
		o->open = CPB_OPEN_ALWAYS;
		return 0;
	case OPT_NO_OPEN:
		o->open = CPB_OPEN_NEVER;
		return 0;
	case OPT_ROOT:
		o->root = true;
		return 0;
	case OPT_PLUGIN_PATH:
		o->plugin_path = arg;
		return 0;
	case 'v':
		o->verbosity++;
		return 0;
	case 'h':
		fputs(usage, stdout);
		*exit_now = true;
		return 0;
	default:
		fprintf(stderr, "Try 'cargo profile-bee --help' for more information.\n");
		return 2;
	}
}

/* The first word after "--" picks what cargo builds and how the result runs. */
static int parse_cargo_command(struct cpb_opts *o)
{
	static const struct {
		const char *word;
		enum cpb_mode mode;
	} commands[] = {
		{ "build", CPB_BUILD }, { "b", CPB_BUILD }, { "run", CPB_BUILD },
		{ "r", CPB_BUILD },	{ "test", CPB_TEST }, { "t", CPB_TEST },
		{ "bench", CPB_BENCH },
	};
	const char *first = o->n_cargo_args ? o->cargo_args[0] : "-";

	o->mode = CPB_BUILD;
	if (first[0] == '-')
		return 0;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(first, commands[i].word)) {
			o->mode = commands[i].mode;
			o->cargo_args++;
			o->n_cargo_args--;
			return 0;
		}
	}
	fprintf(stderr,
		"cargo-profile-bee: '%s' is not a cargo command this profiles: build (implied), "
		"run, test or bench\n",
		first);
	return 2;
}

/* After the first "--": cargo's words up to a second "--", then the program's. */
static void split_rest(int argc, char **argv, struct cpb_opts *o)
{
	o->cargo_args = argv;
	o->n_cargo_args = argc;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			o->n_cargo_args = i;
			o->prog_args = argv + i + 1;
			o->n_prog_args = argc - i - 1;
			return;
		}
	}
	o->prog_args = argv + argc;
}

int cpb_parse(int argc, char **argv, struct cpb_opts *o, bool *exit_now)
{
	int c, ret;

	memset(o, 0, sizeof(*o));
	*exit_now = false;
	/* cargo runs "cargo-profile-bee profile-bee ARGS..." for "cargo profile-bee ARGS...". */
	if (argc > 1 && !strcmp(argv[1], "profile-bee")) {
		o->via_cargo = true;
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	opterr = 1;
	/* '+': no reordering, so cargo's flags after "--" are never taken for ours. */
	while ((c = getopt_long(argc, argv, "+o:F:d:vh", long_options, NULL)) != -1) {
		if ((ret = parse_one(c, optarg, o, exit_now)) || *exit_now)
			return ret;
	}
	if (optind < argc && strcmp(argv[optind - 1], "--")) {
		fprintf(stderr,
			"cargo-profile-bee: '%s': cargo's arguments go after '--' "
			"(cargo profile-bee -- %s ...)\n",
			argv[optind], argv[optind]);
		return 2;
	}
	split_rest(argc - optind, argv + optind, o);
	if (!o->svg && !o->n_outputs && !o->tui)
		o->svg = "flamegraph.svg";
	return parse_cargo_command(o);
}

bool cpb_wants_frame_pointers(const struct cpb_opts *o)
{
	return !o->unwinder || !strcmp(o->unwinder, "fp");
}
