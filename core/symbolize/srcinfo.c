// SPDX-License-Identifier: MIT
/* Inline frames (dwarf_getscopes) and source lines (dwarf_getsrc_die), cached per address. */
#include <dwarf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <elfutils/libdw.h>

#include "srcinfo.h"
#include "strpool.h"
#include "symbolizer.h"
#include "u64map.h"

/* Addresses cached per binary at most; past it lookups are answered but not kept. */
#define MAX_CACHED 65536

struct pb_srcinfo {
	int fd;
	Dwarf *dw;
	struct pb_u64map cache; /* vaddr * 4 + flags -> struct pb_src_frames */
	size_t n_cached;
	struct pb_strpool pool;
};

int pb_srcinfo__new(const char *path, struct pb_srcinfo **ret)
{
	struct pb_srcinfo *si = calloc(1, sizeof(*si));

	if (!si)
		return -ENOMEM;
	si->fd = open(path, O_RDONLY | O_CLOEXEC);
	si->dw = si->fd >= 0 ? dwarf_begin(si->fd, DWARF_C_READ) : NULL;
	if (!si->dw) {
		pb_srcinfo__free(si);
		return -ENOENT;
	}
	*ret = si;
	return 0;
}

void pb_srcinfo__free(struct pb_srcinfo *si)
{
	if (!si)
		return;
	for (size_t i = 0; i < si->cache.cap; i++)
		free(si->cache.slots[i].val);
	pb_u64map_clear(&si->cache);
	pb_strpool_clear(&si->pool);
	dwarf_end(si->dw);
	if (si->fd >= 0)
		close(si->fd);
	free(si);
}

size_t pb_srcinfo__mem(const struct pb_srcinfo *si)
{
	return si->pool.bytes + si->n_cached * (sizeof(struct pb_src_frames) + 16);
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

static int expand(struct pb_srcinfo *si, uint64_t vaddr, const char *func, bool inl,
		  bool lines, struct pb_src_frames *out)
{
	Dwarf_Die cu, *scopes = NULL;
	Dwarf_Files *files = NULL;
	Dwarf_Line *l;
	const char *leaf_file = NULL, *names[PB_SRC_MAX_FRAMES];
	int leaf_line = 0, n_in = 0, nscopes = 0, inl_idx[PB_SRC_MAX_FRAMES];
	size_t nfiles;

	if (!dwarf_addrdie(si->dw, vaddr, &cu))
		return -ENOENT;
	if (lines && (l = dwarf_getsrc_die(&cu, vaddr))) {
		leaf_file = dwarf_linesrc(l, NULL, NULL);
		dwarf_lineno(l, &leaf_line);
	}
	dwarf_getsrcfiles(&cu, &files, &nfiles);
	if (inl)
		nscopes = dwarf_getscopes(&cu, vaddr, &scopes);
	/*
	 * Past an inlined instance dwarf_getscopes goes on in its abstract definition, not in the
	 * function it was inlined into: the concrete nest is that instance's own scopes.
	 */
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
	/* scopes run innermost first: keep the innermost inlined ones, then reverse. */
	for (int i = 0; i < nscopes && n_in < PB_SRC_MAX_FRAMES - 1; i++)
		if (dwarf_tag(&scopes[i]) == DW_TAG_inlined_subroutine)
			inl_idx[n_in++] = i;
	out->n = 0;
	/* Frame k's line is where frame k+1 was inlined into it; the last one's is vaddr's. */
	for (int k = 0; k <= n_in; k++) {
		const char *file = leaf_file;
		int line = leaf_line;
		char *owned = NULL;
		const char *name = func;

		if (k > 0)
			name = owned = die_name(&scopes[inl_idx[n_in - k]]);
		if (k < n_in)
			call_site(&scopes[inl_idx[n_in - 1 - k]], files, &file, &line);
		names[k] = name ? frame_name(si, name, lines, file, line) : NULL;
		free(owned);
		if (!names[k]) {
			free(scopes);
			return -ENOMEM;
		}
		out->name[out->n++] = names[k];
	}
	free(scopes);
	return 0;
}

const struct pb_src_frames *pb_srcinfo__lookup(struct pb_srcinfo *si, uint64_t vaddr,
					       const char *func, bool inl, bool lines)
{
	static __thread struct pb_src_frames uncached;
	uint64_t key = vaddr * 4 + (inl ? 1 : 0) + (lines ? 2 : 0);
	struct pb_src_frames *f;

	if (!inl && !lines)
		return NULL;
	f = pb_u64map_get(&si->cache, key);
	if (f)
		return f->n ? f : NULL;
	f = si->n_cached < MAX_CACHED ? malloc(sizeof(*f)) : NULL;
	struct pb_src_frames *into = f ? f : &uncached;

	/* Misses are cached too (n = 0): code without DWARF would be searched again each time. */
	if (expand(si, vaddr, func, inl, lines, into))
		into->n = 0;
	if (f && pb_u64map_put(&si->cache, key, f)) {
		uncached = *f;
		free(f);
		into = &uncached;
	} else if (f) {
		si->n_cached++;
	}
	return into->n ? into : NULL;
}
