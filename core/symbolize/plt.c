// SPDX-License-Identifier: MIT
/* PLT stubs named "func@plt" (as perf and objdump name them) from .rela.plt and .plt(.sec). */
#include <errno.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plt.h"

/* At most this many stubs: a hostile .rela.plt cannot make us allocate without bound. */
#define MAX_PLT_ENTRIES 65536

static Elf_Scn *section(Elf *elf, size_t shstrndx, const char *name, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, sh))
			continue;
		n = elf_strptr(elf, shstrndx, sh->sh_name);
		if (n && !strcmp(n, name))
			return scn;
	}
	return NULL;
}

struct got_slot {
	uint64_t got; /* r_offset: the GOT entry the relocation fills */
	int64_t slot;
};

static int cmp_got(const void *a, const void *b)
{
	const struct got_slot *x = a, *y = b;

	return x->got < y->got ? -1 : x->got > y->got;
}

/*
 * The .rela.plt slot an x86-64 stub jumps through: the stub's "jmp *disp32(%rip)" (ff 25, maybe
 * after endbr64 and a bnd prefix) reads a GOT entry, which one relocation fills. Matched by
 * address as objdump does, since .rela.plt's order need not be the PLT's (libc's is not).
 */
static int64_t x86_slot(const uint8_t *code, uint64_t at, uint64_t base,
			const struct got_slot *slots, size_t n)
{
	for (int k = 0; k + 6 <= 16; k++) {
		if (code[at + k] != 0xff || code[at + k + 1] != 0x25)
			continue;
		int32_t disp;

		memcpy(&disp, code + at + k + 2, 4);
		struct got_slot key = {.got = base + at + k + 6 + (int64_t)disp}, *hit;

		hit = bsearch(&key, slots, n, sizeof(*slots), cmp_got);
		return hit ? hit->slot : -1;
	}
	return -1;
}

int pb_plt_read(Elf *elf, pb_plt_fn fn, void *ctx)
{
	GElf_Shdr rela_sh, plt_sh, sec_sh, sym_sh;
	Elf_Scn *rela, *plt, *sec, *dynsym;
	uint64_t first, stride = 16, base;
	Elf_Data *rd, *sd, *pd;
	GElf_Ehdr eh;
	size_t shstrndx, n;
	struct got_slot *slots;
	char name[256];
	int err = 0;

	if (!gelf_getehdr(elf, &eh) || elf_getshdrstrndx(elf, &shstrndx))
		return -EINVAL;
	/* The first .plt entry resolves lazily (PLT0): 16 bytes on x86-64, 32 on arm64. */
	if (eh.e_machine == EM_X86_64)
		first = 16;
	else if (eh.e_machine == EM_AARCH64)
		first = 32;
	else
		return -ENOTSUP;
	rela = section(elf, shstrndx, ".rela.plt", &rela_sh);
	plt = section(elf, shstrndx, ".plt", &plt_sh);
	if (!rela || !plt || rela_sh.sh_type != SHT_RELA || !rela_sh.sh_entsize)
		return -ENOENT;
	/* With IBT (-fcf-protection) calls go to .plt.sec, one 16-byte entry per slot. */
	sec = section(elf, shstrndx, ".plt.sec", &sec_sh);
	if (sec && sec_sh.sh_type == SHT_PROGBITS) {
		base = sec_sh.sh_addr;
		first = 0;
		plt_sh = sec_sh;
	} else {
		base = plt_sh.sh_addr;
	}
	dynsym = elf_getscn(elf, rela_sh.sh_link);
	if (!dynsym || !gelf_getshdr(dynsym, &sym_sh) || sym_sh.sh_type != SHT_DYNSYM)
		return -ENOENT;
	rd = elf_getdata(rela, NULL);
	sd = elf_getdata(dynsym, NULL);
	pd = elf_getdata(sec ? sec : plt, NULL);
	if (!rd || !sd || !pd || !pd->d_buf || pd->d_size < plt_sh.sh_size)
		return -ENOENT;
	n = rela_sh.sh_size / rela_sh.sh_entsize;
	if (n > MAX_PLT_ENTRIES)
		n = MAX_PLT_ENTRIES;
	slots = calloc(n ? n : 1, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		GElf_Rela r;

		slots[i] = (struct got_slot){.got = gelf_getrela(rd, i, &r) ? r.r_offset : 0,
					     .slot = i};
	}
	qsort(slots, n, sizeof(*slots), cmp_got);
	for (uint64_t i = 0, at = first; at + stride <= plt_sh.sh_size && i < MAX_PLT_ENTRIES;
	     i++, at += stride) {
		GElf_Rela r;
		GElf_Sym sym;
		const char *sname = NULL;
		int64_t slot = -1;

		if (eh.e_machine == EM_X86_64)
			slot = x86_slot(pd->d_buf, at, base, slots, n);
		else if (i < n)
			slot = i; /* arm64: slot i of .rela.plt is entry i, the linker's order */
		if (slot < 0 || !gelf_getrela(rd, slot, &r))
			continue;
		if (GELF_R_SYM(r.r_info) && gelf_getsym(sd, GELF_R_SYM(r.r_info), &sym))
			sname = elf_strptr(elf, sym_sh.sh_link, sym.st_name);
		if (sname && sname[0])
			snprintf(name, sizeof(name), "%s@plt", sname);
		else /* IRELATIVE: an ifunc resolved at load time, named as objdump does */
			snprintf(name, sizeof(name), "*ABS*+0x%" PRIx64 "@plt", (uint64_t)r.r_addend);
		err = fn(ctx, base + at, stride, name);
		if (err)
			break;
	}
	free(slots);
	return err;
}
