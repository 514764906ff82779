// SPDX-License-Identifier: MIT
/*
 * Inline frames and source lines, cached per address. A compile unit's inlined instances are
 * indexed by one walk when an address first lands in it (srcinfo_cu.c); dwarf_getscopes, which
 * walks the unit per address, is left for units past the index budget.
 */
#include <dwarf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <elfutils/libdw.h>

#include "srcinfo.h"
#include "srcinfo_cache.h"
#include "srcinfo_cu.h"
#include "strpool.h"
#include "symbolizer.h"
#include "u64map.h"

/* Addresses cached per binary at most; past it lookups are answered but not kept. */
#define MAX_CACHED 65536
/* Bytes of compile-unit indexes per binary at most; later units are searched per address. */
#define MAX_INDEX_BYTES (64u << 20)

struct pb_srcinfo {
	int fd;
	Dwarf *dw;
	struct pb_src_cache cache; /* vaddr * 4 + flags -> frames */
	size_t n_cached;
	struct pb_src_frames *scratch; /* room for PB_SRC_MAX_FRAMES: the uncached answer */
	struct pb_strpool pool;
	struct pb_u64map units; /* CU DIE offset -> struct pb_cu_index */
	size_t index_bytes;
};

int pb_srcinfo__new(const char *path, struct pb_srcinfo **ret)
{
	struct pb_srcinfo *si = calloc(1, sizeof(*si));

	if (!si)
		return -ENOMEM;
	si->scratch = malloc(sizeof(*si->scratch) + PB_SRC_MAX_FRAMES * sizeof(const char *));
	si->fd = open(path, O_RDONLY | O_CLOEXEC);
	si->dw = si->fd >= 0 ? dwarf_begin(si->fd, DWARF_C_READ) : NULL;
	if (!si->dw || !si->scratch) {
		int err = si->scratch ? -ENOENT : -ENOMEM;

		pb_srcinfo__free(si);
		return err;
	}
	*ret = si;
	return 0;
}

void pb_srcinfo__free(struct pb_srcinfo *si)
{
	if (!si)
		return;
	pb_src_cache_clear(&si->cache);
	free(si->scratch);
	for (size_t i = 0; i < si->units.cap; i++) {
		if (si->units.slots[i].val)
			pb_cu_index__clear(si->units.slots[i].val);
		free(si->units.slots[i].val);
	}
	pb_u64map_clear(&si->units);
	pb_strpool_clear(&si->pool);
	dwarf_end(si->dw);
	if (si->fd >= 0)
		close(si->fd);
	free(si);
}

size_t pb_srcinfo__mem(const struct pb_srcinfo *si)
{
	return si->pool.bytes + pb_src_cache_mem(&si->cache) + si->index_bytes +
	       si->units.cap * sizeof(*si->units.slots);
}

static const char *base(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;

	return s ? s + 1 : path;
}

/* The inlined function's name: its linkage name demangled, else DW_AT_name (origin's). */
static char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	const char *n = NULL;
	char *d;

	if (dwarf_attr_integrate(die, DW_AT_linkage_name, &a) ||
	    dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a)) {
		n = dwarf_formstring(&a);
		d = n ? pb_demangle(n) : NULL;
		if (d)
			return d;
	}
	if (!n && dwarf_attr_integrate(die, DW_AT_name, &a))
		n = dwarf_formstring(&a);
	return strdup(n ? n : "[inlined]");
}

/* The call site of an inlined subroutine: file (from the CU's file table) and line. */
static void call_site(Dwarf_Die *die, Dwarf_Files *files, const char **file, int *line)
{
	Dwarf_Attribute a;
	Dwarf_Word w;

	*file = NULL;
	*line = 0;
	if (dwarf_attr(die, DW_AT_call_file, &a) && !dwarf_formudata(&a, &w) && files)
		*file = dwarf_filesrc(files, w, NULL, NULL);
	if (dwarf_attr(die, DW_AT_call_line, &a) && !dwarf_formudata(&a, &w))
		*line = w;
}

static const char *frame_name(struct pb_srcinfo *si, const char *name, bool lines,
			      const char *file, int line)
{
	char buf[1024];

	if (!lines || !file || !line)
		return pb_strpool_intern(&si->pool, name);
	snprintf(buf, sizeof(buf), "%s (%s:%d)", name, base(file), line);
	return pb_strpool_intern(&si->pool, buf);
}

