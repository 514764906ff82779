// SPDX-License-Identifier: MIT
/* The Lua runtime: the state, the prelude, running the script, tracebacks, Ctrl-C. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <lualib.h>

#include "lua_internal.h"

extern const char pb_prelude[];
extern const size_t pb_prelude_len;

const struct pb_script_env *pb_lua_env;

static volatile sig_atomic_t interrupted; /* the signal that ends the script, 0: none */
static lua_State *volatile running_L;
static int wake_pipe[2] = { -1, -1 };
static volatile sig_atomic_t signal_counts[3];
static const int watchable[3] = { SIGUSR1, SIGUSR2, SIGHUP };

/* The error object that ends a script after Ctrl-C: its address is unique. */
static const char interrupt_key = 'i';
/* The metatable of usage errors (pb.usage_error): they end the script with status 2. */
#define USAGE_MT "pb.usage"

static void wake(void)
{
	char c = 1;

	if (write(wake_pipe[1], &c, 1) < 0)
		return; /* the pipe is full: a wake-up is pending anyway */
}

/*
 * Once interrupted, a script ends at its next blocking call, after writing what it has. One
 * that never reaches one (`while true do end`) ends here, after this many more Lua instructions
 * (0.1-0.3 s): enough for a script to write its profile, not enough to ignore a Ctrl-C.
 */
#define INTERRUPT_GRACE_INSTRUCTIONS 20000000

static void on_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	pb_lua_check_interrupt(L);
}

static void on_interrupt(int sig)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	int saved = errno;

	if (interrupted) {
		/* A second signal means "now", as on the command line: no temporary file left. */
		pb_atomic_file__remove_pending();
		sigaction(sig, &dfl, NULL);
		raise(sig);
		return;
	}
	interrupted = sig;
	pb_lua_stop_sessions();
	wake();
	/* lua_sethook is the one Lua call a signal handler may make (lua.c does the same). */
	if (running_L)
		lua_sethook(running_L, on_hook, LUA_MASKCOUNT, INTERRUPT_GRACE_INSTRUCTIONS);
	errno = saved;
}

static void on_watched(int sig)
{
	int saved = errno;

	for (int i = 0; i < 3; i++)
		if (watchable[i] == sig)
			signal_counts[i]++;
	wake();
	errno = saved;
}

bool pb_lua_interrupted(void)
{
	return interrupted;
}

void pb_lua_check_interrupt(lua_State *L)
{
	if (!interrupted)
		return;
	lua_pushlightuserdata(L, (void *)&interrupt_key);
	lua_error(L);
}

int pb_lua_wake_fd(void)
{
	char buf[64];

	/* Old wake-ups are spent: only what happens from now on should wake the caller. */
	while (read(wake_pipe[0], buf, sizeof(buf)) > 0)
		;
	return wake_pipe[0];
}

unsigned pb_lua_signal_count(int sig)
{
	for (int i = 0; i < 3; i++)
		if (watchable[i] == sig)
			return signal_counts[i];
	return 0;
}

int pb_lua_watch_signal(int sig)
{
	struct sigaction sa = { .sa_handler = on_watched };

	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL) ? -errno : 0;
}

static int install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_interrupt };

	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK))
		return -errno;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL); /* unless the script waits for it (pb.wait_signal) */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* The message handler of every call into Lua: the message plus a traceback. */
static int traceback(lua_State *L)
{
	const char *msg;

	if (lua_touserdata(L, 1) == &interrupt_key || luaL_testudata(L, 1, USAGE_MT))
		return 1;
	msg = lua_tostring(L, 1);
	if (!msg) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
			return 1;
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	}
	luaL_traceback(L, L, msg, 1);
	return 1;
}

static int call(lua_State *L, int nargs, int nresults)
{
	int base = lua_gettop(L) - nargs, ret;

	lua_pushcfunction(L, traceback);
	lua_insert(L, base);
	ret = lua_pcall(L, nargs, nresults, base);
	lua_remove(L, base);
	return ret;
}

