// SPDX-License-Identifier: MIT
/* The symbolizer: maps user addresses to names (kernel ones: symkernel.c), caching binaries by
 * build-id across processes. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "kallsyms.h"
#include "srcinfo.h"
#include "symbolizer_impl.h"

uint64_t pb_symbolizer_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int pb_symbolizer__new(struct pb_symbolizer **ret)
{
	struct pb_symbolizer *s;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOTSUP;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	s->debug_dirs[0] = "/usr/lib/debug";
	*ret = s;
	return 0;
}

static void free_retired(struct pb_symbolizer *s)
{
	for (size_t i = 0; i < s->n_retired; i++)
		pb_binary__free(s->retired[i]);
	s->n_retired = 0;
}

void pb_symbolizer__free(struct pb_symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->by_id.cap; i++)
		pb_binary__free(s->by_id.slots[i].val);
	for (size_t i = 0; i < s->by_file.cap; i++)
		free(s->by_file.slots[i].val);
	pb_u64map_clear(&s->by_id);
	pb_u64map_clear(&s->by_file);
	pb_strpool_clear(&s->pool);
	pb_kallsyms__free(s->kallsyms);
	pb_jitmaps_clear(&s->jit);
	pb_pysym_clear(&s->py);
	pb_binary__free(s->vdso);
	pb_dinfod__free(s->dinfod);
	free_retired(s);
	free(s->retired);
	for (int i = 0; i < s->n_own_dirs; i++)
		free(s->own_dirs[i]);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int pb_symbolizer__add_debug_dir(struct pb_symbolizer *s, const char *dir)
{
	char *copy;

	if (s->n_own_dirs == MAX_DEBUG_DIRS)
		return -E2BIG;
	copy = strdup(dir);
	if (!copy)
		return -ENOMEM;
	pthread_mutex_lock(&s->lock);
	/* Added directories are searched before the system one, in the order added. */
	s->own_dirs[s->n_own_dirs++] = copy;
	for (int i = 0; i < s->n_own_dirs; i++)
		s->debug_dirs[i] = s->own_dirs[i];
	s->debug_dirs[s->n_own_dirs] = "/usr/lib/debug";
	s->debug_dirs[s->n_own_dirs + 1] = NULL;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* The "/proc/PID/root" prefix of m->open_path, so debug files are looked for in a container. */
static void root_of(const struct pb_mapping *m, char *buf, size_t sz)
{
	size_t ol = m->open_path ? strlen(m->open_path) : 0, pl = strlen(m->path);

	buf[0] = 0;
	if (ol > pl && ol - pl < sz && !strcmp(m->open_path + ol - pl, m->path) &&
	    !strncmp(m->open_path, "/proc/", 6))
		snprintf(buf, sz, "%.*s", (int)(ol - pl), m->open_path);
}

static void stat_ident(const struct stat *st, uint64_t ident[4])
{
	ident[0] = st->st_dev;
	ident[1] = st->st_ino;
	ident[2] = st->st_mtim.tv_sec * 1000000000ull + st->st_mtim.tv_nsec;
	ident[3] = st->st_size;
}

static struct pb_binary *load_file(struct pb_symbolizer *s, const struct pb_mapping *m,
				   uint64_t ident[4])
{
	const char *first = m->open_path && m->open_path[0] ? m->open_path : m->path;
	int fd = open(first, O_RDONLY | O_CLOEXEC);
	struct pb_binary *bin = NULL, id = {0};
	char root[64];
	struct stat st;
	uint64_t key;
	Elf *elf;

	if (fd < 0 && first != m->path)
		fd = open(m->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || fstat(fd, &st))
		goto out;
	stat_ident(&st, ident);
	if (!pb_binary_read_build_id(elf, &id))
		key = pb_hash64(id.build_id, id.build_id_len, 1);
	else
		key = pb_hash64(ident, 4 * sizeof(*ident), 2);
	/* Another process (or container) already mapped the same build: share it. */
	bin = pb_u64map_get(&s->by_id, key);
	if (bin)
		goto out;
	root_of(m, root, sizeof(root));
	struct pb_debug_search ds = {.dirs = s->debug_dirs, .root = root, .path = m->path};

	if (pb_binary__load(elf, &ds, &bin))
		goto out;
	if (pb_u64map_put(&s->by_id, key, bin)) {
		pb_binary__free(bin);
		bin = NULL;
	}
out:
	elf_end(elf);
	close(fd);
	return bin;
}

