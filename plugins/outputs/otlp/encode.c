// SPDX-License-Identifier: MIT
/*
 * A profile as an OTLP ExportProfilesServiceRequest (profiles signal v1development, message code
 * generated from the published .proto files in proto/). Stacks are grouped into one
 * ResourceProfiles per container/pod (resource attributes per OpenTelemetry's semantic
 * conventions: host.name, container.id, container.runtime, k8s.pod.uid, k8s.node.name), each
 * with one Profile (samples/count, period in cpu nanoseconds from the frequency; off-CPU and wall
 * profiles: off-cpu or wall nanoseconds, otlp_write_request). The dictionary
 * is shared: index 0 of every table is its zero value, as the spec asks. A frame is one
 * function and one location, at the address and in the mapping (range, file offset, path,
 * process.executable.build_id.gnu) the model knows for it; a sample's stack is leaf first; its
 * attributes are process.pid, process.executable.name, thread.id and the stack's other labels
 * under their own names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp.h"

#define MAX_RES_ATTRS 8

/* What the encoder interns: strings, attributes ("s\x1fkey\x1fvalue"), resource groups. */
struct enc {
	const struct pb_profile *p;
	struct pb_profile *strs, *attrs, *groups;
	Dictionary dict;
	Mapping map0, *map_ptrs[1];
	Mapping *maps, **maps_ptrs; /* the mapping table when the profile has mappings */
	int32_t *map_index, *map_attr; /* the profile's mapping id -> index, its build id's attr */
	Location *locs, **loc_ptrs;
	Line *lines, **line_ptrs;
	Function *funcs, **func_ptrs;
	Stack *stacks, **stack_ptrs;
	int32_t *loc_ids, *attr_ids;
	KeyValueAndUnit *kvus, **kvu_ptrs;
	AnyValue *anys;
	Sample *samples, **sample_ptrs;
	int64_t *values;
	int32_t *group_of; /* stack -> resource group */
	int32_t *loc_of;   /* frame id -> location index, 0 when unused */
	int n_locs;
};

static int64_t intern(struct pb_profile *t, const char *s)
{
	return pb_profile__intern(t, s, strlen(s));
}

/* An attribute's index in attribute_table (1-based: 0 is the zero value). */
static int64_t attr(struct enc *e, char type, const char *key, const char *value)
{
	char buf[2 * PB_LABEL_MAX_LEN + 8];
	int64_t id;

	snprintf(buf, sizeof(buf), "%c\x1f%s\x1f%s", type, key, value);
	id = intern(e->attrs, buf);
	return id < 0 ? id : id + 1;
}

static const char *group_key(struct enc *e, const struct pb_stack *st, char *buf, size_t len)
{
	const char *c = pb_profile__label(e->p, st->labels, "container_id");
	const char *r = pb_profile__label(e->p, st->labels, "container_runtime");
	const char *u = pb_profile__label(e->p, st->labels, "pod_uid");

	snprintf(buf, len, "%s\x1f%s\x1f%s", c ? c : "", r ? r : "", u ? u : "");
	return buf;
}

static bool resource_label(const char *key)
{
	return !strcmp(key, "container_id") || !strcmp(key, "container_runtime") ||
	       !strcmp(key, "pod_uid");
}

/* Labels under OpenTelemetry's semantic-convention names; the others keep their own. */
static const char *attr_key(const char *label)
{
	static const char *const conventions[][2] = {
		{ "tid", "thread.id" },
		{ "thread_name", "thread.name" },
		{ "cpu", "cpu.logical_number" },
		{ "container_name", "container.name" },
		{ "pod_name", "k8s.pod.name" },
		{ "namespace", "k8s.namespace.name" },
	};

	for (size_t i = 0; i < sizeof(conventions) / sizeof(conventions[0]); i++)
		if (!strcmp(label, conventions[i][0]))
			return conventions[i][1];
	return label;
}

/* The sample's attribute indices into ids; their number. */
static int sample_attrs(struct enc *e, const struct pb_stack *st, int32_t *ids)
{
	const struct pb_label *l;
	size_t nl = pb_profile__labels(e->p, st->labels, &l);
	char pid[16];
	int n = 0;
	int64_t a;

	snprintf(pid, sizeof(pid), "%u", st->pid);
	if (st->pid && (a = attr(e, 'i', "process.pid", pid)) > 0)
		ids[n++] = a;
	if ((a = attr(e, 's', "process.executable.name",
		      pb_profile__frame_name(e->p, st->frames[0]))) > 0)
		ids[n++] = a;
	for (size_t i = 0; i < nl; i++) {
		bool numeric = !strcmp(l[i].key, "tid") || !strcmp(l[i].key, "cpu");

		if (resource_label(l[i].key))
			continue;
		a = attr(e, numeric ? 'i' : 's', attr_key(l[i].key), l[i].value);
		if (a < 0)
			return a;
		ids[n++] = a;
	}
	return n;
}

