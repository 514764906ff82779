// SPDX-License-Identifier: MIT
/* Parses jitdump records incrementally into the perf map's range store. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "jitdump.h"

#define JITDUMP_MAGIC	0x4A695444u /* "JiTD" in this host's byte order */
#define JITDUMP_VERSION 1
#define FILE_HEADER	40   /* magic, version, total_size, elf_mach, pad, pid, timestamp, flags */
#define RECORD_PREFIX	16   /* id, total_size, timestamp */
#define CODE_LOAD_FIXED 40   /* pid, tid, vma, code_addr, code_size, code_index; then the name */
#define CODE_MOVE_FIXED 48   /* pid, tid, vma, old_code_addr, new_code_addr, code_size, index */
#define MAX_MOVES	4096 /* V8 and perf's JVMTI agent write none: moving code is rare */
#define MAX_HEAD	(RECORD_PREFIX + CODE_LOAD_FIXED + PB_PERFMAP_MAX_LINE)

enum { JIT_CODE_LOAD = 0, JIT_CODE_MOVE = 1 };

struct pb_jitdump {
	struct pb_perfmap *ranges;
	uint64_t offset;
	bool have_header;
	bool broken;   /* a bad header or record: nothing after it can be trusted */
	uint64_t skip; /* bytes of the current record still to drop (its code) */
	uint64_t tail; /* what skip becomes once the head being collected is parsed */
	uint32_t moves;
	uint32_t want; /* bytes of the current head to collect before parsing it */
	uint32_t have;
	struct pb_perfmap_stats stats;
	uint8_t head[MAX_HEAD];
};

int pb_jitdump__new(struct pb_jitdump **ret)
{
	struct pb_jitdump *jd = calloc(1, sizeof(*jd));

	if (!jd || pb_perfmap__new(&jd->ranges)) {
		free(jd);
		return -ENOMEM;
	}
	jd->want = FILE_HEADER;
	*ret = jd;
	return 0;
}

void pb_jitdump__free(struct pb_jitdump *jd)
{
	if (!jd)
		return;
	pb_perfmap__free(jd->ranges);
	free(jd);
}

static uint32_t u32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t u64_at(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void stop(struct pb_jitdump *jd)
{
	jd->broken = true;
	jd->stats.malformed++;
}

/* The file header is complete in head: checked, then its extra bytes (a newer writer's) skipped. */
static void parse_header(struct pb_jitdump *jd)
{
	uint32_t size = u32_at(jd->head + 8);

	if (u32_at(jd->head) != JITDUMP_MAGIC || u32_at(jd->head + 4) != JITDUMP_VERSION ||
	    size < FILE_HEADER || size > PB_JITDUMP_MAX_RECORD)
		return stop(jd);
	jd->have_header = true;
	jd->tail = size - FILE_HEADER;
}

/* A record's head is complete (want bytes, at most its whole record): its range, if any. */
static void parse_record(struct pb_jitdump *jd)
{
	const uint8_t *h = jd->head + RECORD_PREFIX, *name;
	uint32_t id = u32_at(jd->head), len = jd->want - RECORD_PREFIX;
	const char *old;
	size_t name_len;

	if (id == JIT_CODE_LOAD) {
		if (len < CODE_LOAD_FIXED)
			return (void)jd->stats.malformed++;
		/* The name is NUL-terminated inside the record; the code bytes follow it. */
		name = h + CODE_LOAD_FIXED;
		name_len = strnlen((const char *)name, len - CODE_LOAD_FIXED);
		if (name_len == len - CODE_LOAD_FIXED && jd->want == MAX_HEAD)
			jd->stats.too_long++; /* kept cut, as a perf map's name would not be */
		pb_perfmap__add(jd->ranges, u64_at(h + 16), u64_at(h + 24), (const char *)name,
				name_len);
	} else if (id == JIT_CODE_MOVE) {
		if (len < CODE_MOVE_FIXED)
			return (void)jd->stats.malformed++;
		/* Each move looks up (merges) the ranges: a file of moves must not cost n^2. */
		if (++jd->moves > MAX_MOVES)
			return (void)jd->stats.limited++;
		old = pb_perfmap__lookup(jd->ranges, u64_at(h + 16));
		if (!old)
			return (void)jd->stats.malformed++; /* a move of code never loaded */
		pb_perfmap__add(jd->ranges, u64_at(h + 24), u64_at(h + 32), old, strlen(old));
	}
}

/* Bytes of the next head to collect once a record's prefix (its size) is known. */
static void start_record(struct pb_jitdump *jd)
{
	uint32_t size = u32_at(jd->head + 4);

	if (size < RECORD_PREFIX || size > PB_JITDUMP_MAX_RECORD)
		return stop(jd);
	jd->want = size < MAX_HEAD ? size : MAX_HEAD;
	jd->tail = size - jd->want;
}

void pb_jitdump__feed(struct pb_jitdump *jd, const void *data, size_t len)
{
	const uint8_t *buf = data, *end;

	if (jd->offset >= PB_JITDUMP_MAX_BYTES)
		return;
	if (len > PB_JITDUMP_MAX_BYTES - jd->offset) {
		len = PB_JITDUMP_MAX_BYTES - jd->offset;
		jd->stats.limited++;
	}
	jd->offset += len; /* consumed even when broken: the offset stays the file's */
	end = buf + len;
	while (buf < end && !jd->broken) {
		size_t n;

		if (jd->skip) {
			n = (size_t)(end - buf) < jd->skip ? (size_t)(end - buf) : jd->skip;
			jd->skip -= n;
			buf += n;
			continue;
		}
		n = jd->want - jd->have;
		if ((size_t)(end - buf) < n)
			n = end - buf;
		memcpy(jd->head + jd->have, buf, n);
		jd->have += n;
		buf += n;
		if (jd->have < jd->want)
			break;
		if (!jd->have_header) {
			parse_header(jd);
		} else if (jd->have == RECORD_PREFIX && jd->want == RECORD_PREFIX) {
			start_record(jd);
			if (jd->want > RECORD_PREFIX || jd->broken)
				continue; /* collect the rest of the head */
			parse_record(jd); /* a record of its prefix only */
		} else {
			parse_record(jd);
		}
		jd->have = 0;
		jd->want = RECORD_PREFIX;
		jd->skip = jd->tail;
		jd->tail = 0;
	}
}

const char *pb_jitdump__lookup(struct pb_jitdump *jd, uint64_t addr)
{
	return pb_perfmap__lookup(jd->ranges, addr);
}

size_t pb_jitdump__mem(const struct pb_jitdump *jd)
{
	return sizeof(*jd) + pb_perfmap__mem(jd->ranges);
}

uint64_t pb_jitdump__offset(const struct pb_jitdump *jd)
{
	return jd->offset;
}

bool pb_jitdump__done(const struct pb_jitdump *jd)
{
	return jd->broken || jd->offset >= PB_JITDUMP_MAX_BYTES;
}

void pb_jitdump__stats(const struct pb_jitdump *jd, struct pb_perfmap_stats *out)
{
	const struct pb_perfmap_stats *r = pb_perfmap__stats(jd->ranges);

	*out = jd->stats;
	out->entries += r->entries;
	out->malformed += r->malformed; /* zero-sized or wrapping ranges */
	out->limited += r->limited;	/* the entry cap */
	out->too_long += r->too_long;
}
