/* SPDX-License-Identifier: MIT */
/* The symbols and load segments of one ELF binary, read once and shared by every process. */
#ifndef PB_BINARY_H
#define PB_BINARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libelf.h>

#define PB_BUILD_ID_MAX 64

struct pb_srcinfo;

struct pb_binary_seg {
	uint64_t offset; /* p_offset */
	uint64_t filesz;
	uint64_t vaddr;
};

struct pb_binary_sym {
	uint64_t start;
	uint64_t end;	     /* one past the last byte */
	uint32_t name_off;   /* into names */
	const char *display; /* demangled or raw name, filled on first use */
};

struct pb_binary {
	uint8_t build_id[PB_BUILD_ID_MAX];
	size_t build_id_len;
	struct pb_binary_seg *segs;
	size_t n_segs;
	struct pb_binary_sym *syms; /* sorted by start */
	size_t n_syms;
	char *names;
	char *debug_path; /* the separate debug file the symbols came from, or NULL */
	bool stripped;	  /* no .symtab here nor in a debug file: only .dynsym names */
	bool fetched;	  /* debuginfod was asked and answered (the symbolizer's) */
	struct pb_srcinfo *src; /* inline frames and lines (--inline, --lines), opened on use */
	bool src_tried;
	size_t mem;	  /* bytes held: tables, names, demangled names (the cache's cap) */
	uint64_t used;	  /* the symbolizer's window of its last lookup */
	uint64_t live;	  /* the symbolizer's epoch when a live process last mapped it */
};

/* Where to look for separate debug files (e.g. "/usr/lib/debug"), and a root to prefix. */
struct pb_debug_search {
	const char *const *dirs; /* NULL-terminated */
	const char *root;	 /* "/proc/PID/root" for a process in a container, or "" */
	const char *path;	 /* the binary's path as the process saw it (for .gnu_debuglink) */
	const char *debug_file;	 /* tried first: e.g. what debuginfod fetched (may be NULL) */
};

/* Reads elf's build-id into b (0 or -ENOENT). */
int pb_binary_read_build_id(Elf *elf, struct pb_binary *b);

/*
 * Loads segments and symbols from elf (.symtab and .dynsym); when elf has no .symtab, also the
 * separate debug file found through ds (may be NULL).
 */
int pb_binary__load(Elf *elf, const struct pb_debug_search *ds, struct pb_binary **ret);
void pb_binary__free(struct pb_binary *b);
/* Exchanges a's and b's symbol tables (and what they came from), e.g. a debug file's arrived. */
void pb_binary__swap_symbols(struct pb_binary *a, struct pb_binary *b);

/* Translates a file offset to the ELF virtual address mapped from it: 0 or -ENOENT. */
int pb_binary__off_to_vaddr(const struct pb_binary *b, uint64_t off, uint64_t *vaddr);

/* The name of the symbol holding vaddr (demangled), or NULL. */
const char *pb_binary__lookup(struct pb_binary *b, uint64_t vaddr);

#endif
