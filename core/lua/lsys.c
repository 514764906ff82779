// SPDX-License-Identifier: MIT
/* pb.sleep, pb.time, pb.log, pb.run, pb.spawn, pb.host, pb.load, pb.dir, pb.match, ... */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <profile-bee/hostmeta.h>

#include "lua_internal.h"

extern char **environ;

#define MAX_ARGV 256

static int fail_errno(lua_State *L, const char *what, int err)
{
	lua_pushnil(L);
	lua_pushfstring(L, "%s: %s", what, strerror(err));
	return 2;
}

/* pb.sleep(seconds): waits (keeping running sessions drained); false when Ctrl-C cut it short. */
static int l_sleep(lua_State *L)
{
	lua_Number s = luaL_checknumber(L, 1);

	luaL_argcheck(L, s >= 0 && s < 1e7, 1, "seconds from 0 to 10000000 expected");
	pb_lua_check_interrupt(L);
	pb_lua_drive((int)(s * 1000 + 0.5), -1);
	lua_pushboolean(L, !pb_lua_interrupted());
	return 1;
}

/* pb.time(): seconds since the epoch, with a fraction. */
static int l_time(lua_State *L)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	lua_pushnumber(L, ts.tv_sec + ts.tv_nsec / 1e9);
	return 1;
}

/* pb.log(...): its arguments, tab-separated, as one line on stderr. */
static int l_log(lua_State *L)
{
	int n = lua_gettop(L);
	luaL_Buffer b;

	luaL_buffinit(L, &b);
	luaL_addstring(&b, "profile-bee: ");
	for (int i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&b, '\t');
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_addchar(&b, '\n');
	luaL_pushresult(&b);
	fputs(lua_tostring(L, -1), stderr);
	fflush(stderr);
	return 0;
}

