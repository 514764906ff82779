// SPDX-License-Identifier: MIT
/* The "pb.profile" userdata: filtering, merging and summarizing a profile from Lua. */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua_internal.h"

struct lprofile {
	struct pb_profile *p;
};

void pb_lua_push_profile(lua_State *L, struct pb_profile *p)
{
	struct lprofile *lp;

	if (!p)
		luaL_error(L, "out of memory");
	lp = lua_newuserdatauv(L, sizeof(*lp), 0);
	lp->p = p;
	luaL_setmetatable(L, PB_PROFILE_MT);
}

struct pb_profile *pb_lua_check_profile(lua_State *L, int idx)
{
	struct lprofile *lp = luaL_checkudata(L, idx, PB_PROFILE_MT);

	return lp->p;
}

struct pb_profile *pb_lua_copy_profile(const struct pb_profile *src)
{
	struct pb_profile *p;

	if (pb_profile__new(&p))
		return NULL;
	if (src && pb_profile__merge(p, src)) {
		pb_profile__free(p);
		return NULL;
	}
	if (src)
		*pb_profile__meta(p) = *pb_profile__meta_const(src);
	return p;
}

/* A new, empty profile with p's metadata: what filters fill. */
static struct pb_profile *empty_like(lua_State *L, const struct pb_profile *p)
{
	struct pb_profile *q;

	if (pb_profile__new(&q))
		luaL_error(L, "out of memory");
	*pb_profile__meta(q) = *pb_profile__meta_const(p);
	return q;
}

/* Counts are unsigned 64-bit; past Lua's largest integer they become floats, never negative. */
void pb_lua_push_count(lua_State *L, uint64_t n)
{
	if (n <= (uint64_t)LUA_MAXINTEGER)
		lua_pushinteger(L, (lua_Integer)n);
	else
		lua_pushnumber(L, (lua_Number)n);
}

/* A label holding a number (tid, cpu), or -1 when the stack has none. */
static lua_Integer label_number(const struct pb_profile *p, uint32_t set, const char *key)
{
	const char *v = pb_profile__label(p, set, key);
	char *end;
	long long n;

	if (!v || !*v)
		return -1;
	n = strtoll(v, &end, 10);
	return *end || n < 0 ? -1 : n;
}

/* The root frame of --per-cpu. */
static void cpu_frame(char *buf, size_t len, lua_Integer cpu)
{
	snprintf(buf, len, "[cpu %lld]", (long long)cpu);
}

/* 1 when the stack starts with the "[cpu N]" of --per-cpu (the cpu field tells it), else 0. */
static uint32_t cpu_root(const struct pb_profile *p, const struct pb_stack *st, lua_Integer cpu)
{
	char frame[32];

	if (cpu < 0 || st->depth < 2)
		return 0;
	cpu_frame(frame, sizeof(frame), cpu);
	return !strcmp(pb_profile__frame_name(p, st->frames[0]), frame);
}

/*
 * { comm=, pid=, frames={root..leaf}, count=, labels={k=v}, tid=, cpu= }. With --per-thread
 * frames[1] is "[tid N NAME]"; with --per-cpu the "[cpu N]" before the comm is the cpu field.
 */
static void push_stack(lua_State *L, const struct pb_profile *p, const struct pb_stack *st)
{
	const struct pb_label *l;
	size_t nl = pb_profile__labels(p, st->labels, &l);
	lua_Integer tid = label_number(p, st->labels, "tid");
	lua_Integer cpu = label_number(p, st->labels, "cpu");
	uint32_t skip = cpu_root(p, st, cpu);

	lua_createtable(L, 0, 7);
	if (tid >= 0) {
		lua_pushinteger(L, tid);
		lua_setfield(L, -2, "tid");
	}
	if (cpu >= 0) {
		lua_pushinteger(L, cpu);
		lua_setfield(L, -2, "cpu");
	}
	lua_createtable(L, 0, nl);
	for (size_t i = 0; i < nl; i++) {
		lua_pushstring(L, l[i].value);
		lua_setfield(L, -2, l[i].key);
	}
	lua_setfield(L, -2, "labels");
	lua_pushstring(L, st->depth ? pb_profile__frame_name(p, st->frames[skip]) : "");
	lua_setfield(L, -2, "comm");
	lua_pushinteger(L, st->pid);
	lua_setfield(L, -2, "pid");
	pb_lua_push_count(L, st->count);
	lua_setfield(L, -2, "count");
	lua_createtable(L, st->depth > skip ? st->depth - skip - 1 : 0, 0);
	for (uint32_t i = skip + 1; i < st->depth; i++) {
		lua_pushstring(L, pb_profile__frame_name(p, st->frames[i]));
		lua_rawseti(L, -2, i - skip);
	}
	lua_setfield(L, -2, "frames");
}

