// SPDX-License-Identifier: MIT
/*
 * The compile-unit index names the same innermost inlined instance as libdw's dwarf_getscopes,
 * on the -O2 fixture (every address) and on glibc's debug file from libc6-dbg (a sample).
 */
#include <dwarf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <elfutils/libdwelf.h>

#include "symbolize/srcinfo_cu.h"
#include "tap.h"

#define LIBC "/lib/x86_64-linux-gnu/libc.so.6"

/* The innermost DW_TAG_inlined_subroutine dwarf_getscopes finds at pc: its offset, or 0. */
static Dwarf_Off scopes_innermost(Dwarf_Die *cu, uint64_t pc)
{
	Dwarf_Die *scopes = NULL;
	Dwarf_Off off = 0;
	int n = dwarf_getscopes(cu, pc, &scopes);

	for (int i = 0; i < n && !off; i++)
		if (dwarf_tag(&scopes[i]) == DW_TAG_inlined_subroutine)
			off = dwarf_dieoffset(&scopes[i]);
	free(scopes);
	return off;
}

struct tally {
	int addrs, same, inlined;
};

/* Every stride-th address of every address range the DWARF's aranges list. */
static void compare(Dwarf *dw, uint64_t stride, struct tally *t)
{
	Dwarf_Aranges *ar;
	size_t n_ar;

	if (dwarf_getaranges(dw, &ar, &n_ar))
		return;
	for (size_t i = 0; i < n_ar; i++) {
		Dwarf_Addr start;
		Dwarf_Word len;
		Dwarf_Off cu_off;
		Dwarf_Die cu;
		struct pb_cu_index ix;

		if (dwarf_getarangeinfo(dwarf_onearange(ar, i), &start, &len, &cu_off) ||
		    !dwarf_offdie(dw, cu_off, &cu) || pb_cu_index__build(&cu, &ix))
			continue;
		for (uint64_t pc = start; pc < start + len; pc += stride) {
			uint32_t k = pb_cu_index__find(&ix, pc);
			Dwarf_Off want = scopes_innermost(&cu, pc);
			Dwarf_Off got = k == PB_CU_NONE ? 0 : dwarf_dieoffset(&ix.inl[k].die);

			t->addrs++;
			t->same += got == want;
			t->inlined += want != 0;
			if (got != want && t->addrs - t->same <= 3)
				diag("0x%" PRIx64 ": getscopes DIE 0x%" PRIx64 ", index 0x%" PRIx64, pc,
				     (uint64_t)want, (uint64_t)got);
		}
		pb_cu_index__clear(&ix);
	}
}

static Dwarf *open_dwarf(const char *path, int *fd)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	return *fd >= 0 ? dwarf_begin(*fd, DWARF_C_READ) : NULL;
}

/* glibc's detached debug file, found by build id as libc6-dbg installs it. */
static int libc_debug(char *path, size_t size)
{
	int fd = open(LIBC, O_RDONLY | O_CLOEXEC);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	const unsigned char *id = NULL;
	ssize_t len = elf ? dwelf_elf_gnu_build_id(elf, (const void **)&id) : -1;
	int n = len > 1 ? snprintf(path, size, "/usr/lib/debug/.build-id/%02x/", id[0]) : -1;

	for (ssize_t i = 1; n > 0 && i < len; i++)
		n += snprintf(path + n, size - n, "%02x", id[i]);
	if (n > 0)
		snprintf(path + n, size - n, ".debug");
	elf_end(elf);
	if (fd >= 0)
		close(fd);
	return n > 0 && !access(path, R_OK) ? 0 : -1;
}

int main(void)
{
	const char *fixture = getenv("PBFIX_INLINE");
	struct tally t = {0};
	char dbg[512];
	Dwarf *dw;
	int fd;

	elf_version(EV_CURRENT);
	dw = fixture ? open_dwarf(fixture, &fd) : NULL;
	ok(dw, "fixture $PBFIX_INLINE has DWARF");
	if (dw) {
		compare(dw, 1, &t);
		dwarf_end(dw);
		close(fd);
	}
	ok(t.addrs && t.same == t.addrs, "fixture: %d of %d addresses as dwarf_getscopes", t.same,
	   t.addrs);
	ok(t.inlined > 0, "fixture: %d addresses inside inlined code", t.inlined);

	if (libc_debug(dbg, sizeof(dbg))) {
		skip_or_fail("glibc's debug file (libc6-dbg) is not installed");
		return tap_done();
	}
	t = (struct tally){0};
	dw = open_dwarf(dbg, &fd);
	if (dw) {
		compare(dw, 997, &t);
		dwarf_end(dw);
		close(fd);
	}
	ok(t.addrs > 1000 && t.same == t.addrs, "glibc: %d of %d sampled addresses as dwarf_getscopes",
	   t.same, t.addrs);
	ok(t.inlined > 100, "glibc: %d of them inside inlined code", t.inlined);
	return tap_done();
}
