// SPDX-License-Identifier: MIT
/* Reads an ELF binary's PT_LOAD segments and function symbols into a sorted, searchable table. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <elfutils/libdwelf.h>
#include "binary.h"
#include "debugdata.h"
#include "grow.h"
#include "plt.h"
#include "srcinfo.h"
#include "symbolizer.h"

/* A symbol while collecting: the name still points into the Elf's string table. */
struct raw_sym {
	uint64_t start;
	uint64_t size;
	uint64_t sec_end; /* end of its section: bounds a zero-size symbol */
	const char *name;
	int rank; /* higher wins when two symbols start at one address */
};

struct sym_vec {
	struct raw_sym *v;
	size_t n, cap;
	char **owned; /* names made here ("func@plt"), freed once finish() copied them */
	size_t n_owned, cap_owned;
};

int pb_binary_read_build_id(Elf *elf, struct pb_binary *b)
{
	const void *id;
	ssize_t len = dwelf_elf_gnu_build_id(elf, &id);

	if (len <= 0 || len > PB_BUILD_ID_MAX)
		return -ENOENT;
	memcpy(b->build_id, id, len);
	b->build_id_len = len;
	return 0;
}

static int load_segments(Elf *elf, struct pb_binary *b)
{
	size_t n;

	if (elf_getphdrnum(elf, &n))
		return -EINVAL;
	b->segs = calloc(n ? n : 1, sizeof(*b->segs));
	if (!b->segs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		b->segs[b->n_segs++] = (struct pb_binary_seg){
		    .offset = ph.p_offset, .filesz = ph.p_filesz, .vaddr = ph.p_vaddr};
	}
	return 0;
}

static int sym_rank(const GElf_Sym *s)
{
	int type = GELF_ST_TYPE(s->st_info), bind = GELF_ST_BIND(s->st_info);
	/* FUNC beats NOTYPE; among equals GLOBAL beats WEAK beats LOCAL; a size beats none. */
	int rank = (type == STT_FUNC || type == STT_GNU_IFUNC) ? 8 : 0;

	rank += bind == STB_GLOBAL ? 4 : bind == STB_WEAK ? 2 : 0;
	return rank + (s->st_size ? 1 : 0);
}

static bool keep_sym(const GElf_Sym *s, const char *name, const GElf_Shdr *sec)
{
	int type = GELF_ST_TYPE(s->st_info);

	if (!name || !name[0] || !s->st_value || s->st_shndx == SHN_UNDEF ||
	    s->st_shndx >= SHN_LORESERVE)
		return false;
	if (type == STT_FUNC || type == STT_GNU_IFUNC)
		return true;
	/* Hand-written assembly often has untyped labels; keep those in code, but not the
	 * assembler's local labels or ARM mapping symbols. */
	return type == STT_NOTYPE && (sec->sh_flags & SHF_EXECINSTR) && name[0] != '$' &&
	       strncmp(name, ".L", 2);
}

static int collect(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, struct sym_vec *out)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;

	if (!data)
		return 0;
	for (size_t i = 0; i < n; i++) {
		GElf_Sym s;
		GElf_Shdr sec;

		if (!gelf_getsym(data, i, &s))
			continue;
		const char *name = elf_strptr(elf, sh->sh_link, s.st_name);
		Elf_Scn *in = s.st_shndx < SHN_LORESERVE ? elf_getscn(elf, s.st_shndx) : NULL;

		if (!in || !gelf_getshdr(in, &sec) || !keep_sym(&s, name, &sec))
			continue;
		if (PB_GROW(out->v, out->n, out->cap, 1024))
			return -ENOMEM;
		out->v[out->n++] = (struct raw_sym){
		    .start = s.st_value,
		    .size = s.st_size,
		    .sec_end = sec.sh_addr + sec.sh_size,
		    .name = name,
		    .rank = sym_rank(&s),
		};
	}
	return 0;
}

/* Adds elf's symbols of section type (SHT_SYMTAB or SHT_DYNSYM); -ENOENT when it has none. */
static int collect_type(Elf *elf, Elf64_Word type, struct sym_vec *out)
{
	Elf_Scn *scn = NULL;
	int found = -ENOENT;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != type)
			continue;
		int err = collect(elf, scn, &sh, out);

		if (err)
			return err;
		found = 0;
	}
	return found;
}

static int add_plt(void *ctx, uint64_t addr, uint64_t size, const char *name)
{
	struct sym_vec *out = ctx;
	char *copy;

	if (PB_GROW(out->v, out->n, out->cap, 1024) ||
	    PB_GROW(out->owned, out->n_owned, out->cap_owned, 256))
		return -ENOMEM;
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	out->owned[out->n_owned++] = copy;
	/* Ranked as a sized global function: a real symbol at the address would still win. */
	out->v[out->n++] = (struct raw_sym){
	    .start = addr, .size = size, .sec_end = addr + size, .name = copy, .rank = 13};
	return 0;
}

