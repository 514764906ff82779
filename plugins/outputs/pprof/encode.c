// SPDX-License-Identifier: MIT
/*
 * A profile as a pprof Profile message (built with the protoc-c types of profile.proto).
 * The model keys frames by name: each distinct frame becomes one function and one location with
 * one line, at the binary (mapping: path, build id, range, offset) and address the frame was
 * first seen at; kernel frames keep their "_[k]" suffix, so pprof views read like the folded
 * text, and sit in "[kernel.kallsyms]". Frames the model knows no binary of (folded input) go to
 * "[kernel.kallsyms]" or "[user]" at address 0.
 * Every stack becomes one sample, locations leaf first, labelled pid (numeric), comm and the
 * stack's labels (container_id, pod_uid, user labels...; tid and cpu numeric when digits).
 * Strings: the fixed ones, the frame names, each label set's keys and values, the comments.
 * Sample types follow what the profile counts (pprof_value_types): on-CPU samples/count and,
 * with a rate, cpu/nanoseconds; off-CPU off-cpu/nanoseconds and wall wall/nanoseconds (the
 * model's microseconds × 1000). Off-CPU has no samples/count: the model keeps blocked time per
 * stack, not how many blocks made it, and a count of microseconds would pass for one.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pprof.h"
#include "profile.pb-c.h"

typedef Perftools__Profiles__Profile Profile;
typedef Perftools__Profiles__ValueType ValueType;
typedef Perftools__Profiles__Sample Sample;
typedef Perftools__Profiles__Label Label;
typedef Perftools__Profiles__Mapping Mapping;
typedef Perftools__Profiles__Location Location;
typedef Perftools__Profiles__Line Line;
typedef Perftools__Profiles__Function Function;

/* Fixed string table entries; frame names follow (S_FRAMES + frame id), then the comments. */
enum {
	S_EMPTY, S_SAMPLES, S_COUNT, S_CPU, S_NANOS, S_PID, S_COMM, S_USER, S_KERNEL,
	S_OFF_CPU, S_WALL, S_EVENTS, S_FRAMES
};
static const char *const fixed[S_FRAMES] = {
    "",	    "samples", "count",	  "cpu",     "nanoseconds", "pid",
    "comm", "[user]",  "[kernel.kallsyms]", "off-cpu", "wall", "events"};

#define MAX_COMMENTS 8
#define MAP_USER     1
#define MAP_KERNEL   2
#define MAP_FIRST    3 /* the profile's mapping id 1; the others follow */

struct enc {
	Profile prof;
	ValueType types[2], period_type, *type_ptrs[2];
	uint64_t scale[2]; /* a count times this is the value of types[i] */
	Mapping *maps, **map_ptrs; /* MAP_USER, MAP_KERNEL, then the profile's */
	bool *map_used;
	uint64_t *loc_of; /* frame id -> location id (= function id), 0 when unused */
	Location *locs, **loc_ptrs;
	Line *lines, **line_ptrs;
	Function *funcs, **func_ptrs;
	Sample *samples, **sample_ptrs;
	Label *labels, **label_ptrs;
	uint64_t *loc_ids;
	int64_t *values;
	char **strings;
	size_t *set_first;  /* label set id -> its first entry in lab_str */
	int64_t *lab_str;   /* per label of every set: key and value string indices */
	size_t n_lab_str;
	char comments[MAX_COMMENTS][128];
	int64_t comment_idx[MAX_COMMENTS];
	size_t n_comments;
};

/* String indices for every label set's keys and values, placed after the frame names. */
static int index_labels(struct enc *e, const struct pb_profile *p)
{
	size_t sets = pb_profile__label_set_count(p), n = 0;
	int64_t next = S_FRAMES + pb_profile__frame_count(p);

	for (size_t id = 1; id <= sets; id++) {
		const struct pb_label *l;

		n += 2 * pb_profile__labels(p, id, &l);
	}
	e->set_first = calloc(sets + 1, sizeof(*e->set_first));
	e->lab_str = calloc(n ?: 1, sizeof(*e->lab_str));
	if (!e->set_first || !e->lab_str)
		return -ENOMEM;
	for (size_t id = 1; id <= sets; id++) {
		const struct pb_label *l;
		size_t nl = pb_profile__labels(p, id, &l);

		e->set_first[id] = e->n_lab_str;
		for (size_t i = 0; i < 2 * nl; i++)
			e->lab_str[e->n_lab_str++] = next++;
	}
	return 0;
}