/* The label set of the labels table at idx ({k = v}, strings), interned in q; raises. */
static uint32_t check_labels(lua_State *L, int idx, struct pb_profile *q)
{
	struct pb_label l[PB_PROFILE_MAX_LABELS];
	size_t n = 0;
	int64_t set;

	if (lua_isnoneornil(L, idx))
		return 0;
	luaL_checktype(L, idx, LUA_TTABLE);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
			luaL_error(L, "labels must map strings to strings");
		if (n == PB_PROFILE_MAX_LABELS)
			luaL_error(L, "more than %d labels", PB_PROFILE_MAX_LABELS);
		/* The table holds both strings while q interns them below. */
		l[n].key = lua_tostring(L, -2);
		l[n++].value = lua_tostring(L, -1);
		lua_pop(L, 1);
	}
	set = pb_profile__intern_labels(q, l, n);
	if (set == -ENOMEM)
		luaL_error(L, "out of memory");
	if (set < 0)
		luaL_error(L, "bad labels (empty key, or past %d bytes)", PB_LABEL_MAX_LEN);
	return set;
}

/*
 * pb_profile__add_names with a label set; depth may be one past the limit (cut and counted).
 * A frame named as one of p's keeps its binary and address (its site, as pprof writes it): a
 * name has one site in a profile, so a filter that keeps or moves frames keeps theirs.
 */
static int add_names_labeled(struct pb_profile *q, const struct pb_profile *p, uint32_t pid,
			     uint32_t labels, const char *const *names, uint32_t depth,
			     uint64_t count)
{
	uint32_t ids[PB_PROFILE_MAX_DEPTH + 1];

	for (uint32_t i = 0; i < depth; i++) {
		size_t len = strlen(names[i]);
		int64_t id = pb_profile__intern(q, names[i], len), from;
		int err;

		if (id < 0)
			return id;
		ids[i] = id;
		if (!pb_profile__frame_site(q, id, NULL) &&
		    (from = pb_profile__find(p, names[i], len)) >= 0 &&
		    (err = pb_profile__copy_frame_site(q, id, p, from)))
			return err;
	}
	return pb_profile__add_labeled(q, pid, labels, ids, depth, count);
}

/* Adds the stack table at idx (as a filter returned it) to q; raises on a malformed one. */
static void add_stack_table(lua_State *L, int idx, struct pb_profile *q,
			    const struct pb_profile *p)
{
	/* One past the limit: pb_profile__add_names cuts the stack and counts it. */
	const char *names[PB_PROFILE_MAX_DEPTH + 2];
	char cpu_name[32];
	lua_Integer count, pid, cpu;
	uint32_t labels, root = 0;
	size_t n;

	idx = lua_absindex(L, idx);
	/* A cpu field is the "[cpu N]" root of --per-cpu, as push_stack took it off. */
	lua_getfield(L, idx, "cpu");
	cpu = luaL_optinteger(L, -1, -1);
	lua_pop(L, 1);
	if (cpu >= 0) {
		cpu_frame(cpu_name, sizeof(cpu_name), cpu);
		names[root++] = cpu_name;
	}
	lua_getfield(L, idx, "comm");
	names[root] = luaL_optstring(L, -1, "");
	lua_getfield(L, idx, "count");
	count = luaL_optinteger(L, -1, 1);
	lua_getfield(L, idx, "pid");
	pid = luaL_optinteger(L, -1, 0);
	if (lua_getfield(L, idx, "frames") != LUA_TTABLE)
		luaL_error(L, "a stack returned by the filter needs a 'frames' table");
	lua_getfield(L, idx, "labels");
	labels = check_labels(L, lua_gettop(L), q);
	lua_pop(L, 1);
	n = lua_rawlen(L, -1);
	if (n > PB_PROFILE_MAX_DEPTH - root)
		n = PB_PROFILE_MAX_DEPTH - root;
	luaL_checkstack(L, (int)n + 8, "a stack that deep");
	for (size_t i = 0; i < n; i++) {
		lua_rawgeti(L, -1 - (int)i, i + 1);
		names[root + i + 1] = lua_tostring(L, -1);
		if (!names[root + i + 1])
			luaL_error(L, "frame %d of a returned stack is not a string", (int)i + 1);
	}
	if (count > 0 && add_names_labeled(q, p, pid, labels, names, root + n + 1, count))
		luaL_error(L, "out of memory");
	lua_pop(L, 4 + (int)n);
}

