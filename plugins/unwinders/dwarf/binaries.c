// SPDX-License-Identifier: MIT
/* Binary tables: one CFI table per file, built once by a worker thread, shared by all processes. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <gelf.h>

#include "cfi.h"
#include "dwarf_internal.h"

#define BUCKETS	     1024
#define MAX_SEGMENTS 8
/* Rows per batched map update: few syscalls, bounded kernel-side copies. */
#define UPLOAD_CHUNK 65536

struct segment {
	uint64_t offset, vaddr, filesz;
};

struct binary {
	uint64_t dev, ino, mtime_ns, size; /* all zero for the vDSO */
	bool vdso;
	bool queued; /* in the build queue, being built or built */
	uint32_t id;
	struct segment seg[MAX_SEGMENTS]; /* executable PT_LOADs */
	int n_seg;
	char *open_path, *path; /* where the worker opens it (path if open_path fails) */
	struct binary *next;	/* hash chain */
	struct binary *qnext;	/* build queue */
};

struct dw_binaries {
	const struct pb_host *host;
	int rows_fd, tables_fd;
	struct dw_limits limits;
	bool lazy; /* build a table only once a walk asks for it */
	pthread_t worker;
	pid_t worker_tid; /* 0 until the worker runs */
	bool worker_started, stop;
	pthread_mutex_t lock; /* everything below, except what only the worker touches */
	pthread_cond_t wake;
	struct binary *buckets[BUCKETS];
	struct binary **by_id; /* max_binaries slots */
	uint32_t n_bins;
	struct binary *q_head, *q_tail;
	uint64_t refused_bins; /* max-binaries reached */
	void *vdso;	       /* a copy of our own vDSO: the same image every process maps */
	size_t vdso_size;

	/* The worker's own. */
	uint32_t next_row;
	uint64_t rows_full, no_cfi, built, rows_total, build_ns, build_ns_max;
	char slowest[256];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static unsigned int bucket(uint64_t dev, uint64_t ino, uint64_t mtime)
{
	uint64_t h = (dev * 0x9e3779b97f4a7c15ULL) ^ ino ^ (mtime * 0xff51afd7ed558ccdULL);

	return (h ^ (h >> 29)) % BUCKETS;
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

static Elf *open_elf(struct dw_binaries *b, const struct binary *bin, int *fd)
{
	*fd = -1;
	if (bin->vdso)
		return elf_memory(b->vdso, b->vdso_size);
	*fd = open(bin->open_path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		*fd = open(bin->path, O_RDONLY | O_CLOEXEC); /* the process is gone */
	return *fd < 0 ? NULL : elf_begin(*fd, ELF_C_READ_MMAP, NULL);
}

static void close_elf(Elf *elf, int fd)
{
	elf_end(elf);
	if (fd >= 0)
		close(fd);
}

static int read_segments(struct dw_binaries *b, struct binary *bin)
{
	size_t n, i;
	int fd, err = 0;
	Elf *elf = open_elf(b, bin, &fd);

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
	close_elf(elf, fd);
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

static void free_binary(struct binary *bin)
{
	if (!bin)
		return;
	free(bin->open_path);
	free(bin->path);
	free(bin);
}

/* A new binary: its segments read now (cheap), its table queued for the worker. */
static int add_binary(struct dw_binaries *b, struct binary *key, const struct pb_mapping *m,
		      struct binary **ret)
{
	struct binary *bin;
	int err;

	if (b->n_bins >= b->limits.max_binaries) {
		if (!b->refused_bins++)
			b->host->log(b->host->session, PB_LOG_WARN, "dwarf",
				     "max-binaries (%u) reached: '%s' and later binaries get no "
				     "table (raise unwinder.dwarf.max-binaries)",
				     b->limits.max_binaries, m->path);
		return -ENOSPC;
	}
	bin = calloc(1, sizeof(*bin));
	if (!bin)
		return -ENOMEM;
	*bin = *key;
	bin->open_path = strdup(m->open_path ? m->open_path : m->path);
	bin->path = strdup(m->path);
	if (!bin->open_path || !bin->path) {
		free_binary(bin);
		return -ENOMEM;
	}
	if (bin->vdso && !b->vdso && (err = load_vdso(b))) {
		free_binary(bin);
		return err;
	}
	if ((err = read_segments(b, bin))) {
		free_binary(bin);
		return err;
	}
	bin->id = b->n_bins++;
	b->by_id[bin->id] = bin;
	bin->next = b->buckets[bucket(bin->dev, bin->ino, bin->mtime_ns)];
	b->buckets[bucket(bin->dev, bin->ino, bin->mtime_ns)] = bin;
	if (!b->lazy) {
		bin->queued = true;
		if (b->q_tail)
			b->q_tail->qnext = bin;
		else
			b->q_head = bin;
		b->q_tail = bin;
		pthread_cond_signal(&b->wake);
	}
	*ret = bin;
	return 0;
}

int dw_binaries__resolve(struct dw_binaries *b, const struct pb_mapping *m, uint32_t *table,
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
	for (bin = b->buckets[bucket(key.dev, key.ino, key.mtime_ns)]; bin; bin = bin->next)
		if (bin->dev == key.dev && bin->ino == key.ino && bin->mtime_ns == key.mtime_ns &&
		    bin->size == key.size && bin->vdso == key.vdso)
			break;
	if (!bin)
		err = add_binary(b, &key, m, &bin);
	if (!err) {
		*table = bin->id;
		*bias = bias_of(bin, m);
	}
	pthread_mutex_unlock(&b->lock);
	return err;
}

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
							  BPF_ANY) ? -errno : 0;
		}
		done += count;
	}
	free(keys);
	return err;
}

