// SPDX-License-Identifier: MIT
/* profile-bee: the command-line front end over the session API. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static struct pb_session *running;

static void on_signal(int sig)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	if (running)
		pb_session__stop(running);
	/* A second Ctrl-C means "now": the default action ends the process. */
	sigaction(sig, &dfl, NULL);
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a closed pipe is reported as a write error instead */
}

static bool writes_stdout(const struct cli *cli)
{
	for (int i = 0; i < cli->n_outputs; i++)
		if (!strcmp(cli->outputs[i], "-"))
			return true;
	return false;
}

static int add_outputs(struct pb_session *s, struct cli *cli)
{
	char listen[300];

	if (cli->listen)
		snprintf(listen, sizeof(listen), "listen=%s", cli->listen);
	if (cli->tui && pb_session__add_output(s, "tui", NULL))
		return 2;
	if (cli->serve && pb_session__add_output(s, "serve", cli->listen ? listen : NULL))
		return 2;
	for (int i = 0; i < cli->n_outputs; i++)
		if (pb_session__add_output(s, cli->outputs[i], cli->output_settings[i]))
			return 2;
	return 0;
}

static int read_input(const char *path, struct pb_profile **ret)
{
	struct pb_folded_report rep;
	struct pb_profile *p;
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	int err;

	if (!f) {
		fprintf(stderr, "profile-bee: cannot open '%s': %s\n", path, strerror(errno));
		return 1;
	}
	err = pb_profile__new(&p);
	if (!err)
		err = pb_profile__read_folded(p, f, &rep);
	if (f != stdin)
		fclose(f);
	if (err) {
		fprintf(stderr, "profile-bee: cannot read '%s': %s\n", path, strerror(-err));
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
	if (!pb_profile__stack_count(p)) {
		fprintf(stderr, "profile-bee: %s: no stacks in the input\n", path);
		pb_profile__free(p);
		return 1;
	}
	*ret = p;
	return 0;
}

static int run(struct pb_session *s, struct cli *cli)
{
	struct pb_profile *input;
	int err, status;

	if (cli->input) {
		if ((status = read_input(cli->input, &input)))
			return status;
		err = pb_session__write(s, input);
		pb_profile__free(input);
		return err ? 1 : 0;
	}
	if (pb_session__check(s)) {
		fprintf(stderr, "profile-bee: %s\n", pb_session__strerror(s));
		return 2;
	}
	running = s;
	install_signals();
	err = pb_session__run(s);
	running = NULL;
	if (err) {
		const char *why = pb_session__strerror(s);

		fprintf(stderr, "profile-bee: %s\n", why[0] ? why : strerror(-err));
		return 1;
	}
	status = pb_session__command_status(s);
	if (status > 0)
		fprintf(stderr, "profile-bee: the command exited with status %d\n", status);
	return status > 0 ? status : 0;
}

int main(int argc, char **argv)
{
	struct pb_session *s;
	bool exit_now;
	struct cli cli;
	int ret = cli_parse(argc, argv, &cli, &exit_now);

	if (ret || exit_now)
		return ret;
	pb_set_log_level(1 + cli.verbosity);
	if (cli.list_plugins)
		return pb_list_plugins(stdout, cli.opts.plugin_path) ? 1 : 0;
	if (!cli.n_outputs && !cli.tui && !cli.serve)
		cli.outputs[cli.n_outputs++] = "-";
	cli.opts.command_stdout_to_stderr = writes_stdout(&cli);
	ret = pb_session__new(&cli.opts, &s);
	if (ret) {
		fprintf(stderr, "profile-bee: cannot start: %s\n", strerror(-ret));
		return 1;
	}
	ret = add_outputs(s, &cli);
	if (ret)
		fprintf(stderr, "profile-bee: %s\n", pb_session__strerror(s));
	else
		ret = run(s, &cli);
	pb_session__free(s);
	return ret;
}