static int copy_stack(struct pb_profile *q, const struct pb_profile *p, const struct pb_stack *st)
{
	return pb_profile__copy_stack(q, p, st);
}

/* p:filter(fn): a new profile of the stacks for which fn(stack) is true (or a stack table). */
static int l_filter(lua_State *L)
{
	const struct pb_profile *p = pb_lua_check_profile(L, 1);
	struct pb_profile *q;

	luaL_checktype(L, 2, LUA_TFUNCTION);
	q = empty_like(L, p);
	/* Anchor q first: an error in fn must not leak it. */
	pb_lua_push_profile(L, q);
	for (size_t i = 0; i < pb_profile__stack_count(p); i++) {
		const struct pb_stack *st = pb_profile__stack(p, i);

		lua_pushvalue(L, 2);
		push_stack(L, p, st);
		lua_call(L, 1, 1);
		if (lua_istable(L, -1))
			add_stack_table(L, -1, q, p);
		else if (lua_toboolean(L, -1) && copy_stack(q, p, st))
			return luaL_error(L, "out of memory");
		lua_pop(L, 1);
	}
	return 1;
}

static int grep(lua_State *L, bool keep)
{
	const struct pb_profile *p = pb_lua_check_profile(L, 1);
	const char *re = luaL_checkstring(L, 2);
	size_t nframes = pb_profile__frame_count(p);
	struct pb_profile *q;
	signed char *match;
	regex_t rx;
	int err;

	if ((err = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB))) {
		char why[256];

		regerror(err, &rx, why, sizeof(why));
		return luaL_argerror(L, 2, lua_pushfstring(L, "bad regex '%s': %s", re, why));
	}
	match = calloc(nframes + 1, 1); /* 0 unknown, 1 matches, -1 does not */
	q = match ? empty_like(L, p) : NULL;
	for (size_t i = 0; q && i < pb_profile__stack_count(p); i++) {
		const struct pb_stack *st = pb_profile__stack(p, i);
		bool hit = false;

		/* frames[0] is the comm: a regex on frames names functions. */
		for (uint32_t f = 1; f < st->depth && !hit; f++) {
			uint32_t id = st->frames[f];

			if (!match[id])
				match[id] = regexec(&rx, pb_profile__frame_name(p, id), 0, NULL, 0)
						    ? -1
						    : 1;
			hit = match[id] > 0;
		}
		if (hit == keep && copy_stack(q, p, st)) {
			pb_profile__free(q);
			q = NULL;
		}
	}
	free(match);
	regfree(&rx);
	if (!q)
		return luaL_error(L, "out of memory");
	pb_lua_push_profile(L, q);
	return 1;
}

/* p:grep(regex): the stacks with a frame matching regex (POSIX extended). */
static int l_grep(lua_State *L)
{
	return grep(L, true);
}

/* p:exclude(regex): the stacks without such a frame. */
static int l_exclude(lua_State *L)
{
	return grep(L, false);
}

/* p:merge(q): adds q's stacks to p; returns p. */
static int l_merge(lua_State *L)
{
	struct pb_profile *p = pb_lua_check_profile(L, 1);
	const struct pb_profile *q = pb_lua_check_profile(L, 2);
	struct pb_profile_meta *m = pb_profile__meta(p);
	const struct pb_profile_meta *qm = pb_profile__meta_const(q);
	int err = pb_profile__merge(p, q);

	if (err == -EDOM)
		return luaL_error(L, "p:merge: cannot add %s counts to %s counts",
				  pb_profile__unit(q), pb_profile__unit(p));
	if (err)
		return luaL_error(L, "out of memory");
	/* The merged window spans both. */
	if (qm->start_ns && (!m->start_ns || qm->start_ns < m->start_ns))
		m->start_ns = qm->start_ns;
	if (qm->end_ns > m->end_ns)
		m->end_ns = qm->end_ns;
	lua_settop(L, 1);
	return 1;
}

