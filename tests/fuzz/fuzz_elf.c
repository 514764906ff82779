// SPDX-License-Identifier: MIT
/* Fuzz target: the ELF symbol reader (segments, build-id, .symtab/.dynsym, PLT stubs, lookups). */
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize/binary.h"

#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	elf_version(EV_CURRENT);
	return 0;
}

/* Looks up addresses around every symbol edge: where a search would step out of bounds. */
static void lookups(struct pb_binary *b)
{
	for (size_t i = 0; i < b->n_syms && i < 256; i++) {
		const struct pb_binary_sym *s = &b->syms[i];

		pb_binary__lookup(b, s->start);
		pb_binary__lookup(b, s->start - 1);
		pb_binary__lookup(b, s->end - 1);
		pb_binary__lookup(b, s->end);
	}
	pb_binary__lookup(b, 0);
	pb_binary__lookup(b, UINT64_MAX);
	for (size_t i = 0; i < b->n_segs; i++) {
		uint64_t vaddr;

		pb_binary__off_to_vaddr(b, b->segs[i].offset, &vaddr);
		pb_binary__off_to_vaddr(b, b->segs[i].offset + b->segs[i].filesz, &vaddr);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* libelf may write into the image (e.g. converting byte order): hand it a copy. */
	char *image = malloc(size ? size : 1);
	struct pb_binary *b;
	Elf *elf;

	if (!image)
		return 0;
	memcpy(image, data, size);
	elf = elf_memory(image, size);
	if (elf && elf_kind(elf) == ELF_K_ELF && !pb_binary__load(elf, NULL, &b)) {
		lookups(b);
		pb_binary__free(b);
	}
	elf_end(elf);
	free(image);
	return 0;
}
