// SPDX-License-Identifier: MIT
/* Flags that exclude each other or need another, refused (exit 2) before anything starts. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

bool cli_takes_diff(const char *target)
{
	static const char *const exts[] = { ".svg", ".html", ".htm", ".json" };

	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (ends_with(target, exts[i]))
			return true;
	return false;
}

/* --no-bpf is the perf unwinder: user stacks by frame pointers, of given processes only. */
static int check_no_bpf(const struct cli *cli)
{
	const char *why = NULL;

	if (!cli->no_bpf)
		return 0;
	if (cli->unwinder_flag)
		why = cli->unwinder_flag[2] == 'd'
			      ? "--dwarf needs BPF; --no-bpf walks frame pointers only"
			      : "--unwinder names a BPF unwinder; --no-bpf is the 'perf' unwinder";
	else if (cli->opts.kernel_only)
		why = "-K: --no-bpf samples user stacks only (kernel ones need privileges)";
	else if (cli->per_cpu_flag)
		why = "--per-cpu needs BPF: --no-bpf's perf samples do not say which CPU they ran on";
	else if (cli->script)
		why = "--no-bpf applies to -p and commands, not to scripts (-c)";
	else if (cli->input)
		why = "--input reads a saved profile: --no-bpf has nothing to sample";
	else if (!cli->opts.n_pids && !cli->cmd_string && !cli->command)
		why = "--no-bpf samples given processes only: give -p PID or a command (every "
		      "process needs BPF and root)";
	if (!why)
		return 0;
	fprintf(stderr, "profile-bee: %s\n", why);
	return 2;
}

int cli_check_combination(const struct cli *cli)
{
	if (cli->opts.user_only && cli->opts.kernel_only) {
		fprintf(stderr, "profile-bee: -U and -K exclude each other\n");
		return 2;
	}
	/* Both are [profile] event: one would silently replace the other. */
	if (cli->events && cli->event_mode) {
		fprintf(stderr, "profile-bee: -e and %s exclude each other (-e counts stacks as "
			"on-CPU samples do)\n", cli->event_mode);
		return 2;
	}
	if (cli->cmd_string && cli->command) {
		fprintf(stderr, "profile-bee: give the command either with --cmd or after --\n");
		return 2;
	}
	if (cli->diff && !cli->input) {
		fprintf(stderr, "profile-bee: --diff AFTER compares with --input BEFORE\n");
		return 2;
	}
	/* Any other output would silently show AFTER alone, as if there were no BEFORE. */
	for (int i = 0; cli->diff && i < cli->n_outputs; i++) {
		if (!cli_takes_diff(cli->outputs[i])) {
			fprintf(stderr, "profile-bee: --diff: '%s' cannot show a difference (only .svg, "
				".html and .json outputs do)\n", cli->outputs[i]);
			return 2;
		}
	}
	if (cli->diff && (!cli->n_outputs || cli->tui || cli->serve)) {
		fprintf(stderr, "profile-bee: --diff draws a differential flame graph: give -o "
			"FILE.svg, .html or .json\n");
		return 2;
	}
	/* A saved profile's threads and CPUs are what its frames say; none are taken now. */
	if (cli->input && cli->view_flag) {
		fprintf(stderr, "profile-bee: %s applies to sampling, not to --input\n", cli->view_flag);
		return 2;
	}
	if (cli->input && (cli->cmd_string || cli->command || cli->opts.n_pids)) {
		fprintf(stderr, "profile-bee: --input reads a saved profile: it takes no -p or command\n");
		return 2;
	}
	return check_no_bpf(cli);
}
