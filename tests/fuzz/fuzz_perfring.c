// SPDX-License-Identifier: MIT
/* Fuzz target: a perf ring (the perf unwinder's ring.c) holding whatever the input says, read
 * from a tail to a head the input also chooses, with records wrapping around the ring's end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ring.h"

#include "fuzz.h"

/* Small, so that records wrap: the reader must copy them whole into scratch. */
#define RING 512

static uint64_t sink;

/* Touches everything a decoded record points to, as the unwinder would. */
static void on_record(void *ctx, const struct pb_perf_record *r)
{
	(void)ctx;
	for (uint64_t i = 0; i < r->n_ips; i++)
		sink += r->ips[i];
	if (r->comm)
		sink += strlen(r->comm);
	sink += r->pid + r->tid + r->ppid + r->ptid + r->id + r->lost;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t ring[RING / 8]; /* 8-byte aligned, as the kernel's */
	static char scratch[PB_PERF_RECORD_MAX];
	uint64_t tail = 0, head, bad = 0, got;
	uint16_t start = 0;

	if (size < 4)
		return 0;
	/* Two bytes place the tail anywhere (multiples of 8, as records are), two the length. */
	memcpy(&start, data, 2);
	tail = (uint64_t)(start & ~7u) * 977; /* far past the ring's size: positions wrap */
	head = tail + (data[2] | data[3] << 8);
	data += 4;
	size -= 4;
	memset(ring, 0, sizeof(ring));
	for (size_t i = 0; i < size && i < RING; i++)
		((char *)ring)[(tail + i) % RING] = data[i];
	got = pb_perf_ring__walk((const char *)ring, RING, tail, head, scratch, on_record, NULL, &bad);
	/* The reader never goes past head, nor stops short of it without counting why. */
	if (got > head || (got < head && !bad && head - tail <= RING))
		abort();
	return 0;
}
