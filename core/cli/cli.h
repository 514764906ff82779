/* SPDX-License-Identifier: MIT */
/* The command line of profile-bee, parsed. */
#ifndef PB_CLI_H
#define PB_CLI_H

#include <profile-bee/profile-bee.h>

#include "settings.h"

#define CLI_MAX_OUTPUTS 32
#define CLI_MAX_PIDS 256

struct cli {
	struct pb_session_opts opts;
	uint32_t pids[CLI_MAX_PIDS];
	const char *outputs[CLI_MAX_OUTPUTS];
	int n_outputs;
	const char *input;	/* --input FILE */
	const char *diff;	/* --diff AFTER */
	const char *diff_base;	/* the BEFORE profile of --diff, for flame-graph outputs */
	const char *cmd_string; /* --cmd "CMD" */
	char **command;		/* -- CMD ARGS */
	const char *sh_argv[4];
	const char *script;	/* -c FILE */
	char **script_args;	/* after --, with -c */
	int n_script_args;
	const char *config_path; /* --config FILE */
	/* The flags given as settings ("profile" and plugin sections): they win over scripts and
	 * conf files. */
	struct pb_settings layer;
	bool no_bpf;		   /* --no-bpf: the perf unwinder */
	const char *unwinder_flag; /* --dwarf or --unwinder (other than perf), when given */
	const char *view_flag;	   /* --per-thread or --per-cpu, the last given */
	bool per_cpu_flag;	   /* --per-cpu given */
	bool stream_mode;
	bool list_plugins;
	bool check; /* --check */
	bool tui;
	bool serve;
	const char *listen;
	int verbosity;
	char *events; /* the -e specs, ','-joined (recorded as [profile] event) */
	const char *event_mode; /* --off-cpu or --wall, when given */
};

/* options_usage.c: what --help prints. */
extern const char cli_usage[];

/* options_check.c: true for outputs that draw a flame graph and so take --diff's "diff-base". */
bool cli_takes_diff(const char *target);
/* 0, or 2 after a message when flags exclude each other (-U and -K, --diff without --input...). */
int cli_check_combination(const struct cli *cli);

/* Parses argv; returns 0, or the exit status to leave with (help: 0 printed, usage: 2). */
int cli_parse(int argc, char **argv, struct cli *cli, bool *exit_now);

/* script_module.c: pb_script_run and pb_script_config_free of the Lua module, loaded on use. */
struct pb_script_env;
struct pb_script_config;
int cli_script_run(const struct pb_script_env *env, struct pb_script_config *cfg);
void cli_script_config_free(struct pb_script_config *cfg);

#endif