static int cmp_raw(const void *a, const void *b)
{
	const struct raw_sym *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->rank != y->rank)
		return y->rank - x->rank;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return strcmp(x->name, y->name); /* deterministic across runs */
}

/* Sorts, drops duplicates, and gives every symbol an end; copies names out of the Elf. */
static int finish(struct pb_binary *b, struct sym_vec *raw)
{
	size_t names_len = 0, n = 0;
	uint64_t cover_end = 0;

	if (raw->n)
		qsort(raw->v, raw->n, sizeof(*raw->v), cmp_raw);
	for (size_t i = 0; i < raw->n; i++) {
		struct raw_sym *r = &raw->v[i];

		if (n && raw->v[n - 1].start == r->start)
			continue; /* the best-ranked alias at this address was kept */
		/* An untyped label inside a sized function is a local label, not a function. */
		if (r->rank < 8 && r->start < cover_end)
			continue;
		if (r->rank >= 8 && r->size && r->start + r->size > cover_end)
			cover_end = r->start + r->size;
		raw->v[n++] = *r;
		names_len += strlen(r->name) + 1;
	}
	b->syms = calloc(n ? n : 1, sizeof(*b->syms));
	b->names = malloc(names_len ? names_len : 1);
	if (!b->syms || !b->names)
		return -ENOMEM;
	size_t off = 0;

	for (size_t i = 0; i < n; i++) {
		struct raw_sym *r = &raw->v[i];
		uint64_t end = r->start + r->size;

		if (!r->size) {
			/* Zero-size: it runs to the next symbol, but never past its section. */
			end = r->sec_end > r->start ? r->sec_end : r->start + 1;
			if (i + 1 < n && raw->v[i + 1].start < end)
				end = raw->v[i + 1].start;
		}
		b->syms[i] = (struct pb_binary_sym){.start = r->start, .end = end, .name_off = off};
		size_t len = strlen(r->name) + 1;

		memcpy(b->names + off, r->name, len);
		off += len;
	}
	b->n_syms = n;
	b->mem = sizeof(*b) + n * sizeof(*b->syms) + names_len + b->n_segs * sizeof(*b->segs);
	return 0;
}

static Elf *open_elf(const char *path, int *fd)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return NULL;
	Elf *elf = elf_begin(*fd, ELF_C_READ_MMAP, NULL);

	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		elf_end(elf);
		close(*fd);
		*fd = -1;
		return NULL;
	}
	return elf;
}

/* Opens path if it is an ELF whose build-id matches b's (when both have one). */
static Elf *open_debug(const struct pb_binary *b, const char *path, int *fd)
{
	Elf *elf = open_elf(path, fd);
	struct pb_binary id = {0};

	if (!elf)
		return NULL;
	if (b->build_id_len && !pb_binary_read_build_id(elf, &id) &&
	    (id.build_id_len != b->build_id_len ||
	     memcmp(id.build_id, b->build_id, id.build_id_len))) {
		elf_end(elf);
		close(*fd);
		*fd = -1;
		return NULL;
	}
	return elf;
}

/* Finds the separate debug file: by build-id first, then by .gnu_debuglink. */
static Elf *find_debug(Elf *elf, const struct pb_binary *b, const struct pb_debug_search *ds,
		       int *fd, char **found)
{
	char path[4096], hex[2 * PB_BUILD_ID_MAX + 1];
	const char *root = ds->root ? ds->root : "";
	GElf_Word crc;
	const char *link = dwelf_elf_gnu_debuglink(elf, &crc);
	const char *slash = ds->path ? strrchr(ds->path, '/') : NULL;
	int dirlen = slash ? (int)(slash - ds->path) : 0;
	Elf *dbg;

	for (size_t i = 0; i < b->build_id_len; i++)
		sprintf(hex + 2 * i, "%02x", b->build_id[i]);
	if (ds->debug_file && snprintf(path, sizeof(path), "%s", ds->debug_file) < (int)sizeof(path) &&
	    (dbg = open_debug(b, path, fd)))
		goto out;
	for (int pass = 0; pass < 2; pass++) {
		/* Pass 0 looks inside the process's root (containers), pass 1 on the host. */
		const char *r = pass ? "" : root;

		if (pass && !root[0])
			break;
		for (const char *const *d = ds->dirs; d && *d; d++) {
			if (b->build_id_len > 1) {
				snprintf(path, sizeof(path), "%s%s/.build-id/%.2s/%s.debug", r, *d,
					 hex, hex + 2);
				if ((dbg = open_debug(b, path, fd)))
					goto out;
			}
			if (link && slash) {
				snprintf(path, sizeof(path), "%s%s%.*s/%s", r, *d, dirlen, ds->path,
					 link);
				if ((dbg = open_debug(b, path, fd)))
					goto out;
			}
		}
		if (link && slash) {
			snprintf(path, sizeof(path), "%s%.*s/.debug/%s", r, dirlen, ds->path, link);
			if ((dbg = open_debug(b, path, fd)))
				goto out;
			snprintf(path, sizeof(path), "%s%.*s/%s", r, dirlen, ds->path, link);
			if (strcmp(path + strlen(r), ds->path) && (dbg = open_debug(b, path, fd)))
				goto out;
		}
	}
	return NULL;
out:
	*found = strdup(path);
	return dbg;
}

