// SPDX-License-Identifier: MIT
/* The dwarf plugin's drain: flips the BPF map sets, reads the idle set, resolves and clears it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dwarf.skel.h"
#include "dwarf_internal.h"

/*
 * After the flip, a program that read the old `active` may still be writing to the old set.
 * Programs run for microseconds with interrupts off, so a few ms is ample.
 */
#define FLIP_GRACE_US 3000

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's "operation not supported" (not in userspace errno.h) */
#endif

static const struct {
	const char *name;
	const char *hint;
} causes[PB_DWARF_LOST_MAX] = {
    [PB_DWARF_LOST_KSTACK_FULL] = {"kernel stack map full", "--stack-storage-size"},
    [PB_DWARF_LOST_KSTACK_COLLISION] = {"kernel stack id collision", "--stack-storage-size"},
    [PB_DWARF_LOST_COUNTS_FULL] = {"count map full", "--hash-storage-size"},
    [PB_DWARF_LOST_USTACK_FULL] = {"user stack map full", "--stack-storage-size"},
    [PB_DWARF_LOST_MAX_FRAMES] = {"user stack truncated at max-frames", NULL},
    [PB_DWARF_LOST_UNSUPPORTED] = {"dwarf: user stack cut at a CFI rule BPF cannot follow", NULL},
    [PB_DWARF_LOST_NO_ROW] = {"dwarf: user stack cut at a pc without CFI", NULL},
    [PB_DWARF_LOST_PENDING] = {"dwarf: user stack cut at a binary whose table was being built",
			       NULL},
    [PB_DWARF_LOST_TABLE_FULL] = {"dwarf: user stack cut at a binary left without a table",
				  "unwinder.dwarf.max-rows"},
    [PB_DWARF_LOST_READ] = {"dwarf: user stack cut at an unreadable or inconsistent frame", NULL},
    [PB_DWARF_LOST_NO_MAPPING] = {"dwarf: user stack cut at a pc outside known mappings", NULL},
};

int dw_drain_init(struct dw_state *st)
{
	struct dwarf_bpf *skel = st->skel;
	uint32_t k = bpf_map__max_entries(skel->maps.kstacks0);
	uint32_t u = bpf_map__max_entries(skel->maps.ustacks0);

	st->counts_cap = bpf_map__max_entries(skel->maps.counts0);
	st->keys = calloc(st->counts_cap, sizeof(*st->keys));
	st->counts = calloc(st->counts_cap, sizeof(*st->counts));
	/* Kernel stack ids (u32) and user stack hashes (u64) both fit in a u64 slot. */
	st->stack_keys_cap = k > u ? k : u;
	st->stack_keys = calloc(st->stack_keys_cap, sizeof(uint64_t));
	st->n_cpus = libbpf_num_possible_cpus();
	if (st->n_cpus <= 0)
		return st->n_cpus ?: -EINVAL;
	st->percpu = calloc(st->n_cpus, sizeof(*st->percpu));
	if (!st->keys || !st->counts || !st->stack_keys || !st->percpu)
		return -ENOMEM;
	return 0;
}

void dw_drain_free(struct dw_state *st)
{
	free(st->keys);
	free(st->counts);
	free(st->stack_keys);
	free(st->percpu);
}

/* Takes every count out of the map in a few syscalls; -EOPNOTSUPP when batching is missing. */
static int take_counts_batch(struct dw_state *st, int fd, uint32_t *n)
{
	uint64_t batch; /* hash maps use a u32 bucket index; leave room */
	void *in = NULL;
	uint32_t total = 0, count;
	int err;

	while (total < st->counts_cap) {
		count = st->counts_cap - total;
		err = bpf_map_lookup_and_delete_batch(fd, in, &batch, st->keys + total,
						      st->counts + total, &count, NULL);
		if (err && err != -ENOENT) {
			if (!in && (err == -EINVAL || err == -ENOTSUPP || err == -EOPNOTSUPP))
				return -EOPNOTSUPP;
			return err;
		}
		total += count;
		if (err == -ENOENT)
			break;
		in = &batch;
	}
	*n = total;
	return 0;
}

/* Older kernels: collect the keys first, since deleting while iterating restarts a hash walk. */
static int take_counts_iter(struct dw_state *st, int fd, uint32_t *n)
{
	uint32_t total = 0, i, kept = 0;

	while (total < st->counts_cap &&
	       !bpf_map_get_next_key(fd, total ? &st->keys[total - 1] : NULL, &st->keys[total]))
		total++;
	for (i = 0; i < total; i++) {
		if (bpf_map_lookup_elem(fd, &st->keys[i], &st->counts[kept]))
			continue;
		bpf_map_delete_elem(fd, &st->keys[i]);
		st->keys[kept++] = st->keys[i];
	}
	*n = kept;
	return 0;
}

