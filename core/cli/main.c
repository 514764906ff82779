// SPDX-License-Identifier: MIT
/* profile-bee: the command-line front end over the session API. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <profile-bee/kernel.h>

#include "cli.h"
#include "script.h"

static struct pb_session *volatile running;
static volatile sig_atomic_t stopping;

/*
 * SIGINT, SIGTERM and SIGHUP (a closed terminal or ssh session) all end a profile the same way:
 * the first stops sampling and the outputs are written. Without a session to stop (--input),
 * or on a second signal ("now"), the process dies of the signal, but first removes the
 * temporary files of outputs being written.
 */
static void on_signal(int sig)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	if (running && !stopping) {
		stopping = 1;
		pb_session__stop(running);
		return;
	}
	pb_atomic_file__remove_pending();
	sigaction(sig, &dfl, NULL);
	raise(sig);
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a closed pipe is reported as a write error instead */
}

static bool shows_tui(const struct cli *cli)
{
	if (cli->tui)
		return true;
	for (int i = 0; i < cli->n_outputs; i++)
		if (!strcmp(cli->outputs[i], "tui"))
			return true;
	return false;
}

static bool writes_stdout(const struct cli *cli)
{
	for (int i = 0; i < cli->n_outputs; i++)
		if (!strcmp(cli->outputs[i], "-"))
			return true;
	return false;
}

static int add_outputs(struct pb_session *s, struct cli *cli, const struct pb_script_config *sc)
{
	char listen[300];

	if (cli->listen)
		snprintf(listen, sizeof(listen), "listen=%s", cli->listen);
	if (cli->tui && pb_session__add_output(s, "tui", NULL))
		return 2;
	if (cli->serve && pb_session__add_output(s, "serve", cli->listen ? listen : NULL))
		return 2;
	for (int i = 0; i < cli->n_outputs; i++) {
		/* A pair, not "k=v" text: the path may hold commas. */
		struct pb_setting diff = { .key = "diff-base", .value = cli->diff_base };
		bool with_diff = cli->diff_base && cli_takes_diff(cli->outputs[i]);

		if (pb_session__add_output_settings(s, cli->outputs[i], with_diff ? &diff : NULL,
						    with_diff))
			return 2;
	}
	/* A script's configuration table names outputs when the command line names none. */
	for (size_t i = 0; sc && i < sc->n_outputs; i++)
		if (pb_session__add_output_settings(s, sc->outputs[i].target, sc->outputs[i].settings,
						    sc->outputs[i].n_settings))
			return 2;
	return 0;
}

/* What reading a profile left out, said once; the profile is still used. */
static void report_cuts(const char *path, const struct pb_profile *p)
{
	uint64_t cut = pb_profile__truncated(p), sat = pb_profile__saturated(p);

	if (cut)
		fprintf(stderr, "profile-bee: %s: %llu stack%s deeper than %d frames cut (they end in "
			PB_PROFILE_TRUNCATED ")\n", path, (unsigned long long)cut, cut > 1 ? "s" : "",
			PB_PROFILE_MAX_DEPTH);
	if (sat)
		fprintf(stderr, "profile-bee: %s: counts add up past 2^64-1: %llu line%s cut to fit\n",
			path, (unsigned long long)sat, sat > 1 ? "s" : "");
}

/*
 * Folded text does not say what its counts are: --off-cpu or --wall (event) does. A pprof file
 * says it in its sample types, which a different flag must not contradict.
 */
static int set_input_event(const char *path, struct pb_profile *p, uint32_t event)
{
	struct pb_profile_meta *m = pb_profile__meta(p);

	if (event == PB_EVENT_CPU || m->event == event)
		return 0;
	if (m->event != PB_EVENT_CPU) {
		fprintf(stderr, "profile-bee: %s holds a%s %s profile, not %s\n", path,
			m->event == PB_EVENT_OFF_CPU ? "n" : "", pb_profile__event_name(m->event),
			pb_profile__event_name(event));
		return 2;
	}
	m->event = event;
	return 0;
}

