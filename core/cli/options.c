// SPDX-License-Identifier: MIT
/* Parses profile-bee's command line (bcc profile's flags plus ours) into session options: the
 * flag table and what each flag sets (--help: options_usage.c; combinations: options_check.c). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum {
	OPT_TIME = 256,
	OPT_CMD,
	OPT_UNWINDER,
	OPT_DWARF,
	OPT_NO_BPF,
	OPT_STACK_STORAGE,
	OPT_HASH_STORAGE,
	OPT_PYTHON,
	OPT_INPUT,
	OPT_DIFF,
	OPT_FLUSH,
	OPT_TUI,
	OPT_SERVE,
	OPT_LISTEN,
	OPT_SERVE_ALLOW_HOST,
	OPT_SERVE_TOKEN,
	OPT_SERVE_TOKEN_FILE,
	OPT_STREAM,
	OPT_LIST_PLUGINS,
	OPT_CHECK,
	OPT_PLUGIN_PATH,
	OPT_VERSION,
	OPT_CONFIG,
	OPT_SET,
	OPT_LABEL,
	OPT_GROUP_BY,
	OPT_CGROUP,
	OPT_DEBUGINFOD,
	OPT_INLINE,
	OPT_LINES,
	OPT_PER_THREAD,
	OPT_PER_CPU,
	OPT_OFF_CPU,
	OPT_WALL,
	OPT_STATE,
	OPT_MIN_BLOCK,
	OPT_MAX_BLOCK,
	OPT_PERIOD,
	OPT_LIST_EVENTS,
};

static const struct option long_options[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "cmd", required_argument, NULL, OPT_CMD },
	{ "duration", required_argument, NULL, 'd' },
	{ "time", required_argument, NULL, OPT_TIME },
	{ "frequency", required_argument, NULL, 'F' },
	{ "cpu", required_argument, NULL, 'C' },
	{ "user-stacks-only", no_argument, NULL, 'U' },
	{ "kernel-stacks-only", no_argument, NULL, 'K' },
	{ "include-idle", no_argument, NULL, 'I' },
	{ "event", required_argument, NULL, 'e' },
	{ "period", required_argument, NULL, OPT_PERIOD },
	{ "list-events", no_argument, NULL, OPT_LIST_EVENTS },
	{ "unwinder", required_argument, NULL, OPT_UNWINDER },
	{ "dwarf", no_argument, NULL, OPT_DWARF },
	{ "no-bpf", no_argument, NULL, OPT_NO_BPF },
	{ "stack-storage-size", required_argument, NULL, OPT_STACK_STORAGE },
	{ "hash-storage-size", required_argument, NULL, OPT_HASH_STORAGE },
	{ "python", required_argument, NULL, OPT_PYTHON },
	{ "off-cpu", no_argument, NULL, OPT_OFF_CPU },
	{ "wall", no_argument, NULL, OPT_WALL },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "min-block-us", required_argument, NULL, OPT_MIN_BLOCK },
	{ "max-block-us", required_argument, NULL, OPT_MAX_BLOCK },
	{ "folded", no_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "input", required_argument, NULL, OPT_INPUT },
	{ "diff", required_argument, NULL, OPT_DIFF },
	{ "flush-interval", required_argument, NULL, OPT_FLUSH },
	{ "tui", no_argument, NULL, OPT_TUI },
	{ "serve", no_argument, NULL, OPT_SERVE },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "serve-allow-host", required_argument, NULL, OPT_SERVE_ALLOW_HOST },
	{ "serve-token", required_argument, NULL, OPT_SERVE_TOKEN },
	{ "serve-token-file", required_argument, NULL, OPT_SERVE_TOKEN_FILE },
	{ "stream-mode", required_argument, NULL, OPT_STREAM },
	{ "list-plugins", no_argument, NULL, OPT_LIST_PLUGINS },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "plugin-path", required_argument, NULL, OPT_PLUGIN_PATH },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "debuginfod", required_argument, NULL, OPT_DEBUGINFOD },
	{ "inline", no_argument, NULL, OPT_INLINE },
	{ "lines", no_argument, NULL, OPT_LINES },
	{ "per-thread", no_argument, NULL, OPT_PER_THREAD },
	{ "per-cpu", no_argument, NULL, OPT_PER_CPU },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "script", required_argument, NULL, 'c' },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "set", required_argument, NULL, OPT_SET },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "group-by", required_argument, NULL, OPT_GROUP_BY },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ 0 },
};

static int bad(const char *flag, const char *value, const char *want)
{
	fprintf(stderr, "profile-bee: %s: '%s' is not %s\n", flag, value, want);
	return 2;
}

/* A whole number in [min, max], or a usage error naming the flag. */
static int parse_u64(const char *flag, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*s || *end || errno || s[0] == '-' || v < min || v > max) {
		char want[96];

		snprintf(want, sizeof(want), "a whole number from %llu to %llu",
			 (unsigned long long)min, (unsigned long long)max);
		return bad(flag, s, want);
	}
	*out = v;
	return 0;
}

