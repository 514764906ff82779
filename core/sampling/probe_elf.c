// SPDX-License-Identifier: MIT
/* What uprobe: and usdt: name in a binary, read with libelf: functions by glob, USDT notes. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"

/* A glob as wide as '*' over libc is thousands of uprobes; past this it is surely a mistake. */
#define MAX_UPROBES 4096

static int fail(char *err, size_t len, int code, const char *spec, const char *why)
{
	snprintf(err, len, "-e %s: %s", spec, why);
	return code;
}

static int open_elf(const char *spec, const char *path, int *fd, Elf **elf, char *err, size_t len)
{
	char why[300];

	elf_version(EV_CURRENT);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		snprintf(why, sizeof(why), "cannot open %s: %s", path, strerror(errno));
		return fail(err, len, -EINVAL, spec, why);
	}
	*elf = elf_begin(*fd, ELF_C_READ_MMAP, NULL);
	if (!*elf || elf_kind(*elf) != ELF_K_ELF) {
		snprintf(why, sizeof(why), "%s is not an ELF binary", path);
		elf_end(*elf);
		close(*fd);
		return fail(err, len, -EINVAL, spec, why);
	}
	return 0;
}

/* The file offset of address addr: in the loadable segment that holds it. */
static bool file_offset(Elf *elf, uint64_t addr, uint64_t *off)
{
	size_t n;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &n))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		if (addr >= ph.p_vaddr && addr < ph.p_vaddr + ph.p_filesz) {
			*off = addr - ph.p_vaddr + ph.p_offset;
			return true;
		}
	}
	return false;
}

/* Whether a probe at off was already added for this spec (aliases: memcpy, __memcpy). */
static bool seen(const struct pb_event_set *set, uint32_t first, const char *path, uint64_t off)
{
	for (uint32_t i = first; i < set->n_probes; i++)
		if (set->probes[i]->offset == off && !strcmp(set->probes[i]->target, path))
			return true;
	return false;
}

/* The matching functions of one symbol table (.symtab or .dynsym). */
static int add_matches(struct pb_event_set *set, uint32_t first, uint32_t kind, const char *spec,
		       const char *path, const char *glob, Elf *elf, Elf_Scn *scn, GElf_Shdr *sh)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	GElf_Sym sym;
	uint64_t off;
	int err;

	for (size_t i = 0; data && i < n; i++) {
		const char *name;
		int type;

		if (!gelf_getsym(data, i, &sym) || sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if (type != STT_FUNC && type != STT_GNU_IFUNC)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name || fnmatch(glob, name, 0) || !file_offset(elf, sym.st_value, &off) ||
		    seen(set, first, path, off))
			continue;
		if (set->n_probes - first >= MAX_UPROBES)
			return -E2BIG;
		if ((err = pb_event_set__add(set, kind, spec, path, name, NULL, off)))
			return err;
	}
	return 0;
}

int pb_probe_elf__uprobes(struct pb_event_set *set, uint32_t kind, const char *spec,
			  const char *path, const char *glob, char *err, size_t len)
{
	uint32_t first = set->n_probes;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf *elf;
	int fd, ret = open_elf(spec, path, &fd, &elf, err, len);
	char why[300];

	if (ret)
		return ret;
	while (!ret && (scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM))
			ret = add_matches(set, first, kind, spec, path, glob, elf, scn, &sh);
	elf_end(elf);
	close(fd);
	if (ret == -E2BIG) {
		snprintf(why, sizeof(why), "'%s' matches more than %d functions of %s", glob,
			 MAX_UPROBES, path);
		return fail(err, len, -EINVAL, spec, why);
	}
	if (!ret && set->n_probes == first) {
		snprintf(why, sizeof(why), "%s has no function matching '%s'", path, glob);
		return fail(err, len, -EINVAL, spec, why);
	}
	return ret;
}

/*
 * A .note.stapsdt note (type 3, owner "stapsdt"): three addresses (the probe, the .stapsdt.base
 * section, the semaphore), then provider, name and arguments as strings.
 */
static bool note_is(Elf_Data *data, size_t name_off, size_t desc_off, const GElf_Nhdr *nh,
		    const char *provider, const char *name)
{
	const char *desc = (const char *)data->d_buf + desc_off, *p, *n;
	size_t size = nh->n_descsz;

	if (nh->n_type != 3 || nh->n_namesz != 8 ||
	    memcmp((const char *)data->d_buf + name_off, "stapsdt", 8) || size <= 24)
		return false;
	p = desc + 24;
	n = memchr(p, '\0', size - 24);
	if (!n++ || (size_t)(n - desc) >= size || !memchr(n, '\0', size - (n - desc)))
		return false;
	return !strcmp(p, provider) && !strcmp(n, name);
}

int pb_probe_elf__usdt(const char *spec, const char *path, const char *provider,
		       const char *name, char *err, size_t len)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf *elf;
	int fd, ret = open_elf(spec, path, &fd, &elf, err, len);
	bool found = false;
	char why[300];

	if (ret)
		return ret;
	while (!found && (scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE ||
		    !(data = elf_getdata(scn, NULL)))
			continue;
		while (!found && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0)
			found = note_is(data, name_off, desc_off, &nh, provider, name);
	}
	elf_end(elf);
	close(fd);
	if (found)
		return 0;
	snprintf(why, sizeof(why), "%s has no USDT probe %s:%s", path, provider, name);
	return fail(err, len, -EINVAL, spec, why);
}
