// SPDX-License-Identifier: MIT
/* The perf unwinder's ring reader: records decoded whole across the ring's end, every record
 * type it uses, and records the kernel would never write counted and stepped over. */
#include <stdint.h>
#include <string.h>
#include <linux/perf_event.h>

#include "ring.h"
#include "tap.h"

#define RING 512

static uint64_t ring_mem[RING / 8];
static char scratch[PB_PERF_RECORD_MAX];

struct seen {
	int n;
	struct pb_perf_record last;
	uint64_t ips[8];
	char comm[32];
};

static void on_record(void *ctx, const struct pb_perf_record *r)
{
	struct seen *s = ctx;

	s->n++;
	s->last = *r;
	for (uint64_t i = 0; i < r->n_ips && i < 8; i++)
		s->ips[i] = r->ips[i];
	if (r->comm)
		snprintf(s->comm, sizeof(s->comm), "%s", r->comm);
}

/* Writes len bytes at ring position pos, wrapping as the kernel does. */
static void put(uint64_t pos, const void *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		((char *)ring_mem)[(pos + i) % RING] = ((const char *)data)[i];
}

static size_t sample(char *buf, uint32_t pid, uint32_t tid, uint64_t id, int n)
{
	struct perf_event_header h = { .type = PERF_RECORD_SAMPLE, .size = 32 + 8 * n };
	uint32_t ids[2] = { pid, tid };
	uint64_t v[2] = { id, n };

	memcpy(buf, &h, 8);
	memcpy(buf + 8, ids, 8);
	memcpy(buf + 16, v, 16);
	for (int i = 0; i < n; i++) {
		uint64_t ip = i ? 0x401000ull + i : (uint64_t)PERF_CONTEXT_USER;

		memcpy(buf + 32 + 8 * i, &ip, 8);
	}
	return h.size;
}

static uint64_t walk(uint64_t tail, uint64_t head, struct seen *s, uint64_t *bad)
{
	memset(s, 0, sizeof(*s));
	*bad = 0;
	return pb_perf_ring__walk((const char *)ring_mem, RING, tail, head, scratch, on_record, s,
				  bad);
}

int main(void)
{
	char buf[256];
	struct seen s;
	uint64_t bad, tail, got;
	size_t len;

	/* A sample that starts 24 bytes before the end: its header and ids there, the chain after. */
	tail = 7 * RING + RING - 24;
	len = sample(buf, 10, 11, 77, 6);
	put(tail, buf, len);
	got = walk(tail, tail + len, &s, &bad);
	ok(got == tail + len && s.n == 1 && !bad, "a sample across the ring's end is read whole");
	ok(s.last.pid == 10 && s.last.tid == 11 && s.last.id == 77 && s.last.n_ips == 6 &&
	   s.ips[0] == (uint64_t)PERF_CONTEXT_USER && s.ips[1] == 0x401001 &&
	   s.ips[5] == 0x401005, "its pid, tid, id and chain in order");

	/* COMM, FORK, EXIT, LOST, and a type the reader does not use, back to back. */
	{
		struct { struct perf_event_header h; uint32_t pid, tid; char comm[16]; } c = {
			{ PERF_RECORD_COMM, 0, sizeof(c) }, 20, 21, "worker-1" };
		struct { struct perf_event_header h; uint32_t pid, ppid, tid, ptid; uint64_t t; } f = {
			{ PERF_RECORD_FORK, 0, sizeof(f) }, 20, 20, 22, 21, 0 };
		struct { struct perf_event_header h; uint64_t id, lost; } l = {
			{ PERF_RECORD_LOST, 0, sizeof(l) }, 1, 42 };
		struct { struct perf_event_header h; uint64_t x[3]; } t = {
			{ PERF_RECORD_THROTTLE, 0, sizeof(t) }, { 0 } };

		tail = 0;
		put(tail, &c, sizeof(c));
		got = walk(tail, tail + sizeof(c), &s, &bad);
		ok(s.n == 1 && s.last.type == PERF_RECORD_COMM && !strcmp(s.comm, "worker-1") &&
		   s.last.tid == 21, "COMM: the new name (%s) of tid %u", s.comm, s.last.tid);
		put(tail, &f, sizeof(f));
		walk(tail, tail + sizeof(f), &s, &bad);
		ok(s.n == 1 && s.last.type == PERF_RECORD_FORK && s.last.tid == 22 &&
		   s.last.ptid == 21 && s.last.pid == 20, "FORK: the new thread and its parent");
		put(tail, &l, sizeof(l));
		walk(tail, tail + sizeof(l), &s, &bad);
		ok(s.n == 1 && s.last.lost == 42, "LOST: how many records the kernel dropped");
		put(tail, &t, sizeof(t));
		len = sample(buf, 1, 1, 1, 2);
		put(tail + sizeof(t), buf, len);
		got = walk(tail, tail + sizeof(t) + len, &s, &bad);
		ok(s.n == 1 && !bad && got == tail + sizeof(t) + len,
		   "a record type the reader does not use is stepped over, not counted bad");
	}

	/* A chain longer than its record: bad, skipped by its size, the next one still read. */
	len = sample(buf, 1, 2, 3, 4);
	memcpy(buf + 24, &(uint64_t){ 1ull << 60 }, 8);
	put(0, buf, len);
	sample(buf, 5, 6, 7, 2);
	put(len, buf, 48);
	got = walk(0, len + 48, &s, &bad);
	ok(bad == 1 && s.n == 1 && s.last.pid == 5 && got == len + 48,
	   "a sample whose nr exceeds its size is counted bad; the next record is read");

	/* Headers the kernel never writes: size 0, not a multiple of 8, past head. */
	memset(ring_mem, 0, sizeof(ring_mem));
	got = walk(64, 128, &s, &bad);
	ok(got == 128 && bad == 1 && !s.n, "a zero-size header ends the walk at head, counted");
	put(0, &(struct perf_event_header){ PERF_RECORD_SAMPLE, 0, 44 }, 8);
	got = walk(0, 64, &s, &bad);
	ok(got == 64 && bad == 1 && !s.n, "a size not a multiple of 8: counted, walk ends at head");
	put(0, &(struct perf_event_header){ PERF_RECORD_SAMPLE, 0, 200 }, 8);
	got = walk(0, 64, &s, &bad);
	ok(got == 64 && bad == 1 && !s.n, "a record past head: counted, walk ends at head");
	got = walk(100 * RING, 100 * RING + RING + 8, &s, &bad);
	ok(got == 100 * RING + RING + 8 && bad == 1, "a head more than a ring ahead: counted");
	got = walk(5000, 4000, &s, &bad);
	ok(got == 4000 && bad == 1, "a head behind the tail: counted, nothing read");
	return tap_done();
}
