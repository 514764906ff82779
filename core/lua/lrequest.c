// SPDX-License-Identifier: MIT
/* Lua tables and values read as settings: pb.profile / pb.session tables, configurations. */
#include <stdlib.h>
#include <string.h>

#include "lua_internal.h"

#define MAX_ARGV PB_LUA_MAX_ARGV

const char *pb_lua_setting_text(lua_State *L, int idx)
{
	switch (lua_type(L, idx)) {
	case LUA_TSTRING:
	case LUA_TNUMBER:
		lua_pushvalue(L, idx);
		return lua_tostring(L, -1); /* converts the copy, never the original */
	case LUA_TBOOLEAN:
		lua_pushstring(L, lua_toboolean(L, idx) ? "true" : "false");
		return lua_tostring(L, -1);
	default:
		return NULL;
	}
}

enum field_kind { F_INT, F_NUMBER, F_STRING, F_BOOL, F_PID, F_CMD, F_TABLE, F_LABELS, F_EVENTS };

struct field {
	const char *name; /* in Lua */
	const char *key;  /* in [profile], NULL for targets and tables */
	enum field_kind kind;
	bool config_only; /* only in a configuration table */
};

static const struct field fields[] = {
	{ "frequency", "frequency", F_INT },
	{ "duration", "duration", F_NUMBER },
	{ "unwinder", "unwinder", F_STRING },
	{ "kernel", "kernel", F_BOOL },
	{ "user", "user", F_BOOL },
	{ "idle", "idle", F_BOOL },
	{ "quiet", "quiet", F_BOOL },
	{ "inline", "inline", F_BOOL },
	{ "lines", "lines", F_BOOL },
	{ "per_thread", "per-thread", F_BOOL },
	{ "per_cpu", "per-cpu", F_BOOL },
	{ "cpu", "cpu", F_INT },
	{ "stack_storage_size", "stack-storage-size", F_INT },
	{ "hash_storage_size", "hash-storage-size", F_INT },
	{ "group_by", "group-by", F_STRING },
	{ "labels", NULL, F_LABELS },
	{ "python", "python", F_STRING },
	{ "cgroup", "cgroup", F_STRING },
	{ "state", "state", F_STRING },
	{ "min_block_us", "min-block-us", F_INT },
	{ "max_block_us", "max-block-us", F_INT },
	{ "event", "event", F_EVENTS },
	{ "period", "period", F_INT },
	{ "pid", NULL, F_PID },
	{ "cmd", NULL, F_CMD },
	{ "unwinder_options", NULL, F_TABLE },
	{ "flush_interval", "flush-interval", F_NUMBER, true },
	{ "outputs", NULL, F_TABLE, true },
	{ NULL },
};

static const char *const type_wanted[] = {
	[F_INT] = "integer", [F_NUMBER] = "number", [F_STRING] = "string",
	[F_BOOL] = "boolean", [F_PID] = "pid or list of pids",
	[F_CMD] = "string or list of strings", [F_TABLE] = "table",
	[F_LABELS] = "table of name = value",
	[F_EVENTS] = "string or list of strings",
};

static int field_error(lua_State *L, int arg, const char *name, const char *why)
{
	return pb_lua_usage_arg_error(L, arg, lua_pushfstring(L, "field '%s': %s", name, why));
}

static int wrong_type(lua_State *L, int arg, const struct field *f, int idx)
{
	return field_error(L, arg, f->name,
			   lua_pushfstring(L, "%s expected, got %s", type_wanted[f->kind],
					   luaL_typename(L, idx)));
}

static void add_pid(lua_State *L, int arg, struct request *rq, int idx)
{
	lua_Integer pid;

	if (!lua_isinteger(L, idx) || (pid = lua_tointeger(L, idx)) <= 0 || pid > INT32_MAX)
		field_error(L, arg, "pid", "pids are positive integers");
	if (rq->n_pids == MAX_ARGV)
		field_error(L, arg, "pid", "too many pids");
	rq->pids[rq->n_pids++] = (uint32_t)lua_tointeger(L, idx);
}