/* The mapping table's index of the profile's mapping id, adding it on first use. */
static int64_t mapping_index(struct enc *e, uint32_t id)
{
	const struct pb_profile_mapping *pm = pb_profile__mapping(e->p, id);
	Mapping *m;
	int64_t s, a = 0;

	if (e->map_index[id])
		return e->map_index[id];
	if ((s = intern(e->strs, pm->path)) < 0 ||
	    (pm->build_id[0] && (a = attr(e, 's', "process.executable.build_id.gnu",
					  pm->build_id)) < 0))
		return s < 0 ? s : a;
	m = &e->maps[e->dict.n_mapping_table];
	opentelemetry__proto__profiles__v1development__mapping__init(m);
	m->memory_start = pm->start;
	m->memory_limit = pm->limit;
	m->file_offset = pm->offset;
	m->filename_strindex = s;
	if (a) {
		e->map_attr[id] = a;
		m->attribute_indices = &e->map_attr[id];
		m->n_attribute_indices = 1;
	}
	e->maps_ptrs[e->dict.n_mapping_table] = m;
	return e->map_index[id] = e->dict.n_mapping_table++;
}

/* The mapping table, [0] the zero value, sized for every mapping of the profile. */
static int alloc_mappings(struct enc *e)
{
	size_t n = pb_profile__mapping_count(e->p) + 1;

	e->maps = calloc(n, sizeof(*e->maps));
	e->maps_ptrs = calloc(n, sizeof(*e->maps_ptrs));
	e->map_index = calloc(n, sizeof(*e->map_index));
	e->map_attr = calloc(n, sizeof(*e->map_attr));
	if (!e->maps || !e->maps_ptrs || !e->map_index || !e->map_attr)
		return -ENOMEM;
	e->maps_ptrs[0] = e->dict.mapping_table[0];
	e->dict.mapping_table = e->maps_ptrs;
	return 0;
}

/* Locations and functions: one each per frame id below the comm, index 0 left zero. */
static int build_locations(struct enc *e)
{
	size_t nf = pb_profile__frame_count(e->p);
	int n = 1;

	if (!(e->loc_of = calloc(nf + 1, sizeof(*e->loc_of))) || alloc_mappings(e))
		return -ENOMEM;
	for (size_t i = 0; i < pb_profile__stack_count(e->p); i++) {
		const struct pb_stack *st = pb_profile__stack(e->p, i);

		for (uint32_t d = 1; d < st->depth; d++)
			if (!e->loc_of[st->frames[d]])
				e->loc_of[st->frames[d]] = n++;
	}
	e->n_locs = n;
	e->locs = calloc(n, sizeof(*e->locs));
	e->loc_ptrs = calloc(n, sizeof(*e->loc_ptrs));
	e->lines = calloc(n, sizeof(*e->lines));
	e->line_ptrs = calloc(n, sizeof(*e->line_ptrs));
	e->funcs = calloc(n, sizeof(*e->funcs));
	e->func_ptrs = calloc(n, sizeof(*e->func_ptrs));
	if (!e->locs || !e->loc_ptrs || !e->lines || !e->line_ptrs || !e->funcs || !e->func_ptrs)
		return -ENOMEM;
	for (int k = 0; k < n; k++) {
		otlp_location_init(&e->locs[k], &e->lines[k], &e->line_ptrs[k], &e->funcs[k], k);
		e->loc_ptrs[k] = &e->locs[k];
		e->func_ptrs[k] = &e->funcs[k];
	}
	e->locs[0].n_lines = 0;
	for (size_t f = 0; f < nf; f++) {
		int64_t s, m = 0;
		uint32_t site;

		if (!e->loc_of[f])
			continue;
		if ((s = intern(e->strs, pb_profile__frame_name(e->p, f))) < 0)
			return s;
		site = pb_profile__frame_site(e->p, f, &e->locs[e->loc_of[f]].address);
		if (site && (m = mapping_index(e, site)) < 0)
			return m;
		e->locs[e->loc_of[f]].mapping_index = m;
		e->funcs[e->loc_of[f]].name_strindex = s;
		e->funcs[e->loc_of[f]].system_name_strindex = s;
	}
	e->dict.location_table = e->loc_ptrs;
	e->dict.n_location_table = n;
	e->dict.function_table = e->func_ptrs;
	e->dict.n_function_table = n;
	return 0;
}