/* pb.config: every setting by section, core keys with their defaults, as Lua values. */
static void push_value(lua_State *L, const char *v)
{
	if (!v)
		lua_pushnil(L); /* a key without a default (profile.group-by) */
	else if (!strcmp(v, "true") || !strcmp(v, "false"))
		lua_pushboolean(L, !strcmp(v, "true"));
	else if (!*v || !lua_stringtonumber(L, v))
		lua_pushstring(L, v);
}

static void set_in_section(lua_State *L, const char *section, const char *key, const char *value)
{
	if (lua_getfield(L, -1, section) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_setfield(L, -3, section);
	}
	push_value(L, value);
	lua_setfield(L, -2, key);
	lua_pop(L, 1);
}

static void push_config(lua_State *L, const struct pb_settings *st)
{
	lua_newtable(L);
	for (const struct pb_core_section *sec = pb_core_settings_sections; sec->name; sec++)
		for (const struct pb_config_key *k = sec->keys; k->name; k++)
			set_in_section(L, sec->name, k->name, k->default_value);
	for (size_t i = 0; st && i < st->n; i++)
		set_in_section(L, st->items[i].section, st->items[i].key, st->items[i].value);
}

void pb_lua_new_class(lua_State *L, const char *name, const luaL_Reg *meta,
		      const luaL_Reg *methods)
{
	luaL_newmetatable(L, name);
	luaL_setfuncs(L, meta, 0);
	lua_newtable(L);
	luaL_setfuncs(L, methods, 0);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
}

/*
 * pb.usage_error(message): ends the script as the command line ends a usage error: the message
 * (no traceback) and exit status 2. pcall catches it; tostring gives the message.
 */
static int l_usage_error(lua_State *L)
{
	luaL_checkstring(L, 1);
	lua_settop(L, 1);
	lua_newuserdatauv(L, 0, 1);
	lua_insert(L, 1);
	lua_setiuservalue(L, 1, 1);
	luaL_setmetatable(L, USAGE_MT);
	return lua_error(L);
}

int pb_lua_usage_arg_error(lua_State *L, int arg, const char *msg)
{
	lua_Debug ar;
	const char *fn = "?";

	if (lua_getstack(L, 0, &ar) && lua_getinfo(L, "n", &ar) && ar.name)
		fn = ar.name;
	luaL_where(L, 1);
	lua_pushfstring(L, "%sbad argument #%d to '%s' (%s)", lua_tostring(L, -1), arg, fn, msg);
	lua_replace(L, 1);
	lua_settop(L, 1);
	return l_usage_error(L);
}

static int usage_tostring(lua_State *L)
{
	lua_getiuservalue(L, 1, 1);
	return 1;
}

