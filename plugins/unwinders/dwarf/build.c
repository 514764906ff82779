// SPDX-License-Identifier: MIT
/* The table worker: turns queued binaries' CFI into rows, evicts tables no process uses. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <gelf.h>

#include "binaries_impl.h"
#include "cfi.h"

/* Rows per batched map update: few syscalls, bounded kernel-side copies. */
#define UPLOAD_CHUNK 65536
/*
 * Even when a new table needs rows, a table unused for less than this stays: a program run
 * in a loop (a compiler every half second) would otherwise have its tables evicted between
 * runs and built again each run (measured: clang's and cc1's, seconds of CPU each), and the
 * new table waits for rows freed later instead.
 */
#define PRESSURE_IDLE_NS (5000ull * 1000000ull)
/* How often the worker looks for tables to evict while some are unused. */
#define RECLAIM_NS (1000ull * 1000000ull)
/*
 * An evicted table's id and rows are reused no sooner than this: a walk that read the old
 * mapping before its process went is over within microseconds (bpf_loop of at most 127
 * frames), so nothing can read rows that another binary's table now holds.
 */
#define QUARANTINE_NS (10ull * 1000000ull)

static int set_table(struct dw_binaries *b, uint32_t id, uint32_t first, uint32_t count,
		     uint32_t state)
{
	struct pb_dwarf_table t = {.first = first, .count = count, .state = state};

	return bpf_map_update_elem(b->tables_fd, &id, &t, BPF_ANY) ? -errno : 0;
}

static int upload(struct dw_binaries *b, const struct pb_cfi_rows *r, uint32_t first)
{
	uint32_t *keys = malloc(UPLOAD_CHUNK * sizeof(*keys));
	int err = 0;

	if (!keys)
		return -ENOMEM;
	for (size_t done = 0; done < r->n && !err;) {
		uint32_t count = r->n - done < UPLOAD_CHUNK ? r->n - done : UPLOAD_CHUNK;

		for (uint32_t i = 0; i < count; i++)
			keys[i] = first + done + i;
		err = bpf_map_update_batch(b->rows_fd, keys, r->v + done, &count, NULL);
		if (err == -EINVAL || err == -EOPNOTSUPP || err == -ENOTSUP) {
			/* No batch ops (before 5.6): one update a row. */
			for (uint32_t i = 0; i < count && !err; i++)
				err = bpf_map_update_elem(b->rows_fd, &keys[i], &r->v[done + i],
							  BPF_ANY)
					  ? -errno
					  : 0;
		}
		done += count;
	}
	free(keys);
	return err;
}

static void unqueue(struct dw_binaries *b, struct binary *bin)
{
	struct binary **pp, *prev = NULL;

	for (pp = &b->q_head; *pp && *pp != bin; pp = &(*pp)->qnext)
		prev = *pp;
	if (!*pp)
		return;
	*pp = bin->qnext;
	if (b->q_tail == bin)
		b->q_tail = prev;
}

/* Rows (and ids) in use, not counting those waiting out their quarantine. */
static uint32_t rows_in_use(const struct dw_binaries *b)
{
	return b->rows.used - b->quar_rows;
}