static struct pb_binary *load_vdso(void)
{
	const Elf64_Ehdr *eh = (const void *)getauxval(AT_SYSINFO_EHDR);
	struct pb_binary *bin = NULL;
	Elf *elf;

	if (!eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64)
		return NULL;
	/* The section headers come last in the vdso image: they bound its size. */
	elf = elf_memory((char *)eh, eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize);
	if (elf)
		pb_binary__load(elf, NULL, &bin);
	elf_end(elf);
	return bin;
}

/*
 * Whether the file behind ref was replaced: an inode number can be reused by a new file (a
 * rebuilt program), so dev+inode alone may name another binary later. Checked once a second.
 */
static bool changed(struct file_ref *ref, const struct pb_mapping *m)
{
	uint64_t now = pb_symbolizer_now_ns(), ident[4];
	struct stat st;

	if (now - ref->checked_ns < RECHECK_NS)
		return false;
	ref->checked_ns = now;
	if (stat(m->open_path && m->open_path[0] ? m->open_path : m->path, &st))
		return false; /* gone with its process: what we have is the best we can get */
	stat_ident(&st, ident);
	return memcmp(ident, ref->ident, sizeof(ident)) != 0;
}

uint64_t pb_symbolizer_file_key(const struct pb_mapping *m)
{
	uint64_t ident[2] = {m->dev, m->inode};

	return m->inode ? pb_hash64(ident, sizeof(ident), 3) : pb_hash64(m->path, strlen(m->path), 4);
}

/*
 * bin's DWARF: its debug file's, else the mapped file's own (lock held). Opened when the binary
 * is, while /proc/PID/root still leads to it: a process that exited before the drain is gone.
 */
static struct pb_srcinfo *srcinfo_of(struct pb_binary *bin, const struct pb_mapping *m)
{
	if (!bin->src_tried) {
		const char *own = m->open_path && m->open_path[0] ? m->open_path : m->path;

		bin->src_tried = true;
		if ((!bin->debug_path || pb_srcinfo__new(bin->debug_path, &bin->src)) &&
		    pb_srcinfo__new(own, &bin->src) && own != m->path)
			pb_srcinfo__new(m->path, &bin->src);
	}
	return bin->src;
}

struct pb_binary *pb_symbolizer_binary_for(struct pb_symbolizer *s, const struct pb_mapping *m)
{
	uint64_t key = pb_symbolizer_file_key(m);
	struct file_ref *ref = pb_u64map_get(&s->by_file, key);

	if (!strcmp(m->path, "[vdso]")) {
		/* Every 64-bit process maps the kernel's one vdso image: ours is the same. */
		if (!s->vdso_tried)
			s->vdso = load_vdso();
		s->vdso_tried = true;
		return s->vdso;
	}
	if (m->path[0] == '[' || !m->path[0])
		return NULL;
	if (ref && ref->bin && !changed(ref, m))
		return ref->bin;
	if (ref && !ref->bin && pb_symbolizer_now_ns() - ref->failed_ns < RETRY_NS)
		return NULL;
	if (!ref) {
		ref = calloc(1, sizeof(*ref));
		if (!ref || pb_u64map_put(&s->by_file, key, ref)) {
			free(ref);
			return NULL;
		}
	}
	/* A replaced file's old binary stays in by_id: names handed out from it must live. */
	ref->bin = load_file(s, m, ref->ident);
	if (ref->bin && (s->inline_frames || s->lines))
		srcinfo_of(ref->bin, m);
	ref->checked_ns = pb_symbolizer_now_ns();
	if (!ref->bin)
		ref->failed_ns = ref->checked_ns;
	return ref->bin;
}

