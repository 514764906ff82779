/* SPDX-License-Identifier: MIT */
/* MiniDebugInfo: the xz-compressed ELF with a .symtab in .gnu_debugdata (as Fedora ships it). */
#ifndef PB_DEBUGDATA_H
#define PB_DEBUGDATA_H

#include <stddef.h>
#include <libelf.h>

/* Limits on what a hostile file can make us allocate. */
#define PB_DEBUGDATA_MAX_IN  (64u << 20) /* compressed section */
#define PB_DEBUGDATA_MAX_OUT (256u << 20) /* decompressed ELF */

struct pb_debugdata {
	Elf *elf;    /* the embedded ELF, over buf */
	char *buf;   /* decompressed bytes */
	size_t size;
};

/* Opens elf's .gnu_debugdata: 0, -ENOENT (none), -EINVAL (not xz or not ELF), -E2BIG, -ENOMEM. */
int pb_debugdata_open(Elf *elf, struct pb_debugdata *out);
/* Frees what pb_debugdata_open made; dd may be zeroed. */
void pb_debugdata_close(struct pb_debugdata *dd);

/* Decompresses an xz stream of at most max bytes: 0, -EINVAL, -E2BIG or -ENOMEM. */
int pb_xz_decode(const void *in, size_t in_size, size_t max, char **out, size_t *out_size);

#endif
