// SPDX-License-Identifier: MIT
/* Runs cargo with debug info (and frame pointers) and takes the executables from its messages. */
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cargo-profile-bee.h"

static const char fp_flag[] = "-C force-frame-pointers=yes";

/* Debug info in every profile cargo may use; a value the user set wins. */
static void want_debug_info(void)
{
	static const char *const vars[] = {
		"CARGO_PROFILE_DEV_DEBUG",
		"CARGO_PROFILE_RELEASE_DEBUG",
		"CARGO_PROFILE_TEST_DEBUG",
		"CARGO_PROFILE_BENCH_DEBUG",
	};

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		setenv(vars[i], "true", 0);
}

/* The same for a custom --profile NAME: CARGO_PROFILE_<NAME>_DEBUG, '-' read as '_'. */
static void want_debug_info_custom(const struct cpb_opts *o)
{
	for (int i = 0; i < o->n_cargo_args; i++) {
		const char *a = o->cargo_args[i], *name = NULL;
		char var[256];
		size_t n;

		if (!strncmp(a, "--profile=", 10))
			name = a + 10;
		else if (!strcmp(a, "--profile") && i + 1 < o->n_cargo_args)
			name = o->cargo_args[i + 1];
		if (!name || strlen(name) > 200)
			continue;
		n = (size_t)snprintf(var, sizeof(var), "CARGO_PROFILE_");
		for (const char *p = name; *p; p++)
			var[n++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
		strcpy(var + n, "_DEBUG");
		setenv(var, "true", 0);
	}
}

/* Appends to the flags the user already has: cargo reads CARGO_ENCODED_RUSTFLAGS first. */
static int want_frame_pointers(void)
{
	const char *enc = getenv("CARGO_ENCODED_RUSTFLAGS"), *plain = getenv("RUSTFLAGS");
	char *v;
	int ret;

	if (enc && *enc)
		ret = asprintf(&v, "%s\x1f-Cforce-frame-pointers=yes", enc);
	else
		ret = asprintf(&v, "%s%s%s", plain ? plain : "", plain && *plain ? " " : "",
			       fp_flag);
	if (ret < 0)
		return -ENOMEM;
	setenv(enc && *enc ? "CARGO_ENCODED_RUSTFLAGS" : "RUSTFLAGS", v, 1);
	free(v);
	return 0;
}

static const char *const mode_word[] = {
	[CPB_BUILD] = "build",
	[CPB_TEST] = "test",
	[CPB_BENCH] = "bench",
};

static bool has_kind(json_object *target, const char *want)
{
	json_object *kinds;

	if (!json_object_object_get_ex(target, "kind", &kinds) ||
	    !json_object_is_type(kinds, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(kinds); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(kinds, i)), want))
			return true;
	return false;
}

/* build: binaries and examples; test and bench: the harnesses (profile.test). */
static bool wanted(const struct cpb_opts *o, json_object *msg)
{
	json_object *target, *profile, *test;
	bool is_test;

	if (!json_object_object_get_ex(msg, "target", &target) ||
	    !json_object_object_get_ex(msg, "profile", &profile))
		return false;
	is_test = json_object_object_get_ex(profile, "test", &test) &&
		  json_object_get_boolean(test);
	if (o->mode != CPB_BUILD)
		return is_test;
	return !is_test && (has_kind(target, "bin") || has_kind(target, "example"));
}

