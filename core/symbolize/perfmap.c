// SPDX-License-Identifier: MIT
/* Parses JIT symbol maps ("START SIZE name" in hex) into non-overlapping ranges, incrementally. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "grow.h"
#include "perfmap.h"

#define CHUNK_SIZE                                                                                 \
	(64u << 10) /* name storage grows by this: a name never moves once handed out              \
		     */

struct ent {
	uint64_t start, end;
	const char *name;
};

struct evec {
	struct ent *v;
	size_t n, cap;
};

struct chunk {
	struct chunk *next;
	size_t used;
	char data[];
};

struct pb_perfmap {
	struct evec flat;    /* sorted by start, not overlapping: what lookups search */
	struct evec pending; /* parsed since the last lookup, in file order */
	struct chunk *names;
	uint64_t offset;
	struct pb_perfmap_stats stats;
	bool skipping; /* inside an over-long line: drop bytes until its newline */
	size_t line_len;
	char line[PB_PERFMAP_MAX_LINE];
};

int pb_perfmap__new(struct pb_perfmap **ret)
{
	struct pb_perfmap *pm = calloc(1, sizeof(*pm));

	if (!pm)
		return -ENOMEM;
	*ret = pm;
	return 0;
}

void pb_perfmap__free(struct pb_perfmap *pm)
{
	if (!pm)
		return;
	for (struct chunk *c = pm->names, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	free(pm->flat.v);
	free(pm->pending.v);
	free(pm);
}

static int push(struct evec *ev, const struct ent *e)
{
	if (PB_GROW(ev->v, ev->n, ev->cap, 64))
		return -ENOMEM;
	ev->v[ev->n++] = *e;
	return 0;
}

/* A copy of name[0..len) with control bytes replaced: names end up in terminals and files. */
static const char *store_name(struct pb_perfmap *pm, const char *name, size_t len)
{
	struct chunk *c = pm->names;
	char *out;

	if (!c || CHUNK_SIZE - c->used < len + 1) {
		c = malloc(sizeof(*c) + CHUNK_SIZE);
		if (!c)
			return NULL;
		c->used = 0;
		c->next = pm->names;
		pm->names = c;
	}
	out = c->data + c->used;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = name[i];

		out[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	out[len] = 0;
	c->used += len + 1;
	return out;
}

/* A hex number of at most 16 digits, "0x" allowed; advances *p. */
static bool parse_hex(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int digits = 0;

	if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; s < end; s++, digits++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (*s | 0x20) - 'a' + 10;
		else
			break;
		if (digits == 16)
			return false; /* more than 64 bits */
		v = v << 4 | d;
	}
	*p = s;
	*out = v;
	return digits > 0;
}

static void parse_line(struct pb_perfmap *pm, const char *s, size_t len)
{
	const char *end = s + len, *p = s;
	uint64_t start, size;

	if (len && end[-1] == '\r')
		end--;
	if (!parse_hex(&p, end, &start) || p == end || *p != ' ')
		goto bad;
	while (p < end && *p == ' ')
		p++;
	if (!parse_hex(&p, end, &size) || p == end || *p != ' ')
		goto bad;
	while (p < end && *p == ' ')
		p++;
	if (p == end)
		goto bad;
	pb_perfmap__add(pm, start, size, p, end - p);
	return;
bad:
	pm->stats.malformed++;
}

void pb_perfmap__add(struct pb_perfmap *pm, uint64_t start, uint64_t size, const char *name,
		     size_t len)
{
	struct ent e = {.start = start, .end = start + size};

	/* Zero-sized entries name nothing; ranges past 2^64 are not addresses. */
	if (!size || size > UINT64_MAX - start) {
		pm->stats.malformed++;
		return;
	}
	if (pm->stats.entries >= PB_PERFMAP_MAX_ENTRIES) {
		pm->stats.limited++;
		return;
	}
	e.name = store_name(pm, name, len < PB_PERFMAP_MAX_LINE ? len : PB_PERFMAP_MAX_LINE);
	if (!e.name || push(&pm->pending, &e))
		return; /* out of memory: this name is lost, the next line may fit */
	pm->stats.entries++;
}

void pb_perfmap__feed(struct pb_perfmap *pm, const char *buf, size_t len)
{
	const char *end;

	if (pm->offset >= PB_PERFMAP_MAX_BYTES)
		return;
	if (len > PB_PERFMAP_MAX_BYTES - pm->offset) {
		len = PB_PERFMAP_MAX_BYTES - pm->offset;
		pm->stats.limited++;
	}
	pm->offset += len;
	end = buf + len;
	while (buf < end) {
		const char *nl = memchr(buf, '\n', end - buf);
		size_t seg = (nl ? nl : end) - buf;

		if (!pm->skipping && pm->line_len + seg > sizeof(pm->line)) {
			pm->stats.too_long++;
			pm->skipping = true;
			pm->line_len = 0;
		}
		if (!pm->skipping) {
			memcpy(pm->line + pm->line_len, buf, seg);
			pm->line_len += seg;
		}
		if (!nl)
			break;
		if (!pm->skipping && pm->line_len)
			parse_line(pm, pm->line, pm->line_len);
		pm->skipping = false;
		pm->line_len = 0;
		buf = nl + 1;
	}
}

/* Max-heap of indexes into the combined entries: a higher index is a later line. */
static void heap_push(uint32_t *h, size_t *n, uint32_t v)
{
	size_t i = (*n)++;

	for (; i && h[(i - 1) / 2] < v; i = (i - 1) / 2)
		h[i] = h[(i - 1) / 2];
	h[i] = v;
}

static void heap_pop(uint32_t *h, size_t *n)
{
	uint32_t v = h[--*n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= *n)
			break;
		if (c + 1 < *n && h[c + 1] > h[c])
			c++;
		if (h[c] <= v)
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = v;
}

static int cmp_start(const void *a, const void *b, void *base)
{
	uint64_t x = ((const struct ent *)base)[*(const uint32_t *)a].start;
	uint64_t y = ((const struct ent *)base)[*(const uint32_t *)b].start;

	return x < y ? -1 : x > y;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Merges the pending lines into the flat ranges, later lines winning where they overlap: a sweep
 * over every range boundary with a heap of the ranges open there, the latest on top.
 */
static int flatten(struct pb_perfmap *pm)
{
	size_t n = pm->flat.n + pm->pending.n, np = 0, nh = 0, k = 0;
	struct ent *all = malloc(n * sizeof(*all));
	uint64_t *pos = malloc(2 * n * sizeof(*pos));
	uint32_t *order = malloc(n * sizeof(*order)), *heap = malloc(n * sizeof(*heap));
	struct evec out = {0};
	int err = -ENOMEM;

	if (!all || !pos || !order || !heap)
		goto out;
	/* The first merge has no flat ranges yet (flat.v is NULL, which memcpy may not be given).
	 */
	if (pm->flat.n)
		memcpy(all, pm->flat.v, pm->flat.n * sizeof(*all));
	if (pm->pending.n)
		memcpy(all + pm->flat.n, pm->pending.v, pm->pending.n * sizeof(*all));
	for (size_t i = 0; i < n; i++) {
		order[i] = i;
		pos[np++] = all[i].start;
		pos[np++] = all[i].end;
	}
	qsort_r(order, n, sizeof(*order), cmp_start, all);
	qsort(pos, np, sizeof(*pos), cmp_u64);
	for (size_t i = 0; i < np; i++) {
		uint64_t x = pos[i];

		if (i && pos[i - 1] == x)
			continue;
		while (k < n && all[order[k]].start <= x)
			heap_push(heap, &nh, order[k++]);
		while (nh && all[heap[0]].end <= x)
			heap_pop(heap, &nh);
		if (!nh)
			continue;
		/* The top stays open until at least the next boundary, which exists: its end. */
		size_t j = i + 1;

		while (pos[j] == x)
			j++;
		const struct ent *top = &all[heap[0]];
		struct ent seg = {.start = x, .end = pos[j], .name = top->name};

		if (out.n && out.v[out.n - 1].end == x && out.v[out.n - 1].name == top->name)
			out.v[out.n - 1].end = seg.end;
		else if (push(&out, &seg))
			goto out;
	}
	free(pm->flat.v);
	pm->flat = out;
	out.v = NULL;
	pm->pending.n = 0;
	err = 0;
out:
	free(out.v);
	free(all);
	free(pos);
	free(order);
	free(heap);
	return err;
}

const char *pb_perfmap__lookup(struct pb_perfmap *pm, uint64_t addr)
{
	size_t lo = 0, hi;

	if (pm->pending.n)
		flatten(pm); /* out of memory: the older ranges still answer */
	hi = pm->flat.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pm->flat.v[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || addr >= pm->flat.v[lo - 1].end)
		return NULL;
	return pm->flat.v[lo - 1].name;
}

uint64_t pb_perfmap__offset(const struct pb_perfmap *pm)
{
	return pm->offset;
}

const struct pb_perfmap_stats *pb_perfmap__stats(const struct pb_perfmap *pm)
{
	return &pm->stats;
}

size_t pb_perfmap__mem(const struct pb_perfmap *pm)
{
	size_t mem = sizeof(*pm) + (pm->flat.cap + pm->pending.cap) * sizeof(struct ent);

	for (const struct chunk *c = pm->names; c; c = c->next)
		mem += sizeof(*c) + CHUNK_SIZE;
	return mem;
}
