// SPDX-License-Identifier: MIT
/* A profile written from Lua: p:write to any output, p:encode and p:folded as strings. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua_internal.h"

/* The conf files' [plugins] path, or NULL: where p:write and p:encode find output plugins. */
static const char *plugin_path(void)
{
	const char *path = pb_settings_get(pb_lua_env->settings, "plugins", "path");

	return path && *path ? path : NULL;
}

static int output_session(struct pb_session **ret, char *err, size_t len);

/*
 * p in format (a format or an extension) into *buf, with the conf files' settings of the
 * plugin that encodes it, as p:write("x.svg") writes the file; why says what went wrong.
 */
static int encode(const struct pb_profile *p, const char *format, char **buf, size_t *len,
		  char *why, size_t why_len)
{
	struct pb_session *s = NULL;
	FILE *f;
	int err = output_session(&s, why, why_len);

	if (err)
		return err;
	f = open_memstream(buf, len);
	err = f ? pb_session__encode(s, p, format, f) : -ENOMEM;
	if (f && fclose(f) && !err)
		err = -ENOMEM;
	snprintf(why, why_len, "%s", err == -ENOMEM ? strerror(ENOMEM) : pb_session__strerror(s));
	pb_session__free(s);
	if (err) {
		free(*buf);
		*buf = NULL;
	}
	return err;
}

/* p:folded(): the folded text, as --input reads it back. */
int pb_lua_profile_folded(lua_State *L)
{
	const struct pb_profile *p = pb_lua_check_profile(L, 1);
	char *buf = NULL, why[512];
	size_t len = 0;
	int err = encode(p, "folded", &buf, &len, why, sizeof(why));

	if (err)
		return luaL_error(L, "cannot format the profile: %s", why);
	lua_pushlstring(L, buf, len);
	free(buf);
	return 1;
}

/*
 * p:encode(format): the profile as a string in a file format ("folded", "svg", "html", "json",
 * "pprof", a plugin's, or an extension such as ".svg"), as p:write writes that file with the
 * conf files' settings. Returns the string, or nil and a message.
 */
int pb_lua_profile_encode(lua_State *L)
{
	const struct pb_profile *p = pb_lua_check_profile(L, 1);
	const char *format;
	char *buf = NULL, why[512];
	size_t len = 0;

	luaL_checktype(L, 2, LUA_TSTRING);
	format = lua_tostring(L, 2);
	if (encode(p, format, &buf, &len, why, sizeof(why))) {
		lua_pushnil(L);
		lua_pushstring(L, why);
		return 2;
	}
	lua_pushlstring(L, buf, len);
	free(buf);
	return 1;
}

/* One session stays open so plugins are not unloaded and loaded again for every write. */
static struct pb_session *keeper;

/* A session that writes p:write's outputs, with the conf files' plugin settings applied. */
static int output_session(struct pb_session **ret, char *err, size_t len)
{
	const struct pb_settings *st = pb_lua_env->settings;
	/* p:write returns what went wrong (nil, message): nothing of it on stderr. */
	struct pb_session_opts opts = { .sz = sizeof(opts), .errors_to_caller = true,
					.plugin_path = plugin_path() };
	struct pb_session *s;
	int e;

	if (!keeper && pb_session__new(&opts, &keeper))
		keeper = NULL;
	if ((e = pb_session__new(&opts, &s))) {
		snprintf(err, len, "cannot write: %s", strerror(-e));
		return e;
	}
	if (st && (e = pb_settings_apply_plugins(st, s, err, len))) {
		pb_session__free(s);
		return e;
	}
	*ret = s;
	return 0;
}

/*
 * p:write(target [, options]): target is an -o value (the extension or scheme picks the output,
 * "folded" or "-" is stdout, a plugin name such as "s3"); options are that plugin's settings.
 * Returns true, or nil and a message.
 */
int pb_lua_profile_write(lua_State *L)
{
	const struct pb_profile *p = pb_lua_check_profile(L, 1);
	const char *target;
	struct pb_setting kv[64];
	struct pb_session *s;
	char err[1024];
	size_t n = 0;
	int ret;

	luaL_checktype(L, 2, LUA_TSTRING);
	target = lua_tostring(L, 2);
	if (!lua_isnoneornil(L, 3)) {
		luaL_checktype(L, 3, LUA_TTABLE);
		lua_settop(L, 3);
		/* Converted values go into a scratch table so they stay alive. */
		lua_newtable(L);
		lua_pushnil(L);
		while (lua_next(L, 3)) {
			if (lua_type(L, -2) != LUA_TSTRING)
				return luaL_argerror(L, 3, "option names must be strings");
			if (!pb_lua_setting_text(L, -1))
				return luaL_argerror(
					L, 3,
					lua_pushfstring(L, "option '%s': a %s is not a setting value",
							lua_tostring(L, -2), luaL_typename(L, -1)));
			if (n == 64)
				return luaL_argerror(L, 3, "too many options");
			kv[n].key = lua_tostring(L, -3);
			kv[n].value = lua_tostring(L, -1);
			n++;
			/* The scratch table keeps the converted text alive until the write. */
			lua_rawseti(L, 4, (lua_Integer)n);
			lua_pop(L, 1);
		}
	}
	if (output_session(&s, err, sizeof(err))) {
		lua_pushnil(L);
		lua_pushstring(L, err);
		return 2;
	}
	ret = pb_session__add_output_settings(s, target, kv, n);
	if (!ret)
		ret = pb_session__write(s, p);
	if (ret) {
		const char *why = pb_session__strerror(s);

		lua_pushnil(L);
		if (why[0])
			lua_pushstring(L, why);
		else
			lua_pushfstring(L, "cannot write '%s': %s", target, strerror(-ret));
		pb_session__free(s);
		return 2;
	}
	pb_session__free(s);
	lua_pushboolean(L, 1);
	return 1;
}