/* argv from a string (run by /bin/sh -c) or a list of strings; the strings stay in arg 1. */
static void check_argv(lua_State *L, int arg, const char **argv)
{
	size_t n = 0;

	if (lua_type(L, arg) == LUA_TSTRING) {
		argv[0] = "/bin/sh";
		argv[1] = "-c";
		argv[2] = lua_tostring(L, arg);
		argv[3] = NULL;
		return;
	}
	if (!lua_istable(L, arg))
		luaL_typeerror(L, arg, "string or list of strings");
	for (lua_Integer i = 1; lua_rawgeti(L, arg, i) != LUA_TNIL; i++) {
		if (lua_type(L, -1) != LUA_TSTRING)
			luaL_argerror(L, arg, lua_pushfstring(L, "item %d is not a string", (int)i));
		if (n == MAX_ARGV)
			luaL_argerror(L, arg, "too many arguments");
		argv[n++] = lua_tostring(L, -1);
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	if (!n)
		luaL_argerror(L, arg, "the command is empty");
	argv[n] = NULL;
}

/* A wait status as the shell shows it: the exit code, or 128 + the signal. */
static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

/* Waits for pid while keeping sessions drained; reads its stdout from fd (-1: none) into b. */
static int wait_child(lua_State *L, pid_t pid, int fd, luaL_Buffer *b)
{
	int status;

	for (;;) {
		pid_t got;

		if (fd >= 0) {
			char buf[4096];
			ssize_t n;

			while ((n = read(fd, buf, sizeof(buf))) > 0)
				luaL_addlstring(b, buf, n);
			if (n == 0) {
				close(fd);
				fd = -1;
			}
		}
		got = waitpid(pid, &status, WNOHANG);
		if (got == pid && fd < 0)
			return exit_code(status);
		if (got < 0 && errno != EINTR)
			return -1;
		if (got == pid) {
			/* Exited, but a grandchild may hold the pipe: take what is there and stop. */
			close(fd);
			return exit_code(status);
		}
		pb_lua_drive(fd >= 0 ? 100 : 20, fd);
	}
}

static int spawn(const char **argv, int out_fd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	int err;

	posix_spawn_file_actions_init(&fa);
	if (out_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
	err = posix_spawnp(pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return err;
}

/* pb.run(argv): runs a command to its end; returns its exit status and its stdout. */
static int l_run(lua_State *L)
{
	const char *argv[MAX_ARGV + 1];
	char what[300];
	luaL_Buffer b;
	int pipefd[2], err, status;
	pid_t pid;

	check_argv(L, 1, argv);
	pb_lua_check_interrupt(L);
	if (pipe2(pipefd, O_CLOEXEC))
		return fail_errno(L, "cannot run a command", errno);
	err = spawn(argv, pipefd[1], &pid);
	close(pipefd[1]);
	if (err) {
		close(pipefd[0]);
		snprintf(what, sizeof(what), "cannot run '%s'", argv[0]);
		return fail_errno(L, what, err);
	}
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	luaL_buffinit(L, &b);
	status = wait_child(L, pid, pipefd[0], &b);
	luaL_pushresult(&b);
	lua_pushinteger(L, status);
	lua_insert(L, -2);
	return 2;
}

struct lprocess {
	pid_t pid;
	int status; /* -1 while running */
};

/*
 * pb.spawn(argv): starts a command; a handle with :pid(), :wait(), :kill([signal]). A process
 * still running when the script ends is terminated.
 */
static int l_spawn(lua_State *L)
{
	const char *argv[MAX_ARGV + 1];
	struct lprocess *pr;
	char what[300];
	int err;

	check_argv(L, 1, argv);
	pb_lua_check_interrupt(L);
	pr = lua_newuserdatauv(L, sizeof(*pr), 0);
	pr->pid = 0;
	pr->status = -1;
	luaL_setmetatable(L, PB_PROCESS_MT);
	if ((err = spawn(argv, -1, &pr->pid))) {
		snprintf(what, sizeof(what), "cannot run '%s'", argv[0]);
		return fail_errno(L, what, err);
	}
	return 1;
}

static int l_process_pid(lua_State *L)
{
	struct lprocess *pr = luaL_checkudata(L, 1, PB_PROCESS_MT);

	lua_pushinteger(L, pr->pid);
	return 1;
}

/* h:wait(): its exit status (128 + signal when killed). */
static int l_process_wait(lua_State *L)
{
	struct lprocess *pr = luaL_checkudata(L, 1, PB_PROCESS_MT);

	if (pr->status < 0 && pr->pid > 0)
		pr->status = wait_child(L, pr->pid, -1, NULL);
	lua_pushinteger(L, pr->status);
	return 1;
}

/* h:kill([signal = 15]) */
static int l_process_kill(lua_State *L)
{
	struct lprocess *pr = luaL_checkudata(L, 1, PB_PROCESS_MT);
	lua_Integer sig = luaL_optinteger(L, 2, SIGTERM);

	luaL_argcheck(L, sig >= 0 && sig < 65, 2, "a signal number expected");
	if (pr->status >= 0 || kill(pr->pid, (int)sig))
		return fail_errno(L, "cannot signal the process", pr->status >= 0 ? ESRCH : errno);
	lua_pushboolean(L, 1);
	return 1;
}

static int add_host_field(void *ctx, const char *key, const char *value)
{
	lua_State *L = ctx;

	if (value && *value) {
		lua_pushstring(L, value);
		lua_setfield(L, -2, key);
	}
	return 0;
}

/* pb.host(): hostname, kernel, boot_id and the EC2 / ECS / Kubernetes identity that is known. */
static int l_host(lua_State *L)
{
	lua_newtable(L);
	pb_host_metadata__for_each(pb_host_metadata__get(), add_host_field, L);
	return 1;
}

/* pb.load(path): a profile from a folded file, or nil and a message. */
static int l_load(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	struct pb_folded_report rep;
	struct pb_profile *p;
	FILE *f = fopen(path, "r");
	char why[512];
	int err;

	if (!f)
		return fail_errno(L, lua_pushfstring(L, "cannot read '%s'", path), errno);
	err = pb_profile__new(&p);
	if (!err && !strcmp(pb_profile__input_format(path, f), "pprof")) {
		err = pb_profile__read_format(p, "pprof", f, NULL, why, sizeof(why));
		fclose(f);
		if (err) {
			pb_profile__free(p);
			lua_pushnil(L);
			lua_pushfstring(L, "%s: %s", path, why);
			return 2;
		}
		pb_lua_push_profile(L, p);
		return 1;
	}
	if (!err && (err = pb_profile__read_folded(p, f, &rep)))
		pb_profile__free(p);
	fclose(f);
	if (err) {
		pb_profile__read_error(path, err, &rep, why, sizeof(why));
		lua_pushnil(L);
		lua_pushstring(L, why);
		return 2;
	}
	pb_lua_push_profile(L, p);
	return 1;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* pb.dir(path): the names in a directory, sorted, or nil and a message. */
static int l_dir(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	DIR *d = opendir(path);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (!d)
		return fail_errno(L, lua_pushfstring(L, "cannot list '%s'", path), errno);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n == cap) {
			char **grown = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));

			if (!grown)
				break;
			names = grown;
		}
		if (!(names[n] = strdup(e->d_name)))
			break;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	lua_createtable(L, n, 0);
	for (size_t i = 0; i < n; i++) {
		lua_pushstring(L, names[i]);
		lua_rawseti(L, -2, i + 1);
		free(names[i]);
	}
	free(names);
	return 1;
}

/* pb.wait_signal(name [, timeout]): waits for SIGUSR1, SIGUSR2 or SIGHUP; false on timeout. */
static int l_wait_signal(lua_State *L)
{
	static const char *const names[] = { "USR1", "USR2", "HUP", NULL };
	static const int sigs[] = { SIGUSR1, SIGUSR2, SIGHUP };
	int sig = sigs[luaL_checkoption(L, 1, NULL, names)];
	lua_Number timeout = luaL_optnumber(L, 2, -1);
	struct timespec ts;
	double deadline;
	unsigned before;

	pb_lua_check_interrupt(L);
	pb_lua_watch_signal(sig);
	before = pb_lua_signal_count(sig);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	deadline = ts.tv_sec + ts.tv_nsec / 1e9 + timeout;
	while (pb_lua_signal_count(sig) == before && !pb_lua_interrupted()) {
		double left;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		left = deadline - (ts.tv_sec + ts.tv_nsec / 1e9);
		if (timeout >= 0 && left <= 0)
			break;
		pb_lua_drive(timeout < 0 || left > 1 ? 1000 : (int)(left * 1000) + 1,
			     pb_lua_wake_fd());
	}
	lua_pushboolean(L, pb_lua_signal_count(sig) != before);
	return 1;
}

/* pb.match(regex, text): whether text matches the POSIX extended regex (as p:grep matches). */
static int l_match(lua_State *L)
{
	const char *re = luaL_checkstring(L, 1), *text = luaL_checkstring(L, 2);
	regex_t rx;
	int err = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB);

	if (err) {
		char why[256];

		regerror(err, &rx, why, sizeof(why));
		return luaL_argerror(L, 1, lua_pushfstring(L, "bad regex '%s': %s", re, why));
	}
	lua_pushboolean(L, !regexec(&rx, text, 0, NULL, 0));
	regfree(&rx);
	return 1;
}

