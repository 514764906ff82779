// SPDX-License-Identifier: MIT
/* Binary tables: one CFI table per file, shared by all processes, counted by their mappings. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <gelf.h>

#include "binaries_impl.h"

uint64_t dw_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The vDSO is not a file: copy our own (the kernel maps the same one into every process). */
static int load_vdso(struct dw_binaries *b)
{
	uintptr_t base = getauxval(AT_SYSINFO_EHDR);
	char line[512];
	FILE *f;

	if (!base)
		return -ENOENT;
	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		uint64_t start, end;

		if (strstr(line, "[vdso]") && sscanf(line, "%" SCNx64 "-%" SCNx64, &start, &end) == 2 &&
		    start == base) {
			b->vdso_size = end - start;
			break;
		}
	}
	fclose(f);
	if (!b->vdso_size || !(b->vdso = malloc(b->vdso_size)))
		return -ENOMEM;
	memcpy(b->vdso, (void *)base, b->vdso_size);
	return 0;
}

Elf *dw_open_elf(struct dw_binaries *b, const struct binary *bin, int *fd)
{
	*fd = -1;
	if (bin->vdso)
		return elf_memory(b->vdso, b->vdso_size);
	*fd = open(bin->open_path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		*fd = open(bin->path, O_RDONLY | O_CLOEXEC); /* the process is gone */
	return *fd < 0 ? NULL : elf_begin(*fd, ELF_C_READ_MMAP, NULL);
}

void dw_close_elf(Elf *elf, int fd)
{
	elf_end(elf);
	if (fd >= 0)
		close(fd);
}

static int read_segments(struct dw_binaries *b, struct binary *bin)
{
	size_t n, i;
	int fd, err = 0;
	Elf *elf = dw_open_elf(b, bin, &fd);

	if (!elf)
		return fd < 0 && !bin->vdso ? -errno : -EINVAL;
	if (elf_kind(elf) != ELF_K_ELF || elf_getphdrnum(elf, &n)) {
		err = -ENOEXEC;
		goto out;
	}
	for (i = 0; i < n && bin->n_seg < MAX_SEGMENTS; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD && ph.p_flags & PF_X)
			bin->seg[bin->n_seg++] =
				(struct segment){ph.p_offset, ph.p_vaddr, ph.p_filesz};
	}
	if (!bin->n_seg)
		err = -ENOEXEC;
out:
	dw_close_elf(elf, fd);
	return err;
}

static uint64_t bias_of(const struct binary *bin, const struct pb_mapping *m)
{
	const struct segment *s = &bin->seg[0];

	for (int i = 0; i < bin->n_seg; i++) {
		uint64_t page_off = bin->seg[i].offset & ~4095ull;

		if (m->pgoff >= page_off && m->pgoff < bin->seg[i].offset + bin->seg[i].filesz) {
			s = &bin->seg[i];
			break;
		}
	}
	/* The file offset of address a is a - start + pgoff; its vaddr is that - offset + vaddr. */
	return m->start - m->pgoff + s->offset - s->vaddr;
}

void dw_binary_free(struct binary *bin)
{
	if (!bin)
		return;
	free(bin->open_path);
	free(bin->path);
	free(bin);
}

void dw_queue_push(struct dw_binaries *b, struct binary *bin)
{
	bin->queued = true;
	bin->qnext = NULL;
	if (b->q_tail)
		b->q_tail->qnext = bin;
	else
		b->q_head = bin;
	b->q_tail = bin;
	pthread_cond_signal(&b->wake);
}

/* A free table id, or -ENOSPC (then the worker evicts unused tables at once). */
static int64_t take_id(struct dw_binaries *b)
{
	if (b->n_free_ids)
		return b->free_ids[--b->n_free_ids];
	if (b->n_ids < b->limits.max_binaries)
		return b->n_ids++;
	if (b->n_unused || b->n_quar) {
		b->pressure = true;
		pthread_cond_signal(&b->wake);
	}
	return -ENOSPC;
}

/* A new binary: its segments read now (cheap), its table queued for the worker. */
static int add_binary(struct dw_binaries *b, struct binary *key, const struct pb_mapping *m,
		      struct binary **ret)
{
	struct binary *bin;
	int64_t id;
	int err;