int pb_binary__load(Elf *elf, const struct pb_debug_search *ds, struct pb_binary **ret)
{
	struct pb_binary *b = calloc(1, sizeof(*b));
	struct sym_vec raw = {0};
	struct pb_debugdata mini = {0}; /* its names stay in use until finish() copies them */
	Elf *dbg = NULL;
	int dbg_fd = -1, err = -ENOMEM;

	if (!b)
		return -ENOMEM;
	pb_binary_read_build_id(elf, b);
	err = load_segments(elf, b);
	if (err)
		goto out;
	err = collect_type(elf, SHT_SYMTAB, &raw);
	if (err == -ENOENT && ds)
		dbg = find_debug(elf, b, ds, &dbg_fd, &b->debug_path);
	if (dbg)
		err = collect_type(dbg, SHT_SYMTAB, &raw);
	/* No debug file: the MiniDebugInfo some distributions embed names local functions. */
	if (err == -ENOENT && !pb_debugdata_open(elf, &mini))
		err = collect_type(mini.elf, SHT_SYMTAB, &raw);
	b->stripped = err == -ENOENT;
	/* .dynsym too: a stripped library still names its exported functions there. */
	if (!err || err == -ENOENT)
		err = collect_type(elf, SHT_DYNSYM, &raw);
	/* Calls into other libraries pass through PLT stubs, which no symbol table names. */
	if (!err || err == -ENOENT) {
		int perr = pb_plt_read(elf, add_plt, &raw);

		err = perr == -ENOMEM ? perr : err;
	}
	if (!err || err == -ENOENT)
		err = finish(b, &raw);
out:
	for (size_t i = 0; i < raw.n_owned; i++)
		free(raw.owned[i]);
	free(raw.owned);
	free(raw.v);
	pb_debugdata_close(&mini);
	elf_end(dbg);
	if (dbg_fd >= 0)
		close(dbg_fd);
	if (err) {
		pb_binary__free(b);
		return err;
	}
	*ret = b;
	return 0;
}

void pb_binary__free(struct pb_binary *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n_syms; i++)
		if (b->syms[i].display && b->syms[i].display != b->names + b->syms[i].name_off)
			free((char *)b->syms[i].display);
	free(b->syms);
	free(b->names);
	free(b->segs);
	free(b->debug_path);
	pb_srcinfo__free(b->src);
	free(b);
}

#define SWAP(x, y)                                                                         \
	do {                                                                               \
		__typeof__(x) t_ = (x);                                                    \
		(x) = (y);                                                                 \
		(y) = t_;                                                                  \
	} while (0)

void pb_binary__swap_symbols(struct pb_binary *a, struct pb_binary *b)
{
	SWAP(a->syms, b->syms);
	SWAP(a->n_syms, b->n_syms);
	SWAP(a->names, b->names);
	SWAP(a->debug_path, b->debug_path);
	SWAP(a->stripped, b->stripped);
	SWAP(a->mem, b->mem);
	SWAP(a->src, b->src);
	SWAP(a->src_tried, b->src_tried);
}

int pb_binary__off_to_vaddr(const struct pb_binary *b, uint64_t off, uint64_t *vaddr)
{
	for (size_t i = 0; i < b->n_segs; i++) {
		const struct pb_binary_seg *s = &b->segs[i];

		if (off >= s->offset && off < s->offset + s->filesz) {
			*vaddr = off - s->offset + s->vaddr;
			return 0;
		}
	}
	return -ENOENT;
}

const char *pb_binary__lookup(struct pb_binary *b, uint64_t vaddr)
{
	size_t lo = 0, hi = b->n_syms;

	/* The last symbol starting at or below vaddr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->syms[mid].start <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* A few steps back find an enclosing function when vaddr is past a nested symbol. */
	for (size_t i = lo, steps = 0; i > 0 && steps < 8; i--, steps++) {
		struct pb_binary_sym *s = &b->syms[i - 1];

		if (vaddr >= s->end)
			continue;
		if (!s->display) {
			const char *raw = b->names + s->name_off;
			char *d = pb_demangle(raw);

			s->display = d ? d : raw;
			b->mem += d ? strlen(d) + 1 : 0;
		}
		return s->display;
	}
	return NULL;
}
