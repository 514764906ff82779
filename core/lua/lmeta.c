// SPDX-License-Identifier: MIT
/* What a Lua profile says about itself: tostring(p) and p:meta(), what it counts included. */
#include "lua_internal.h"

int pb_lua_profile_tostring(lua_State *L)
{
	const struct pb_profile *p = pb_lua_check_profile(L, 1);

	lua_pushfstring(L, "pb.profile (%I stacks, %I %s)", (lua_Integer)pb_profile__stack_count(p),
			(lua_Integer)pb_profile__total(p), pb_profile__unit(p));
	return 1;
}

/*
 * p:meta(): { start=, ["end"]=, frequency=, pid=, comm=, unwinder=, hostname=, event=, unit= }
 */
int pb_lua_profile_meta(lua_State *L)
{
	const struct pb_profile_meta *m = pb_profile__meta_const(pb_lua_check_profile(L, 1));

	lua_createtable(L, 0, 11);
	lua_pushnumber(L, m->start_ns / 1e9);
	lua_setfield(L, -2, "start");
	lua_pushnumber(L, m->end_ns / 1e9);
	lua_setfield(L, -2, "end");
	lua_pushinteger(L, m->frequency);
	lua_setfield(L, -2, "frequency");
	lua_pushinteger(L, m->target_pid);
	lua_setfield(L, -2, "pid");
	lua_pushstring(L, m->comm);
	lua_setfield(L, -2, "comm");
	lua_pushstring(L, m->unwinder);
	lua_setfield(L, -2, "unwinder");
	lua_pushstring(L, m->hostname);
	lua_setfield(L, -2, "hostname");
	lua_pushstring(L, pb_profile__event_name(m->event));
	lua_setfield(L, -2, "event");
	lua_pushstring(L, pb_profile__unit(pb_lua_check_profile(L, 1)));
	lua_setfield(L, -2, "unit");
	pb_lua_push_count(L, pb_profile__truncated(pb_lua_check_profile(L, 1)));
	lua_setfield(L, -2, "truncated");
	pb_lua_push_count(L, pb_profile__saturated(pb_lua_check_profile(L, 1)));
	lua_setfield(L, -2, "saturated");
	return 1;
}