static int l_total(lua_State *L)
{
	pb_lua_push_count(L, pb_profile__total(pb_lua_check_profile(L, 1)));
	return 1;
}

struct top_item {
	uint32_t id;
	uint64_t self, total;
	const char *name;
};

static int by_self(const void *a, const void *b)
{
	const struct top_item *x = a, *y = b;

	if (x->self != y->self)
		return x->self < y->self ? 1 : -1;
	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* p:top([n=10]): the functions with the most samples of their own: {name=, self=, total=}. */
static int l_top(lua_State *L)
{
	const struct pb_profile *p = pb_lua_check_profile(L, 1);
	lua_Integer n = luaL_optinteger(L, 2, 10);
	size_t nframes = pb_profile__frame_count(p), used = 0;
	struct top_item *items = calloc(nframes + 1, sizeof(*items));
	uint32_t *seen = calloc(nframes + 1, sizeof(*seen));

	luaL_argcheck(L, n >= 0, 2, "must be 0 or more");
	if (!items || !seen) {
		free(items);
		free(seen);
		return luaL_error(L, "out of memory");
	}
	for (size_t i = 0; i < nframes; i++) {
		items[i].id = i;
		items[i].name = pb_profile__frame_name(p, i);
	}
	for (size_t i = 0; i < pb_profile__stack_count(p); i++) {
		const struct pb_stack *st = pb_profile__stack(p, i);

		if (st->depth > 1)
			items[st->frames[st->depth - 1]].self += st->count;
		/* A recursive function counts once per stack in its total. */
		for (uint32_t f = 1; f < st->depth; f++) {
			uint32_t id = st->frames[f];

			if (seen[id] != i + 1) {
				seen[id] = i + 1;
				items[id].total += st->count;
			}
		}
	}
	for (size_t i = 0; i < nframes; i++)
		if (items[i].total)
			items[used++] = items[i];
	qsort(items, used, sizeof(*items), by_self);
	if ((size_t)n > used)
		n = used;
	lua_createtable(L, n, 0);
	for (lua_Integer i = 0; i < n; i++) {
		lua_createtable(L, 0, 3);
		lua_pushstring(L, items[i].name);
		lua_setfield(L, -2, "name");
		pb_lua_push_count(L, items[i].self);
		lua_setfield(L, -2, "self");
		pb_lua_push_count(L, items[i].total);
		lua_setfield(L, -2, "total");
		lua_rawseti(L, -2, i + 1);
	}
	free(items);
	free(seen);
	return 1;
}

static int stacks_next(lua_State *L)
{
	const struct pb_profile *p = pb_lua_check_profile(L, lua_upvalueindex(1));
	lua_Integer i = lua_tointeger(L, lua_upvalueindex(2));

	if ((size_t)i >= pb_profile__stack_count(p))
		return 0;
	lua_pushinteger(L, i + 1);
	lua_replace(L, lua_upvalueindex(2));
	push_stack(L, p, pb_profile__stack(p, i));
	return 1;
}

/* for stack in p:stacks() do ... end */
static int l_stacks(lua_State *L)
{
	pb_lua_check_profile(L, 1);
	lua_settop(L, 1);
	lua_pushinteger(L, 0);
	lua_pushcclosure(L, stacks_next, 2);
	return 1;
}

static int l_gc(lua_State *L)
{
	struct lprofile *lp = luaL_checkudata(L, 1, PB_PROFILE_MT);

	pb_profile__free(lp->p);
	lp->p = NULL;
	return 0;
}

static const luaL_Reg profile_methods[] = {
	{ "filter", l_filter }, { "grep", l_grep },	{ "exclude", l_exclude },
	{ "merge", l_merge },	{ "top", l_top },	{ "total", l_total },
	{ "stacks", l_stacks }, { "folded", pb_lua_profile_folded }, { "encode", pb_lua_profile_encode },
	{ "write", pb_lua_profile_write },	{ "meta", pb_lua_profile_meta },	{ NULL, NULL },
};

static const luaL_Reg profile_meta[] = {
	{ "__gc", l_gc },
	{ "__tostring", pb_lua_profile_tostring },
	{ NULL, NULL },
};

void pb_lua_open_profile(lua_State *L)
{
	pb_lua_new_class(L, PB_PROFILE_MT, profile_meta, profile_methods);
}
