// SPDX-License-Identifier: MIT
/* pb.profile{} and pb.session{}: Lua tables turned into sessions, all run and drained one way. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lua_internal.h"

#define DRAIN_MS 1000 /* a session the script does not snapshot is still emptied this often */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

/* Settings for every output of a script-created session: conf files and command line. */
static int apply_plugins(struct pb_session *s, const struct pb_settings *st, char *err, size_t len)
{
	return st ? pb_settings_apply_plugins(st, s, err, len) : 0;
}

/* Sets the unwinder_options table (at idx) as the chosen unwinder's settings. */
static int apply_unwinder_options(lua_State *L, int idx, struct pb_session *s, const char *name,
				  char *err, size_t len)
{
	char section[96];

	snprintf(section, sizeof(section), "unwinder.%s", name);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;

		if (!key || !pb_lua_setting_text(L, -1)) {
			lua_pop(L, 2);
			snprintf(err, len, "unwinder_options: names are strings, values strings, "
					   "numbers or booleans");
			return -EINVAL;
		}
		if (pb_session__set(s, section, key, lua_tostring(L, -1))) {
			lua_pop(L, 3);
			snprintf(err, len, "unwinder_options: %s", pb_session__strerror(s));
			return -EINVAL;
		}
		lua_pop(L, 2);
	}
	return 0;
}

/*
 * The session rq asks for: conf files < the script's table < the command line. A target the
 * table names none of comes from -p / --cmd. Returns 0, or -errno with err set.
 */
static int build_session(lua_State *L, struct request *rq, struct pb_session **ret, char *err,
			 size_t len)
{
	const struct pb_script_env *env = pb_lua_env;
	struct pb_session_opts opts = { .sz = sizeof(opts) };
	struct pb_settings merged = { 0 };
	struct pb_session *s = NULL;
	int e;

	if ((e = pb_settings_merge(&merged, env->settings)) ||
	    (e = pb_settings_merge(&merged, &rq->layer)) ||
	    (e = pb_settings_merge(&merged, env->overrides))) {
		snprintf(err, len, "out of memory");
		goto out;
	}
	if (rq->n_pids || rq->has_cmd) {
		opts.pids = rq->pids;
		opts.n_pids = rq->n_pids;
		opts.command = rq->has_cmd ? rq->argv : NULL;
	} else {
		opts.pids = env->pids;
		opts.n_pids = env->n_pids;
		opts.command = env->command;
	}
	/* After the target: as on the command line, a command's end is the end. */
	if ((e = pb_settings_to_opts(&merged, &opts, err, len)))
		goto out;
	opts.command_stdout_to_stderr = true; /* stdout is for profiles ("folded") */
	if ((e = pb_session__new(&opts, &s))) {
		snprintf(err, len, "cannot start a session: %s", strerror(-e));
		goto out;
	}
	if ((e = apply_plugins(s, &merged, err, len)))
		goto out;
	if (rq->unwinder_options &&
	    (e = apply_unwinder_options(L, rq->unwinder_options, s,
					opts.unwinder ? opts.unwinder : "fp", err, len)))
		goto out;
	if ((e = apply_plugins(s, env->overrides, err, len)))
		goto out;
	if ((e = pb_session__check(s)))
		snprintf(err, len, "%s", pb_session__strerror(s));
out:
	pb_settings_clear(&merged);
	if (e) {
		pb_session__free(s);
		return e;
	}
	*ret = s;
	return 0;
}

static int fail(lua_State *L, const char *why)
{
	lua_pushnil(L);
	lua_pushstring(L, why);
	return 2;
}

/*
 * A session the script runs: pb.profile's until its end, pb.session's from s:start to s:stop.
 * Both take the same path: start, drive (drained and polled with every other live session
 * while the script waits), last window, finish.
 */
struct lsession {
	struct pb_session *s;	    /* NULL when profiles come from --input */
	struct pb_profile *pending; /* drained but not yet handed to the script */
	uint64_t last_drain_ms;
	int err;		    /* the first failure of a poll, which ended the session */
	bool started, over, stopped, input_given;
};

#define MAX_LIVE 16
/* Started and not finished: pb_lua_drive keeps them drained, Ctrl-C stops them. */
static struct lsession *volatile live[MAX_LIVE];

void pb_lua_stop_sessions(void)
{
	for (int i = 0; i < MAX_LIVE; i++) {
		struct lsession *ls = live[i];

		if (ls && ls->s)
			pb_session__stop(ls->s);
	}
}

static int add_live(struct lsession *ls)
{
	for (int i = 0; i < MAX_LIVE; i++) {
		if (!live[i]) {
			live[i] = ls;
			/* A signal that came before it was listed still ends it. */
			if (pb_lua_interrupted())
				pb_session__stop(ls->s);
			return 0;
		}
	}
	return -EMFILE;
}

static void remove_live(struct lsession *ls)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (live[i] == ls)
			live[i] = NULL;
}