/* ADDR:PORT with a port that exists: the server would take 99999 as 99999 % 65536. */
static int check_listen(const char *s)
{
	const char *colon = strrchr(s, ':');
	uint64_t port;

	if (!colon || colon == s)
		return bad("--listen", s, "ADDR:PORT (e.g. 127.0.0.1:8000, [::1]:8000)");
	return parse_u64("--listen PORT", colon + 1, 0, 65535, &port);
}

static int parse_pids(const char *s, struct cli *cli)
{
	char *copy = strdup(s), *save = NULL;
	int ret = 0;

	for (char *tok = strtok_r(copy, ",", &save); tok && !ret; tok = strtok_r(NULL, ",", &save)) {
		uint64_t pid;

		if (cli->opts.n_pids == CLI_MAX_PIDS) {
			fprintf(stderr, "profile-bee: -p: at most %d pids\n", CLI_MAX_PIDS);
			ret = 2;
		} else if (!(ret = parse_u64("-p", tok, 1, INT_MAX, &pid))) {
			cli->pids[cli->opts.n_pids++] = pid;
		}
	}
	if (!ret && !cli->opts.n_pids)
		ret = bad("-p", s, "a list of pids");
	free(copy);
	return ret;
}

/*
 * Records a flag's value as a setting of section, so it wins over scripts and conf files; a
 * core key's table checks it: "-F: profile: 'frequency' must be from 1 to 100000, not '0'".
 */
static int record_in(struct cli *cli, const char *flag, const char *section, const char *key,
		     const char *value)
{
	char err[512];

	if (pb_settings_set(&cli->layer, section, key, value, "", 0, err, sizeof(err))) {
		fprintf(stderr, "profile-bee: %s: %s\n", flag, err);
		return 2;
	}
	return 0;
}

static int record(struct cli *cli, const char *flag, const char *key, const char *value)
{
	return record_in(cli, flag, "profile", key, value);
}

static int record_ms(struct cli *cli, const char *flag, const char *key, uint64_t ms)
{
	char v[32];

	snprintf(v, sizeof(v), "%.3f", ms / 1000.0);
	return record(cli, flag, key, v);
}

/* --label KEY=VALUE: an item of [labels], checked there. */
static int parse_label(struct cli *cli, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char key[PB_LABEL_MAX_LEN + 1];

	if (!eq || eq == arg || (size_t)(eq - arg) > PB_LABEL_MAX_LEN)
		return bad("--label", arg, "KEY=VALUE (e.g. service=api)");
	memcpy(key, arg, eq - arg);
	key[eq - arg] = '\0';
	return record_in(cli, "--label", "labels", key, eq + 1);
}

/* --cgroup PATH, repeatable: [profile] cgroup's comma-separated list grows by one. */
static int add_cgroup(struct cli *cli, const char *arg)
{
	const char *had = pb_settings_get(&cli->layer, "profile", "cgroup");
	char *list = NULL;
	int ret;

	if (!arg[0] || strchr(arg, ','))
		return bad("--cgroup", arg, "a cgroup v2 directory (one per --cgroup)");
	if (asprintf(&list, "%s%s%s", had && *had ? had : "", had && *had ? "," : "", arg) < 0)
		return 1;
	ret = record(cli, "--cgroup", "cgroup", list);
	free(list);
	return ret;
}

static int add_output(struct cli *cli, const char *target)
{
	if (cli->n_outputs == CLI_MAX_OUTPUTS) {
		fprintf(stderr, "profile-bee: at most %d outputs\n", CLI_MAX_OUTPUTS);
		return 2;
	}
	cli->outputs[cli->n_outputs++] = target;
	return 0;
}

