// SPDX-License-Identifier: MIT
/* Fuzz target: the CFI converter (.eh_frame/.debug_frame to BPF unwind rows) and its search. */
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "cfi.h"

#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	elf_version(EV_CURRENT);
	return 0;
}

/* The rows must come out sorted: the BPF side binary-searches them. */
static void check_rows(const struct pb_cfi_rows *r)
{
	for (size_t i = 1; i < r->n; i++)
		if (r->v[i].pc < r->v[i - 1].pc)
			abort();
	for (size_t i = 0; i < r->n && i < 256; i++) {
		pb_cfi_rows_find(r, r->v[i].pc);
		pb_cfi_rows_find(r, r->v[i].pc - 1);
	}
	pb_cfi_rows_find(r, 0);
	pb_cfi_rows_find(r, UINT64_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *image = malloc(size ? size : 1);
	struct pb_cfi_rows rows = { 0 };
	Elf *elf;

	if (!image)
		return 0;
	memcpy(image, data, size);
	elf = elf_memory(image, size);
	if (elf && elf_kind(elf) == ELF_K_ELF && !pb_cfi_rows_build(elf, &rows))
		check_rows(&rows);
	pb_cfi_rows_free(&rows);
	elf_end(elf);
	free(image);
	return 0;
}