/* pprof readers filter and group numeric labels by value: tid and cpu when they are numbers. */
static bool numeric_label(const struct pb_label *l, int64_t *num)
{
	char *end;

	if (strcmp(l->key, "tid") && strcmp(l->key, "cpu"))
		return false;
	errno = 0;
	*num = strtoll(l->value, &end, 10);
	return l->value[0] && !*end && !errno && *num >= 0;
}

/* The stack's own labels after comm and pid. */
static void add_set_labels(struct enc *e, const struct pb_profile *p, uint32_t set, Sample *s,
			   Label *l)
{
	const struct pb_label *pl;
	size_t nl = pb_profile__labels(p, set, &pl);
	const int64_t *str = e->lab_str + e->set_first[set];

	for (size_t i = 0; i < nl; i++, l++) {
		int64_t num;

		perftools__profiles__label__init(l);
		l->key = str[2 * i];
		/*
		 * The unit is the key, as pprof infers for a number without one; stated, it keeps
		 * a 0 (cpu 0) that Go's reader drops from a label with neither number nor unit.
		 */
		if (numeric_label(&pl[i], &num)) {
			l->num = num;
			l->num_unit = l->key;
		} else
			l->str = str[2 * i + 1];
		s->label[s->n_label++] = l;
	}
}

static bool is_kernel(const char *name)
{
	size_t n = strlen(name);

	return n >= 4 && !memcmp(name + n - 4, "_[k]", 4);
}

static int64_t clamp(uint64_t v, struct pprof_report *rep)
{
	if (v <= INT64_MAX)
		return (int64_t)v;
	rep->clamped++;
	return INT64_MAX;
}