/* Stacks, samples and their groups; stack_table[0] is the empty stack. */
static int build_samples(struct enc *e)
{
	size_t n = pb_profile__stack_count(e->p), n_ids = 0, n_attrs = 0, *order;
	int32_t *ids, *aids;
	int err = pb_profile__sorted(e->p, &order);

	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		const struct pb_stack *st = pb_profile__stack(e->p, i);
		const struct pb_label *l;

		n_ids += st->depth;
		n_attrs += 3 + pb_profile__labels(e->p, st->labels, &l);
	}
	e->stacks = calloc(n + 1, sizeof(*e->stacks));
	e->stack_ptrs = calloc(n + 1, sizeof(*e->stack_ptrs));
	e->samples = calloc(n + 1, sizeof(*e->samples));
	e->sample_ptrs = calloc(n + 1, sizeof(*e->sample_ptrs));
	e->group_of = calloc(n + 1, sizeof(*e->group_of));
	e->values = calloc(n + 1, sizeof(*e->values));
	e->loc_ids = ids = calloc(n_ids + 1, sizeof(*ids));
	e->attr_ids = aids = calloc(n_attrs + 1, sizeof(*aids));
	if (!e->stacks || !e->stack_ptrs || !e->samples || !e->sample_ptrs || !e->group_of ||
	    !e->values || !ids || !aids) {
		free(order);
		return -ENOMEM;
	}
	otlp_stack_init(&e->stacks[0]);
	e->stack_ptrs[0] = &e->stacks[0];
	for (size_t i = 0; i < n && !err; i++) {
		const struct pb_stack *st = pb_profile__stack(e->p, order[i]);
		Stack *s = &e->stacks[i + 1];
		Sample *sm = &e->samples[i];
		char key[256];
		int64_t g = intern(e->groups, group_key(e, st, key, sizeof(key)));
		int na;

		otlp_stack_init(s);
		s->location_indices = ids;
		for (uint32_t d = st->depth; d-- > 1;)
			ids[s->n_location_indices++] = e->loc_of[st->frames[d]];
		ids += s->n_location_indices;
		e->stack_ptrs[i + 1] = s;
		otlp_sample_init(sm, i + 1, &e->values[i],
				 otlp_value(pb_profile__meta_const(e->p), st->count));
		if ((na = sample_attrs(e, st, aids)) < 0 || g < 0) {
			err = na < 0 ? na : g;
			break;
		}
		sm->attribute_indices = aids;
		sm->n_attribute_indices = na;
		aids += na;
		e->sample_ptrs[i] = sm;
		e->group_of[i] = g;
	}
	free(order);
	e->dict.stack_table = e->stack_ptrs;
	e->dict.n_stack_table = n + 1;
	return err;
}

static void free_enc(struct enc *e)
{
	pb_profile__free(e->strs);
	pb_profile__free(e->attrs);
	pb_profile__free(e->groups);
	free(e->locs);
	free(e->loc_ptrs);
	free(e->lines);
	free(e->line_ptrs);
	free(e->funcs);
	free(e->func_ptrs);
	free(e->stacks);
	free(e->stack_ptrs);
	free(e->loc_ids);
	free(e->attr_ids);
	free(e->kvus);
	free(e->kvu_ptrs);
	free(e->anys);
	free(e->samples);
	free(e->sample_ptrs);
	free(e->group_of);
	free(e->values);
	free(e->loc_of);
	free(e->maps);
	free(e->maps_ptrs);
	free(e->map_index);
	free(e->map_attr);
}

/* attribute_table from the interned "t\x1fkey\x1fvalue" strings; [0] the zero value. */
static int build_attributes(struct enc *e)
{
	size_t n = pb_profile__frame_count(e->attrs) + 1;

	e->kvus = calloc(n, sizeof(*e->kvus));
	e->kvu_ptrs = calloc(n, sizeof(*e->kvu_ptrs));
	e->anys = calloc(n, sizeof(*e->anys));
	if (!e->kvus || !e->kvu_ptrs || !e->anys)
		return -ENOMEM;
	otlp_kvu_init(&e->kvus[0], &e->anys[0]);
	e->kvu_ptrs[0] = &e->kvus[0];
	for (size_t i = 1; i < n; i++) {
		const char *s = pb_profile__frame_name(e->attrs, i - 1);
		const char *key = s + 2, *sep = strchr(key, '\x1f');
		char k[PB_LABEL_MAX_LEN + 1];
		int64_t ks;

		snprintf(k, sizeof(k), "%.*s", (int)(sep - key), key);
		if ((ks = intern(e->strs, k)) < 0)
			return ks;
		otlp_kvu_init(&e->kvus[i], &e->anys[i]);
		e->kvus[i].key_strindex = ks;
		otlp_any_set(&e->anys[i], s[0] == 'i', sep + 1);
		e->kvu_ptrs[i] = &e->kvus[i];
	}
	e->dict.attribute_table = e->kvu_ptrs;
	e->dict.n_attribute_table = n;
	return 0;
}

int otlp_encode(const struct pb_profile *p, const struct otlp_opts *opts, FILE *out)
{
	struct enc *e = calloc(1, sizeof(*e));
	int err;

	if (!e)
		return -ENOMEM;
	e->p = p;
	otlp_dictionary_init(&e->dict, &e->map0, e->map_ptrs);
	err = pb_profile__new(&e->strs) ?: pb_profile__new(&e->attrs) ?: pb_profile__new(&e->groups);
	if (!err && intern(e->strs, "") != 0)
		err = -ENOMEM;
	if (!err)
		err = build_locations(e);
	if (!err)
		err = build_samples(e);
	if (!err)
		err = build_attributes(e);
	if (!err)
		err = otlp_write_request(&e->dict, e->strs, e->groups, e->sample_ptrs, e->group_of,
					 pb_profile__stack_count(p), pb_profile__meta_const(p),
					 opts, out);
	free_enc(e);
	free(e);
	return err;
}