int pb_symbolizer__load(struct pb_symbolizer *s, const struct pb_mapping *m)
{
	pthread_mutex_lock(&s->lock);
	struct pb_binary *bin = pb_symbolizer_binary_for(s, m);

	pthread_mutex_unlock(&s->lock);
	return bin ? 0 : -ENOENT;
}

static const char *unresolved(struct pb_symbolizer *s, const struct pb_mapping *m, uint64_t off)
{
	const char *base = strrchr(m->path, '/');
	char buf[512];

	if (!m->path[0])
		return "[unknown]";
	if (m->path[0] == '[') /* [vdso], [heap], [anon:name]: the name says it all */
		return pb_strpool_intern(&s->pool, m->path) ?: "[unknown]";
	snprintf(buf, sizeof(buf), "[%s+0x%" PRIx64 "]", base ? base + 1 : m->path, off);
	return pb_strpool_intern(&s->pool, buf) ?: "[unknown]";
}

/* Why addr in m (NULL: in no known mapping) got no name. */
static enum pb_unnamed_cause unnamed_cause(const struct pb_mapping *m, const struct pb_binary *bin)
{
	if (!m)
		return PB_UNNAMED_NO_MAPPING;
	/* Anonymous or memfd code is what JITs write; [vdso] and friends are binaries. */
	if (!m->path[0] || !strncmp(m->path, "[anon", 5) || !strncmp(m->path, "/memfd:", 7))
		return PB_UNNAMED_JIT;
	if (!bin)
		return m->path[0] == '[' ? PB_UNNAMED_NO_SYMBOL : PB_UNNAMED_UNREADABLE;
	return bin->stripped ? PB_UNNAMED_STRIPPED : PB_UNNAMED_NO_SYMBOL;
}

/* The name of addr, counted as named or unnamed; *bin and *vaddr say where it came from. */
static const char *lookup_locked(struct pb_symbolizer *s, uint32_t pid,
				 const struct pb_mapping *m, uint64_t addr, bool is_return,
				 uint64_t count, struct pb_binary **from, uint64_t *from_vaddr)
{
	bool in_m = m && m->path && addr >= m->start && addr < m->end;
	const char *name = NULL;
	uint64_t vaddr, off = 0;
	struct pb_binary *bin = NULL;

	*from = NULL;
	/* s->lock is held: the Python names live under it too. */
	if ((addr & PB_RAW_PY_FRAME) && pid && (name = pb_pysym_name(&s->py, &s->pool, pid, addr)))
		return name;
	if (addr & PB_RAW_PY_FRAME) {
		/* Bit 63 in a process that is not Python's: a frame-pointer walk read garbage. */
		pb_unnamed_add(&s->unnamed, PB_UNNAMED_NO_MAPPING, NULL, count);
		return "[unknown]";
	}
	/* A return address points after the call; the call itself is one byte back. */
	if (is_return && addr > (in_m ? m->start : 0))
		addr--;
	if (in_m) {
		off = addr - m->start + m->pgoff;
		bin = pb_symbolizer_binary_for(s, m);
		if (bin) {
			bin->used = s->window;
			pb_symbolizer_fetch_debug(s, m, bin);
		}
		if (bin && !pb_binary__off_to_vaddr(bin, off, &vaddr))
			name = pb_binary__lookup(bin, vaddr);
		if (name) {
			*from = bin;
			*from_vaddr = vaddr;
		}
	}
	/* JIT code: anonymous (or memfd) mappings, or a pc no known mapping holds. */
	if (!name && pid)
		name = pb_jitmaps_lookup(&s->jit, pid, addr);
	if (name) {
		s->unnamed.named += count;
	} else {
		pb_unnamed_add(&s->unnamed, unnamed_cause(in_m ? m : NULL, bin),
			       in_m ? m->path : NULL, count);
		name = in_m ? unresolved(s, m, off) : "[unknown]";
	}
	return name;
}

