// SPDX-License-Identifier: MIT
/*
 * The OTLP request around the encoder's dictionary: one ResourceProfiles per container/pod
 * group with its resource attributes (OpenTelemetry semantic conventions), one scope
 * (profile-bee and its version), one Profile each, packed straight into the stream.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "otlp.h"

typedef Opentelemetry__Proto__Collector__Profiles__V1development__ExportProfilesServiceRequest
	Request;
typedef Opentelemetry__Proto__Profiles__V1development__ResourceProfiles ResourceProfiles;
typedef Opentelemetry__Proto__Profiles__V1development__ScopeProfiles ScopeProfiles;
typedef Opentelemetry__Proto__Profiles__V1development__Profile Profile;
typedef Opentelemetry__Proto__Profiles__V1development__ValueType ValueType;
typedef Opentelemetry__Proto__Resource__V1__Resource Resource;
typedef Opentelemetry__Proto__Common__V1__KeyValue KeyValue;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope Scope;

#define RES_ATTRS 5 /* host.name, container.id, container.runtime, k8s.pod.uid, k8s.node.name */

void otlp_dictionary_init(Dictionary *d, Mapping *map0, Mapping **map_ptrs)
{
	opentelemetry__proto__profiles__v1development__profiles_dictionary__init(d);
	opentelemetry__proto__profiles__v1development__mapping__init(map0);
	map_ptrs[0] = map0;
	d->mapping_table = map_ptrs;
	d->n_mapping_table = 1;
}

void otlp_location_init(Location *l, Line *line, Line **line_ptr, Function *f, int index)
{
	opentelemetry__proto__profiles__v1development__location__init(l);
	opentelemetry__proto__profiles__v1development__line__init(line);
	opentelemetry__proto__profiles__v1development__function__init(f);
	line->function_index = index;
	*line_ptr = line;
	l->lines = line_ptr;
	l->n_lines = 1;
}

void otlp_stack_init(Stack *s)
{
	opentelemetry__proto__profiles__v1development__stack__init(s);
}

void otlp_sample_init(Sample *s, int stack_index, int64_t *value, uint64_t count)
{
	opentelemetry__proto__profiles__v1development__sample__init(s);
	s->stack_index = stack_index;
	*value = count > INT64_MAX ? INT64_MAX : (int64_t)count;
	s->values = value;
	s->n_values = 1;
}

static bool is_time(const struct pb_profile_meta *m)
{
	return m->event == PB_EVENT_OFF_CPU || m->event == PB_EVENT_WALL;
}

uint64_t otlp_value(const struct pb_profile_meta *m, uint64_t count)
{
	return !is_time(m) ? count : count > UINT64_MAX / 1000 ? UINT64_MAX : count * 1000;
}

void otlp_kvu_init(KeyValueAndUnit *kv, AnyValue *v)
{
	opentelemetry__proto__profiles__v1development__key_value_and_unit__init(kv);
	opentelemetry__proto__common__v1__any_value__init(v);
	kv->value = v;
}

void otlp_any_set(AnyValue *v, bool is_int, const char *value)
{
	char *end;
	long long n = strtoll(value, &end, 10);

	if (is_int && *value && !*end) {
		v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
		v->int_value = n;
	} else {
		v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
		v->string_value = (char *)value; /* protobuf-c only reads it */
	}
}

struct res {
	ResourceProfiles rp;
	ScopeProfiles sp, *sp_ptr;
	Profile prof, *prof_ptr;
	Resource resource;
	KeyValue kv[RES_ATTRS], *kv_ptrs[RES_ATTRS];
	AnyValue any[RES_ATTRS];
	char parts[3][PB_LABEL_MAX_LEN + 1];
};

static void res_attr(struct res *r, const char *key, const char *value)
{
	size_t i = r->resource.n_attributes;

	if (!value[0] || i == RES_ATTRS)
		return;
	opentelemetry__proto__common__v1__key_value__init(&r->kv[i]);
	opentelemetry__proto__common__v1__any_value__init(&r->any[i]);
	r->kv[i].key = (char *)key;
	r->kv[i].value = &r->any[i];
	otlp_any_set(&r->any[i], false, value);
	r->kv_ptrs[i] = &r->kv[i];
	r->resource.attributes = r->kv_ptrs;
	r->resource.n_attributes++;
}

/* "container\x1fruntime\x1fpod" into its three parts. */
static void split_group(const char *g, struct res *r)
{
	for (int i = 0; i < 3; i++) {
		size_t n = strcspn(g, "\x1f");

		snprintf(r->parts[i], sizeof(r->parts[i]), "%.*s", (int)n, g);
		g += n + (g[n] != '\0');
	}
}

struct file_sink {
	ProtobufCBuffer base;
	FILE *out;
	bool failed;
};

static void sink_append(ProtobufCBuffer *b, size_t len, const uint8_t *data)
{
	struct file_sink *s = (struct file_sink *)b;

	if (!s->failed && fwrite(data, 1, len, s->out) != len)
		s->failed = true;
}

