// SPDX-License-Identifier: MIT
/* pb.profile{} and pb.session{}: sessions a script runs, all driven one way, windows and pauses. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lua_internal.h"

#define DRAIN_MS 1000 /* pb.profile checks for Ctrl-C and the end at least this often */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static int fail(lua_State *L, const char *why)
{
	lua_pushnil(L);
	lua_pushstring(L, why);
	return 2;
}

/*
 * A session the script runs: pb.profile's until its end, pb.session's from s:start to s:stop.
 * Both take the same path: start, drive (polled with every other live session while the script
 * waits; the session empties its maps as it is polled), windows, last window, finish.
 */
struct lsession {
	struct pb_session *s; /* NULL when profiles come from --input */
	int err;	      /* the first failure of a poll, which ended the session */
	bool started, over, stopped, input_given;
};

#define MAX_LIVE 16
/* Started and not finished: pb_lua_drive keeps them polled, Ctrl-C stops them. */
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

/*
 * Once over (its duration passed, its targets exited, Ctrl-C) a session is paused: its last
 * window ends there, however long the script takes to ask for it.
 */
static void poll_one(struct lsession *ls, int timeout_ms)
{
	int ret;

	if (ls->over || !(ret = pb_session__poll(ls->s, timeout_ms)))
		return;
	ls->over = true;
	pb_session__pause(ls->s);
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
			if (live[i] && !live[i]->over) {
				n_live++;
				only = live[i];
			}
		}
		wait = deadline - now;
		if (n_live == 1 && fd < 0) {
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
	if (!pb_lua_env->input && pb_lua_build_session(L, rq, &ls->s, err, len))
		return NULL;
	return ls;
}

/* What the session said about its failure ret, or ret's text. */
static void why(struct lsession *ls, int ret, char *err, size_t len)
{
	const char *said = pb_session__strerror(ls->s);

	snprintf(err, len, "%s", said[0] ? said : strerror(-ret));
}

/* nil and why the session failed with ret. */
static int fail_why(lua_State *L, struct lsession *ls, int ret)
{
	char err[1024];

	why(ls, ret, err, sizeof(err));
	return fail(L, err);
}

/*
 * Starts sampling: 0, or -errno with err set. paused: sampling stops again at once and what
 * the start took is dropped, so the first window starts at the first resume, whole.
 */
static int start(struct lsession *ls, bool paused, char *err, size_t len)
{
	struct pb_profile *p;
	int ret;

	ls->started = true;
	if (!ls->s)
		return 0;
	if (add_live(ls)) {
		ls->stopped = true;
		snprintf(err, len, "too many sessions at once");
		return -EMFILE;
	}
	if ((ret = pb_session__start(ls->s)) || (paused && (ret = pb_session__pause(ls->s))) ||
	    (paused && (ret = pb_session__snapshot(ls->s, &p)))) {
		ls->stopped = true;
		remove_live(ls);
		why(ls, ret, err, len);
		return ret;
	}
	if (paused)
		pb_profile__free(p);
	return 0;
}

