/* SPDX-License-Identifier: MIT */
/* A perf event's mmap'd ring: mapping it, and reading and decoding its records (no BPF). */
#ifndef PB_PERF_RING_H
#define PB_PERF_RING_H

#include <stddef.h>
#include <stdint.h>

/* The largest record the kernel writes (its header's size is 16 bits): the scratch size. */
#define PB_PERF_RECORD_MAX 65536

struct pb_perf_ring {
	void *base;	  /* the metadata page, then data_size bytes of data; NULL when unmapped */
	size_t data_size; /* a power of two */
};

/* Maps fd's ring of pages data pages (a power of two). 0 or -errno. */
int pb_perf_ring__map(struct pb_perf_ring *r, int fd, uint32_t pages);
void pb_perf_ring__unmap(struct pb_perf_ring *r);

/*
 * One decoded record of an event with sample_type TID | ID | CALLCHAIN and task/comm records. Strings
 * and arrays point into the record: valid during the callback only.
 */
struct pb_perf_record {
	uint32_t type;	     /* PERF_RECORD_SAMPLE, _COMM, _FORK, _EXIT or _LOST */
	uint32_t pid, tid;   /* the task sampled, renamed, created or gone */
	uint32_t ppid, ptid; /* FORK and EXIT: its parent */
	uint64_t id;	     /* SAMPLE: the event it came through (the one inherited, if so) */
	const uint64_t *ips; /* SAMPLE: the callchain as the kernel wrote it (context markers too) */
	uint64_t n_ips;
	uint64_t lost; /* LOST: records the kernel dropped */
	const char *comm; /* COMM: NUL-terminated */
};

typedef void (*pb_perf_record_fn)(void *ctx, const struct pb_perf_record *rec);

/*
 * Decodes one record of len bytes (its header first). 0, 1 for a type this reader does not use,
 * or -EINVAL when the record is shorter than its type needs.
 */
int pb_perf_record__decode(const void *rec, size_t len, struct pb_perf_record *out);

/*
 * Hands every whole record of data (a ring of size bytes, a power of two) from tail to head to
 * fn, copying records that wrap around the ring's end into scratch (PB_PERF_RECORD_MAX bytes).
 * Returns the new tail. Records that cannot be decoded are skipped and counted in *bad; a header
 * that makes no sense (size 0, past head) ends the walk at head, also counted: the kernel's
 * writer and ours then disagree, and nothing after it can be trusted.
 */
uint64_t pb_perf_ring__walk(const char *data, size_t size, uint64_t tail, uint64_t head,
			    char *scratch, pb_perf_record_fn fn, void *ctx, uint64_t *bad);

/* Reads what the kernel wrote to r since the last read, then frees that space. */
void pb_perf_ring__read(struct pb_perf_ring *r, char *scratch, pb_perf_record_fn fn, void *ctx,
			uint64_t *bad);

#endif
