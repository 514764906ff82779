/* SPDX-License-Identifier: MIT */
/* The CFI converter: an ELF file's .eh_frame/.debug_frame as a sorted table of BPF unwind rows. */
#ifndef PB_DWARF_CFI_H
#define PB_DWARF_CFI_H

#include <stddef.h>
#include <stdint.h>

#include <gelf.h>
#include <linux/types.h>

#include "dwarf_abi.h"

struct pb_cfi_rows {
	struct pb_dwarf_row *v; /* sorted by pc; a CFA_NONE row closes every covered range */
	size_t n, cap;
	uint32_t fdes;	      /* FDEs converted */
	uint32_t unsupported; /* rows marked PB_DWARF_CFA_UNSUPPORTED */
};

/* Converts elf's CFI into rows. -ENOENT when it has none, -ERANGE above 4 GB, else -errno. */
int pb_cfi_rows_build(Elf *elf, struct pb_cfi_rows *out);
void pb_cfi_rows_free(struct pb_cfi_rows *r);

/* The row that applies at vaddr pc, or NULL (the same search the BPF side does). */
const struct pb_dwarf_row *pb_cfi_rows_find(const struct pb_cfi_rows *r, uint64_t pc);

#endif