/* Forgets bin: its table entry reset, its id and rows quarantined (lock held). */
static void evict(struct dw_binaries *b, struct binary *bin, uint64_t now)
{
	struct binary **pp;
	struct quarantined q = {.since_ns = now, .id = bin->id};

	for (pp = &b->buckets[dw_bucket(bin)]; *pp && *pp != bin; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = bin->next;
	unqueue(b, bin);
	/* PENDING with wanted clear: what a fresh id looks like to BPF. */
	set_table(b, bin->id, 0, 0, PB_DWARF_TABLE_PENDING);
	if (bin->has_rows) {
		q.first = bin->first;
		q.count = bin->count;
	}
	if (b->n_quar == b->cap_quar) {
		size_t cap = b->cap_quar ? b->cap_quar * 2 : 16;
		struct quarantined *v = realloc(b->quar, cap * sizeof(*v));

		if (v) {
			b->quar = v;
			b->cap_quar = cap;
		}
	}
	if (b->n_quar < b->cap_quar) {
		b->quar[b->n_quar++] = q;
		b->quar_rows += q.count;
	} /* else: the id and rows are leaked, which only lowers the limits */
	b->by_id[bin->id] = NULL;
	b->n_live--;
	b->n_unused--;
	/* Tables never built (lazy: no walk asked) were only an id and a name. */
	if (q.count)
		b->evicted++;
	else
		b->forgotten++;
	b->rows_freed += q.count;
	b->host->log(b->host->session, PB_LOG_DEBUG, "dwarf",
		     "%s: table evicted (%u rows), no process maps it; rows in use %" PRIu32,
		     bin->path, q.count, rows_in_use(b));
	dw_binary_free(bin);
}

/* Ids and rows whose quarantine is over become free; binaries left out for rows retry. */
static void release(struct dw_binaries *b, uint64_t now)
{
	size_t kept = 0;
	bool freed = false;

	for (size_t i = 0; i < b->n_quar; i++) {
		struct quarantined *q = &b->quar[i];

		if (now - q->since_ns < QUARANTINE_NS) {
			b->quar[kept++] = *q;
			continue;
		}
		b->free_ids[b->n_free_ids++] = q->id;
		b->quar_rows -= q->count;
		if (q->count && !dw_rowalloc_put(&b->rows, q->first, q->count))
			freed = true;
	}
	b->n_quar = kept;
	for (uint32_t id = 0; freed && id < b->n_ids; id++) {
		struct binary *bin = b->by_id[id];

		if (bin && bin->full && bin->refs) {
			bin->full = false;
			dw_queue_push(b, bin);
		}
	}
}

/* How long a table must have been unused to go: keep-unused, or less when rows are short. */
static uint64_t idle_needed(const struct dw_binaries *b, bool pressure)
{
	uint64_t keep = b->limits.keep_unused_ns;

	return pressure && keep > PRESSURE_IDLE_NS ? PRESSURE_IDLE_NS : keep;
}

/* The binary unused the longest, if long enough to go under pressure; else NULL. */
static struct binary *oldest_unused(struct dw_binaries *b)
{
	uint64_t now = dw_now_ns(), idle = idle_needed(b, true);
	struct binary *old = NULL;

	for (uint32_t id = 0; b->n_unused && id < b->n_ids; id++) {
		struct binary *bin = b->by_id[id];

		if (bin && !bin->refs && bin != b->building && now - bin->unused_ns >= idle &&
		    (!old || bin->unused_ns < old->unused_ns))
			old = bin;
	}
	return old;
}

/* Whether a mapped binary waits for rows (its table left out when they ran short). */
static bool rows_wanted(const struct dw_binaries *b)
{
	for (uint32_t id = 0; id < b->n_ids; id++)
		if (b->by_id[id] && b->by_id[id]->full && b->by_id[id]->refs)
			return true;
	return false;
}

/* Evicts tables unused for keep-unused, or for less under pressure (lock held). */
static void reclaim(struct dw_binaries *b)
{
	uint64_t now = dw_now_ns(), idle = idle_needed(b, b->pressure || rows_wanted(b));

	for (uint32_t id = 0; b->n_unused && id < b->n_ids; id++) {
		struct binary *bin = b->by_id[id];

		if (bin && !bin->refs && now - bin->unused_ns >= idle)
			evict(b, bin, now);
	}
	b->pressure = false;
	release(b, now);
}

/* Rows for count: a hole, else holes made by evicting unused tables, oldest first (locked). */
static int64_t alloc_rows(struct dw_binaries *b, uint32_t count)
{
	int64_t first = dw_rowalloc_get(&b->rows, count);
	struct binary *old;

	while (first == -ENOSPC && (old = oldest_unused(b))) {
		evict(b, old, dw_now_ns());
		/* The quarantine is short and this thread only builds tables: wait it out. */
		pthread_mutex_unlock(&b->lock);
		nanosleep(&(struct timespec){.tv_nsec = QUARANTINE_NS}, NULL);
		pthread_mutex_lock(&b->lock);
		release(b, dw_now_ns());
		first = dw_rowalloc_get(&b->rows, count);
	}
	return first;
}

static void left_out(struct dw_binaries *b, struct binary *bin, size_t n)
{
	if (!b->rows_full++)
		b->host->log(b->host->session, PB_LOG_WARN, "dwarf",
			     "max-rows (%u) reached: '%s' (%zu rows) gets no table while the "
			     "tables of running processes fill the rows (raise "
			     "unwinder.dwarf.max-rows)",
			     b->limits.max_rows, bin->path, n);
	set_table(b, bin->id, 0, 0, PB_DWARF_TABLE_FULL);
}

/* Turns one binary's CFI into rows and publishes them: rows first, then the table entry. */
static void build(struct dw_binaries *b, struct binary *bin, Elf *elf)
{
	uint64_t t0 = dw_now_ns(), dt;
	struct pb_cfi_rows r;
	int64_t first = -ENOSPC;
	int err = elf ? pb_cfi_rows_build(elf, &r) : -ENOENT;

	if (err) {
		pthread_mutex_lock(&b->lock);
		b->no_cfi++;
		set_table(b, bin->id, 0, 0, PB_DWARF_TABLE_NO_CFI);
		pthread_mutex_unlock(&b->lock);
		b->host->log(b->host->session, PB_LOG_DEBUG, "dwarf", "%s: no usable CFI (%s)",
			     bin->path, strerror(-err));
		return;
	}
	pthread_mutex_lock(&b->lock);
	if (!r.n) /* CFI without a row: a table of none, as good as no CFI to a walk */
		first = 0;
	else if (r.n <= (1u << PB_DWARF_ROW_STEPS))
		first = alloc_rows(b, r.n);
	if (first < 0) {
		bin->full = r.n <= (1u << PB_DWARF_ROW_STEPS);
		left_out(b, bin, r.n);
		pthread_mutex_unlock(&b->lock);
		pb_cfi_rows_free(&r);
		return;
	}
	bin->first = first;
	bin->count = r.n;
	bin->has_rows = r.n > 0;
	pthread_mutex_unlock(&b->lock);
	/* Only this thread writes rows and frees them: the lock is not needed for the upload. */
	err = upload(b, &r, first);
	err = err ?: set_table(b, bin->id, first, r.n, PB_DWARF_TABLE_READY);
	pthread_mutex_lock(&b->lock);
	if (err) {
		b->host->log(b->host->session, PB_LOG_WARN, "dwarf",
			     "%s: cannot load its table: %s", bin->path, strerror(-err));
	} else {
		b->rows_total += r.n;
		b->built++;
	}
	dt = dw_now_ns() - t0;
	b->build_ns += dt;
	if (dt > b->build_ns_max) {
		b->build_ns_max = dt;
		snprintf(b->slowest, sizeof(b->slowest), "%s", bin->path);
	}
	b->host->log(b->host->session, PB_LOG_DEBUG, "dwarf",
		     "%s: %zu rows (%zu KB) from %u FDEs, %u unsupported, in %.2f ms; rows in use "
		     "%" PRIu32,
		     bin->path, r.n, r.n * sizeof(*r.v) / 1024, r.fdes, r.unsupported, dt / 1e6,
		     rows_in_use(b));
	pthread_mutex_unlock(&b->lock);
	pb_cfi_rows_free(&r);
}

/* Waits for work: a queued table, else (while tables are unused) the next reclaim. */
static void wait_work(struct dw_binaries *b)
{
	struct timespec ts;

	if (!b->n_unused && !b->n_quar && !b->pressure) {
		pthread_cond_wait(&b->wake, &b->lock);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += RECLAIM_NS;
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	if (!b->pressure)
		pthread_cond_timedwait(&b->wake, &b->lock, &ts);
	reclaim(b);
}

void *dw_worker(void *arg)
{
	struct dw_binaries *b = arg;

	pthread_mutex_lock(&b->lock);
	b->worker_tid = (pid_t)syscall(SYS_gettid);
	pthread_cond_broadcast(&b->wake);
	for (;;) {
		struct binary *bin;
		Elf *elf;
		int fd;

		while (!b->stop && !b->q_head)
			wait_work(b);
		if (b->stop)
			break;
		bin = b->q_head;
		b->q_head = bin->qnext;
		if (!b->q_head)
			b->q_tail = NULL;
		b->building = bin;
		pthread_mutex_unlock(&b->lock);
		/* Only this thread frees binaries: bin stays valid while it is built. */
		elf = dw_open_elf(b, bin, &fd);
		build(b, bin, elf);
		dw_close_elf(elf, fd);
		pthread_mutex_lock(&b->lock);
		b->building = NULL;
		if (b->pressure)
			reclaim(b);
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}