static void comment(struct enc *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void comment(struct enc *e, const char *fmt, ...)
{
	va_list ap;

	if (e->n_comments == MAX_COMMENTS)
		return;
	va_start(ap, fmt);
	vsnprintf(e->comments[e->n_comments++], sizeof(e->comments[0]), fmt, ap);
	va_end(ap);
}

/* One function + location per frame id that appears below the comm. */
static int build_locations(struct enc *e, const struct pb_profile *p)
{
	size_t n_frames = pb_profile__frame_count(p), n_stacks = pb_profile__stack_count(p), n = 0;

	if (!(e->loc_of = calloc(n_frames ?: 1, sizeof(*e->loc_of))))
		return -ENOMEM;
	for (size_t i = 0; i < n_stacks; i++) {
		const struct pb_stack *st = pb_profile__stack(p, i);

		for (uint32_t d = 1; d < st->depth; d++)
			if (!e->loc_of[st->frames[d]])
				e->loc_of[st->frames[d]] = ++n;
	}
	e->map_used = calloc(MAP_FIRST - 1 + pb_profile__mapping_count(p), sizeof(*e->map_used));
	e->locs = calloc(n ?: 1, sizeof(*e->locs));
	e->loc_ptrs = calloc(n ?: 1, sizeof(*e->loc_ptrs));
	e->lines = calloc(n ?: 1, sizeof(*e->lines));
	e->line_ptrs = calloc(n ?: 1, sizeof(*e->line_ptrs));
	e->funcs = calloc(n ?: 1, sizeof(*e->funcs));
	e->func_ptrs = calloc(n ?: 1, sizeof(*e->func_ptrs));
	if (!e->locs || !e->loc_ptrs || !e->lines || !e->line_ptrs || !e->funcs || !e->func_ptrs ||
	    !e->map_used)
		return -ENOMEM;
	for (uint32_t f = 0; f < n_frames; f++) {
		uint64_t id = e->loc_of[f];
		size_t k = id - 1;
		uint32_t site;

		if (!id)
			continue;
		perftools__profiles__function__init(&e->funcs[k]);
		e->funcs[k].id = id;
		e->funcs[k].name = e->funcs[k].system_name = S_FRAMES + f;
		perftools__profiles__line__init(&e->lines[k]);
		e->lines[k].function_id = id;
		e->line_ptrs[k] = &e->lines[k];
		perftools__profiles__location__init(&e->locs[k]);
		e->locs[k].id = id;
		site = pb_profile__frame_site(p, f, &e->locs[k].address);
		e->locs[k].mapping_id = site ? MAP_FIRST - 1 + site
				      : is_kernel(pb_profile__frame_name(p, f)) ? MAP_KERNEL
										: MAP_USER;
		e->map_used[e->locs[k].mapping_id - 1] = true;
		e->locs[k].n_line = 1;
		e->locs[k].line = &e->line_ptrs[k];
		e->loc_ptrs[k] = &e->locs[k];
		e->func_ptrs[k] = &e->funcs[k];
	}
	e->prof.n_location = e->prof.n_function = n;
	e->prof.location = e->loc_ptrs;
	e->prof.function = e->func_ptrs;
	return 0;
}

/* Samples in folded order, so the same profile always encodes to the same bytes. */
static int build_samples(struct enc *e, const struct pb_profile *p, struct pprof_report *rep)
{
	size_t n = pb_profile__stack_count(p), n_ids = 0, n_labels = 0, *order = NULL;
	uint64_t *ids;
	Label *lab;
	Label **lab_ptrs;
	int err = pb_profile__sorted(p, &order);

	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		const struct pb_stack *st = pb_profile__stack(p, i);
		const struct pb_label *l;

		n_ids += st->depth - 1;
		n_labels += 2 + pb_profile__labels(p, st->labels, &l);
	}
	e->samples = calloc(n ?: 1, sizeof(*e->samples));
	e->sample_ptrs = calloc(n ?: 1, sizeof(*e->sample_ptrs));
	e->labels = lab = calloc(n_labels ?: 1, sizeof(*e->labels));
	e->label_ptrs = lab_ptrs = calloc(n_labels ?: 1, sizeof(*e->label_ptrs));
	e->values = calloc(2 * n ?: 1, sizeof(*e->values));
	e->loc_ids = ids = calloc(n_ids ?: 1, sizeof(*e->loc_ids));
	if (!e->samples || !e->sample_ptrs || !e->labels || !e->label_ptrs || !e->values || !ids) {
		free(order);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const struct pb_stack *st = pb_profile__stack(p, order[i]);
		Sample *s = &e->samples[i];
		Label *l = lab;

		perftools__profiles__sample__init(s);
		s->location_id = ids;
		/* pprof wants the leaf first; the model keeps the root first. */
		for (uint32_t d = st->depth; d-- > 1;)
			ids[s->n_location_id++] = e->loc_of[st->frames[d]];
		ids += s->n_location_id;
		s->value = &e->values[2 * i];
		s->n_value = e->prof.n_sample_type;
		for (size_t v = 0; v < s->n_value; v++)
			s->value[v] = clamp(st->count > UINT64_MAX / e->scale[v] ? UINT64_MAX
								     : st->count * e->scale[v],
					    rep);
		s->label = lab_ptrs;
		perftools__profiles__label__init(&l[0]);
		l[0].key = S_COMM;
		l[0].str = S_FRAMES + st->frames[0];
		s->label[s->n_label++] = &l[0];
		/* pid 0 means "unknown" in the model (folded input): no label rather than a false
		 * 0. */
		if (st->pid) {
			perftools__profiles__label__init(&l[1]);
			l[1].key = S_PID;
			l[1].num = st->pid;
			s->label[s->n_label++] = &l[1];
		}
		add_set_labels(e, p, st->labels, s, &l[2]);
		lab += 2 + pb_profile__labels(p, st->labels, &(const struct pb_label *){ NULL });
		lab_ptrs += s->n_label;
		e->sample_ptrs[i] = s;
	}
	free(order);
	e->prof.n_sample = n;
	e->prof.sample = e->sample_ptrs;
	return 0;
}

/* One sample type: strings type and unit, a count times scale is its value. */
static void value_type(struct enc *e, size_t i, int64_t type, int64_t unit, uint64_t scale)
{
	perftools__profiles__value_type__init(&e->types[i]);
	e->type_ptrs[i] = &e->types[i];
	e->types[i].type = type;
	e->types[i].unit = unit;
	e->scale[i] = scale;
	e->prof.n_sample_type = i + 1;
}

