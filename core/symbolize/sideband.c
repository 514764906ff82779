// SPDX-License-Identifier: MIT
/* Opens perf dummy events for side-band records and reads their mmap'd ring buffers. */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "grow.h"
#include "sideband.h"

#define MAX_CPUS 4096

struct ring {
	int fd;
	void *base; /* the metadata page, then the data pages */
	size_t data_size;
};

/* A record copied out of its ring, so records of every CPU can be put in time order. */
struct rec {
	uint64_t time;
	size_t off;   /* into pb_sideband.buf */
	uint32_t seq; /* keeps the ring order among equal times */
};

struct pb_sideband {
	struct ring *rings;
	int n_rings;
	pb_sb_fn fn;
	void *ctx;
	char *buf;
	size_t buf_len, buf_cap;
	struct rec *recs;
	size_t n_recs, recs_cap;
};

/* Every non-sample record ends with {pid, tid, time} (sample_id_all with TID | TIME). */
struct sample_id {
	uint32_t pid, tid;
	uint64_t time;
};

static int open_cpu(int cpu, uint32_t pages, struct ring *r)
{
	struct perf_event_attr attr = {
	    .size = sizeof(attr),
	    .type = PERF_TYPE_SOFTWARE,
	    .config = PERF_COUNT_SW_DUMMY,
	    .sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME,
	    .sample_id_all = 1,
	    .mmap = 1, /* with mmap2: executable mappings as MMAP2, data mappings not at all */
	    .mmap2 = 1,
	    .comm = 1,
	    .comm_exec = 1,
	    .task = 1,
	    .watermark = 1,
	    /* Wake a poller at a quarter full: enough slack for a burst of execs. */
	    .wakeup_watermark = pages * getpagesize() / 4,
	    .exclude_kernel = 1,
	    .exclude_hv = 1,
	};

	r->fd = syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (r->fd < 0)
		return -errno;
	r->data_size = (size_t)pages * getpagesize();
	r->base =
	    mmap(NULL, r->data_size + getpagesize(), PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (r->base == MAP_FAILED) {
		int err = -errno;

		close(r->fd);
		r->fd = -1;
		r->base = NULL;
		return err;
	}
	return 0;
}

static int read_online(int *cpus, int max)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");
	int n = 0, a, b;
	char sep;

	if (!f)
		return -errno;
	/* "0-3,5,7-8\n" */
	while (fscanf(f, "%d", &a) == 1) {
		b = a;
		if (fscanf(f, "%c", &sep) == 1 && sep == '-') {
			if (fscanf(f, "%d", &b) != 1)
				break;
			if (fscanf(f, "%c", &sep) != 1)
				sep = 0;
		}
		for (int c = a; c <= b && n < max; c++)
			cpus[n++] = c;
		if (sep != ',')
			break;
	}
	fclose(f);
	return n ? n : -EINVAL;
}

int pb_sideband__new(uint32_t ring_pages, pb_sb_fn fn, void *ctx, struct pb_sideband **ret)
{
	struct pb_sideband *sb;
	int *cpus, n, err = 0;

	if (!ring_pages || (ring_pages & (ring_pages - 1)))
		return -EINVAL;
	cpus = calloc(MAX_CPUS, sizeof(*cpus));
	if (!cpus)
		return -ENOMEM;
	n = read_online(cpus, MAX_CPUS);
	sb = n > 0 ? calloc(1, sizeof(*sb)) : NULL;
	if (!sb) {
		free(cpus);
		return n < 0 ? n : -ENOMEM;
	}
	sb->fn = fn;
	sb->ctx = ctx;
	sb->rings = calloc(n, sizeof(*sb->rings));
	if (!sb->rings) {
		free(cpus);
		free(sb);
		return -ENOMEM;
	}
	for (int i = 0; i < n && !err; i++) {
		err = open_cpu(cpus[i], ring_pages, &sb->rings[sb->n_rings]);
		if (!err)
			sb->n_rings++;
		else if (err == -ENODEV)
			err = 0; /* went offline since we read the list */
	}
	free(cpus);
	if (err) {
		pb_sideband__free(sb);
		return err;
	}
	*ret = sb;
	return 0;
}

void pb_sideband__free(struct pb_sideband *sb)
{
	if (!sb)
		return;
	for (int i = 0; i < sb->n_rings; i++) {
		munmap(sb->rings[i].base, sb->rings[i].data_size + getpagesize());
		close(sb->rings[i].fd);
	}
	free(sb->rings);
	free(sb->buf);
	free(sb->recs);
	free(sb);
}

int pb_sideband__fds(const struct pb_sideband *sb, int *fds, int max_fds)
{
	int n = 0;

	for (int i = 0; i < sb->n_rings && n < max_fds; i++)
		fds[n++] = sb->rings[i].fd;
	return n;
}