/* Moves what the unwinder counted into pending, so its maps never fill while the script waits. */
static int drain(struct lsession *ls)
{
	struct pb_profile *w;
	int err;

	ls->last_drain_ms = now_ms();
	if (!ls->s || !ls->started || ls->stopped)
		return 0;
	if ((err = pb_session__snapshot(ls->s, &w)))
		return err;
	if (!ls->pending) {
		ls->pending = w;
		return 0;
	}
	err = pb_profile__merge(ls->pending, w);
	pb_profile__meta(ls->pending)->end_ns = pb_profile__meta(w)->end_ns;
	pb_profile__free(w);
	return err;
}

static void poll_one(struct lsession *ls, int timeout_ms)
{
	int ret;

	if (ls->over || !(ret = pb_session__poll(ls->s, timeout_ms)))
		return;
	ls->over = true;
	if (ret < 0 && !ls->err)
		ls->err = ret;
}

/* pb_lua_drive that also returns once until (when not NULL) is over. */
static void drive(int timeout_ms, int fd, const struct lsession *until)
{
	uint64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	int wake = pb_lua_wake_fd();

	for (;;) {
		struct lsession *only = NULL;
		struct pollfd pfd[2] = { { .fd = wake, .events = POLLIN },
					 { .fd = fd, .events = POLLIN } };
		uint64_t now = now_ms();
		int n_live = 0, wait;

		if (pb_lua_interrupted() || now >= deadline || (until && until->over))
			return;
		for (int i = 0; i < MAX_LIVE; i++) {
			struct lsession *ls = live[i];

			if (!ls)
				continue;
			if (now - ls->last_drain_ms >= DRAIN_MS)
				drain(ls);
			if (!ls->over) {
				n_live++;
				only = ls;
			}
		}
		wait = deadline - now;
		if (n_live == 1 && fd < 0) {
			if (wait > DRAIN_MS)
				wait = DRAIN_MS;
			poll_one(only, wait);
			continue;
		}
		/* Several sessions, or a descriptor to watch too: take turns briefly. */
		if (n_live && wait > 20)
			wait = 20;
		if (poll(pfd, fd >= 0 ? 2 : 1, wait) > 0 && fd >= 0 && (pfd[1].revents & ~POLLNVAL))
			return;
		if (pfd[0].revents & POLLIN)
			wake = pb_lua_wake_fd();
		for (int i = 0; i < MAX_LIVE; i++)
			if (live[i])
				poll_one(live[i], 0);
	}
}

void pb_lua_drive(int timeout_ms, int fd)
{
	drive(timeout_ms, fd, NULL);
}

/* A "pb.session" userdata for the table at arg: its session built, not started (nil, message). */
static struct lsession *new_session(lua_State *L, int arg, char *err, size_t len)
{
	struct request *rq = pb_lua_new_request(L);
	struct lsession *ls;

	pb_lua_parse_request(L, arg, rq, false);
	ls = lua_newuserdatauv(L, sizeof(*ls), 0);
	memset(ls, 0, sizeof(*ls));
	luaL_setmetatable(L, PB_SESSION_MT);
	if (!pb_lua_env->input && build_session(L, rq, &ls->s, err, len))
		return NULL;
	return ls;
}

/* What the session said about its failure ret, or ret's text. */
static void why(struct lsession *ls, int ret, char *err, size_t len)
{
	const char *said = pb_session__strerror(ls->s);

	snprintf(err, len, "%s", said[0] ? said : strerror(-ret));
}

/* Starts sampling: 0, or -errno with err set. */
static int start(struct lsession *ls, char *err, size_t len)
{
	int ret;

	ls->started = true;
	if (!ls->s)
		return 0;
	if (add_live(ls)) {
		ls->stopped = true;
		snprintf(err, len, "too many sessions at once");
		return -EMFILE;
	}
	if ((ret = pb_session__start(ls->s))) {
		ls->stopped = true;
		remove_live(ls);
		why(ls, ret, err, len);
		return ret;
	}
	ls->last_drain_ms = now_ms();
	return 0;
}

/* The window since the last one: pending plus what the unwinder holds now. */
static int push_window(lua_State *L, struct lsession *ls)
{
	struct pb_profile_meta *m;
	struct pb_profile *p;
	int err;

	if (!ls->s) {
		p = pb_lua_copy_profile(ls->input_given ? NULL : pb_lua_env->input);
		ls->input_given = true;
		pb_lua_push_profile(L, p);
		return 1;
	}
	if (!ls->over)
		poll_one(ls, 0);
	if ((err = drain(ls)))
		return fail(L, strerror(-err));
	p = ls->pending ? ls->pending : pb_lua_copy_profile(NULL);
	ls->pending = NULL;
	/* The target's name, known at the start, is gone from the process table once it exited. */
	if (p && !(m = pb_profile__meta(p))->comm[0])
		memcpy(m->comm, pb_profile__meta_const(pb_session__profile(ls->s))->comm,
		       sizeof(m->comm));
	pb_lua_push_profile(L, p);
	return 1;
}

