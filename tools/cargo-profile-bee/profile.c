// SPDX-License-Identifier: MIT
/* Finds profile-bee and runs it on the program, test or bench harnesses cargo built. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cargo-profile-bee.h"

#define MAX_ARGS 96

/* From the build tree, the profile-bee built with us; installed, the one beside us. */
static const char *find_profile_bee(const char *self, char *buf, size_t size)
{
	const char *env = getenv("PROFILE_BEE");
	char dir[PATH_MAX];

	if (env && *env)
		return env;
	snprintf(dir, sizeof(dir), "%s", self);
	if (!strcmp(dirname(dir), CPB_BUILD_DIR) && !access(CPB_BUILD_PROFILE_BEE, X_OK))
		return CPB_BUILD_PROFILE_BEE;
	if (snprintf(buf, size, "%s/profile-bee", dir) < (int)size && !access(buf, X_OK))
		return buf;
	if (!access(CPB_BINDIR "/profile-bee", X_OK))
		return CPB_BINDIR "/profile-bee";
	return "profile-bee"; /* from $PATH */
}

/* A shell word that stays one word whatever the path holds. */
static void put_quoted(FILE *f, const char *word)
{
	fputc('\'', f);
	for (const char *c = word; *c; c++) {
		if (*c == '\'')
			fputs("'\\''", f);
		else
			fputc(*c, f);
	}
	fputc('\'', f);
}

/* cargo test runs every harness in its package's directory with the same arguments and fails
 * when one does; a shell does the same under one profile. */
static int harness_script(const struct cpb_build *b, char **ret)
{
	size_t size;
	FILE *f = open_memstream(ret, &size);

	if (!f)
		return -ENOMEM;
	if (b->n_exes > 1)
		fputs("st=0; ", f);
	for (int i = 0; i < b->n_exes; i++) {
		fputs("cd ", f);
		put_quoted(f, b->exes[i].pkg_dir);
		fputs(b->n_exes > 1 ? " && " : " && exec ", f);
		put_quoted(f, b->exes[i].path);
		fputs(b->n_exes > 1 ? " \"$@\" || st=$?; " : " \"$@\"", f);
	}
	if (b->n_exes > 1)
		fputs("exit $st", f);
	if (fclose(f)) {
		free(*ret);
		*ret = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void add(const char **argv, int *n, const char *a, const char *b)
{
	if (*n < MAX_ARGS - 2) {
		argv[(*n)++] = a;
		if (b)
			argv[(*n)++] = b;
	}
}

static int build_argv(const struct cpb_opts *o, const struct cpb_build *b, const char *pb,
		      const char **argv, char **script)
{
	int n = 0;

	if (o->root)
		add(argv, &n, "sudo", "--preserve-env=PROFILE_BEE_PLUGIN_PATH");
	add(argv, &n, pb, NULL);
	for (int i = 0; i < o->verbosity; i++)
		add(argv, &n, "-v", NULL);
	if (o->plugin_path)
		add(argv, &n, "--plugin-path", o->plugin_path);
	if (o->frequency)
		add(argv, &n, "-F", o->frequency);
	if (o->duration)
		add(argv, &n, "-d", o->duration);
	if (o->unwinder)
		add(argv, &n, "--unwinder", o->unwinder);
	if (o->svg)
		add(argv, &n, "-o", o->svg);
	for (int i = 0; i < o->n_outputs; i++)
		add(argv, &n, "-o", o->outputs[i]);
	if (o->tui)
		add(argv, &n, "--tui", NULL);
	add(argv, &n, "--", NULL);
	if (o->mode == CPB_BUILD) {
		add(argv, &n, b->exes[0].path, NULL);
	} else {
		if (harness_script(b, script))
			return -ENOMEM;
		add(argv, &n, "/bin/sh", "-c");
		add(argv, &n, *script, "cargo-profile-bee");
	}
	if (n + o->n_prog_args + 2 > MAX_ARGS)
		return -E2BIG;
	for (int i = 0; i < o->n_prog_args; i++)
		argv[n++] = o->prog_args[i];
	if (o->mode == CPB_BENCH)
		argv[n++] = "--bench"; /* what cargo bench passes, after the user's arguments */
	argv[n] = NULL;
	return 0;
}

static pid_t child;

/* Ctrl-C reaches profile-bee from the terminal (it then writes the profile); a SIGTERM sent to
 * us alone is passed on. */
static void forward(int sig)
{
	if (child > 0)
		kill(child, sig);
}

int cpb_profile_run(const struct cpb_opts *o, const struct cpb_build *b, const char *self)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, fwd = { .sa_handler = forward };
	struct sigaction old_int, old_term;
	const char *argv[MAX_ARGS];
	char buf[PATH_MAX], *script = NULL;
	int wstatus, err;

	err = build_argv(o, b, find_profile_bee(self, buf, sizeof(buf)), argv, &script);
	if (err) {
		fprintf(stderr, "cargo-profile-bee: %s\n", err == -E2BIG ? "too many arguments"
									  : "out of memory");
		free(script);
		return err == -E2BIG ? 2 : 1;
	}
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGTERM, &fwd, &old_term);
	child = fork();
	if (child == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		execvp(argv[0], (char **)argv);
		fprintf(stderr, "cargo-profile-bee: cannot run '%s': %s (set PROFILE_BEE)\n",
			argv[0], strerror(errno));
		_exit(127);
	}
	free(script);
	if (child < 0) {
		fprintf(stderr, "cargo-profile-bee: fork: %s\n", strerror(errno));
		return 1;
	}
	while (waitpid(child, &wstatus, 0) < 0)
		if (errno != EINTR)
			return 1;
	child = 0;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
}