static void clear_map(struct dw_state *st, int fd, size_t key_size)
{
	char *keys = st->stack_keys;
	uint32_t n = 0, i;

	while (n < st->stack_keys_cap &&
	       !bpf_map_get_next_key(fd, n ? keys + (n - 1) * key_size : NULL, keys + n * key_size))
		n++;
	for (i = 0; i < n; i++)
		bpf_map_delete_elem(fd, keys + i * key_size);
}

static void report_lost(struct dw_state *st)
{
	int fd = bpf_map__fd(st->skel->maps.lost);
	uint32_t cause;
	uint64_t sum;
	int cpu;

	for (cause = 0; cause < PB_DWARF_LOST_MAX; cause++) {
		if (bpf_map_lookup_elem(fd, &cause, st->percpu))
			continue;
		for (sum = 0, cpu = 0; cpu < st->n_cpus; cpu++)
			sum += st->percpu[cpu];
		/* Totals only grow; reporting the difference needs no reset racing the program. */
		if (sum > st->lost_seen[cause])
			st->host->count_lost(st->host->session, causes[cause].name,
					     sum - st->lost_seen[cause],
					     cause == PB_DWARF_LOST_MAX_FRAMES &&
						     st->max_frames < PB_DWARF_MAX_FRAMES
						 ? "max-frames"
						 : causes[cause].hint);
		st->lost_seen[cause] = sum;
	}
}

static uint32_t stack_len(const uint64_t *ips, uint32_t max)
{
	uint32_t n = 0;

	while (n < max && ips[n])
		n++;
	return n;
}

int dw_drain(void *state, pb_raw_stack_fn fn, void *ctx)
{
	struct dw_state *st = state;
	struct dwarf_bpf *skel = st->skel;
	uint32_t set = __atomic_load_n(&skel->bss->active, __ATOMIC_RELAXED) ? 1 : 0;
	int counts_fd = bpf_map__fd(set ? skel->maps.counts1 : skel->maps.counts0);
	int kfd = bpf_map__fd(set ? skel->maps.kstacks1 : skel->maps.kstacks0);
	int ufd = bpf_map__fd(set ? skel->maps.ustacks1 : skel->maps.ustacks0);
	uint64_t kips[PB_DWARF_MAX_FRAMES], uips[PB_DWARF_MAX_FRAMES];
	char comm[PB_DWARF_COMM_LEN + 1];
	uint32_t n = 0, i;
	int err = -EOPNOTSUPP, ret = 0;

	__atomic_store_n(&skel->bss->active, !set, __ATOMIC_SEQ_CST);
	usleep(FLIP_GRACE_US);

	if (!st->no_batch)
		err = take_counts_batch(st, counts_fd, &n);
	if (err == -EOPNOTSUPP) {
		st->no_batch = true;
		err = take_counts_iter(st, counts_fd, &n);
	}
	if (err)
		return err;

	for (i = 0; i < n && !ret; i++) {
		const struct pb_dwarf_key *key = &st->keys[i];
		struct pb_raw_stack raw = {
		    .pid = key->pid,
		    .comm = comm,
		    .user_ips = uips,
		    .kernel_ips = kips,
		    .count = st->counts[i],
		    .flags = key->flags & PB_DWARF_F_USER_TRUNCATED ? PB_RAW_USER_TRUNCATED : 0,
		};

		memcpy(comm, key->comm, PB_DWARF_COMM_LEN);
		comm[PB_DWARF_COMM_LEN] = '\0';
		if (key->kstack_id >= 0 && !bpf_map_lookup_elem(kfd, &key->kstack_id, kips))
			raw.n_kernel = stack_len(kips, PB_DWARF_MAX_FRAMES);
		if (key->ustack_hash && !bpf_map_lookup_elem(ufd, &key->ustack_hash, uips))
			raw.n_user =
			    key->user_depth < PB_DWARF_MAX_FRAMES ? key->user_depth : PB_DWARF_MAX_FRAMES;
		if (raw.count)
			ret = fn(ctx, &raw);
	}

	clear_map(st, kfd, sizeof(uint32_t));
	clear_map(st, ufd, sizeof(uint64_t));
	report_lost(st);
	return ret;
}