/* cu's index, built on first use; NULL past the budget or when it cannot be built. */
static const struct pb_cu_index *unit_index(struct pb_srcinfo *si, Dwarf_Die *cu)
{
	uint64_t off = dwarf_dieoffset(cu);
	struct pb_cu_index *ix = pb_u64map_get(&si->units, off);

	if (ix || si->index_bytes >= MAX_INDEX_BYTES)
		return ix;
	ix = malloc(sizeof(*ix));
	if (!ix || pb_cu_index__build(cu, ix)) {
		free(ix);
		return NULL;
	}
	if (pb_u64map_put(&si->units, off, ix)) {
		pb_cu_index__clear(ix);
		free(ix);
		return NULL;
	}
	si->index_bytes += pb_cu_index__mem(ix);
	return ix;
}

/* The inlined instances covering vaddr, innermost first, at most max, from cu's index. */
static int indexed_chain(const struct pb_cu_index *ix, uint64_t vaddr, Dwarf_Die *chain, int max)
{
	int n = 0;

	for (uint32_t i = pb_cu_index__find(ix, vaddr); i != PB_CU_NONE && n < max;
	     i = ix->inl[i].parent)
		chain[n++] = ix->inl[i].die;
	return n;
}

/*
 * The same with dwarf_getscopes. Past an inlined instance it goes on in the abstract
 * definition, not in the function the instance was inlined into: the concrete nest is that
 * instance's own scopes.
 */
static int scopes_chain(Dwarf_Die *cu, uint64_t vaddr, Dwarf_Die *chain, int max)
{
	Dwarf_Die *scopes = NULL;
	int nscopes = dwarf_getscopes(cu, vaddr, &scopes), n = 0;

	for (int i = 0; i < nscopes; i++) {
		Dwarf_Die *nest = NULL;
		int nn;

		if (dwarf_tag(&scopes[i]) != DW_TAG_inlined_subroutine)
			continue;
		nn = dwarf_getscopes_die(&scopes[i], &nest);
		free(scopes);
		scopes = nest;
		nscopes = nn > 0 ? nn : 0;
		break;
	}
	for (int i = 0; i < nscopes && n < max; i++)
		if (dwarf_tag(&scopes[i]) == DW_TAG_inlined_subroutine)
			chain[n++] = scopes[i];
	free(scopes);
	return n;
}

static int expand(struct pb_srcinfo *si, uint64_t vaddr, const char *func, bool inl,
		  bool lines, struct pb_src_frames *out)
{
	Dwarf_Die cu, chain[PB_SRC_MAX_FRAMES - 1];
	Dwarf_Files *files = NULL;
	Dwarf_Line *l;
	const char *leaf_file = NULL, *names[PB_SRC_MAX_FRAMES];
	const struct pb_cu_index *ix;
	int leaf_line = 0, n_in = 0;
	size_t nfiles;

	if (!dwarf_addrdie(si->dw, vaddr, &cu))
		return -ENOENT;
	if (lines && (l = dwarf_getsrc_die(&cu, vaddr))) {
		leaf_file = dwarf_linesrc(l, NULL, NULL);
		dwarf_lineno(l, &leaf_line);
	}
	dwarf_getsrcfiles(&cu, &files, &nfiles);
	if (inl && (ix = unit_index(si, &cu)))
		n_in = indexed_chain(ix, vaddr, chain, PB_SRC_MAX_FRAMES - 1);
	else if (inl)
		n_in = scopes_chain(&cu, vaddr, chain, PB_SRC_MAX_FRAMES - 1);
	out->n = 0;
	/* Frame k's line is where frame k+1 was inlined into it; the last one's is vaddr's. */
	for (int k = 0; k <= n_in; k++) {
		const char *file = leaf_file;
		int line = leaf_line;
		char *owned = NULL;
		const char *name = func;

		if (k > 0)
			name = owned = die_name(&chain[n_in - k]);
		if (k < n_in)
			call_site(&chain[n_in - 1 - k], files, &file, &line);
		names[k] = name ? frame_name(si, name, lines, file, line) : NULL;
		free(owned);
		if (!names[k])
			return -ENOMEM;
		out->name[out->n++] = names[k];
	}
	return 0;
}

const struct pb_src_frames *pb_srcinfo__lookup(struct pb_srcinfo *si, uint64_t vaddr,
					       const char *func, bool inl, bool lines)
{
	uint64_t key = vaddr * 4 + (inl ? 1 : 0) + (lines ? 2 : 0);
	const struct pb_src_frames *f;

	if (!inl && !lines)
		return NULL;
	f = pb_src_cache_get(&si->cache, key);
	if (f)
		return f->n ? f : NULL;
	/* Misses are cached too (n = 0): code without DWARF would be searched again each time. */
	if (expand(si, vaddr, func, inl, lines, si->scratch))
		si->scratch->n = 0;
	f = si->n_cached < MAX_CACHED ? pb_src_cache_put(&si->cache, key, si->scratch) : NULL;
	if (f)
		si->n_cached++;
	else
		f = si->scratch; /* valid until the next lookup, as the caller holds its lock */
	return f->n ? f : NULL;
}
