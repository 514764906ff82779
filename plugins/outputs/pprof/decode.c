// SPDX-License-Identifier: MIT
/*
 * pprof files back into a profile (--input x.pb.gz, --diff, pb.load): ours, Go's runtime/pprof,
 * go tool pprof -proto, anyone's. The file is outside input: its size after gunzip and the
 * memory protobuf-c may take for it are bounded, every index is checked, and what cannot be
 * used (negative values, locations that point nowhere, labels past the limit) is dropped and
 * counted, said once. Frames: each location's lines, inlined ones included, root first; a
 * location without lines is its address. The comm is the "comm" label, else the main
 * binary's name (Go profiles have none); pid the numeric "pid" label; other labels stay labels.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <profile-bee/plugin.h>

#include "pprof.h"
#include "profile.pb-c.h"

#define WHO "pprof"
#define MAX_BYTES (256u << 20)	 /* after gunzip: ten times the 100k-stack profile */
#define MAX_MEMORY (1024u << 20) /* what protobuf-c may allocate for the message */

typedef Perftools__Profiles__Profile Profile;
typedef Perftools__Profiles__Sample Sample;
typedef Perftools__Profiles__Location Location;
typedef Perftools__Profiles__Function Function;
typedef Perftools__Profiles__Mapping Mapping;

struct budget {
	ProtobufCAllocator base;
	size_t left;
	bool exhausted;
};

/* protobuf-c asks for each piece of the message: a hostile file cannot take unbounded memory. */
static void *budget_alloc(void *data, size_t size)
{
	struct budget *b = data;
	size_t *p;

	if (size > b->left || size > SIZE_MAX - sizeof(size_t)) {
		b->exhausted = true;
		return NULL;
	}
	if (!(p = malloc(size + sizeof(size_t))))
		return NULL;
	b->left -= size;
	*p = size;
	return p + 1;
}

static void budget_free(void *data, void *ptr)
{
	struct budget *b = data;
	size_t *p = ptr;

	if (!p)
		return;
	b->left += p[-1];
	free(p - 1);
}

struct dec {
	const struct pb_host *host;
	const Profile *prof;
	struct pb_profile *p;
	const Location **locs; /* sorted by id */
	uint32_t *loc_frame;   /* per locs[i]: its one frame's id + 1, once known; 0 otherwise */
	const Function **funcs;
	const Mapping **maps;
	int value;	       /* the sample value read as the count */
	uint32_t ns_per_count; /* off-cpu or wall time: value / this is microseconds; else 1 */
	uint64_t dropped_values, dropped_refs, dropped_labels;
	char comm[256];
};

static int cmp_loc(const void *a, const void *b)
{
	uint64_t x = (*(const Location *const *)a)->id, y = (*(const Location *const *)b)->id;

	return x < y ? -1 : x > y;
}

static int cmp_func(const void *a, const void *b)
{
	uint64_t x = (*(const Function *const *)a)->id, y = (*(const Function *const *)b)->id;

	return x < y ? -1 : x > y;
}

/* The index in locs of location id, or -1. Ids are mostly 1..n (ours, Go's): no search. */
static ssize_t find_loc(const struct dec *d, uint64_t id)
{
	Location key = { .id = id }, *kp = &key, **hit;

	if (id && id <= d->prof->n_location && d->locs[id - 1]->id == id)
		return id - 1;
	hit = bsearch(&kp, d->locs, d->prof->n_location, sizeof(*d->locs), cmp_loc);
	return hit ? (const Location **)hit - d->locs : -1;
}

static const Function *find_func(const struct dec *d, uint64_t id)
{
	Function key = { .id = id }, *kp = &key, **hit;

	if (id && id <= d->prof->n_function && d->funcs[id - 1]->id == id)
		return d->funcs[id - 1];
	hit = bsearch(&kp, d->funcs, d->prof->n_function, sizeof(*d->funcs), cmp_func);
	return hit ? *hit : NULL;
}

/* A string of the table, or NULL for an index outside it. */
static const char *str(const struct dec *d, int64_t i)
{
	return i >= 0 && (uint64_t)i < d->prof->n_string_table ? d->prof->string_table[i] : NULL;
}

static int cmp_map(const void *a, const void *b)
{
	uint64_t x = (*(const Mapping *const *)a)->id, y = (*(const Mapping *const *)b)->id;

	return x < y ? -1 : x > y;
}

