// SPDX-License-Identifier: MIT
/* Reads a perf event's mmap'd ring: wraparound, records split across its end, bad records. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include "ring.h"

int pb_perf_ring__map(struct pb_perf_ring *r, int fd, uint32_t pages)
{
	size_t page = getpagesize();
	void *base;

	if (!pages || (pages & (pages - 1)))
		return -EINVAL;
	base = mmap(NULL, (pages + 1) * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		return -errno;
	r->base = base;
	r->data_size = pages * page;
	return 0;
}

void pb_perf_ring__unmap(struct pb_perf_ring *r)
{
	if (r->base)
		munmap(r->base, r->data_size + getpagesize());
	r->base = NULL;
}

int pb_perf_record__decode(const void *rec, size_t len, struct pb_perf_record *out)
{
	const struct perf_event_header *h = rec;
	const char *body = (const char *)rec + sizeof(*h);
	size_t n = len - sizeof(*h);
	uint32_t u32[4];
	uint64_t u64[2];

	if (len < sizeof(*h))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->type = h->type;
	switch (h->type) {
	case PERF_RECORD_SAMPLE: /* u32 pid, tid; u64 id; u64 nr; u64 ips[nr] */
		if (n < 24)
			return -EINVAL;
		memcpy(u32, body, 8);
		memcpy(u64, body + 8, 16);
		if (u64[1] > (n - 24) / 8)
			return -EINVAL;
		out->pid = u32[0];
		out->tid = u32[1];
		out->id = u64[0];
		out->n_ips = u64[1];
		/* Records start 8-byte aligned in the ring and in scratch: the ips are aligned. */
		out->ips = (const uint64_t *)(body + 24);
		return 0;
	case PERF_RECORD_COMM: /* u32 pid, tid; char comm[] (NUL-padded to 8 bytes) */
		if (n < 9 || !memchr(body + 8, '\0', n - 8))
			return -EINVAL;
		memcpy(u32, body, 8);
		out->pid = u32[0];
		out->tid = u32[1];
		out->comm = body + 8;
		return 0;
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT: /* u32 pid, ppid, tid, ptid; u64 time */
		if (n < 16)
			return -EINVAL;
		memcpy(u32, body, 16);
		out->pid = u32[0];
		out->ppid = u32[1];
		out->tid = u32[2];
		out->ptid = u32[3];
		return 0;
	case PERF_RECORD_LOST: /* u64 id, lost */
		if (n < 16)
			return -EINVAL;
		memcpy(u64, body, 16);
		out->lost = u64[1];
		return 0;
	default:
		return 1;
	}
}

uint64_t pb_perf_ring__walk(const char *data, size_t size, uint64_t tail, uint64_t head,
			    char *scratch, pb_perf_record_fn fn, void *ctx, uint64_t *bad)
{
	/* A head behind the tail, or more than a ring ahead of it, is not the kernel's writing. */
	if (head - tail > size) {
		(*bad)++;
		return head;
	}
	while (tail < head) {
		struct perf_event_header h;
		struct pb_perf_record rec;
		size_t at = tail & (size - 1), first;
		const char *p = data + at;

		/* A record (even its header) may wrap around the end of the ring. */
		first = size - at < sizeof(h) ? size - at : sizeof(h);
		memcpy(&h, data + at, first);
		memcpy((char *)&h + first, data, sizeof(h) - first);
		if (h.size < sizeof(h) || h.size > head - tail || (h.size & 7)) {
			(*bad)++;
			return head;
		}
		if (size - at < h.size) {
			first = size - at;
			memcpy(scratch, data + at, first);
			memcpy(scratch + first, data, h.size - first);
			p = scratch;
		}
		switch (pb_perf_record__decode(p, h.size, &rec)) {
		case 0:
			fn(ctx, &rec);
			break;
		case 1:
			break;
		default:
			(*bad)++;
		}
		tail += h.size;
	}
	return tail;
}

void pb_perf_ring__read(struct pb_perf_ring *r, char *scratch, pb_perf_record_fn fn, void *ctx,
			uint64_t *bad)
{
	struct perf_event_mmap_page *pg = r->base;
	const char *data = (const char *)r->base + getpagesize();
	uint64_t head, tail;

	if (!pg)
		return;
	head = __atomic_load_n(&pg->data_head, __ATOMIC_ACQUIRE);
	tail = pg->data_tail;
	tail = pb_perf_ring__walk(data, r->data_size, tail, head, scratch, fn, ctx, bad);
	/* The kernel may write over what we read only after this store. */
	__atomic_store_n(&pg->data_tail, tail, __ATOMIC_RELEASE);
}