static void finish(struct lsession *ls)
{
	if (!ls->s || !ls->started || ls->stopped)
		return;
	ls->stopped = true;
	remove_live(ls);
	pb_session__stop(ls->s);
	pb_session__finish(ls->s);
}

/*
 * The last window, and the session finished: what s:stop and pb.profile return. Sampling is
 * paused first, so the window holds every sample up to the end.
 */
static int stop(lua_State *L, struct lsession *ls)
{
	int n;

	if (ls->s)
		pb_session__pause(ls->s);
	n = push_window(L, ls);
	finish(ls);
	return n;
}

static void release(struct lsession *ls)
{
	finish(ls);
	pb_session__free(ls->s);
	pb_profile__free(ls->pending);
	ls->s = NULL;
	ls->pending = NULL;
}

/*
 * pb.profile{ duration=, frequency=, pid=, cmd=, unwinder=, kernel=, user=, idle=, cpu=, ... }:
 * samples until the end and returns the profile (and the command's exit status, when it ran one),
 * or nil and a message. A session started and stopped here.
 */
static int l_profile(lua_State *L)
{
	struct lsession *ls;
	char err[1024];
	int n, status;

	pb_lua_check_interrupt(L);
	if (!(ls = new_session(L, 1, err, sizeof(err))))
		return fail(L, err);
	if (start(ls, err, sizeof(err))) {
		release(ls);
		return fail(L, err);
	}
	while (ls->s && !ls->over && !pb_lua_interrupted())
		drive(DRAIN_MS, -1, ls);
	n = stop(L, ls);
	status = ls->s ? pb_session__command_status(ls->s) : -1;
	if (ls->err) {
		why(ls, ls->err, err, sizeof(err));
		release(ls);
		return fail(L, err);
	}
	release(ls); /* now, not at a later collection: the session holds BPF maps */
	if (n == 1 && status >= 0) {
		lua_pushinteger(L, status);
		n++;
	}
	return n;
}

static struct lsession *check_session(lua_State *L)
{
	return luaL_checkudata(L, 1, PB_SESSION_MT);
}

/* pb.session{ ... }: the same fields as pb.profile, for a run the script snapshots. */
static int l_session(lua_State *L)
{
	char err[1024];

	pb_lua_check_interrupt(L);
	return new_session(L, 1, err, sizeof(err)) ? 1 : fail(L, err);
}

/* s:start(): true, or nil and a message. */
static int l_start(lua_State *L)
{
	struct lsession *ls = check_session(L);
	char err[1024];

	pb_lua_check_interrupt(L);
	if (ls->started)
		return luaL_error(L, "the session was started already");
	if (start(ls, err, sizeof(err)))
		return fail(L, err);
	lua_pushboolean(L, 1);
	return 1;
}

/* s:snapshot(): the stacks since the last snapshot (or the start), as a profile. */
static int l_snapshot(lua_State *L)
{
	struct lsession *ls = check_session(L);

	if (!ls->started || ls->stopped)
		return luaL_error(L, ls->stopped ? "the session was stopped"
						 : "start the session first");
	return push_window(L, ls);
}

/* s:stop(): ends sampling; returns the stacks since the last snapshot. */
static int l_stop(lua_State *L)
{
	struct lsession *ls = check_session(L);
	int n;

	if (!ls->started)
		return luaL_error(L, "start the session first");
	if (ls->stopped)
		return luaL_error(L, "the session was stopped already");
	n = stop(L, ls);
	ls->stopped = true;
	return n;
}

/* s:done(): true once the session's duration passed, its targets exited, or Ctrl-C. */
static int l_done(lua_State *L)
{
	struct lsession *ls = check_session(L);

	if (ls->s && ls->started && !ls->stopped)
		poll_one(ls, 0);
	lua_pushboolean(L, ls->stopped || ls->over || (!ls->s && ls->input_given) ||
				   pb_lua_interrupted());
	return 1;
}

static int l_session_gc(lua_State *L)
{
	release(luaL_checkudata(L, 1, PB_SESSION_MT));
	return 0;
}

static const luaL_Reg session_methods[] = {
	{ "start", l_start }, { "snapshot", l_snapshot }, { "stop", l_stop },
	{ "done", l_done },   { NULL, NULL },
};

static const luaL_Reg session_meta[] = {
	{ "__gc", l_session_gc },
	{ NULL, NULL },
};

static const luaL_Reg module_functions[] = {
	{ "profile", l_profile },
	{ "session", l_session },
	{ NULL, NULL },
};

void pb_lua_open_session(lua_State *L)
{
	pb_lua_new_class(L, PB_SESSION_MT, session_meta, session_methods);
	luaL_setfuncs(L, module_functions, 0);
}