static const Mapping *find_map(const struct dec *d, uint64_t id)
{
	Mapping key = { .id = id }, *kp = &key, **hit;

	hit = bsearch(&kp, d->maps, d->prof->n_mapping, sizeof(*d->maps), cmp_map);
	return hit ? *hit : NULL;
}

static bool is_kernel_mapping(const struct dec *d, const Mapping *m)
{
	const char *f = m ? str(d, m->filename) : NULL;

	return f && (!strncmp(f, "[kernel", 7) || !strcmp(f, "[vmlinux]"));
}

/* The frame's binary and address, kept in the model (re-encoding writes them again). */
static int add_site(struct dec *d, uint32_t frame, const Location *l)
{
	const Mapping *m;
	const char *path, *build_id;
	int64_t id;

	if (!l->address || pb_profile__frame_site(d->p, frame, NULL) ||
	    !(m = find_map(d, l->mapping_id)))
		return 0;
	path = str(d, m->filename);
	build_id = str(d, m->build_id);
	id = pb_profile__intern_mapping(
	    d->p, &(struct pb_profile_mapping){ .start = m->memory_start, .limit = m->memory_limit,
						.offset = m->file_offset, .path = path ?: "",
						.build_id = build_id ?: "" });
	return id < 0 ? id : pb_profile__set_frame_site(d->p, frame, id, l->address);
}

/* Interns name (with "_[k]" for a kernel frame that lacks it) as ids[(*n)++], at l's site. */
static int add_frame(struct dec *d, const char *name, bool kernel, const Location *l,
		     uint32_t *ids, uint32_t *n)
{
	char buf[1024];
	size_t len = strlen(name);
	int64_t id;

	if (kernel && (len < 4 || strcmp(name + len - 4, "_[k]"))) {
		snprintf(buf, sizeof(buf), "%s_[k]", name);
		name = buf;
		len = strlen(buf);
	}
	id = pb_profile__intern(d->p, name, len);
	if (id < 0)
		return id;
	ids[(*n)++] = id;
	return add_site(d, id, l);
}

/* One location's frames, root side first: the last line is the caller of the ones before. */
static int add_location(struct dec *d, const Location *l, uint32_t *ids, uint32_t *n)
{
	bool kernel = is_kernel_mapping(d, find_map(d, l->mapping_id));
	char addr[32];
	int err = 0;

	if (!l->n_line) {
		snprintf(addr, sizeof(addr), "0x%" PRIx64, l->address);
		return add_frame(d, addr, kernel, l, ids, n);
	}
	for (size_t k = l->n_line; k-- > 0 && !err && *n <= PB_PROFILE_MAX_DEPTH;) {
		const Function *f = find_func(d, l->line[k]->function_id);
		const char *name = f ? str(d, f->name) : NULL;

		if (!name || !name[0]) {
			d->dropped_refs += !name;
			snprintf(addr, sizeof(addr), "0x%" PRIx64, l->address);
			name = addr;
		}
		err = add_frame(d, name, kernel, l, ids, n);
	}
	return err;
}

/* The sample's labels: comm and pid to their places, the rest into a label set. */
static int64_t sample_labels(struct dec *d, const Sample *s, uint32_t *pid, uint32_t *comm)
{
	struct pb_label l[PB_PROFILE_MAX_LABELS];
	char nums[PB_PROFILE_MAX_LABELS][24];
	const char *c = d->comm;
	size_t n = 0;
	int64_t id;

	*pid = 0;
	for (size_t i = 0; i < s->n_label; i++) {
		const char *key = str(d, s->label[i]->key), *v = str(d, s->label[i]->str);

		if (!key || !v || !key[0]) {
			d->dropped_refs++;
			continue;
		}
		if (!strcmp(key, "comm") && v[0]) {
			c = v;
		} else if (!strcmp(key, "pid") && s->label[i]->num > 0 &&
			   s->label[i]->num <= UINT32_MAX) {
			*pid = s->label[i]->num;
		} else if (n == PB_PROFILE_MAX_LABELS) {
			d->dropped_labels++;
		} else if (!v[0]) {
			snprintf(nums[n], sizeof(nums[n]), "%" PRId64, s->label[i]->num);
			l[n] = (struct pb_label){ key, nums[n] };
			n++;
		} else if (strlen(key) <= PB_LABEL_MAX_LEN && strlen(v) <= PB_LABEL_MAX_LEN) {
			l[n++] = (struct pb_label){ key, v };
		} else {
			d->dropped_labels++;
		}
	}
	id = pb_profile__intern(d->p, c, strlen(c));
	if (id < 0)
		return id;
	*comm = id;
	return pb_profile__intern_labels(d->p, l, n);
}