	bin = calloc(1, sizeof(*bin));
	if (!bin)
		return -ENOMEM;
	*bin = *key;
	bin->open_path = strdup(m->open_path ? m->open_path : m->path);
	bin->path = strdup(m->path);
	if (!bin->open_path || !bin->path) {
		dw_binary_free(bin);
		return -ENOMEM;
	}
	if (bin->vdso && !b->vdso && (err = load_vdso(b))) {
		dw_binary_free(bin);
		return err;
	}
	if ((err = read_segments(b, bin))) {
		dw_binary_free(bin);
		return err;
	}
	if ((id = take_id(b)) < 0) {
		if (!b->refused_bins++)
			b->host->log(b->host->session, PB_LOG_WARN, "dwarf",
				     "max-binaries (%u) reached: '%s' and later binaries get no "
				     "table while running processes use them all (raise "
				     "unwinder.dwarf.max-binaries)",
				     b->limits.max_binaries, m->path);
		dw_binary_free(bin);
		return -ENOSPC;
	}
	bin->id = id;
	b->by_id[id] = bin;
	b->n_live++;
	b->n_unused++; /* until the caller takes its reference */
	bin->next = b->buckets[dw_bucket(bin)];
	b->buckets[dw_bucket(bin)] = bin;
	if (!b->lazy)
		dw_queue_push(b, bin);
	*ret = bin;
	return 0;
}

int dw_binaries__get(struct dw_binaries *b, const struct pb_mapping *m, uint32_t *table,
		     uint64_t *bias)
{
	struct binary key = {0}, *bin;
	struct stat sb;
	int err = 0;

	if (!strcmp(m->path, "[vdso]")) {
		key.vdso = true;
	} else {
		if (m->path[0] != '/' || !m->inode)
			return -ENOENT; /* anonymous or special: no CFI to read */
		if (stat(m->open_path ? m->open_path : m->path, &sb))
			return -errno;
		key.dev = sb.st_dev;
		key.ino = sb.st_ino;
		key.mtime_ns = sb.st_mtim.tv_sec * 1000000000ull + sb.st_mtim.tv_nsec;
		key.size = sb.st_size;
	}
	pthread_mutex_lock(&b->lock);
	for (bin = b->buckets[dw_bucket(&key)]; bin; bin = bin->next)
		if (bin->dev == key.dev && bin->ino == key.ino && bin->mtime_ns == key.mtime_ns &&
		    bin->size == key.size && bin->vdso == key.vdso)
			break;
	if (!bin)
		err = add_binary(b, &key, m, &bin);
	if (!err) {
		if (!bin->refs++)
			b->n_unused--;
		*table = bin->id;
		*bias = bias_of(bin, m);
	}
	pthread_mutex_unlock(&b->lock);
	return err;
}

void dw_binaries__put(struct dw_binaries *b, uint32_t id)
{
	struct binary *bin;

	pthread_mutex_lock(&b->lock);
	bin = id < b->n_ids ? b->by_id[id] : NULL;
	if (bin && bin->refs && !--bin->refs) {
		bin->unused_ns = dw_now_ns();
		/* The worker may be waiting without a timeout: it has something to evict now. */
		if (!b->n_unused++)
			pthread_cond_signal(&b->wake);
	}
	pthread_mutex_unlock(&b->lock);
}