static int reserve(struct pb_sideband *sb, size_t size)
{
	if (sb->buf_len + size > sb->buf_cap) {
		size_t cap = sb->buf_cap ? sb->buf_cap : 65536;

		while (cap < sb->buf_len + size)
			cap *= 2;
		char *b = realloc(sb->buf, cap);

		if (!b)
			return -ENOMEM;
		sb->buf = b;
		sb->buf_cap = cap;
	}
	return PB_GROW(sb->recs, sb->n_recs, sb->recs_cap, 1024);
}

/* Copies every record pending in r into sb->buf, then frees the ring space. */
static int drain_ring(struct pb_sideband *sb, struct ring *r)
{
	struct perf_event_mmap_page *pg = r->base;
	const char *data = (const char *)r->base + getpagesize();
	uint64_t head = __atomic_load_n(&pg->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = pg->data_tail;
	int err = 0;

	while (tail < head) {
		struct perf_event_header h;
		size_t at = tail % r->data_size, first;

		/* A record (even its header) may wrap around the end of the ring. */
		first = r->data_size - at < sizeof(h) ? r->data_size - at : sizeof(h);
		memcpy(&h, data + at, first);
		memcpy((char *)&h + first, data, sizeof(h) - first);
		if (h.size < sizeof(h) || tail + h.size > head)
			break;
		err = reserve(sb, h.size);
		if (err)
			break;
		char *dst = sb->buf + sb->buf_len;

		first = r->data_size - at < h.size ? r->data_size - at : h.size;
		memcpy(dst, data + at, first);
		memcpy(dst + first, data, h.size - first);
		struct rec *rec = &sb->recs[sb->n_recs];

		rec->off = sb->buf_len;
		rec->seq = sb->n_recs;
		rec->time = 0;
		if (h.type != PERF_RECORD_SAMPLE &&
		    h.size >= sizeof(h) + sizeof(struct sample_id)) {
			struct sample_id id;

			memcpy(&id, dst + h.size - sizeof(id), sizeof(id));
			rec->time = id.time;
		}
		sb->n_recs++;
		sb->buf_len += (h.size + 7) & ~7u;
		tail += h.size;
	}
	__atomic_store_n(&pg->data_tail, tail, __ATOMIC_RELEASE);
	return err;
}

static int cmp_rec(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void dispatch(struct pb_sideband *sb, const char *p, uint64_t time)
{
	const struct perf_event_header *h = (const void *)p;
	const char *body = p + sizeof(*h);
	struct pb_sb_event ev = {.type = h->type, .time = time};
	const uint32_t *u32 = (const void *)body;
	const uint64_t *u64;

	switch (h->type) {
	case PERF_RECORD_MMAP2:
		/* pid, tid, addr, len, pgoff, maj, min, ino, ino_generation, prot, flags, name */
		u64 = (const void *)(body + 8);
		ev.pid = u32[0];
		ev.tid = u32[1];
		ev.addr = u64[0];
		ev.len = u64[1];
		ev.pgoff = u64[2];
		if (!(h->misc & PERF_RECORD_MISC_MMAP_BUILD_ID)) {
			ev.maj = u32[8];
			ev.min = u32[9];
			ev.ino = u64[4];
		}
		ev.prot = u32[14];
		ev.name = body + 64;
		break;
	case PERF_RECORD_COMM:
		ev.pid = u32[0];
		ev.tid = u32[1];
		ev.exec = h->misc & PERF_RECORD_MISC_COMM_EXEC;
		ev.name = body + 8;
		break;
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT:
		ev.pid = u32[0];
		ev.ppid = u32[1];
		ev.tid = u32[2];
		ev.ptid = u32[3];
		break;
	case PERF_RECORD_LOST:
		u64 = (const void *)body;
		ev.lost = u64[1];
		break;
	default:
		return;
	}
	sb->fn(sb->ctx, &ev);
}

int pb_sideband__consume(struct pb_sideband *sb)
{
	int err = 0, n;

	sb->buf_len = sb->n_recs = 0;
	for (int i = 0; i < sb->n_rings && !err; i++)
		err = drain_ring(sb, &sb->rings[i]);
	/*
	 * Rings are per CPU: a child's records can sit in another ring than its fork record.
	 * No records may mean no array yet, which qsort must not be given.
	 */
	if (sb->n_recs)
		qsort(sb->recs, sb->n_recs, sizeof(*sb->recs), cmp_rec);
	for (size_t i = 0; i < sb->n_recs; i++)
		dispatch(sb, sb->buf + sb->recs[i].off, sb->recs[i].time);
	n = sb->n_recs;
	sb->buf_len = sb->n_recs = 0;
	return err ? err : n;
}
