// SPDX-License-Identifier: MIT
/* The userspace half of counting in BPF: map sizes, the double-buffered drain, lost counters,
 * and the peek at Python stacks (the ops fp and dwarf share are in counting.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/types.h>

#include "counted.h"
#include "counts.h"
#include "offcpu.h"
#include "python_procs.h"

#define DEFAULT_STACK_STORAGE 16384
#define DEFAULT_HASH_STORAGE  40960
/*
 * Distinct (user stack, Python stack) pairs kept per window at most: a record is 1 KB, and
 * the map is preallocated (samples run in NMI context), so 2048 cost 2 MB per set. A window
 * at 999 Hz on 2 CPUs has 2000 samples; past it, samples keep their native frames, counted.
 */
#define MAX_PY_STACKS 2048
/*
 * Off-CPU: threads off CPU at once that are remembered (64 bytes each, preallocated, as
 * sched_switch must not allocate: 1 MB), and distinct stacks of blocks that end in a later
 * window than they began in (a fraction of the counts).
 */
#define MAX_OFFCPU_BLOCKS 16384
#define LATE_SHARE	  8

/*
 * After the flip, a program that read the old `active` may still be writing to the old set.
 * Programs run for microseconds with interrupts off, so a few ms is ample.
 */
#define FLIP_GRACE_US 3000

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's "operation not supported" (not in userspace errno.h) */
#endif

static const struct pb_counted_cause common_causes[PB_LOST_COMMON] = {
	[PB_LOST_KSTACK_FULL] = { "kernel stack map full", "--stack-storage-size" },
	[PB_LOST_KSTACK_COLLISION] = { "kernel stack id collision", "--stack-storage-size" },
	[PB_LOST_COUNTS_FULL] = { "count map full", "--hash-storage-size" },
	[PB_LOST_USTACK_FULL] = { "user stack map full", "--stack-storage-size" },
	[PB_LOST_MAX_FRAMES] = { "user stack truncated at max-frames", NULL },
	[PB_LOST_NO_TASK_REGS] = { "user stack of samples in the kernel (needs Linux 5.15)", NULL },
	[PB_LOST_OFFCPU_FULL] = { "off-CPU blocks (too many threads off CPU at once)", NULL },
};

struct pb_counted {
	const struct pb_host *host;
	struct pb_counted_maps maps;
	struct pb_counted_cause causes[PB_LOST_SLOTS];
	uint32_t n_causes;

	/* Drain buffers, sized once from the maps. */
	struct pb_count_key *keys;
	uint64_t *counts;
	uint32_t counts_cap;
	void *stack_keys; /* keys of one stack map, collected before deleting them */
	uint32_t stack_keys_cap;
	uint64_t *percpu; /* one lost counter per possible CPU */
	int n_cpus;
	uint64_t lost_seen[PB_LOST_SLOTS];
	bool no_batch; /* the kernel refused lookup_and_delete_batch once */
	struct pb_pyprocs *py;
	uint64_t py_full_seen;
	struct pb_py_stack py_stack;
	uint64_t spliced[PB_MAX_FRAMES + PB_PY_MAX_FRAMES + 1];
	/* Keys of py_stacks<N> handed out by a peek since the drain: open addressing, 0 empty. */
	uint64_t peeked[2 * MAX_PY_STACKS];
	uint32_t n_peeked;
	bool ns;			/* counts are nanoseconds, handed out as microseconds */
	struct pb_offcpu_keep *keep;	/* NULL when no off-CPU time is counted */
};

int pb_counted_size_maps(const struct pb_counted_maps *m, const struct pb_sample_params *params)
{
	uint32_t kstacks = params->stack_storage_size ?: DEFAULT_STACK_STORAGE;
	uint32_t counts = params->hash_storage_size ?: DEFAULT_HASH_STORAGE;
	/* Nothing is ever stored in a set that is turned off; one entry keeps the map valid. */
	uint32_t ustacks = params->user ? kstacks : 1;
	int err = 0;

	if (!params->kernel)
		kstacks = 1;
	uint32_t py = params->user && pb_counted_python_mode(params) != PB_PYTHON_OFF
			      ? (ustacks < MAX_PY_STACKS ? ustacks : MAX_PY_STACKS)
			      : 1;

	bool offcpu = pb_counted_event(params) != PB_EVENT_CPU;

	err = bpf_map__set_max_entries(m->offcpu_blocks, offcpu ? MAX_OFFCPU_BLOCKS : 1);
	for (int i = 0; i < 2 && !err; i++) {
		err = bpf_map__set_max_entries(m->late[i], offcpu ? counts / LATE_SHARE + 1 : 1);
		err = err ?: bpf_map__set_max_entries(m->py_stacks[i], py);
		err = err ?: bpf_map__set_max_entries(m->counts[i], counts);
		err = err ?: bpf_map__set_max_entries(m->kstacks[i], kstacks);
		err = err ?: bpf_map__set_max_entries(m->ustacks[i], ustacks);
	}
	return err;
}

