/* SPDX-License-Identifier: MIT */
/* The OTLP profiles encoder: a profile as ExportProfilesServiceRequest bytes (no I/O but out). */
#ifndef PB_OTLP_H
#define PB_OTLP_H

#include <stdbool.h>
#include <stdio.h>

#include <profile-bee/profile-bee.h>

#include "opentelemetry/proto/collector/profiles/v1development/profiles_service.pb-c.h"

typedef Opentelemetry__Proto__Profiles__V1development__ProfilesDictionary Dictionary;
typedef Opentelemetry__Proto__Profiles__V1development__Mapping Mapping;
typedef Opentelemetry__Proto__Profiles__V1development__Location Location;
typedef Opentelemetry__Proto__Profiles__V1development__Line Line;
typedef Opentelemetry__Proto__Profiles__V1development__Function Function;
typedef Opentelemetry__Proto__Profiles__V1development__Stack Stack;
typedef Opentelemetry__Proto__Profiles__V1development__Sample Sample;
typedef Opentelemetry__Proto__Profiles__V1development__KeyValueAndUnit KeyValueAndUnit;
typedef Opentelemetry__Proto__Common__V1__AnyValue AnyValue;

/* The plugin's settings (pb_config__bind). */
struct otlp_opts {
	int64_t frequency; /* Hz to assume when the profile does not say; 0: no period */
};

int otlp_encode(const struct pb_profile *p, const struct otlp_opts *opts, FILE *out);

/* request.c: message pieces set up, and the request around the dictionary written out. */
void otlp_dictionary_init(Dictionary *d, Mapping *map0, Mapping **map_ptrs);
void otlp_location_init(Location *l, Line *line, Line **line_ptr, Function *f, int index);
void otlp_stack_init(Stack *s);
void otlp_sample_init(Sample *s, int stack_index, int64_t *value, uint64_t count);
/* A sample's value for count: off-CPU and wall microseconds in nanoseconds, else count. */
uint64_t otlp_value(const struct pb_profile_meta *m, uint64_t count);
void otlp_kvu_init(KeyValueAndUnit *kv, AnyValue *v);
/* An int (when is_int and value parses) or string value. */
void otlp_any_set(AnyValue *v, bool is_int, const char *value);
/*
 * Writes the request: one ResourceProfiles per group (groups interns "container\x1fruntime
 * \x1fpod"), its samples those whose group_of says so; strs becomes the string table.
 */
int otlp_write_request(Dictionary *d, struct pb_profile *strs, const struct pb_profile *groups,
		       Sample **samples, const int32_t *group_of, size_t n_samples,
		       const struct pb_profile_meta *m, const struct otlp_opts *opts, FILE *out);

#endif