int dw_binaries__new(const struct pb_host *host, int rows_fd, int tables_fd,
		     const struct dw_limits *limits, bool lazy, struct dw_binaries **ret)
{
	struct dw_binaries *b = calloc(1, sizeof(*b));
	pthread_condattr_t attr;
	int err;

	if (!b)
		return -ENOMEM;
	b->host = host;
	b->rows_fd = rows_fd;
	b->tables_fd = tables_fd;
	b->limits = *limits;
	b->lazy = lazy;
	b->by_id = calloc(limits->max_binaries, sizeof(*b->by_id));
	b->free_ids = calloc(limits->max_binaries, sizeof(*b->free_ids));
	if (!b->by_id || !b->free_ids || dw_rowalloc_init(&b->rows, limits->max_rows)) {
		free(b->by_id);
		free(b->free_ids);
		free(b);
		return -ENOMEM;
	}
	elf_version(EV_CURRENT);
	pthread_mutex_init(&b->lock, NULL);
	/* The worker's reclaim waits are timed against the monotonic clock. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&b->wake, &attr);
	pthread_condattr_destroy(&attr);
	err = -pthread_create(&b->worker, NULL, dw_worker, b);
	if (err) {
		dw_binaries__free(b);
		return err;
	}
	b->worker_started = true;
	*ret = b;
	return 0;
}

pid_t dw_binaries__worker_tid(struct dw_binaries *b)
{
	pid_t tid;

	pthread_mutex_lock(&b->lock);
	while (!b->worker_tid)
		pthread_cond_wait(&b->wake, &b->lock);
	tid = b->worker_tid;
	pthread_mutex_unlock(&b->lock);
	return tid;
}

void dw_binaries__free(struct dw_binaries *b)
{
	if (!b)
		return;
	if (b->worker_started) {
		pthread_mutex_lock(&b->lock);
		b->stop = true;
		pthread_cond_signal(&b->wake);
		pthread_mutex_unlock(&b->lock);
		pthread_join(b->worker, NULL);
	}
	for (int i = 0; i < BUCKETS; i++) {
		while (b->buckets[i]) {
			struct binary *next = b->buckets[i]->next;

			dw_binary_free(b->buckets[i]);
			b->buckets[i] = next;
		}
	}
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->wake);
	dw_rowalloc_fini(&b->rows);
	free(b->quar);
	free(b->vdso);
	free(b->free_ids);
	free(b->by_id);
	free(b);
}

void dw_binaries__prioritize(struct dw_binaries *b, uint32_t id)
{
	struct binary **pp, *prev = NULL, *bin;

	pthread_mutex_lock(&b->lock);
	bin = id < b->n_ids ? b->by_id[id] : NULL;
	if (bin && !bin->queued) {
		/* Lazy: first asked for now. */
		bin->queued = true;
		bin->qnext = b->q_head;
		b->q_head = bin;
		if (!b->q_tail)
			b->q_tail = bin;
		pthread_cond_signal(&b->wake);
		pthread_mutex_unlock(&b->lock);
		return;
	}
	for (pp = &b->q_head; bin && *pp && *pp != bin; pp = &(*pp)->qnext)
		prev = *pp;
	if (bin && *pp && *pp != b->q_head) {
		*pp = bin->qnext;
		if (b->q_tail == bin)
			b->q_tail = prev;
		bin->qnext = b->q_head;
		b->q_head = bin;
	}
	pthread_mutex_unlock(&b->lock);
}

void dw_binaries__stats(struct dw_binaries *b, struct dw_table_stats *out)
{
	pthread_mutex_lock(&b->lock);
	*out = (struct dw_table_stats){
		.built = b->built,
		.evicted = b->evicted,
		.forgotten = b->forgotten,
		.live = b->n_live,
		.rows_in_use = b->rows.used - b->quar_rows,
		.rows_peak = b->rows.peak,
		.rows_freed = b->rows_freed,
	};
	pthread_mutex_unlock(&b->lock);
}

void dw_binaries__report(struct dw_binaries *b)
{
	struct dw_table_stats st;

	if (!b)
		return;
	dw_binaries__stats(b, &st);
	pthread_mutex_lock(&b->lock); /* the worker is idle or stopped after this */
	b->host->log(b->host->session, PB_LOG_INFO, "dwarf",
		     "%" PRIu64 " tables, %" PRIu64 " rows (%" PRIu64 " KB), built in %.1f ms "
		     "(slowest %.1f ms: %s); %" PRIu64 " binaries without CFI",
		     b->built, b->rows_total, b->rows_total * sizeof(struct pb_dwarf_row) / 1024,
		     b->build_ns / 1e6, b->build_ns_max / 1e6, b->slowest, b->no_cfi);
	b->host->log(b->host->session, PB_LOG_INFO, "dwarf",
		     "tables: %" PRIu64 " built, %" PRIu64 " evicted (%" PRIu64 " rows freed), %" PRIu64
		     " unused binaries forgotten unbuilt, %u held; rows in use %u (peak %u) of %u",
		     st.built, st.evicted, st.rows_freed, st.forgotten, st.live, st.rows_in_use,
		     st.rows_peak, b->limits.max_rows);
	if (b->refused_bins)
		b->host->log(b->host->session, PB_LOG_WARN, "dwarf",
			     "limit hit: %" PRIu64 " binaries had no table slot (max-binaries %u)",
			     b->refused_bins, b->limits.max_binaries);
	if (b->rows_full)
		b->host->log(b->host->session, PB_LOG_WARN, "dwarf",
			     "limit hit: %" PRIu64 " binaries had no room for rows (max-rows %u)",
			     b->rows_full, b->limits.max_rows);
	pthread_mutex_unlock(&b->lock);
}