/* -e SPEC, repeatable: the specs joined by ',' as [profile] event, checked by the session. */
static int add_event(struct cli *cli, const char *spec)
{
	size_t have = cli->events ? strlen(cli->events) + 1 : 0;
	char *joined;

	if (!*spec || strchr(spec, ','))
		return bad("-e", spec, "one event or probe (repeat -e for more; --list-events)");
	joined = realloc(cli->events, have + strlen(spec) + 1);
	if (!joined)
		return 1;
	if (have)
		joined[have - 1] = ',';
	strcpy(joined + have, spec);
	cli->events = joined;
	return record(cli, "-e", "event", joined);
}

/* -c: a number is perf's -c PERIOD, anything else a script (-c FILE, as before). */
static bool is_number(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

static int parse_one(int c, const char *arg, struct cli *cli, bool *exit_now)
{
	uint64_t v;
	int ret = 0;

	switch (c) {
	case 'p':
		return parse_pids(arg, cli);
	case OPT_CMD:
		cli->cmd_string = arg;
		return 0;
	case 'd':
		return record(cli, "-d", "duration", arg);
	case OPT_TIME:
		return parse_u64("--time", arg, 1, UINT32_MAX, &cli->opts.duration_ms) ?:
		       record_ms(cli, "--time", "duration", cli->opts.duration_ms);
	case 'F':
		return record(cli, "-F", "frequency", arg);
	case 'C': /* a CPU this machine has, or perf_event_open says only "Invalid argument" */
		return record(cli, "-C", "cpu", arg);
	case 'U':
		cli->opts.user_only = true;
		return record(cli, "-U", "kernel", "false");
	case 'K':
		cli->opts.kernel_only = true;
		return record(cli, "-K", "user", "false");
	case 'I':
		return record(cli, "-I", "idle", "true");
	case OPT_UNWINDER:
		cli->unwinder_flag = strcmp(arg, "perf") ? "--unwinder" : NULL;
		return record(cli, "--unwinder", "unwinder", arg);
	case OPT_DWARF:
		cli->unwinder_flag = "--dwarf";
		return record(cli, "--dwarf", "unwinder", "dwarf");
	case OPT_NO_BPF:
		cli->no_bpf = true;
		return record(cli, "--no-bpf", "unwinder", "perf");
	case OPT_STACK_STORAGE:
		return record(cli, "--stack-storage-size", "stack-storage-size", arg);
	case OPT_HASH_STORAGE:
		return record(cli, "--hash-storage-size", "hash-storage-size", arg);
	case OPT_PYTHON:
		return record(cli, "--python", "python", arg);
	case OPT_OFF_CPU:
		cli->event_mode = "--off-cpu";
		return record(cli, "--off-cpu", "event", "off-cpu");
	case OPT_WALL:
		cli->event_mode = "--wall";
		return record(cli, "--wall", "event", "wall");
	case OPT_STATE:
		return record(cli, "--state", "state", arg);
	case OPT_MIN_BLOCK:
		return record(cli, "--min-block-us", "min-block-us", arg);
	case OPT_MAX_BLOCK:
		return record(cli, "--max-block-us", "max-block-us", arg);
	case 'f':
		return add_output(cli, "-");
	case 'o':
		return add_output(cli, arg);
	case OPT_INPUT:
		cli->input = arg;
		return 0;
	case OPT_DIFF:
		cli->diff = arg;
		return 0;
	case OPT_FLUSH:
		return record(cli, "--flush-interval", "flush-interval", arg);
	case OPT_TUI:
		cli->tui = true;
		return 0;
	case OPT_SERVE:
		cli->serve = true;
		return 0;
	case OPT_LISTEN:
		cli->listen = arg;
		return check_listen(arg);
	/* Aliases of the serve plugin's keys: --set output.serve.KEY=... works the same. */
	case OPT_SERVE_ALLOW_HOST:
		return record_in(cli, "--serve-allow-host", "output.serve", "allow-host", arg);
	case OPT_SERVE_TOKEN:
		return record_in(cli, "--serve-token", "output.serve", "token", arg);
	case OPT_SERVE_TOKEN_FILE:
		return record_in(cli, "--serve-token-file", "output.serve", "token-file", arg);
	case OPT_STREAM:
		ret = parse_u64("--stream-mode", arg, 0, 1, &v);
		cli->stream_mode = !ret && v == 1;
		return ret;
	case OPT_LIST_PLUGINS:
		cli->list_plugins = true;
		return 0;
	case OPT_CHECK:
		cli->check = true;
		return 0;
	case OPT_PLUGIN_PATH:
		cli->opts.plugin_path = arg;
		return 0;
	case 'c':
		if (is_number(arg))
			return record(cli, "-c", "period", arg);
		cli->script = arg;
		return 0;
	case 'e':
		return add_event(cli, arg);
	case OPT_PERIOD:
		return record(cli, "--period", "period", arg);
	case OPT_LIST_EVENTS:
		pb_session__list_events(stdout);
		*exit_now = true;
		return 0;
	case OPT_CONFIG:
		cli->config_path = arg;
		return 0;
	case OPT_SET: {
		char err[1024];

		if (pb_settings_set_arg(&cli->layer, arg, err, sizeof(err))) {
			fprintf(stderr, "profile-bee: %s\n", err);
			return 2;
		}
		return 0;
	}
	case OPT_LABEL:
		return parse_label(cli, arg);
	case OPT_GROUP_BY:
		return record(cli, "--group-by", "group-by", arg);
	case OPT_CGROUP:
		return add_cgroup(cli, arg);
	case 'v':
		cli->verbosity++;
		return 0;
	case 'q':
		return record(cli, "-q", "quiet", "true");
	case OPT_INLINE:
		return record(cli, "--inline", "inline", "true");
	case OPT_LINES:
		return record(cli, "--lines", "lines", "true");
	case OPT_PER_THREAD:
		cli->view_flag = "--per-thread";
		return record(cli, "--per-thread", "per-thread", "true");
	case OPT_PER_CPU:
		cli->view_flag = "--per-cpu";
		cli->per_cpu_flag = true;
		return record(cli, "--per-cpu", "per-cpu", "true");
	case OPT_DEBUGINFOD:
		/* libdebuginfod and child processes read the variable: the flag sets it. */
		if (!arg[0])
			return bad("--debuginfod", arg, "server URLs, space-separated");
		return setenv("DEBUGINFOD_URLS", arg, 1) ? 1 : 0;
	case 'h':
		fputs(cli_usage, stdout);
		*exit_now = true;
		return 0;
	case OPT_VERSION:
		printf("profile-bee %s\n", PB_VERSION);
		*exit_now = true;
		return 0;
	default:
		fprintf(stderr, "Try 'profile-bee --help' for more information.\n");
		return 2;
	}
}

/* The flame-graph outputs compare with the "before" profile; the profile itself is "after". */
static void set_diff_base(struct cli *cli)
{
	cli->diff_base = cli->input;
	cli->input = cli->diff;
}

int cli_parse(int argc, char **argv, struct cli *cli, bool *exit_now)
{
	int c, ret;

	memset(cli, 0, sizeof(*cli));
	cli->opts.sz = sizeof(cli->opts);
	*exit_now = false;
	opterr = 1;
	/* '+': stop at the first non-option so "profile-bee ./app --flag" never eats --flag. */
	while ((c = getopt_long(argc, argv, "+p:d:F:C:UKIe:fo:vqhc:", long_options, NULL)) != -1) {
		if ((ret = parse_one(c, optarg, cli, exit_now)) || *exit_now)
			return ret;
	}
	if (optind < argc && cli->script) {
		/* After -c FILE, the rest belongs to the script (pb.args). */
		cli->script_args = &argv[optind];
		cli->n_script_args = argc - optind;
	} else if (optind < argc) {
		cli->command = &argv[optind];
	}
	if ((ret = cli_check_combination(cli)))
		return ret;
	if (cli->cmd_string) {
		cli->sh_argv[0] = "/bin/sh";
		cli->sh_argv[1] = "-c";
		cli->sh_argv[2] = cli->cmd_string;
		cli->opts.command = cli->sh_argv;
	} else if (cli->command) {
		cli->opts.command = (const char *const *)cli->command;
	}
	cli->opts.pids = cli->pids;
	if (cli->diff)
		set_diff_base(cli);
	return 0;
}