/* The window since the last one: what the session drained and what its maps hold now. */
static int push_window(lua_State *L, struct lsession *ls)
{
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
	if ((err = pb_session__snapshot(ls->s, &p)))
		return fail_why(L, ls, err);
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
	ls->s = NULL;
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
	if (start(ls, false, err, sizeof(err))) {
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

/* pb.session{ ... }: the same fields as pb.profile, for a run the script snapshots. */
static int l_session(lua_State *L)
{
	char err[1024];

	pb_lua_check_interrupt(L);
	return new_session(L, 1, err, sizeof(err)) ? 1 : fail(L, err);
}

static struct lsession *check_session(lua_State *L)
{
	return luaL_checkudata(L, 1, PB_SESSION_MT);
}

/* A session between s:start and s:stop, or an error naming what the script did wrong. */
static struct lsession *check_running(lua_State *L)
{
	struct lsession *ls = check_session(L);

	if (!ls->started || ls->stopped)
		luaL_error(L, ls->stopped ? "the session was stopped" : "start the session first");
	return ls;
}

/* An optional options table at arg: its boolean field (dflt when absent). */
static bool opt_flag(lua_State *L, int arg, const char *field, bool dflt)
{
	bool on = dflt;

	if (lua_isnoneornil(L, arg))
		return dflt;
	luaL_checktype(L, arg, LUA_TTABLE);
	if (lua_getfield(L, arg, field) != LUA_TNIL) {
		if (!lua_isboolean(L, -1))
			luaL_argerror(L, arg,
				      lua_pushfstring(L, "field '%s': boolean expected, got %s", field,
						      luaL_typename(L, -1)));
		on = lua_toboolean(L, -1);
	}
	lua_pop(L, 1);
	return on;
}

/* s:start([{ paused = true }]): true, or nil and a message. Paused: windows start at s:resume. */
static int l_start(lua_State *L)
{
	struct lsession *ls = check_session(L);
	bool paused = opt_flag(L, 2, "paused", false);
	char err[1024];

	pb_lua_check_interrupt(L);
	if (ls->started)
		return luaL_error(L, "the session was started already");
	if (start(ls, paused, err, sizeof(err)))
		return fail(L, err);
	lua_pushboolean(L, 1);
	return 1;
}

/* s:snapshot(): the stacks since the last snapshot (or the start), as a profile. */
static int l_snapshot(lua_State *L)
{
	return push_window(L, check_running(L));
}

/*
 * s:pause(), s:resume(): sampling stops (perf events disabled: no samples, nothing drained)
 * and goes on; BPF, the process table and the caches stay. true, or nil and a message. A
 * snapshot taken while paused holds the samples up to the pause; the next window starts at
 * the resume. A session that is over stays paused.
 */
static int l_pause(lua_State *L)
{
	struct lsession *ls = check_running(L);
	int ret = ls->s ? pb_session__pause(ls->s) : 0;

	if (ret)
		return fail_why(L, ls, ret);
	lua_pushboolean(L, 1);
	return 1;
}

static int l_resume(lua_State *L)
{
	struct lsession *ls = check_running(L);
	int ret = ls->s && !ls->over ? pb_session__resume(ls->s) : 0;

	if (ret)
		return fail_why(L, ls, ret);
	lua_pushboolean(L, 1);
	return 1;
}

/* s:paused(): true between s:pause (or s:start{ paused = true }) and s:resume. */
static int l_paused(lua_State *L)
{
	lua_pushboolean(L, pb_session__paused(check_session(L)->s));
	return 1;
}

/*
 * s:window(seconds [, { pause = false }]): resume, sample for seconds (less when the session
 * ends, or on Ctrl-C), pause, and the window since the last snapshot; nil and a message when
 * sampling cannot resume or the window cannot be drained. pause = false keeps sampling: the
 * next window starts where this one ends (continuous windows, no gap).
 */
static int l_window(lua_State *L)
{
	struct lsession *ls = check_running(L);
	double seconds = luaL_checknumber(L, 2);
	bool pause = opt_flag(L, 3, "pause", true);
	int ret;

	luaL_argcheck(L, seconds >= 0 && seconds <= 1e7, 2, "seconds from 0 to 10000000 expected");
	pb_lua_check_interrupt(L);
	if (!ls->s) { /* --input: every window reads the saved profile, as every pb.profile does */
		pb_lua_push_profile(L, pb_lua_copy_profile(pb_lua_env->input));
		return 1;
	}
	if (!ls->over && (ret = pb_session__resume(ls->s)))
		return fail_why(L, ls, ret);
	drive((int)(seconds * 1000 + 0.5), -1, ls);
	if (pause && (ret = pb_session__pause(ls->s)))
		return fail_why(L, ls, ret);
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

/*
 * s:done(): false, or true and why: "ended" (its duration passed or its targets exited),
 * "failed: <message>", "interrupted" (Ctrl-C), "stopped" (s:stop; --input: the saved profile
 * was taken).
 */
static int l_done(lua_State *L)
{
	struct lsession *ls = check_session(L);
	char err[1024];

	if (ls->s && ls->started && !ls->stopped)
		poll_one(ls, 0);
	lua_pushboolean(L, 1);
	if (pb_lua_interrupted()) {
		lua_pushliteral(L, "interrupted");
	} else if (ls->stopped || (!ls->s && ls->input_given)) {
		lua_pushliteral(L, "stopped");
	} else if (ls->err) {
		why(ls, ls->err, err, sizeof(err));
		lua_pushfstring(L, "failed: %s", err);
	} else if (ls->over) {
		lua_pushliteral(L, "ended");
	} else {
		lua_pushboolean(L, 0);
		return 1;
	}
	return 2;
}

static int l_session_gc(lua_State *L)
{
	release(luaL_checkudata(L, 1, PB_SESSION_MT));
	return 0;
}

static const luaL_Reg session_methods[] = {
	{ "start", l_start },	{ "snapshot", l_snapshot }, { "pause", l_pause },
	{ "resume", l_resume }, { "paused", l_paused },	    { "window", l_window },
	{ "stop", l_stop },	{ "done", l_done },	    { NULL, NULL },
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
