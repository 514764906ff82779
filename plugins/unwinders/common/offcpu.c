// SPDX-License-Identifier: MIT
/* Off-CPU time in the counting unwinders: settings before load, the stacks a drain keeps. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/types.h>

#include "counted.h"
#include "offcpu.h"
#include "offcpu_abi.h"

_Static_assert(PB_OFFCPU_BPF_RUNNABLE == PB_OFFCPU_RUNNABLE &&
		       PB_OFFCPU_BPF_INTERRUPTIBLE == PB_OFFCPU_INTERRUPTIBLE &&
		       PB_OFFCPU_BPF_UNINTERRUPTIBLE == PB_OFFCPU_UNINTERRUPTIBLE &&
		       PB_OFFCPU_BPF_ALL == PB_OFFCPU_STATES_ALL,
	       "bpf/offcpu.h and profile-bee.h number the states alike");

/*
 * Threads off CPU at once that are remembered; past it a block is lost, counted. 64 bytes a
 * block, preallocated (sched_switch must not allocate): 1.6 MB per program.
 */
#define MAX_BLOCKS 16384
/* Blocks batched per lookup syscall while collecting. */
#define BATCH 256

struct pb_offcpu_keep {
	struct bpf_map *blocks;
	uint64_t *kstacks, *ustacks; /* sorted after collect */
	uint32_t n_kstacks, n_ustacks, cap;
	__u32 batch_keys[BATCH];
	struct pb_offcpu_block batch_values[BATCH];
	struct pb_count_key key;
};

uint32_t pb_counted_event(const struct pb_sample_params *params)
{
	return PB_HAS(params, max_block_us) && params->event <= PB_EVENT_WALL ? params->event
									      : PB_EVENT_CPU;
}

int pb_counting_offcpu(struct pb_counting *c, const struct pb_sample_params *params,
		       struct bpf_program *prog, __u64 *oncpu_value, __u32 *states, __u64 *min_ns,
		       __u64 *max_ns, __s32 *cpu, __u32 *paused, __u32 *self_tgid)
{
	c->event = pb_counted_event(params);
	c->offcpu = prog;
	c->offcpu_paused = paused;
	c->self_tgid = self_tgid;
	if (c->event == PB_EVENT_CPU)
		return bpf_program__set_autoload(prog, false);
	/* Before add_pid, which clears it when the profiler is itself a target. */
	*self_tgid = (uint32_t)getpid();
	*states = params->offcpu_states & PB_OFFCPU_STATES_ALL ?: PB_OFFCPU_STATES_ALL;
	*min_ns = params->min_block_us * 1000;
	*max_ns = params->max_block_us ? params->max_block_us * 1000 : ~0ull;
	*cpu = params->cpu; /* the session's events sample only it, too */
	/* A wall-clock profile counts nanoseconds on both sides: a sample is 1/F s of them. */
	if (c->event == PB_EVENT_WALL)
		*oncpu_value = 1000000000ull / (params->frequency ?: 1);
	return 0;
}

int pb_counting_offcpu_attach(struct pb_counting *c)
{
	if (c->event == PB_EVENT_CPU || c->offcpu_link)
		return 0;
	c->offcpu_link = bpf_program__attach(c->offcpu);
	return c->offcpu_link ? 0 : -errno;
}

int pb_counting_set_enabled(void *state, bool on)
{
	struct pb_counting *c = state;

	if (c->offcpu_paused)
		__atomic_store_n(c->offcpu_paused, !on, __ATOMIC_RELAXED);
	/* -e probes have no perf event the session could switch off either. */
	if (c->probes.paused)
		__atomic_store_n(c->probes.paused, !on, __ATOMIC_RELAXED);
	return 0;
}

int pb_offcpu_keep__new(struct bpf_map *blocks, uint32_t late_cap, struct pb_offcpu_keep **ret)
{
	struct pb_offcpu_keep *k = calloc(1, sizeof(*k));

	if (!k)
		return -ENOMEM;
	k->blocks = blocks;
	k->cap = bpf_map__max_entries(blocks) + late_cap;
	k->kstacks = calloc(k->cap, sizeof(*k->kstacks));
	k->ustacks = calloc(k->cap, sizeof(*k->ustacks));
	if (!k->kstacks || !k->ustacks) {
		pb_offcpu_keep__free(k);
		return -ENOMEM;
	}
	*ret = k;
	return 0;
}

void pb_offcpu_keep__free(struct pb_offcpu_keep *k)
{
	if (!k)
		return;
	free(k->kstacks);
	free(k->ustacks);
	free(k);
}

static void keep_key(struct pb_offcpu_keep *k, const struct pb_count_key *key)
{
	if (key->kstack_id >= 0 && k->n_kstacks < k->cap)
		k->kstacks[k->n_kstacks++] = (uint32_t)key->kstack_id;
	if (key->ustack_hash && k->n_ustacks < k->cap)
		k->ustacks[k->n_ustacks++] = key->ustack_hash;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The open blocks of set. Batched: a hash walk by key restarts from the first key when the one
 * it stands on was deleted, which happens all the time to blocks; a batch walks buckets.
 */
static void collect_blocks(struct pb_offcpu_keep *k, uint32_t set)
{
	int fd = bpf_map__fd(k->blocks);
	__u32 batch, count;
	void *in = NULL;
	int err;

	do {
		count = BATCH;
		err = bpf_map_lookup_batch(fd, in, &batch, k->batch_keys, k->batch_values, &count,
					   NULL);
		if (err && err != -ENOENT)
			break;
		for (__u32 i = 0; i < count; i++)
			if (k->batch_values[i].set == set)
				keep_key(k, &k->batch_values[i].key);
		in = &batch;
	} while (!err);
	if (!err || err == -ENOENT || in)
		return;
	/* No batch operations (before 5.6): key by key, bounded. */
	__u32 tid, *prev = NULL;
	struct pb_offcpu_block b;

	for (uint32_t n = 0; n < 2 * k->cap && !bpf_map_get_next_key(fd, prev, &tid); n++) {
		if (!bpf_map_lookup_elem(fd, &tid, &b) && b.set == set)
			keep_key(k, &b.key);
		prev = &tid;
	}
}

void pb_offcpu_keep__collect(struct pb_offcpu_keep *k, uint32_t set, struct bpf_map *late_other)
{
	int fd = bpf_map__fd(late_other);
	struct pb_count_key *prev = NULL;

	k->n_kstacks = k->n_ustacks = 0;
	collect_blocks(k, set);
	/* Only ever added to while active: a walk by key sees every key. */
	while (!bpf_map_get_next_key(fd, prev, &k->key)) {
		keep_key(k, &k->key);
		prev = &k->key;
	}
	qsort(k->kstacks, k->n_kstacks, sizeof(*k->kstacks), cmp_u64);
	qsort(k->ustacks, k->n_ustacks, sizeof(*k->ustacks), cmp_u64);
}

bool pb_offcpu_keep__kstack(const struct pb_offcpu_keep *k, uint32_t id)
{
	uint64_t v = id;

	return k && bsearch(&v, k->kstacks, k->n_kstacks, sizeof(v), cmp_u64);
}

bool pb_offcpu_keep__ustack(const struct pb_offcpu_keep *k, uint64_t hash)
{
	return k && bsearch(&hash, k->ustacks, k->n_ustacks, sizeof(hash), cmp_u64);
}