static int read_input(const char *path, uint32_t event, struct pb_profile **ret)
{
	struct pb_folded_report rep;
	struct pb_profile *p;
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char why[512];
	int err;

	if (!f) {
		fprintf(stderr, "profile-bee: cannot open '%s': %s\n", path, strerror(errno));
		return 1;
	}
	err = pb_profile__new(&p);
	if (!err && !strcmp(pb_profile__input_format(path, f), "pprof")) {
		rep = (struct pb_folded_report){ 0 };
		err = pb_profile__read_format(p, "pprof", f, NULL, why, sizeof(why));
		if (f != stdin)
			fclose(f);
		if (err) {
			fprintf(stderr, "profile-bee: %s: %s\n", path, why);
			pb_profile__free(p);
			return 1;
		}
	} else if (!err) {
		err = pb_profile__read_folded(p, f, &rep);
		if (f != stdin)
			fclose(f);
	} else if (f != stdin) {
		fclose(f);
	}
	if (err) {
		pb_profile__read_error(path, err, &rep, why, sizeof(why));
		fprintf(stderr, "profile-bee: %s\n", why);
		pb_profile__free(p);
		return 1;
	}
	if (rep.malformed) {
		fprintf(stderr, "profile-bee: %s: skipped %llu malformed line%s (line", path,
			(unsigned long long)rep.malformed, rep.malformed > 1 ? "s" : "");
		for (uint64_t i = 0; i < rep.malformed && i < 5; i++)
			fprintf(stderr, "%s %llu", i ? "," : "", (unsigned long long)rep.first_bad[i]);
		fprintf(stderr, "%s)\n", rep.malformed > 5 ? ", ..." : "");
	}
	report_cuts(path, p);
	if (!pb_profile__stack_count(p)) {
		fprintf(stderr, "profile-bee: %s: no stacks in the input\n", path);
		pb_profile__free(p);
		return 1;
	}
	if ((err = set_input_event(path, p, event))) {
		pb_profile__free(p);
		return err;
	}
	*ret = p;
	return 0;
}

static int run(struct pb_session *s, struct cli *cli, const struct pb_settings *merged)
{
	const struct pb_settings_item *unwinder;
	struct pb_profile *input;
	char where[300] = "";
	int err, status;

	if (cli->input) {
		if ((status = read_input(cli->input, cli->opts.event, &input)))
			return status;
		err = pb_session__write(s, input);
		pb_profile__free(input);
		return err ? 1 : 0;
	}
	if (pb_session__check(s)) {
		/* An unwinder named in a conf file or a script: say where. */
		unwinder = pb_settings_find(merged, "profile", "unwinder");
		if (unwinder)
			pb_settings_where(unwinder, where, sizeof(where));
		fprintf(stderr, "profile-bee: %s%s\n", where, pb_session__strerror(s));
		return 2;
	}
	install_signals(); /* again: a script that configured this run had its own */
	running = s;
	err = pb_session__run(s);
	running = NULL;
	if (err) {
		const char *why = pb_session__strerror(s);
		/* Not allowed BPF, but a process or command to profile: perf events may do. */
		bool hint = err == -EPERM && !cli->no_bpf && (cli->opts.n_pids || cli->opts.command);

		fprintf(stderr, "profile-bee: %s%s\n", why[0] ? why : strerror(-err),
			hint ? " (or --no-bpf: perf events, user stacks by frame pointers)" : "");
		return 1;
	}
	status = pb_session__command_status(s);
	if (status > 0)
		fprintf(stderr, "profile-bee: the command exited with status %d\n", status);
	return status > 0 ? status : 0;
}

/* Runs the script; PB_SCRIPT_CONFIG when it returned a configuration for a normal run. */
static int run_script(struct cli *cli, const struct pb_settings *merged,
		      struct pb_script_config *sc)
{
	struct pb_profile *input = NULL;
	struct pb_script_env env = {
		.path = cli->script,
		.args = cli->script_args,
		.n_args = cli->n_script_args,
		.settings = merged,
		.overrides = &cli->layer,
		.pids = cli->opts.n_pids ? cli->pids : NULL,
		.n_pids = cli->opts.n_pids,
		.command = cli->opts.command,
	};
	uint32_t event = PB_EVENT_CPU;
	int ret;

	pb_profile__event_parse(pb_settings_get(merged, "profile", "event"), &event);
	if (cli->input && (ret = read_input(cli->input, event, &input)))
		return ret;
	env.input = input;
	ret = cli_script_run(&env, sc);
	pb_profile__free(input);
	return ret;
}