int otlp_write_request(Dictionary *d, struct pb_profile *strs, const struct pb_profile *groups,
		       Sample **samples, const int32_t *group_of, size_t n_samples,
		       const struct pb_profile_meta *m, const struct otlp_opts *opts, FILE *out)
{
	size_t ng = pb_profile__frame_count(groups), nstr;
	struct res *res = calloc(ng + 1, sizeof(*res));
	ResourceProfiles **rp_ptrs = calloc(ng + 1, sizeof(*rp_ptrs));
	Sample **by_group = calloc(n_samples + 1, sizeof(*by_group));
	uint32_t hz = m->event == PB_EVENT_CPU || m->event == PB_EVENT_WALL
			  ? m->frequency ?: (uint32_t)opts->frequency
			  : 0;
	/* What is counted, as the pprof output names it: time off CPU or wall, -e's events. */
	const char *type = m->event == PB_EVENT_CPU ? "samples" : pb_profile__event_name(m->event);
	int64_t s_samples = pb_profile__intern(strs, type, strlen(type));
	int64_t s_count = pb_profile__intern(strs, "count", 5);
	int64_t s_cpu = pb_profile__intern(strs, "cpu", 3);
	int64_t s_ns = pb_profile__intern(strs, "nanoseconds", 11);
	ValueType sample_type, period_type;
	struct file_sink sink = { .base.append = sink_append, .out = out };
	char host[256] = "", **strings = NULL;
	Scope scope;
	Request req;
	size_t at = 0;
	int err = 0;

	if (!res || !rp_ptrs || !by_group || s_samples < 0 || s_count < 0 || s_cpu < 0 ||
	    s_ns < 0) {
		err = -ENOMEM;
		goto out;
	}
	if (m->hostname[0])
		snprintf(host, sizeof(host), "%s", m->hostname);
	else if (gethostname(host, sizeof(host) - 1))
		host[0] = '\0';
	opentelemetry__proto__common__v1__instrumentation_scope__init(&scope);
	scope.name = "profile-bee";
	scope.version = PB_VERSION;
	opentelemetry__proto__profiles__v1development__value_type__init(&sample_type);
	opentelemetry__proto__profiles__v1development__value_type__init(&period_type);
	sample_type.type_strindex = s_samples;
	sample_type.unit_strindex = is_time(m) ? s_ns : s_count;
	/* Wall: on-CPU samples are worth this period each; off-CPU time has none. */
	period_type.type_strindex = m->event == PB_EVENT_WALL ? s_samples : s_cpu;
	period_type.unit_strindex = s_ns;
	for (size_t g = 0; g < ng; g++) {
		struct res *r = &res[g];

		opentelemetry__proto__profiles__v1development__resource_profiles__init(&r->rp);
		opentelemetry__proto__profiles__v1development__scope_profiles__init(&r->sp);
		opentelemetry__proto__profiles__v1development__profile__init(&r->prof);
		opentelemetry__proto__resource__v1__resource__init(&r->resource);
		split_group(pb_profile__frame_name(groups, g), r);
		res_attr(r, "host.name", host);
		res_attr(r, "container.id", r->parts[0]);
		res_attr(r, "container.runtime", r->parts[1]);
		res_attr(r, "k8s.pod.uid", r->parts[2]);
		r->rp.resource = &r->resource;
		r->sp.scope = &scope;
		r->sp_ptr = &r->sp;
		r->rp.scope_profiles = &r->sp_ptr;
		r->rp.n_scope_profiles = 1;
		r->prof_ptr = &r->prof;
		r->sp.profiles = &r->prof_ptr;
		r->sp.n_profiles = 1;
		r->prof.sample_type = &sample_type;
		r->prof.time_unix_nano = m->start_ns;
		if (m->start_ns && m->end_ns > m->start_ns)
			r->prof.duration_nano = m->end_ns - m->start_ns;
		if (hz) {
			r->prof.period_type = &period_type;
			r->prof.period = 1000000000 / hz;
		}
		/* This group's samples, in the encoder's (folded) order. */
		r->prof.samples = by_group + at;
		for (size_t i = 0; i < n_samples; i++)
			if ((size_t)group_of[i] == g)
				by_group[at++] = samples[i];
		r->prof.n_samples = by_group + at - r->prof.samples;
		rp_ptrs[g] = &r->rp;
	}
	nstr = pb_profile__frame_count(strs);
	if (!(strings = calloc(nstr + 1, sizeof(*strings)))) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nstr; i++)
		strings[i] = (char *)pb_profile__frame_name(strs, i);
	d->string_table = strings;
	d->n_string_table = nstr;
	opentelemetry__proto__collector__profiles__v1development__export_profiles_service_request__init(
		&req);
	req.resource_profiles = rp_ptrs;
	req.n_resource_profiles = ng;
	req.dictionary = d;
	protobuf_c_message_pack_to_buffer(&req.base, &sink.base);
	if (sink.failed || fflush(out))
		err = -EIO;
out:
	free(strings);
	free(res);
	free(rp_ptrs);
	free(by_group);
	return err;
}