static const char *get_string(json_object *obj, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int add_exe(struct cpb_build *b, json_object *msg, const char *path)
{
	json_object *target;
	const char *name = "?", *manifest = get_string(msg, "manifest_path");
	struct cpb_exe *grown, *e;
	char *dir;

	for (int i = 0; i < b->n_exes; i++)
		if (!strcmp(b->exes[i].path, path))
			return 0;
	if (json_object_object_get_ex(msg, "target", &target) && get_string(target, "name"))
		name = get_string(target, "name");
	grown = realloc(b->exes, (b->n_exes + 1) * sizeof(*b->exes));
	if (!grown)
		return -ENOMEM;
	b->exes = grown;
	e = &b->exes[b->n_exes];
	dir = strdup(manifest ? manifest : ".");
	e->path = strdup(path);
	e->name = strdup(name);
	e->pkg_dir = dir ? strdup(manifest ? dirname(dir) : ".") : NULL;
	free(dir);
	if (!e->path || !e->name || !e->pkg_dir) {
		free(e->path);
		free(e->name);
		free(e->pkg_dir);
		return -ENOMEM;
	}
	b->n_exes++;
	return 0;
}

/* One line of cargo's stdout: a JSON message. Only built executables matter here. */
static int read_message(const struct cpb_opts *o, struct cpb_build *b, const char *line)
{
	json_object *msg = json_tokener_parse(line);
	const char *reason, *exe;
	int ret = 0;

	if (!msg)
		return 0;
	reason = get_string(msg, "reason");
	exe = get_string(msg, "executable");
	if (reason && !strcmp(reason, "compiler-artifact") && exe && wanted(o, msg))
		ret = add_exe(b, msg, exe);
	json_object_put(msg);
	return ret;
}

static pid_t spawn_cargo(const struct cpb_opts *o, int *out_fd)
{
	const char *cargo = getenv("CARGO"); /* set by cargo for the subcommands it runs */
	char **argv = calloc(o->n_cargo_args + 5, sizeof(*argv));
	int fds[2], n = 0;
	pid_t pid;

	if (!argv || pipe(fds)) {
		free(argv);
		return -1;
	}
	argv[n++] = (char *)(cargo && *cargo ? cargo : "cargo");
	argv[n++] = (char *)mode_word[o->mode];
	argv[n++] = "--message-format=json-render-diagnostics";
	if (o->mode != CPB_BUILD)
		argv[n++] = "--no-run";
	for (int i = 0; i < o->n_cargo_args; i++)
		argv[n++] = o->cargo_args[i];
	pid = fork();
	if (pid == 0) {
		/* stdout carries the messages; diagnostics and progress stay on stderr. */
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "cargo-profile-bee: cannot run '%s': %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	free(argv);
	if (pid < 0) {
		close(fds[0]);
		return -1;
	}
	*out_fd = fds[0];
	return pid;
}

static int exit_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	return 128 + WTERMSIG(wstatus);
}

static int check_exes(const struct cpb_opts *o, const struct cpb_build *b)
{
	if (!b->n_exes) {
		fprintf(stderr, "cargo-profile-bee: cargo built no %s to run%s\n",
			o->mode == CPB_BUILD ? "binary" : "harness",
			o->mode == CPB_BUILD ? " (is there a [[bin]]? --bin NAME, --example NAME)"
					     : "");
		return 1;
	}
	if (o->mode == CPB_BUILD && b->n_exes > 1) {
		fprintf(stderr,
			"cargo-profile-bee: cargo built %d binaries, choose one with --bin NAME "
			"or --example NAME:",
			b->n_exes);
		for (int i = 0; i < b->n_exes; i++)
			fprintf(stderr, " %s", b->exes[i].name);
		fputc('\n', stderr);
		return 2;
	}
	return 0;
}

int cpb_build_run(const struct cpb_opts *o, struct cpb_build *b)
{
	bool fp = cpb_wants_frame_pointers(o);
	char *line = NULL;
	size_t cap = 0;
	int fd, wstatus, err = 0;
	FILE *f;
	pid_t pid;

	memset(b, 0, sizeof(*b));
	want_debug_info();
	want_debug_info_custom(o);
	if (fp && want_frame_pointers()) {
		fprintf(stderr, "cargo-profile-bee: out of memory\n");
		return 1;
	}
	fprintf(stderr,
		"cargo-profile-bee: building with debug info (CARGO_PROFILE_*_DEBUG=true) %s\n",
		fp ? "and frame pointers (RUSTFLAGS += -C force-frame-pointers=yes)"
		   : "without forcing frame pointers (the unwinder reads .eh_frame)");
	pid = spawn_cargo(o, &fd);
	if (pid < 0 || !(f = fdopen(fd, "r"))) {
		fprintf(stderr, "cargo-profile-bee: cannot run cargo: %s\n", strerror(errno));
		return 1;
	}
	while (getline(&line, &cap, f) > 0)
		if (!err)
			err = read_message(o, b, line);
	free(line);
	fclose(f);
	if (waitpid(pid, &wstatus, 0) < 0)
		return 1;
	if (exit_status(wstatus))
		return exit_status(wstatus); /* cargo has shown its errors on stderr */
	if (err) {
		fprintf(stderr, "cargo-profile-bee: reading cargo's messages: %s\n",
			strerror(-err));
		return 1;
	}
	return check_exes(o, b);
}

void cpb_build_free(struct cpb_build *b)
{
	for (int i = 0; b && i < b->n_exes; i++) {
		free(b->exes[i].path);
		free(b->exes[i].name);
		free(b->exes[i].pkg_dir);
	}
	if (b)
		free(b->exes);
}