static void open_module(lua_State *L, const struct pb_script_env *env)
{
	static const luaL_Reg usage_meta[] = { { "__tostring", usage_tostring }, { NULL, NULL } };

	luaL_newmetatable(L, USAGE_MT);
	luaL_setfuncs(L, usage_meta, 0);
	lua_pop(L, 1);
	lua_newtable(L);
	lua_pushcfunction(L, l_usage_error);
	lua_setfield(L, -2, "usage_error");
	lua_pushliteral(L, PB_VERSION);
	lua_setfield(L, -2, "version");
	pb_lua_open_profile(L);
	pb_lua_open_session(L);
	pb_lua_open_sys(L);
	lua_createtable(L, env->n_args, 0);
	for (int i = 0; i < env->n_args; i++) {
		lua_pushstring(L, env->args[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "args");
	push_config(L, env->settings);
	lua_setfield(L, -2, "config");
	lua_pushstring(L, env->path);
	lua_setfield(L, -2, "script");
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	lua_pushvalue(L, -2);
	lua_setfield(L, -2, "profilebee");
	lua_pop(L, 1);
	lua_setglobal(L, "pb");
}

/* A script ended by a signal exits as shells report it: 128 + the signal's number. */
static int interrupted_status(void)
{
	fprintf(stderr, "profile-bee: interrupted by %s: the script ends (status %d)\n",
		strsignal(interrupted), 128 + interrupted);
	return 128 + interrupted;
}

static int report(lua_State *L, const char *what)
{
	if (lua_touserdata(L, -1) == &interrupt_key)
		return interrupted_status();
	if (luaL_testudata(L, -1, USAGE_MT)) {
		lua_getiuservalue(L, -1, 1);
		fprintf(stderr, "profile-bee: %s\n", lua_tostring(L, -1));
		return 2;
	}
	fprintf(stderr, "profile-bee: %s%s\n", what, lua_tostring(L, -1));
	return 1;
}

static int to_config(lua_State *L)
{
	pb_lua_table_config(L, 1, lua_touserdata(L, 2));
	return 0;
}

/*
 * The exit status a script returned: nothing (or true) is 0, false 1, a whole number from 0 to
 * 255 itself. Anything else would reach the shell cut to 8 bits (256 as 0) or as 0: an error.
 */
static int script_status(lua_State *L)
{
	lua_Integer n;
	int isnum;

	if (lua_isnoneornil(L, -1))
		return 0;
	if (lua_isboolean(L, -1))
		return !lua_toboolean(L, -1);
	n = lua_type(L, -1) == LUA_TNUMBER ? lua_tointegerx(L, -1, &isnum) : (isnum = 0);
	if (isnum && n >= 0 && n <= 255)
		return (int)n;
	fprintf(stderr, "profile-bee: %s: returned %s: a script returns nothing, a whole number from "
		"0 to 255 (its exit status), true, false, or a configuration table\n",
		pb_lua_env->path, luaL_tolstring(L, -1, NULL));
	return 1;
}

/* What the script's chunk returned: a configuration table, an exit status, or nothing. */
static int result(lua_State *L, struct pb_script_config *cfg)
{
	if (interrupted)
		return interrupted_status();
	if (lua_istable(L, -1)) {
		lua_pushcfunction(L, to_config);
		lua_insert(L, -2);
		lua_pushlightuserdata(L, cfg);
		if (call(L, 2, 0)) {
			pb_script_config_free(cfg);
			return report(L, "");
		}
		return PB_SCRIPT_CONFIG;
	}
	return script_status(L);
}

int pb_script_run(const struct pb_script_env *env, struct pb_script_config *cfg)
{
	lua_State *L;
	int status;
	FILE *f = fopen(env->path, "r");

	memset(cfg, 0, sizeof(*cfg));
	if (!f) {
		fprintf(stderr, "profile-bee: cannot read the script '%s': %s\n", env->path,
			strerror(errno));
		return 2;
	}
	fclose(f);
	pb_lua_env = env;
	if (!(L = luaL_newstate()) || install_signals()) {
		fprintf(stderr, "profile-bee: cannot start Lua: out of memory\n");
		return 1;
	}
	luaL_openlibs(L);
	open_module(L, env);
	if (luaL_loadbuffer(L, pb_prelude, pb_prelude_len, "=prelude") || call(L, 0, 0)) {
		status = report(L, "prelude: ");
	} else if (luaL_loadfile(L, env->path)) {
		status = report(L, "");
	} else {
		running_L = L;
		status = call(L, 0, 1) ? report(L, "") : result(L, cfg);
	}
	running_L = NULL;
	lua_sethook(L, NULL, 0, 0); /* finalizers run in lua_close must not be interrupted */
	lua_close(L); /* finishes sessions the script left running, frees its profiles */
	pb_lua_env = NULL;
	return status;
}

void pb_script_config_free(struct pb_script_config *cfg)
{
	pb_settings_clear(&cfg->settings);
	for (size_t i = 0; i < cfg->n_outputs; i++) {
		struct pb_script_output *o = &cfg->outputs[i];

		for (size_t j = 0; j < o->n_settings; j++) {
			free((char *)o->settings[j].key);
			free((char *)o->settings[j].value);
		}
		free(o->settings);
		free(o->target);
	}
	free(cfg->outputs);
	free(cfg->pids);
	for (size_t i = 0; cfg->command && cfg->command[i]; i++)
		free(cfg->command[i]);
	free(cfg->command);
	memset(cfg, 0, sizeof(*cfg));
}