/*
 * The sample types of what p counts, the period and the default type (the last, as Go's CPU
 * profiles have it). Go's CPU profiles: period in cpu nanoseconds; without a rate only counts
 * mean anything. Off-CPU counts one microsecond at a time: a period of 1000 ns; wall's
 * on-CPU samples are worth the sampling period each.
 */
static void value_types(struct enc *e, uint32_t event, uint32_t hz)
{
	uint64_t hz_ns = hz ? 1000000000 / hz : 0;

	e->prof.sample_type = e->type_ptrs;
	if (event == PB_EVENT_OFF_CPU || event == PB_EVENT_WALL) {
		value_type(e, 0, event == PB_EVENT_WALL ? S_WALL : S_OFF_CPU, S_NANOS, 1000);
		e->prof.period = event == PB_EVENT_WALL && hz_ns ? hz_ns : 1000;
	} else if (event != PB_EVENT_CPU) { /* -e: hits of probes or perf events */
		value_type(e, 0, S_EVENTS, S_COUNT, 1);
		e->prof.period = 1;
	} else {
		value_type(e, 0, S_SAMPLES, S_COUNT, 1);
		if (hz_ns)
			value_type(e, 1, S_CPU, S_NANOS, hz_ns);
		e->prof.period = hz_ns ?: 1;
	}
	perftools__profiles__value_type__init(&e->period_type);
	e->prof.period_type = &e->period_type;
	e->period_type = e->types[e->prof.n_sample_type - 1];
	e->prof.default_sample_type = e->period_type.type;
}

static void build_header(struct enc *e, const struct pb_profile *p, uint32_t hz)
{
	const struct pb_profile_meta *m = pb_profile__meta_const(p);

	value_types(e, m->event, hz);
	e->prof.time_nanos = clamp(m->start_ns, &(struct pprof_report){0});
	if (m->start_ns && m->end_ns > m->start_ns)
		e->prof.duration_nanos = clamp(m->end_ns - m->start_ns, &(struct pprof_report){0});

	comment(e, "profile-bee %s", PB_VERSION);
	if (m->hostname[0])
		comment(e, "host %s", m->hostname);
	if (m->unwinder[0])
		comment(e, "unwinder %s", m->unwinder);
	if (m->event != PB_EVENT_CPU)
		comment(e, "%s profile%s", pb_profile__event_name(m->event),
			m->event == PB_EVENT_OFF_CPU
			    ? ": blocked time per stack, blocks not counted"
			    : "");
	if (hz && (m->event == PB_EVENT_CPU || m->event == PB_EVENT_WALL))
		comment(e, "%" PRIu32 " Hz%s", hz,
			m->frequency ? "" : " (assumed: output setting)");
	else if (m->event == PB_EVENT_CPU)
		comment(e, "sampling rate unknown: counts only, no cpu/nanoseconds");
	comment(e, "kernel frames keep their _[k] suffix and map to [kernel.kallsyms]");
}

/* pprof takes the first mapping for the main binary ("File:"): not a library nor "[...]". */
static bool main_like(const struct pb_profile_mapping *pm)
{
	return pm && pm->path[0] && pm->path[0] != '[' && !strstr(pm->path, ".so");
}

/*
 * The mappings locations use, string indices from first on: each of the profile's takes two
 * (path, build id). Frames come named: nothing for pprof to symbolize (has_functions).
 */
static int build_mappings(struct enc *e, const struct pb_profile *p, size_t first)
{
	size_t n = MAP_FIRST - 1 + pb_profile__mapping_count(p), k = 0;

	e->maps = calloc(n, sizeof(*e->maps));
	e->map_ptrs = calloc(n, sizeof(*e->map_ptrs));
	if (!e->maps || !e->map_ptrs)
		return -ENOMEM;
	for (size_t j = 0; j < 2 * n; j++) {
		size_t i = j % n;
		const struct pb_profile_mapping *pm = pb_profile__mapping(p, i + 2 - MAP_FIRST);
		Mapping *m = &e->maps[k];

		if (!e->map_used[i] || main_like(pm) != (j < n))
			continue;
		perftools__profiles__mapping__init(m);
		m->id = i + 1;
		m->has_functions = true;
		m->filename = i + 1 == MAP_KERNEL ? S_KERNEL : S_USER;
		if (pm) {
			m->memory_start = pm->start;
			m->memory_limit = pm->limit;
			m->file_offset = pm->offset;
			m->filename = first + 2 * (i + 1 - MAP_FIRST);
			m->build_id = pm->build_id[0] ? m->filename + 1 : S_EMPTY;
		}
		e->map_ptrs[k++] = m;
	}
	e->prof.mapping = e->map_ptrs;
	e->prof.n_mapping = k;
	return 0;
}