uint32_t pb_counted_python_mode(const struct pb_sample_params *params)
{
	return PB_HAS(params, python) && params->python <= PB_PYTHON_ONLY ? params->python
									    : PB_PYTHON_AUTO;
}

void pb_counted__set_python(struct pb_counted *c, struct pb_pyprocs *py)
{
	c->py = py;
}

int pb_counted__new(const struct pb_host *host, const struct pb_counted_maps *maps,
		    const struct pb_counted_cause *extra, uint32_t n_extra,
		    const char *max_frames_hint, struct pb_counted **ret)
{
	struct pb_counted *c;
	uint32_t k, u;
	bool keep_failed = false;

	if (PB_LOST_COMMON + n_extra > PB_LOST_SLOTS)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->host = host;
	c->maps = *maps;
	memcpy(c->causes, common_causes, sizeof(common_causes));
	c->causes[PB_LOST_MAX_FRAMES].hint = max_frames_hint;
	/* fp has no causes of its own and passes extra NULL, which memcpy must not be given. */
	if (n_extra)
		memcpy(c->causes + PB_LOST_COMMON, extra, n_extra * sizeof(*extra));
	c->n_causes = PB_LOST_COMMON + n_extra;

	k = bpf_map__max_entries(maps->kstacks[0]);
	u = bpf_map__max_entries(maps->ustacks[0]);
	c->counts_cap = bpf_map__max_entries(maps->counts[0]);
	c->keys = calloc(c->counts_cap, sizeof(*c->keys));
	c->counts = calloc(c->counts_cap, sizeof(*c->counts));
	/* Kernel stack ids (u32) and user stack hashes (u64) both fit in a u64 slot. */
	c->stack_keys_cap = k > u ? k : u;
	c->stack_keys = calloc(c->stack_keys_cap, sizeof(uint64_t));
	c->n_cpus = libbpf_num_possible_cpus();
	c->percpu = c->n_cpus > 0 ? calloc(c->n_cpus, sizeof(*c->percpu)) : NULL;
	if (bpf_map__max_entries(maps->offcpu_blocks) > 1 &&
	    pb_offcpu_keep__new(maps->offcpu_blocks, bpf_map__max_entries(maps->late[0]), &c->keep))
		keep_failed = true;
	if (keep_failed || !c->keys || !c->counts || !c->stack_keys || !c->percpu) {
		pb_counted__free(c);
		return -ENOMEM;
	}
	*ret = c;
	return 0;
}

void pb_counted__free(struct pb_counted *c)
{
	if (!c)
		return;
	free(c->keys);
	free(c->counts);
	free(c->stack_keys);
	free(c->percpu);
	pb_offcpu_keep__free(c->keep);
	free(c);
}

void pb_counted__set_ns(struct pb_counted *c, bool ns)
{
	c->ns = ns;
}