static int add_sample(struct dec *d, const Sample *s, uint32_t *ids)
{
	uint32_t n = 1, pid;
	int64_t v = (size_t)d->value < s->n_value ? s->value[d->value] : 0, set;
	int err = 0;

	if (v <= 0) {
		d->dropped_values += v < 0;
		return 0;
	}
	/* To the nearest microsecond; a shorter time still happened. */
	if (d->ns_per_count > 1)
		v = v / d->ns_per_count + (v % d->ns_per_count >= d->ns_per_count / 2) ?: 1;
	set = sample_labels(d, s, &pid, &ids[0]);
	if (set < 0)
		return set;
	/* Leaf first in pprof; one frame past the limit lets pb_profile__add cut and count. */
	for (size_t i = s->n_location_id; i-- > 0 && !err && n <= PB_PROFILE_MAX_DEPTH;) {
		ssize_t k = find_loc(d, s->location_id[i]);
		uint32_t before = n;
		uint64_t refs = d->dropped_refs;

		if (k < 0) {
			d->dropped_refs++;
			return 0; /* a stack with a hole would pass for another stack */
		}
		/* A location is one frame most of the time: its name is interned once, not per use. */
		if (d->loc_frame[k]) {
			ids[n++] = d->loc_frame[k] - 1;
			continue;
		}
		err = add_location(d, d->locs[k], ids, &n);
		if (!err && n == before + 1 && refs == d->dropped_refs)
			d->loc_frame[k] = ids[before] + 1;
	}
	return err ? err : pb_profile__add_labeled(d->p, pid, set, ids, n, v);
}

/*
 * Off-CPU or wall time ("off-cpu"/"wall" in nanoseconds or microseconds, as profile-bee writes
 * them): the profile's event, counted in microseconds. -1 when p holds no such type.
 */
static int pick_time(struct dec *d)
{
	const Profile *p = d->prof;

	for (size_t i = 0; i < p->n_sample_type; i++) {
		const char *t = str(d, p->sample_type[i]->type);
		const char *u = str(d, p->sample_type[i]->unit);
		bool ns = u && !strcmp(u, "nanoseconds"), us = u && !strcmp(u, "microseconds");

		if (!t || !(ns || us) || pb_profile__event_parse(t, &pb_profile__meta(d->p)->event))
			continue;
		if (pb_profile__meta(d->p)->event == PB_EVENT_CPU)
			continue; /* "cpu" nanoseconds: the samples are the count */
		d->ns_per_count = ns ? 1000 : 1;
		return i;
	}
	pb_profile__meta(d->p)->event = PB_EVENT_CPU;
	return -1;
}

/*
 * The value to count: off-CPU or wall time, else "samples" when there is one, else the default
 * type, else the last.
 */
static int pick_value(struct dec *d)
{
	const Profile *p = d->prof;
	int i = pick_time(d);

	if (i >= 0)
		return i;
	for (size_t i = 0; i < p->n_sample_type; i++) {
		const char *t = str(d, p->sample_type[i]->type);

		if (t && !strcmp(t, "samples"))
			return i;
	}
	for (size_t i = 0; p->default_sample_type && i < p->n_sample_type; i++)
		if (p->sample_type[i]->type == p->default_sample_type)
			return i;
	return p->n_sample_type ? (int)p->n_sample_type - 1 : 0;
}

/* The main binary's name (the first mapping, as Go and perf write it) stands for the comm. */
static void default_comm(struct dec *d)
{
	const char *f = d->prof->n_mapping ? str(d, d->prof->mapping[0]->filename) : NULL;
	const char *base = f ? strrchr(f, '/') : NULL;

	snprintf(d->comm, sizeof(d->comm), "%s", base ? base + 1 : f && f[0] ? f : "[pprof]");
}

static void fill_meta(struct dec *d)
{
	struct pb_profile_meta *m = pb_profile__meta(d->p);
	const Profile *p = d->prof;
	const char *unit = p->period_type ? str(d, p->period_type->unit) : NULL;
	const char *type = p->period_type ? str(d, p->period_type->type) : NULL;

	if (p->time_nanos > 0) {
		m->start_ns = p->time_nanos;
		if (p->duration_nanos > 0 && (uint64_t)p->duration_nanos <= UINT64_MAX - m->start_ns)
			m->end_ns = m->start_ns + p->duration_nanos;
	}
	/* Go: period 10000000 cpu/nanoseconds is 100 Hz. Off-CPU time has no rate. */
	if (unit && !strcmp(unit, "nanoseconds") && p->period > 0 && p->period <= 1000000000 &&
	    !(type && !strcmp(type, "off-cpu")))
		m->frequency = 1000000000 / p->period;
}