static void parse_pids(lua_State *L, int arg, struct request *rq, int idx)
{
	if (!lua_istable(L, idx))
		return add_pid(L, arg, rq, idx);
	for (lua_Integer i = 1; lua_rawgeti(L, idx, i) != LUA_TNIL; i++) {
		add_pid(L, arg, rq, -1);
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
}

static void parse_cmd(lua_State *L, int arg, struct request *rq, int idx)
{
	size_t n = 0;

	if (lua_type(L, idx) == LUA_TSTRING) {
		rq->argv[0] = "/bin/sh";
		rq->argv[1] = "-c";
		rq->argv[2] = lua_tostring(L, idx);
		rq->argv[3] = NULL;
		rq->has_cmd = true;
		return;
	}
	for (lua_Integer i = 1; lua_rawgeti(L, idx, i) != LUA_TNIL; i++) {
		if (lua_type(L, -1) != LUA_TSTRING)
			field_error(L, arg, "cmd", "every argument must be a string");
		if (n == MAX_ARGV)
			field_error(L, arg, "cmd", "too many arguments");
		rq->argv[n++] = lua_tostring(L, -1);
		lua_pop(L, 1); /* the table still holds the string */
	}
	lua_pop(L, 1);
	if (!n)
		field_error(L, arg, "cmd", "the command is empty");
	rq->argv[n] = NULL;
	rq->has_cmd = true;
}

/* labels = { service = "api" }: the [labels] section of this request. */
static void parse_labels(lua_State *L, int arg, struct request *rq, int idx)
{
	char err[512];

	lua_pushnil(L);
	while (lua_next(L, idx)) {
		if (lua_type(L, -2) != LUA_TSTRING || !pb_lua_setting_text(L, -1))
			field_error(L, arg, "labels", "names are strings, values strings or numbers");
		if (pb_settings_set(&rq->layer, "labels", lua_tostring(L, -3), lua_tostring(L, -1),
				    "script", 0, err, sizeof(err)))
			field_error(L, arg, "labels", err);
		lua_pop(L, 2);
	}
}

/* event = "uprobe:..." or { "kprobe:vfs_read", "page-faults" }: [profile] event, ','-joined. */
static void parse_events(lua_State *L, int arg, struct request *rq, int idx)
{
	luaL_Buffer b;
	char err[512];

	luaL_buffinit(L, &b);
	if (lua_type(L, idx) == LUA_TSTRING) {
		lua_pushvalue(L, idx);
		luaL_addvalue(&b);
	}
	/* The separator before the item: the buffer may grow only with its own value on top. */
	for (lua_Integer i = 1; lua_type(L, idx) == LUA_TTABLE && i <= (lua_Integer)lua_rawlen(L, idx);
	     i++) {
		if (i > 1)
			luaL_addchar(&b, ',');
		if (lua_rawgeti(L, idx, i) != LUA_TSTRING || strchr(lua_tostring(L, -1), ','))
			field_error(L, arg, "event", "every item is one event or probe (a string)");
		luaL_addvalue(&b); /* pops the item */
	}
	luaL_pushresult(&b);
	if (!lua_rawlen(L, -1))
		field_error(L, arg, "event", "no event given");
	if (pb_settings_set(&rq->layer, "profile", "event", lua_tostring(L, -1), "script", 0, err,
			    sizeof(err)))
		field_error(L, arg, "event", err);
	lua_pop(L, 1);
}

static const struct field *find_field(const char *name, bool config)
{
	for (const struct field *f = fields; f->name; f++)
		if ((!strcmp(f->name, name) || (f->key && !strcmp(f->key, name))) &&
		    (config || !f->config_only))
			return f;
	return NULL;
}

static bool kind_ok(lua_State *L, const struct field *f, int idx)
{
	int t = lua_type(L, idx);

	switch (f->kind) {
	case F_INT:
		return lua_isinteger(L, idx);
	case F_NUMBER:
		return t == LUA_TNUMBER;
	case F_STRING:
		return t == LUA_TSTRING;
	case F_BOOL:
		return t == LUA_TBOOLEAN;
	case F_PID:
		return t == LUA_TNUMBER || t == LUA_TTABLE;
	case F_CMD:
	case F_EVENTS:
		return t == LUA_TSTRING || t == LUA_TTABLE;
	case F_TABLE:
	case F_LABELS:
		return t == LUA_TTABLE;
	}
	return false;
}

void pb_lua_parse_request(lua_State *L, int arg, struct request *rq, bool config)
{
	if (lua_isnoneornil(L, arg))
		return;
	luaL_checktype(L, arg, LUA_TTABLE);
	lua_pushnil(L);
	while (lua_next(L, arg)) {
		const struct field *f;
		char err[512];

		if (lua_type(L, -2) != LUA_TSTRING)
			pb_lua_usage_arg_error(L, arg, "field names must be strings");
		if (!(f = find_field(lua_tostring(L, -2), config)))
			pb_lua_usage_arg_error(L, arg, lua_pushfstring(L, "unknown field '%s'",
								      lua_tostring(L, -2)));
		if (!kind_ok(L, f, -1))
			wrong_type(L, arg, f, -1);
		if (f->kind == F_PID) {
			parse_pids(L, arg, rq, lua_absindex(L, -1));
		} else if (f->kind == F_CMD) {
			parse_cmd(L, arg, rq, lua_absindex(L, -1));
		} else if (f->kind == F_LABELS) {
			parse_labels(L, arg, rq, lua_absindex(L, -1));
		} else if (f->kind == F_EVENTS) {
			parse_events(L, arg, rq, lua_absindex(L, -1));
		} else if (f->kind == F_TABLE) {
			int *where = !strcmp(f->name, "outputs") ? &rq->outputs
								 : &rq->unwinder_options;

			/* A copy stays on the stack below the iteration's key. */
			lua_pushvalue(L, -1);
			lua_insert(L, -3);
			*where = lua_gettop(L) - 2;
		} else {
			pb_lua_setting_text(L, -1);
			if (pb_settings_set(&rq->layer, "profile", f->key, lua_tostring(L, -1), "script",
					    0, err, sizeof(err)))
				field_error(L, arg, f->name, err);
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
	}
}

static int l_request_gc(lua_State *L)
{
	pb_settings_clear(lua_touserdata(L, 1));
	return 0;
}

struct request *pb_lua_new_request(lua_State *L)
{
	struct request *rq = lua_newuserdatauv(L, sizeof(*rq), 0);

	memset(rq, 0, sizeof(*rq));
	if (luaL_newmetatable(L, "pb.request")) {
		lua_pushcfunction(L, l_request_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_setmetatable(L, -2);
	return rq;
}

/* Fills cfg from a configuration table at idx: outputs are strings or { target, k = v, ... }. */
static void read_outputs(lua_State *L, int idx, struct pb_script_config *cfg)
{
	size_t n = lua_rawlen(L, idx);

	cfg->outputs = calloc(n ? n : 1, sizeof(*cfg->outputs));
	if (!cfg->outputs)
		luaL_error(L, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct pb_script_output *o = &cfg->outputs[i];
		int t = lua_rawgeti(L, idx, i + 1);

		if (t == LUA_TTABLE) {
			size_t k = 0;

			lua_rawgeti(L, -1, 1);
			if (lua_type(L, -1) != LUA_TSTRING)
				luaL_error(L, "outputs[%d]: the first item names the output", (int)i + 1);
			o->target = strdup(lua_tostring(L, -1));
			lua_pop(L, 1);
			o->settings = calloc(64, sizeof(*o->settings));
			lua_pushnil(L);
			while (o->settings && lua_next(L, -2)) {
				if (lua_type(L, -2) == LUA_TSTRING && k < 64) {
					if (!pb_lua_setting_text(L, -1))
						luaL_error(L, "outputs[%d].%s: not a setting value",
							   (int)i + 1, lua_tostring(L, -3));
					o->settings[k].key = strdup(lua_tostring(L, -3));
					o->settings[k].value = strdup(lua_tostring(L, -1));
					o->n_settings = ++k;
					lua_pop(L, 1);
				}
				lua_pop(L, 1);
			}
		} else if (t == LUA_TSTRING) {
			o->target = strdup(lua_tostring(L, -1));
		} else {
			luaL_error(L, "outputs[%d]: a path, URL or plugin name (or a table) expected",
				   (int)i + 1);
		}
		cfg->n_outputs = i + 1;
		lua_pop(L, 1);
	}
}

void pb_lua_table_config(lua_State *L, int idx, struct pb_script_config *cfg)
{
	struct request *rq;
	char err[512];
	const char *unwinder;

	idx = lua_absindex(L, idx);
	rq = pb_lua_new_request(L);
	pb_lua_parse_request(L, idx, rq, true);
	if (pb_settings_merge(&cfg->settings, &rq->layer))
		luaL_error(L, "out of memory");
	if (rq->outputs)
		read_outputs(L, rq->outputs, cfg);
	if (rq->n_pids) {
		cfg->pids = malloc(rq->n_pids * sizeof(*cfg->pids));
		if (!cfg->pids)
			luaL_error(L, "out of memory");
		memcpy(cfg->pids, rq->pids, rq->n_pids * sizeof(*cfg->pids));
		cfg->n_pids = rq->n_pids;
	}
	if (rq->has_cmd) {
		size_t n = 0;

		while (rq->argv[n])
			n++;
		cfg->command = calloc(n + 1, sizeof(*cfg->command));
		for (size_t i = 0; cfg->command && i < n; i++)
			cfg->command[i] = strdup(rq->argv[i]);
	}
	if (!rq->unwinder_options)
		return;
	unwinder = pb_settings_get(&rq->layer, "profile", "unwinder");
	if (!unwinder)
		unwinder = pb_settings_get(pb_lua_env->settings, "profile", "unwinder");
	lua_pushnil(L);
	while (lua_next(L, rq->unwinder_options)) {
		char section[96];

		snprintf(section, sizeof(section), "unwinder.%s", unwinder ? unwinder : "fp");
		if (lua_type(L, -2) != LUA_TSTRING || !pb_lua_setting_text(L, -1))
			luaL_error(L, "unwinder_options: names are strings, values strings, numbers "
				      "or booleans");
		if (pb_settings_set(&cfg->settings, section, lua_tostring(L, -3),
				    lua_tostring(L, -1), pb_lua_env->path, 0, err, sizeof(err)))
			luaL_error(L, "unwinder_options: %s", err);
		lua_pop(L, 2);
	}
}

