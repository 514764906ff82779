// SPDX-License-Identifier: MIT
/* The session a pb.profile / pb.session table asks for: conf files < the table < command line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lua_internal.h"

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
int pb_lua_build_session(lua_State *L, struct request *rq, struct pb_session **ret, char *err,
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
