// SPDX-License-Identifier: MIT
/* Parses profile-bee's command line (bcc profile's flags plus ours) into session options. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
	"Usage: profile-bee [OPTIONS] [-- COMMAND [ARGS...]]\n"
	"\n"
	"Samples CPU stacks with BPF and prints them folded (comm;root;...;leaf count).\n"
	"\n"
	"What to profile (default: every process, 10 seconds):\n"
	"  -p, --pid PID[,PID...]     these processes (all threads, and children they fork)\n"
	"      --cgroup PATH          repeatable: only processes in this cgroup v2 directory or\n"
	"                             below it (absolute, relative to the v2 mount, or as\n"
	"                             /proc/PID/cgroup writes it), filtered in BPF\n"
	"      --cmd \"CMD\"            run CMD through /bin/sh and profile it until it exits\n"
	"  -- COMMAND [ARGS...]       run COMMAND and profile it until it exits\n"
	"  -d, --duration SECONDS     stop after SECONDS (may be fractional; 0: until Ctrl-C)\n"
	"      --time MS              stop after MS milliseconds\n"
	"  -F, --frequency HZ         samples per second per CPU (default 99)\n"
	"  -C, --cpu CPU              sample only this CPU\n"
	"  -U, --user-stacks-only     user stacks only\n"
	"  -K, --kernel-stacks-only   kernel stacks only\n"
	"  -I, --include-idle         keep samples of idle CPUs\n"
	"\n"
	"What to count (default: on-CPU samples):\n"
	"      --off-cpu              microseconds threads spend off CPU (sleeping, blocked,\n"
	"                             preempted), from sched_switch; lines as offcputime -f\n"
	"      --wall                 on-CPU samples (1e6/F us each) and off-CPU time in one\n"
	"                             profile, under [on-cpu] and [off-cpu] root frames\n"
	"      --state STATE          off-CPU time of: all (default: also preempted), both\n"
	"                             (sleeping), interruptible, uninterruptible\n"
	"      --min-block-us US      leave out shorter off-CPU blocks (default 1)\n"
	"      --max-block-us US      leave out longer off-CPU blocks\n"
	"Or count stacks at other events (instead of the CPU timer):\n"
	"  -e, --event SPEC           repeatable: a perf event (page-faults, context-switches,\n"
	"                             cycles, instructions, cache-misses, cpu-clock, ...) or a\n"
	"                             probe, each hit counting once: kprobe:FUNC, kretprobe:FUNC,\n"
	"                             uprobe:PATH:GLOB, uretprobe:PATH:GLOB,\n"
	"                             tracepoint:CATEGORY:NAME, usdt:PATH:PROVIDER:NAME\n"
	"                             (probes with --unwinder fp or dwarf)\n"
	"  -c, --period N             with -e EVENT: a sample every N events (a number; -c FILE\n"
	"                             is still a script)\n"
	"      --list-events          list the events and probe forms -e takes\n"
	"\n"
	"How to unwind:\n"
	"      --unwinder NAME        fp (default), dwarf, libdw, libunwind\n"
	"      --dwarf                the same as --unwinder dwarf\n"
	"      --no-bpf               no BPF and no root: perf events on the threads of -p or the\n"
	"                             command, user stacks by frame pointers (the 'perf'\n"
	"                             unwinder; needs perf_event_paranoid <= 2 without root)\n"
	"      --stack-storage-size N distinct kernel stacks kept per window (default 16384)\n"
	"      --hash-storage-size N  distinct stacks counted per window (default 40960)\n"
	"      --python MODE          CPython frames: auto (in place of the eval loop), off, only\n"
	"\n"
	"Names:\n"
	"      --inline               inlined functions as frames of their own, caller first\n"
	"      --lines                source lines in frames: func (file.c:123)\n"
	"                             both read DWARF (the binary's or its debug file's) once per\n"
	"                             binary and address: the first window costs more, later\n"
	"                             ones little (numbers in bench/symbols/README.md)\n"
	"      --debuginfod URLS      fetch debug files of stripped binaries by build id from these\n"
	"                             debuginfod servers (default: $DEBUGINFOD_URLS; off when\n"
	"                             unset); in the background: frames read [lib.so+0xoff]\n"
	"                             until the file arrives, named in later windows\n"
	"\n"
	"Where the profile goes (default: folded text on stdout):\n"
	"  -f, --folded               folded text on stdout\n"
	"  -o, --output FILE|URL      repeatable; the extension or scheme picks the format:\n"
	"                             .folded .svg .html .json .pb.gz .otlp http:// s3://\n"
	"                             otlp+http://HOST:4318 ...\n"
	"      --input FILE           read a folded or pprof profile (- for stdin) instead of\n"
	"                             sampling\n"
	"      --diff AFTER           with --input BEFORE: a differential flame graph (.svg .html .json)\n"
	"      --flush-interval SECS  hand outputs a window this often (continuous runs); a file\n"
	"                             named with {window} or {time} gets one file per window\n"
	"      --tui                  show an interactive flame graph in the terminal\n"
	"      --serve                serve a live flame graph over HTTP\n"
	"      --listen ADDR:PORT     where --serve listens (default 127.0.0.1:8000)\n"
	"      --serve-allow-host H   more Host names --serve answers (comma-separated)\n"
	"      --serve-token-file F   --serve needs the token in F's first line (--serve-token T)\n"
	"      --stream-mode N        1: live updates every 500 ms (with --tui, --serve)\n"
	"\n"
	"Labels (every stack has pid and comm, and container_id, pod_uid, cgroup, systemd_unit\n"
	"where /proc/PID/cgroup names them):\n"
	"      --label KEY=VALUE      repeatable: a label on every stack (INI [labels])\n"
	"      --group-by KEY         container, pod or label:NAME: a root frame per value\n"
	"\n"
	"Views (every output; labels tid, thread_name, cpu too):\n"
	"      --per-thread           threads apart: comm;[tid 1234 worker-2];main;... (the comm\n"
	"                             is the process's name, the thread's is in its frame)\n"
	"      --per-cpu              CPUs apart: a root frame per CPU, [cpu 3];comm;...\n"
	"\n"
	"Scripts and settings:\n"
	"  -c, --script FILE          run a Lua session script; what follows -- is its pb.args\n"
	"      --config FILE          read settings only from FILE (default: /etc/profile-bee/\n"
	"                             profile-bee.conf, then ~/.config/profile-bee/profile-bee.conf)\n"
	"      --set SECTION.KEY=VAL  repeatable: profile.frequency=999, output.svg.title=X,\n"
	"                             unwinder.dwarf.max-rows=N (flags > script > conf file)\n"
	"\n"
	"Other:\n"
	"      --list-plugins         list the core's settings, and unwinder and output plugins\n"
	"                             with theirs\n"
	"      --check                what this kernel offers and which unwinders load on it\n"
	"      --plugin-path DIRS     also load plugins from DIRS (':'-separated)\n"
	"  -v, --verbose              more messages (twice: debug)\n"
	"  -q, --quiet                no summary of lost stacks and unnamed frames\n"
	"  -h, --help                 this text\n"
	"      --version              print the version\n"
	"\n"
	"Examples:\n"
	"  sudo profile-bee                              # every process, 10 s, folded on stdout\n"
	"  sudo profile-bee -p 1234 -F 999 -d 5          # one process at 999 Hz for 5 s\n"
	"  sudo profile-bee -o out.svg -- ./my-server    # run and profile a command\n"
	"  sudo profile-bee --dwarf -p 1234 -o out.folded -o out.svg\n"
	"  profile-bee --no-bpf -o out.svg -- ./my-app   # no root: perf events, frame pointers\n"
	"  profile-bee --input saved.folded -o saved.svg # render a saved profile\n"
	"  sudo profile-bee -c periodic.lua -- duration=10 every=300 keep=288 out=cpu.svg\n"
	"  sudo profile-bee -e page-faults -p 1234       # where a process faults pages in\n"
	"  sudo profile-bee -e 'uprobe:/usr/lib/x86_64-linux-gnu/libc.so.6:mem*' -- ./app\n"
	"  sudo profile-bee -e kprobe:vfs_read -e tracepoint:syscalls:sys_enter_openat -p 1234\n";

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
		fputs(usage, stdout);
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

/* The flame-graph outputs compare with the "before" profile; the profile itself is "after". */
static void set_diff_base(struct cli *cli)
{
	cli->diff_base = cli->input;
	cli->input = cli->diff;
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

static int check_combination(struct cli *cli)
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
	if ((ret = check_combination(cli)))
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