static int convert(struct dec *d)
{
	const Profile *p = d->prof;
	uint32_t *ids = malloc((PB_PROFILE_MAX_DEPTH + 2) * sizeof(*ids));
	const char *t;
	int err = 0;

	if (!p->n_string_table || p->string_table[0][0]) {
		d->host->log(d->host->session, PB_LOG_ERROR, WHO,
			     "not a pprof profile: its string table does not start with \"\"");
		free(ids);
		return -EINVAL;
	}
	d->locs = malloc((p->n_location + 1) * sizeof(*d->locs));
	d->loc_frame = calloc(p->n_location + 1, sizeof(*d->loc_frame));
	d->funcs = malloc((p->n_function + 1) * sizeof(*d->funcs));
	d->maps = malloc((p->n_mapping + 1) * sizeof(*d->maps));
	if (!ids || !d->locs || !d->loc_frame || !d->funcs || !d->maps) {
		free(ids);
		return -ENOMEM;
	}
	/* protobuf-c leaves an empty repeated field NULL: memcpy must not see it. */
	if (p->n_location)
		memcpy(d->locs, p->location, p->n_location * sizeof(*d->locs));
	if (p->n_function)
		memcpy(d->funcs, p->function, p->n_function * sizeof(*d->funcs));
	qsort(d->locs, p->n_location, sizeof(*d->locs), cmp_loc);
	qsort(d->funcs, p->n_function, sizeof(*d->funcs), cmp_func);
	if (p->n_mapping)
		memcpy(d->maps, p->mapping, p->n_mapping * sizeof(*d->maps));
	qsort(d->maps, p->n_mapping, sizeof(*d->maps), cmp_map);
	d->value = pick_value(d);
	/* Ours from -e: counts of events (other tools' "events" are counts too). */
	if ((size_t)d->value < p->n_sample_type &&
	    (t = str(d, p->sample_type[d->value]->type)) && !strcmp(t, "events"))
		pb_profile__meta(d->p)->event = PB_EVENT_PROBES;
	default_comm(d);
	fill_meta(d);
	for (size_t i = 0; i < p->n_sample && !err; i++)
		err = add_sample(d, p->sample[i], ids);
	free(ids);
	return err;
}

static const char *read_error(int err)
{
	switch (err) {
	case -EFBIG:
		return "larger than 256 MiB after gunzip (a gzip bomb?)";
	case -EBADMSG:
		return "corrupt gzip data";
	case -EPIPE:
		return "the gzip stream ends early (a truncated file)";
	default:
		return strerror(-err);
	}
}

int pprof_decode(const struct pb_host *host, FILE *in, struct pb_profile *p)
{
	struct budget b = { { budget_alloc, budget_free, NULL }, MAX_MEMORY };
	struct dec d = { .host = host, .p = p };
	struct pprof_bytes bytes;
	Profile *prof;
	int err = pprof_read_all(in, MAX_BYTES, &bytes);

	if (err) {
		host->log(host->session, PB_LOG_ERROR, WHO, "%s", read_error(err));
		return err == -ENOMEM ? err : -EINVAL;
	}
	b.base.allocator_data = &b;
	prof = (Profile *)protobuf_c_message_unpack(&perftools__profiles__profile__descriptor,
						    &b.base, bytes.len, bytes.data);
	free(bytes.data);
	if (!prof) {
		host->log(host->session, PB_LOG_ERROR, WHO,
			  b.exhausted ? "a pprof profile that needs more than 1 GiB to decode"
				      : "not a pprof profile (the protobuf does not parse)");
		return -EINVAL;
	}
	d.prof = prof;
	err = convert(&d);
	free(d.locs);
	free(d.loc_frame);
	free(d.funcs);
	free(d.maps);
	protobuf_c_message_free_unpacked(&prof->base, &b.base);
	if (d.dropped_values || d.dropped_refs || d.dropped_labels)
		host->log(host->session, PB_LOG_WARN, WHO,
			  "dropped: %" PRIu64 " negative sample values, %" PRIu64
			  " references to nothing (a sample whose location is missing goes whole), %"
			  PRIu64 " labels past %d a sample",
			  d.dropped_values, d.dropped_refs, d.dropped_labels, PB_PROFILE_MAX_LABELS);
	return err;
}