/* Takes every count out of the map in a few syscalls; -EOPNOTSUPP when batching is missing. */
static int take_counts_batch(struct pb_counted *c, int fd, uint32_t *n)
{
	uint64_t batch; /* hash maps use a u32 bucket index; leave room */
	void *in = NULL;
	uint32_t total = 0, count;
	int err;

	while (total < c->counts_cap) {
		count = c->counts_cap - total;
		err = bpf_map_lookup_and_delete_batch(fd, in, &batch, c->keys + total,
						      c->counts + total, &count, NULL);
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
static int take_counts_iter(struct pb_counted *c, int fd, uint32_t *n)
{
	uint32_t total = 0, i, kept = 0;

	while (total < c->counts_cap &&
	       !bpf_map_get_next_key(fd, total ? &c->keys[total - 1] : NULL, &c->keys[total]))
		total++;
	for (i = 0; i < total; i++) {
		if (bpf_map_lookup_elem(fd, &c->keys[i], &c->counts[kept]))
			continue;
		bpf_map_delete_elem(fd, &c->keys[i]);
		c->keys[kept++] = c->keys[i];
	}
	*n = kept;
	return 0;
}

/* Deletes every stack but those open off-CPU blocks still need (bpf/offcpu.bpf.h). */
static void clear_map(struct pb_counted *c, int fd, size_t key_size)
{
	char *keys = c->stack_keys;
	uint32_t n = 0, i;

	while (n < c->stack_keys_cap &&
	       !bpf_map_get_next_key(fd, n ? keys + (n - 1) * key_size : NULL, keys + n * key_size))
		n++;
	for (i = 0; i < n; i++) {
		void *key = keys + i * key_size;

		if (c->keep && (key_size == sizeof(uint32_t)
					? pb_offcpu_keep__kstack(c->keep, *(uint32_t *)key)
					: pb_offcpu_keep__ustack(c->keep, *(uint64_t *)key)))
			continue;
		bpf_map_delete_elem(fd, key);
	}
}

static void report_lost(struct pb_counted *c)
{
	int fd = bpf_map__fd(c->maps.lost);
	uint64_t sum;

	for (uint32_t cause = 0; cause < c->n_causes; cause++) {
		if (bpf_map_lookup_elem(fd, &cause, c->percpu))
			continue;
		sum = 0;
		for (int cpu = 0; cpu < c->n_cpus; cpu++)
			sum += c->percpu[cpu];
		/* Totals only grow; reporting the difference needs no reset racing the program. */
		if (sum > c->lost_seen[cause] && c->causes[cause].name)
			c->host->count_lost(c->host->session, c->causes[cause].name,
					    sum - c->lost_seen[cause], c->causes[cause].hint);
		c->lost_seen[cause] = sum;
	}
	sum = c->maps.py_stacks_full ? __atomic_load_n(c->maps.py_stacks_full, __ATOMIC_RELAXED) : 0;
	if (sum > c->py_full_seen)
		c->host->count_lost(c->host->session, "python frames (their map was full)",
				    sum - c->py_full_seen, "--stack-storage-size");
	c->py_full_seen = sum;
}

/* A CPython process's sample: its interpreter frames spliced into the user stack. */
static void add_python(struct pb_counted *c, int pyfd, const struct pb_count_key *key,
		       struct pb_raw_stack *raw)
{
	const struct pb_pyproc_info *pi;
	uint32_t mode = pb_pyprocs__mode(c->py);

	pb_pyprocs__seen(c->py, key->pid, raw->comm);
	pi = pb_pyprocs__find(c->py, key->pid);
	if (!pi || !key->ustack_hash || bpf_map_lookup_elem(pyfd, &key->ustack_hash, &c->py_stack))
		return;
	pb_py_splice_raw(pi, mode, &c->py_stack, raw, c->spliced,
			 sizeof(c->spliced) / sizeof(c->spliced[0]));
}

/*
 * A caller read from the top of the stack is trusted only in compiled code. JIT code (anonymous
 * memory) keeps its frames, and the word on top of its stack is often a stale return address
 * from an indirect call it made (V8: node::...;forage;Builtins_CEntry_...;hiveNectar): drop it.
 */
static void drop_jit_leaf_caller(struct pb_counted *c, uint32_t pid, struct pb_raw_stack *raw,
				 uint64_t *uips)
{
	const struct pb_mapping *m;

	if (raw->n_user < 2)
		return;
	m = c->host->find_mapping(c->host->session, pid, uips[0]);
	if (!m || m->inode || (m->path && !strcmp(m->path, "[vdso]")))
		return;
	memmove(uips + 1, uips + 2, (raw->n_user - 2) * sizeof(*uips));
	raw->n_user--;
}

static uint32_t stack_len(const uint64_t *ips, uint32_t max)
{
	uint32_t n = 0;

	while (n < max && ips[n])
		n++;
	return n;
}

/* Takes every count out of the map fd into c->keys and c->counts. */
static int take_counts(struct pb_counted *c, int fd, uint32_t *n)
{
	int err = -EOPNOTSUPP;

	if (!c->no_batch)
		err = take_counts_batch(c, fd, n);
	if (err == -EOPNOTSUPP) {
		c->no_batch = true;
		err = take_counts_iter(c, fd, n);
	}
	return err;
}

/* Hands the n counts taken to fn, with their stacks from map set set. */
static int hand_out(struct pb_counted *c, uint32_t n, uint32_t set, pb_raw_stack_fn fn, void *ctx)
{
	int kfd = bpf_map__fd(c->maps.kstacks[set]);
	int ufd = bpf_map__fd(c->maps.ustacks[set]);
	int pyfd = bpf_map__fd(c->maps.py_stacks[set]);
	uint64_t kips[PB_MAX_FRAMES], uips[PB_MAX_FRAMES];
	char comm[PB_COMM_LEN + 1];
	int ret = 0;

	for (uint32_t i = 0; i < n && !ret; i++) {
		const struct pb_count_key *key = &c->keys[i];
		struct pb_raw_stack raw = {
			.pid = key->pid,
			.tid = key->tid,
			.cpu = key->cpu,
			.comm = comm,
			.user_ips = uips,
			.kernel_ips = kips,
			/* Rounded: a thousand blocks of 1.4 us are 1400 us, not 1000. */
			.count = c->ns ? (c->counts[i] + 500) / 1000 : c->counts[i],
			.flags = (key->flags & PB_F_USER_TRUNCATED ? PB_RAW_USER_TRUNCATED : 0) |
				 (key->flags & PB_F_OFF_CPU ? PB_RAW_OFF_CPU : 0),
		};

		memcpy(comm, key->comm, PB_COMM_LEN);
		comm[PB_COMM_LEN] = '\0';
		if (key->kstack_id >= 0 && !bpf_map_lookup_elem(kfd, &key->kstack_id, kips))
			raw.n_kernel = stack_len(kips, PB_MAX_FRAMES);
		if (key->ustack_hash && !bpf_map_lookup_elem(ufd, &key->ustack_hash, uips))
			raw.n_user = key->user_depth < PB_MAX_FRAMES ? key->user_depth : PB_MAX_FRAMES;
		if (key->flags & PB_F_LEAF_CALLER)
			drop_jit_leaf_caller(c, key->pid, &raw, uips);
		if (c->py && raw.n_user)
			add_python(c, pyfd, key, &raw);
		if (raw.count)
			ret = fn(ctx, &raw);
	}
	return ret;
}

int pb_counted__drain(struct pb_counted *c, pb_raw_stack_fn fn, void *ctx)
{
	uint32_t set = __atomic_load_n(c->maps.active, __ATOMIC_RELAXED) ? 1 : 0;
	uint32_t n = 0;
	int ret;

	__atomic_store_n(c->maps.active, !set, __ATOMIC_SEQ_CST);
	usleep(FLIP_GRACE_US);

	ret = take_counts(c, bpf_map__fd(c->maps.counts[set]), &n);
	if (!ret)
		ret = hand_out(c, n, set, fn, ctx);
	/* Off-CPU blocks that began in the other window: their stacks are in the other set. */
	if (!ret && c->keep && !(ret = take_counts(c, bpf_map__fd(c->maps.late[set]), &n)))
		ret = hand_out(c, n, !set, fn, ctx);
	if (ret)
		return ret;

	if (c->keep)
		pb_offcpu_keep__collect(c->keep, set, c->maps.late[!set]);
	clear_map(c, bpf_map__fd(c->maps.kstacks[set]), sizeof(uint32_t));
	clear_map(c, bpf_map__fd(c->maps.ustacks[set]), sizeof(uint64_t));
	if (c->py) {
		clear_map(c, bpf_map__fd(c->maps.py_stacks[set]), sizeof(uint64_t));
		pb_pyprocs__end_drain(c->py);
		memset(c->peeked, 0, sizeof(c->peeked));
		c->n_peeked = 0;
	}
	report_lost(c);
	return 0;
}

/* Whether key was handed out since the drain; remembers it when not (and there is room). */
static bool peeked(struct pb_counted *c, uint64_t key)
{
	const uint32_t cap = sizeof(c->peeked) / sizeof(c->peeked[0]);
	uint32_t i = (key * 0x9e3779b97f4a7c15ULL) >> 52 & (cap - 1);

	for (uint32_t probes = 0; probes < cap && c->peeked[i]; probes++, i = (i + 1) & (cap - 1))
		if (c->peeked[i] == key)
			return true;
	if (c->n_peeked < cap / 2 && !c->peeked[i]) {
		c->peeked[i] = key;
		c->n_peeked++;
	}
	return false;
}

int pb_counted__peek(struct pb_counted *c, pb_raw_stack_fn fn, void *ctx)
{
	uint32_t set = __atomic_load_n(c->maps.active, __ATOMIC_RELAXED) ? 1 : 0;
	int pyfd = bpf_map__fd(c->maps.py_stacks[set]), ret = 0;
	uint64_t key, prev = 0;
	bool first = true;

	if (!c->py)
		return 0;
	/* The set samples go to: keys may come and go while it is walked, which only skips some. */
	while (!ret && !bpf_map_get_next_key(pyfd, first ? NULL : &prev, &key)) {
		const struct pb_pyproc_info *pi;
		struct pb_raw_stack raw = {.user_ips = c->spliced, .count = 1};

		first = false;
		prev = key;
		if (peeked(c, key) || bpf_map_lookup_elem(pyfd, &key, &c->py_stack) ||
		    !(pi = pb_pyprocs__find(c->py, c->py_stack.tgid)))
			continue;
		raw.pid = c->py_stack.tgid;
		raw.n_user = pb_py_splice(pi, PB_PYTHON_ONLY, NULL, 0, &c->py_stack, c->spliced,
					  sizeof(c->spliced) / sizeof(c->spliced[0]));
		ret = fn(ctx, &raw);
	}
	return ret;
}