/* Turns one binary's CFI into rows and publishes them: rows first, then the table entry. */
static void build(struct dw_binaries *b, struct binary *bin)
{
	uint64_t t0 = now_ns(), dt;
	struct pb_cfi_rows r;
	int fd, err;
	Elf *elf = open_elf(b, bin, &fd);

	err = elf ? pb_cfi_rows_build(elf, &r) : -ENOENT;
	close_elf(elf, fd);
	if (err) {
		b->no_cfi++;
		set_table(b, bin->id, 0, 0, PB_DWARF_TABLE_NO_CFI);
		b->host->log(b->host->session, PB_LOG_DEBUG, "dwarf", "%s: no usable CFI (%s)",
			     bin->path, strerror(-err));
		return;
	}
	if (r.n > (1u << PB_DWARF_ROW_STEPS) || r.n > b->limits.max_rows - b->next_row) {
		if (!b->rows_full++)
			b->host->log(b->host->session, PB_LOG_WARN, "dwarf",
				     "max-rows (%u) reached: '%s' (%zu rows) and later binaries get "
				     "no table (raise unwinder.dwarf.max-rows)",
				     b->limits.max_rows, bin->path, r.n);
		set_table(b, bin->id, 0, 0, PB_DWARF_TABLE_FULL);
		pb_cfi_rows_free(&r);
		return;
	}
	err = upload(b, &r, b->next_row);
	err = err ?: set_table(b, bin->id, b->next_row, r.n, PB_DWARF_TABLE_READY);
	if (err) {
		b->host->log(b->host->session, PB_LOG_WARN, "dwarf", "%s: cannot load its table: %s",
			     bin->path, strerror(-err));
	} else {
		b->next_row += r.n;
		b->rows_total += r.n;
		b->built++;
	}
	dt = now_ns() - t0;
	b->build_ns += dt;
	if (dt > b->build_ns_max) {
		b->build_ns_max = dt;
		snprintf(b->slowest, sizeof(b->slowest), "%s", bin->path);
	}
	b->host->log(b->host->session, PB_LOG_DEBUG, "dwarf",
		     "%s: %zu rows (%zu KB) from %u FDEs, %u unsupported, in %.2f ms", bin->path,
		     r.n, r.n * sizeof(*r.v) / 1024, r.fdes, r.unsupported, dt / 1e6);
	pb_cfi_rows_free(&r);
}

static void *worker(void *arg)
{
	struct dw_binaries *b = arg;

	pthread_mutex_lock(&b->lock);
	b->worker_tid = (pid_t)syscall(SYS_gettid);
	pthread_cond_broadcast(&b->wake);
	for (;;) {
		struct binary *bin;

		while (!b->stop && !b->q_head)
			pthread_cond_wait(&b->wake, &b->lock);
		if (b->stop)
			break;
		bin = b->q_head;
		b->q_head = bin->qnext;
		if (!b->q_head)
			b->q_tail = NULL;
		pthread_mutex_unlock(&b->lock);
		build(b, bin);
		pthread_mutex_lock(&b->lock);
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

int dw_binaries__new(const struct pb_host *host, int rows_fd, int tables_fd,
		     const struct dw_limits *limits, bool lazy, struct dw_binaries **ret)
{
	struct dw_binaries *b = calloc(1, sizeof(*b));
	int err;

	if (!b)
		return -ENOMEM;
	b->host = host;
	b->rows_fd = rows_fd;
	b->tables_fd = tables_fd;
	b->limits = *limits;
	b->lazy = lazy;
	b->by_id = calloc(limits->max_binaries, sizeof(*b->by_id));
	if (!b->by_id) {
		free(b);
		return -ENOMEM;
	}
	elf_version(EV_CURRENT);
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->wake, NULL);
	err = -pthread_create(&b->worker, NULL, worker, b);
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

			free_binary(b->buckets[i]);
			b->buckets[i] = next;
		}
	}
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->wake);
	free(b->vdso);
	free(b->by_id);
	free(b);
}

void dw_binaries__prioritize(struct dw_binaries *b, uint32_t id)
{
	struct binary **pp, *prev = NULL;

	pthread_mutex_lock(&b->lock);
	if (id < b->n_bins && !b->by_id[id]->queued) {
		/* Lazy: first asked for now. */
		struct binary *bin = b->by_id[id];

		bin->queued = true;
		bin->qnext = b->q_head;
		b->q_head = bin;
		if (!b->q_tail)
			b->q_tail = bin;
		pthread_cond_signal(&b->wake);
		pthread_mutex_unlock(&b->lock);
		return;
	}
	for (pp = &b->q_head; *pp && (*pp)->id != id; pp = &(*pp)->qnext)
		prev = *pp;
	if (*pp && *pp != b->q_head) {
		struct binary *bin = *pp;

		*pp = bin->qnext;
		if (b->q_tail == bin)
			b->q_tail = prev;
		bin->qnext = b->q_head;
		b->q_head = bin;
	}
	pthread_mutex_unlock(&b->lock);
}

void dw_binaries__report(struct dw_binaries *b)
{
	if (!b)
		return;
	pthread_mutex_lock(&b->lock); /* the worker is idle or stopped after this */
	b->host->log(b->host->session, PB_LOG_INFO, "dwarf",
		     "%" PRIu64 " tables, %" PRIu64 " rows (%" PRIu64 " KB), built in %.1f ms "
		     "(slowest %.1f ms: %s); %" PRIu64 " binaries without CFI",
		     b->built, b->rows_total, b->rows_total * sizeof(struct pb_dwarf_row) / 1024,
		     b->build_ns / 1e6, b->build_ns_max / 1e6, b->slowest, b->no_cfi);
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
