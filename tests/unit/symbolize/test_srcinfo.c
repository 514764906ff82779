// SPDX-License-Identifier: MIT
/* --inline and --lines: every address of an -O2 function with inlined code, against addr2line -i. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "symbolize/srcinfo.h"
#include "tap.h"

/* st_value and st_size of name in path's .symtab. */
static int symbol(const char *path, const char *name, uint64_t *start, uint64_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	Elf_Scn *scn = NULL;
	int found = -1;

	while (elf && found && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize && found; i++) {
			GElf_Sym s;
			const char *n;

			if (gelf_getsym(d, i, &s) && (n = elf_strptr(elf, sh.sh_link, s.st_name)) &&
			    !strcmp(n, name)) {
				*start = s.st_value;
				*size = s.st_size;
				found = 0;
			}
		}
	}
	elf_end(elf);
	if (fd >= 0)
		close(fd);
	return found;
}

/*
 * addr2line -i -f's frames for addr, caller first, as "func (file:line)" (we print basenames):
 * it prints innermost first, a name line then a file:line line per frame.
 */
static int addr2line(const char *tool, const char *path, uint64_t addr, char out[][256], int max)
{
	char cmd[1024], fn[256], loc[512];
	char tmp[8][256];
	int n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s -i -f -e '%s' 0x%" PRIx64, tool, path, addr);
	p = popen(cmd, "r");
	while (p && n < 8 && fgets(fn, sizeof(fn), p) && fgets(loc, sizeof(loc), p)) {
		char *nl = strchr(fn, '\n'), *sp = strchr(loc, ' '), *slash;

		if (nl)
			*nl = 0;
		if (sp)
			*sp = 0; /* " (discriminator 1)" */
		if ((nl = strchr(loc, '\n')))
			*nl = 0;
		slash = strrchr(loc, '/');
		snprintf(tmp[n++], sizeof(tmp[0]), "%.120s (%.120s)", fn, slash ? slash + 1 : loc);
	}
	if (p)
		pclose(p);
	for (int i = 0; i < n && i < max; i++)
		snprintf(out[i], 256, "%s", tmp[n - 1 - i]);
	return n < max ? n : max;
}

int main(void)
{
	const char *path = getenv("PBFIX_INLINE");
	const char *tool = access("/usr/bin/eu-addr2line", X_OK) ? "addr2line" : "eu-addr2line";
	struct pb_srcinfo *si = NULL;
	uint64_t start = 0, size = 0;
	int same = 0, total = 0, deep = 0;

	elf_version(EV_CURRENT);
	if (!path || symbol(path, "pbinl_outer", &start, &size) || pb_srcinfo__new(path, &si)) {
		ok(0, "fixture $PBFIX_INLINE with pbinl_outer and DWARF");
		return tap_done();
	}
	diag("comparing with %s", tool);
	for (uint64_t a = start; a < start + size; a++) {
		char want[8][256];
		int n = addr2line(tool, path, a, want, 8);
		const struct pb_src_frames *f = pb_srcinfo__lookup(si, a, "pbinl_outer", true, true);
		bool eq = f && (int)f->n == n;

		for (int i = 0; eq && i < n; i++)
			eq = !strcmp(f->name[i], want[i]);
		total++;
		same += eq;
		deep += f && f->n == 3;
		if (!eq && total - same <= 3)
			diag("0x%" PRIx64 ": %s has %d frames (%s ...), we %d (%s ...)", a, tool, n,
			     n ? want[n - 1] : "", f ? f->n : 0, f ? f->name[f->n - 1] : "");
	}
	ok(total && same == total, "%d of %d addresses of pbinl_outer: frames and lines as %s -i",
	   same, total, tool);
	ok(deep > 0, "%d addresses expand to pbinl_outer;pbinl_middle;pbinl_inner", deep);

	const struct pb_src_frames *f = pb_srcinfo__lookup(si, start, "pbinl_outer", false, false);
	ok(!f, "neither --inline nor --lines: no expansion");
	f = pb_srcinfo__lookup(si, start, "pbinl_outer", false, true);
	ok(f && f->n == 1 && !strncmp(f->name[0], "pbinl_outer (pbfix_inline.c:", 28),
	   "--lines alone: one frame, %s", f ? f->name[0] : "NULL");
	ok(pb_srcinfo__lookup(si, start, "pbinl_outer", false, true) == f, "cached per address");
	pb_srcinfo__free(si);
	ok(pb_srcinfo__new("/dev/null", &si) == -ENOENT, "no DWARF: -ENOENT");
	return tap_done();
}