/* Session options from every layer: conf files < the script's table < the command line. */
static int build_opts(struct cli *cli, struct pb_settings *merged, struct pb_script_config *sc)
{
	char err[1024];

	if (sc && (pb_settings_merge(merged, &sc->settings) ||
		   pb_settings_merge(merged, &cli->layer))) {
		fprintf(stderr, "profile-bee: out of memory\n");
		return 1;
	}
	if (sc && !cli->opts.n_pids && !cli->opts.command) {
		cli->opts.pids = sc->pids;
		cli->opts.n_pids = sc->n_pids;
		cli->opts.command = (const char *const *)sc->command;
	}
	/* bcc's profile runs until Ctrl-C; ours stops after profile.duration unless a command ends. */
	if (pb_settings_to_opts(merged, &cli->opts, err, sizeof(err))) {
		fprintf(stderr, "profile-bee: %s\n", err);
		return 2;
	}
	if (cli->stream_mode && !cli->opts.window_ms)
		cli->opts.window_ms = 500;
	return 0;
}

static int load_settings(struct cli *cli, struct pb_settings *merged)
{
	char err[1024];

	if (pb_ini_load_default(cli->config_path, merged, err, sizeof(err))) {
		fprintf(stderr, "profile-bee: %s\n", err);
		return 2;
	}
	if (pb_settings_merge(merged, &cli->layer)) {
		fprintf(stderr, "profile-bee: out of memory\n");
		return 1;
	}
	return 0;
}

static int profile(struct cli *cli, const struct pb_settings *merged,
		   const struct pb_script_config *sc)
{
	struct pb_session *s;
	char err[1024];
	int ret;

	if (!cli->n_outputs && !cli->tui && !cli->serve && !(sc && sc->n_outputs))
		cli->outputs[cli->n_outputs++] = "-";
	if (cli->n_outputs || cli->tui || cli->serve)
		sc = NULL; /* the command line's outputs replace the script's */
	cli->opts.command_stdout_to_stderr = writes_stdout(cli);
	ret = pb_session__new(&cli->opts, &s);
	if (ret) {
		fprintf(stderr, "profile-bee: cannot start: %s\n", strerror(-ret));
		return 1;
	}
	if (pb_settings_apply_plugins(merged, s, err, sizeof(err))) {
		fprintf(stderr, "profile-bee: %s\n", err);
		ret = 2;
	} else if ((ret = add_outputs(s, cli, sc))) {
		fprintf(stderr, "profile-bee: %s\n", pb_session__strerror(s));
	} else {
		ret = run(s, cli, merged);
	}
	pb_session__free(s);
	return ret;
}

int main(int argc, char **argv)
{
	struct pb_script_config sc = { 0 };
	struct pb_settings merged = { 0 };
	bool exit_now, scripted = false;
	struct cli cli;
	int ret = cli_parse(argc, argv, &cli, &exit_now);

	if (ret || exit_now)
		goto out;
	pb_log__set_level(1 + cli.verbosity);
	/*
	 * From here on, a signal never leaves a temporary file behind. A terminal viewer of a
	 * saved profile owns the ending signals instead: it puts the terminal back first.
	 */
	if (!(cli.input && shows_tui(&cli)))
		install_signals();
	if (cli.list_plugins) {
		ret = pb_plugin__list_all(stdout, cli.opts.plugin_path) ? 1 : 0;
		goto out;
	}
	if (cli.check) {
		ret = pb_kernel__check(stdout, cli.opts.plugin_path) ? 1 : 0;
		goto out;
	}
	if ((ret = load_settings(&cli, &merged)))
		goto out;
	if (cli.script) {
		ret = run_script(&cli, &merged, &sc);
		if (ret != PB_SCRIPT_CONFIG)
			goto out;
		scripted = true;
	}
	if (!(ret = build_opts(&cli, &merged, scripted ? &sc : NULL)))
		ret = profile(&cli, &merged, scripted ? &sc : NULL);
out:
	cli_script_config_free(&sc);
	pb_settings_clear(&merged);
	pb_settings_clear(&cli.layer);
	free(cli.events);
	return ret;
}