static void free_enc(struct enc *e)
{
	free(e->maps);
	free(e->map_ptrs);
	free(e->map_used);
	free(e->loc_of);
	free(e->locs);
	free(e->loc_ptrs);
	free(e->lines);
	free(e->line_ptrs);
	free(e->funcs);
	free(e->func_ptrs);
	free(e->samples);
	free(e->sample_ptrs);
	free(e->labels);
	free(e->label_ptrs);
	free(e->values);
	free(e->loc_ids);
	free(e->strings);
	free(e->set_first);
	free(e->lab_str);
}

static int build_strings(struct enc *e, const struct pb_profile *p)
{
	size_t n_frames = pb_profile__frame_count(p), sets = pb_profile__label_set_count(p);
	size_t labs = S_FRAMES + n_frames, n = labs + e->n_lab_str + e->n_comments;
	size_t maps = n, n_maps = pb_profile__mapping_count(p);
	int err;

	n += 2 * n_maps;

	if (!(e->strings = calloc(n, sizeof(*e->strings))))
		return -ENOMEM;
	/* protobuf-c only reads them; the casts drop a const its generated type lacks. */
	for (size_t i = 0; i < S_FRAMES; i++)
		e->strings[i] = (char *)fixed[i];
	for (size_t f = 0; f < n_frames; f++)
		e->strings[S_FRAMES + f] = (char *)pb_profile__frame_name(p, f);
	for (size_t id = 1; id <= sets; id++) {
		const struct pb_label *l;
		size_t nl = pb_profile__labels(p, id, &l);

		for (size_t i = 0; i < nl; i++) {
			e->strings[labs++] = (char *)l[i].key;
			e->strings[labs++] = (char *)l[i].value;
		}
	}
	for (size_t i = 0; i < e->n_comments; i++) {
		e->strings[labs + i] = e->comments[i];
		e->comment_idx[i] = labs + i;
	}
	for (uint32_t id = 1; id <= n_maps; id++) {
		e->strings[maps + 2 * (id - 1)] = (char *)pb_profile__mapping(p, id)->path;
		e->strings[maps + 2 * (id - 1) + 1] = (char *)pb_profile__mapping(p, id)->build_id;
	}
	if ((err = build_mappings(e, p, maps)))
		return err;
	e->prof.string_table = e->strings;
	e->prof.n_string_table = n;
	e->prof.comment = e->comment_idx;
	e->prof.n_comment = e->n_comments;
	return 0;
}

int pprof_encode(const struct pb_profile *p, const struct pprof_opts *opts, FILE *out,
		 struct pprof_report *rep)
{
	const struct pb_profile_meta *m = pb_profile__meta_const(p);
	/* A rate means time only for on-CPU samples (and wall's). */
	uint32_t hz = m->event == PB_EVENT_CPU || m->event == PB_EVENT_WALL
			  ? m->frequency ?: opts->frequency
			  : 0;
	struct enc *e = calloc(1, sizeof(*e));
	int err;

	if (!e)
		return -ENOMEM;
	*rep = (struct pprof_report){0};
	perftools__profiles__profile__init(&e->prof);
	build_header(e, p, hz);
	err = index_labels(e, p);
	if (!err)
		err = build_locations(e, p);
	if (!err)
		err = build_samples(e, p, rep);
	if (!err && pb_profile__truncated(p))
		comment(e, "stacks cut at %d frames: %" PRIu64, PB_PROFILE_MAX_DEPTH,
			pb_profile__truncated(p));
	if (!err && pb_profile__saturated(p))
		comment(e, "sample counts cut to keep the total under 2^64: %" PRIu64,
			pb_profile__saturated(p));
	if (!err && rep->clamped)
		comment(e, "values past 2^63-1 written as 2^63-1: %" PRIu64, rep->clamped);
	if (!err)
		err = build_strings(e, p);
	if (!err)
		err = pprof_gzip_message(&e->prof.base, opts->level, out);
	free_enc(e);
	free(e);
	return err;
}