/* A process the script left running ends with it: SIGTERM, then SIGKILL after a second. */
static int l_process_gc(lua_State *L)
{
	struct lprocess *pr = luaL_checkudata(L, 1, PB_PROCESS_MT);
	int status;

	if (pr->status >= 0 || pr->pid <= 0)
		return 0;
	kill(pr->pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (waitpid(pr->pid, &status, WNOHANG) != 0)
			return 0;
		usleep(10000);
	}
	kill(pr->pid, SIGKILL);
	waitpid(pr->pid, &status, 0);
	return 0;
}

static const luaL_Reg process_methods[] = {
	{ "pid", l_process_pid },
	{ "wait", l_process_wait },
	{ "kill", l_process_kill },
	{ NULL, NULL },
};

static const luaL_Reg process_meta[] = {
	{ "__gc", l_process_gc },
	{ NULL, NULL },
};

static const luaL_Reg sys_functions[] = {
	{ "sleep", l_sleep }, { "time", l_time }, { "log", l_log },
	{ "run", l_run },     { "spawn", l_spawn }, { "host", l_host },
	{ "load", l_load },   { "dir", l_dir },     { "wait_signal", l_wait_signal },
	{ "match", l_match },
	{ NULL, NULL },
};

void pb_lua_open_sys(lua_State *L)
{
	pb_lua_new_class(L, PB_PROCESS_MT, process_meta, process_methods);
	luaL_setfuncs(L, sys_functions, 0);
}