const char *pb_symbolizer__frame_n(struct pb_symbolizer *s, uint32_t pid,
				   const struct pb_mapping *m, uint64_t addr, bool is_return,
				   uint64_t count)
{
	struct pb_binary *bin;
	uint64_t vaddr;
	const char *name;

	pthread_mutex_lock(&s->lock);
	name = lookup_locked(s, pid, m, addr, is_return, count, &bin, &vaddr);
	pthread_mutex_unlock(&s->lock);
	return name;
}

void pb_symbolizer__set_source(struct pb_symbolizer *s, bool inline_frames, bool lines)
{
	pthread_mutex_lock(&s->lock);
	s->inline_frames = inline_frames;
	s->lines = lines;
	pthread_mutex_unlock(&s->lock);
}

int pb_symbolizer__frames_n(struct pb_symbolizer *s, uint32_t pid, const struct pb_mapping *m,
			    uint64_t addr, bool is_return, uint64_t count, const char **out,
			    int max)
{
	const struct pb_src_frames *f = NULL;
	struct pb_binary *bin;
	uint64_t vaddr;
	const char *name;
	int n = 0;

	if (max < 1)
		return 0;
	pthread_mutex_lock(&s->lock);
	name = lookup_locked(s, pid, m, addr, is_return, count, &bin, &vaddr);
	if (bin && (s->inline_frames || s->lines) && srcinfo_of(bin, m)) {
		size_t before = pb_srcinfo__mem(bin->src);

		f = pb_srcinfo__lookup(bin->src, vaddr, name, s->inline_frames, s->lines);
		bin->mem += pb_srcinfo__mem(bin->src) - before;
	}
	if (!f)
		out[n++] = name;
	for (uint32_t i = 0; f && i < f->n && n < max; i++)
		out[n++] = f->name[i];
	pthread_mutex_unlock(&s->lock);
	return n;
}

const char *pb_symbolizer__frame(struct pb_symbolizer *s, uint32_t pid,
				 const struct pb_mapping *m, uint64_t addr, bool is_return)
{
	return pb_symbolizer__frame_n(s, pid, m, addr, is_return, 0);
}

const char *pb_symbolizer__user(struct pb_symbolizer *s, const struct pb_mapping *m, uint64_t addr,
				bool is_return)
{
	return pb_symbolizer__frame(s, 0, m, addr, is_return);
}

void pb_symbolizer__forget_pid(struct pb_symbolizer *s, uint32_t pid)
{
	pthread_mutex_lock(&s->lock);
	pb_jitmaps_forget(&s->jit, pid);
	pb_pysym_forget(&s->py, pid);
	pthread_mutex_unlock(&s->lock);
}

void pb_symbolizer__read_early(struct pb_symbolizer *s, uint32_t pid, const uint64_t *ips,
			       uint32_t n)
{
	pthread_mutex_lock(&s->lock);
	for (uint32_t i = 0; i < n; i++)
		if (ips[i] & PB_RAW_PY_FRAME)
			pb_pysym_name(&s->py, &s->pool, pid, ips[i]);
	pthread_mutex_unlock(&s->lock);
}

void pb_symbolizer__end_window(struct pb_symbolizer *s, pb_symbolizer_live_fn live, void *ctx)
{
	pthread_mutex_lock(&s->lock);
	pb_jitmaps_end_window(&s->jit);
	free_retired(s);
	pb_symbolizer_trim(s, live, ctx);
	pb_pysym_end_window(&s->py);
	s->jit.window = ++s->window;
	pthread_mutex_unlock(&s->lock);
}

void pb_symbolizer__unnamed_weight(struct pb_symbolizer *s, const char *weight)
{
	pthread_mutex_lock(&s->lock);
	s->unnamed.weight = weight;
	pthread_mutex_unlock(&s->lock);
}

size_t pb_symbolizer__unnamed_summary(struct pb_symbolizer *s, char *buf, size_t sz)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = pb_unnamed_format(&s->unnamed, buf, sz);
	pthread_mutex_unlock(&s->lock);
	return n;
}

void pb_symbolizer__perfmap_stats(struct pb_symbolizer *s, struct pb_perfmap_stats *out)
{
	pthread_mutex_lock(&s->lock);
	pb_jitmaps_stats(&s->jit, out);
	pthread_mutex_unlock(&s->lock);
}
