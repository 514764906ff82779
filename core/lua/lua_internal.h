/* SPDX-License-Identifier: MIT */
/* What the files of the Lua front end share: metatable names, the runtime's services. */
#ifndef PB_LUA_INTERNAL_H
#define PB_LUA_INTERNAL_H

#include <stdbool.h>
#include <lauxlib.h>
#include <lua.h>

#include "script.h"

#define PB_PROFILE_MT "pb.profile"
#define PB_SESSION_MT "pb.session"
#define PB_PROCESS_MT "pb.process"

/* runtime.c: one script runs per process, so its environment is process-wide. */
extern const struct pb_script_env *pb_lua_env;
/*
 * Raises luaL_argerror's message as a usage error: a setting the script got wrong (a field of
 * pb.profile's or pb.session's table) ends it with status 2, as a bad flag does.
 */
int pb_lua_usage_arg_error(lua_State *L, int arg, const char *msg);
/* Ctrl-C or SIGTERM arrived: blocking calls return at once, the next one ends the script. */
bool pb_lua_interrupted(void);
/* Raises the error that ends the script quietly after Ctrl-C, when one arrived. */
void pb_lua_check_interrupt(lua_State *L);
/* Readable once a signal the runtime watches arrived. */
int pb_lua_wake_fd(void);
/* The number of times sig (SIGUSR1, SIGUSR2, SIGHUP) arrived; its handler is installed. */
unsigned pb_lua_signal_count(int sig);
int pb_lua_watch_signal(int sig);
/* Registers the userdata metatable name: its metamethods, and __index holding the methods. */
void pb_lua_new_class(lua_State *L, const char *name, const luaL_Reg *meta,
		      const luaL_Reg *methods);

/* lprofile.c */
/* Pushes p as a "pb.profile" userdata that owns it (frees p and raises on failure). */
void pb_lua_push_profile(lua_State *L, struct pb_profile *p);
struct pb_profile *pb_lua_check_profile(lua_State *L, int idx);
/* A copy of src as a new profile, or NULL. */
struct pb_profile *pb_lua_copy_profile(const struct pb_profile *src);
void pb_lua_open_profile(lua_State *L);
/* Counts are unsigned 64-bit; past Lua's largest integer they become floats, never negative. */
void pb_lua_push_count(lua_State *L, uint64_t n);

/* lmeta.c: tostring(p) and p:meta(). */
int pb_lua_profile_tostring(lua_State *L);
int pb_lua_profile_meta(lua_State *L);

/* lwrite.c: the profile methods that write it (p:write, p:encode, p:folded). */
int pb_lua_profile_write(lua_State *L);
int pb_lua_profile_encode(lua_State *L);
int pb_lua_profile_folded(lua_State *L);

/* lrequest.c */
#define PB_LUA_MAX_ARGV 256
/* What a table passed to pb.profile / pb.session (or returned by a script) asks for. */
struct request {
	struct pb_settings layer; /* section "profile", as the conf file names the keys */
	uint32_t pids[PB_LUA_MAX_ARGV];
	size_t n_pids;
	const char *argv[PB_LUA_MAX_ARGV + 1]; /* the caller's table holds the strings */
	bool has_cmd;
	int unwinder_options; /* stack index of that table, or 0 */
	int outputs;	      /* stack index, config tables only */
};

/*
 * A request in a userdata (its __gc frees the settings, also after an error), filled from the
 * table at arg; raises naming the field on a wrong one. config: a configuration table, which
 * may also hold outputs and flush_interval.
 */
struct request *pb_lua_new_request(lua_State *L);
void pb_lua_parse_request(lua_State *L, int arg, struct request *rq, bool config);
/* A configuration table (returned by a script) turned into cfg; raises on a bad field. */
void pb_lua_table_config(lua_State *L, int idx, struct pb_script_config *cfg);
/*
 * Converts a Lua value at idx to a setting's text (string, number, boolean), pushed as a copy;
 * NULL otherwise.
 */
const char *pb_lua_setting_text(lua_State *L, int idx);

/* lbuild.c: the session rq asks for, not started. 0, or -errno with err set. */
int pb_lua_build_session(lua_State *L, struct request *rq, struct pb_session **ret, char *err,
			 size_t len);

/* lsession.c: pb.profile, pb.session; the table on top of the stack gets them. */
void pb_lua_open_session(lua_State *L);
/* Waits up to timeout_ms (or until fd, when >= 0, is readable), keeping sessions drained. */
void pb_lua_drive(int timeout_ms, int fd);
/* Ctrl-C: stops every running session (async-signal-safe); each still returns its profile. */
void pb_lua_stop_sessions(void);

/* lsys.c: pb.sleep, pb.time, pb.log, pb.run, pb.spawn, pb.host, pb.load, pb.dir, ... */
void pb_lua_open_sys(lua_State *L);

#endif
