// SPDX-License-Identifier: MIT
/* Finds CPython in a process: version, _PyRuntime, the eval loop, and the offsets to read it. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "python_detect.h"

/*
 * Per minor version, from the layouts of CPython's own headers (checked with gdb's ptype/o on
 * pyenv builds with debug info; 3.13 also publishes them in _Py_DebugOffsets, preferred).
 * 3.10 and older keep PyFrameObject chains without native_thread_id: not supported.
 */
static const struct pb_py_offsets off_311 = {
	.interp_head = 40, .threads_head = 16, .ts_next = 8, .ts_native_tid = 160,
	.ts_cframe = 56, .cframe_frame = 8, .fr_code = 32, .fr_previous = 48, .fr_instr = 56,
	.fr_owner = 69, .fr_is_entry = 68, .owner_cstack = 0xff, .co_filename = 112,
	.co_qualname = 128, .co_linetable = 136, .co_firstlineno = 72, .co_code_adaptive = 184,
	.ascii_data = 48, .compact_data = 72,
};
static const struct pb_py_offsets off_312 = {
	.interp_head = 40, .threads_head = 72, .ts_next = 8, .ts_native_tid = 144,
	.ts_cframe = 56, .cframe_frame = 0, .fr_code = 0, .fr_previous = 8, .fr_instr = 56,
	.fr_owner = 70, .fr_is_entry = PB_PY_NONE, .owner_cstack = 3, .co_filename = 112,
	.co_qualname = 128, .co_linetable = 136, .co_firstlineno = 68, .co_code_adaptive = 192,
	.ascii_data = 40, .compact_data = 56,
};
static const struct pb_py_offsets off_313 = {
	.interp_head = 632, .threads_head = 7344, .ts_next = 8, .ts_native_tid = 160,
	.ts_cframe = 72, .cframe_frame = PB_PY_NONE, .fr_code = 0, .fr_previous = 8,
	.fr_instr = 56, .fr_owner = 70, .fr_is_entry = PB_PY_NONE, .owner_cstack = 3,
	.co_filename = 112, .co_qualname = 128, .co_linetable = 136, .co_firstlineno = 68,
	.co_code_adaptive = 200, .ascii_data = 40, .compact_data = 56,
};

const struct pb_py_offsets *pb_py_offsets_for(int major, int minor)
{
	if (major != 3)
		return NULL;
	switch (minor) {
	case 11:
		return &off_311;
	case 12:
		return &off_312;
	case 13:
		return &off_313;
	}
	return NULL;
}

int pb_py_read(uint32_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };

	if (!addr || addr + len < addr)
		return -EFAULT;
	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -EFAULT;
}

/* Symbols of one ELF file that detection needs (0 when absent). */
struct py_syms {
	uint64_t runtime, eval, eval_size, version, first_load; /* first_load: page-aligned vaddr */
};

static void scan_symtab(Elf *elf, Elf_Scn *scn, GElf_Shdr *sh, struct py_syms *s)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	GElf_Sym sym;

	for (size_t i = 0; data && i < n; i++) {
		const char *name;

		if (!gelf_getsym(data, i, &sym) || !sym.st_value)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name || (name[0] != '_' && name[0] != 'P'))
			continue;
		if (!strcmp(name, "_PyRuntime"))
			s->runtime = sym.st_value;
		else if (!strcmp(name, "_PyEval_EvalFrameDefault")) {
			s->eval = sym.st_value;
			s->eval_size = sym.st_size;
		} else if (!strcmp(name, "Py_Version"))
			s->version = sym.st_value;
	}
}

static int read_syms(const char *path, struct py_syms *s)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	GElf_Phdr ph;
	size_t nph = 0;

	if (fd < 0)
		return -ENOENT;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf) {
		close(fd);
		return -ENOENT;
	}
	memset(s, 0, sizeof(*s));
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) &&
		    (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM))
			scan_symtab(elf, scn, &sh, s);
	elf_getphdrnum(elf, &nph);
	for (size_t i = 0; i < nph; i++)
		if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD) {
			s->first_load = (ph.p_vaddr - ph.p_offset) & ~0xfffull;
			break;
		}
	elf_end(elf);
	close(fd);
	return s->runtime ? 0 : -ENOENT;
}

/* "…python3.12…" in a file name: the version its name says, for builds without Py_Version. */
static bool version_from_name(const char *path, int *major, int *minor)
{
	const char *b = strrchr(path, '/'), *p;

	p = strstr(b ? b : path, "python");
	return p && sscanf(p, "python%d.%d", major, minor) == 2;
}

/*
 * 3.13+ states its own layout at the start of _PyRuntime: "xdebugpy", the version, whether the
 * build is free-threaded, then runtime, interpreter, thread, frame and code offsets, all
 * uint64_t (indices below as read from 3.13.0: each group starts with its struct's size). Only
 * the fields the walker reads are taken, each checked to fit the u16 the BPF side keeps.
 */
enum {
	DO_FREE_THREADED = 2,
	DO_INTERP_HEAD = 5,
	DO_THREADS_HEAD = 9,
	DO_TS_NEXT = 21,
	DO_TS_FRAME = 23,
	DO_TS_NATIVE_TID = 25,
	DO_FR_PREVIOUS = 29,
	DO_FR_CODE = 30,
	DO_FR_INSTR = 31,
	DO_FR_OWNER = 33,
	DO_CO_FILENAME = 35,
	DO_CO_QUALNAME = 37,
	DO_CO_LINETABLE = 38,
	DO_CO_FIRSTLINENO = 39,
	DO_CO_CODE = 43,
	DO_COUNT = 44,
};

static bool debug_offsets(uint32_t pid, struct pb_py_target *t)
{
	static const uint8_t used[] = { DO_INTERP_HEAD, DO_THREADS_HEAD, DO_TS_NEXT, DO_TS_FRAME,
					DO_TS_NATIVE_TID, DO_FR_PREVIOUS, DO_FR_CODE, DO_FR_INSTR,
					DO_FR_OWNER, DO_CO_FILENAME, DO_CO_QUALNAME,
					DO_CO_LINETABLE, DO_CO_FIRSTLINENO, DO_CO_CODE };
	uint64_t d[DO_COUNT];
	struct pb_py_offsets *o = &t->off;

	if (pb_py_read(pid, t->runtime, d, sizeof(d)) || memcmp(d, "xdebugpy", 8))
		return false;
	/* A free-threaded build lays its objects out otherwise: the table is not for it. */
	if (d[DO_FREE_THREADED]) {
		t->free_threaded = true;
		return false;
	}
	for (size_t i = 0; i < sizeof(used); i++)
		if (d[used[i]] >= PB_PY_NONE)
			return false;
	o->interp_head = d[DO_INTERP_HEAD];
	o->threads_head = d[DO_THREADS_HEAD];
	o->ts_next = d[DO_TS_NEXT];
	o->ts_cframe = d[DO_TS_FRAME];
	o->cframe_frame = PB_PY_NONE;
	o->ts_native_tid = d[DO_TS_NATIVE_TID];
	o->fr_previous = d[DO_FR_PREVIOUS];
	o->fr_code = d[DO_FR_CODE];
	o->fr_instr = d[DO_FR_INSTR];
	o->fr_owner = d[DO_FR_OWNER];
	o->co_filename = d[DO_CO_FILENAME];
	o->co_qualname = d[DO_CO_QUALNAME];
	o->co_linetable = d[DO_CO_LINETABLE];
	o->co_firstlineno = d[DO_CO_FIRSTLINENO];
	o->co_code_adaptive = d[DO_CO_CODE];
	return true;
}

/* Tries one mapped file of pid: base is where its offset 0 is mapped. */
static int try_file(uint32_t pid, const char *path, uint64_t base, struct pb_py_target *t)
{
	char at[4200];
	struct py_syms s;
	const struct pb_py_offsets *o;
	uint64_t bias, hex = 0;

	snprintf(at, sizeof(at), "/proc/%u/root%s", pid, path);
	if (read_syms(at, &s))
		return -ENOENT;
	bias = base - s.first_load;
	memset(t, 0, sizeof(*t));
	t->runtime = s.runtime + bias;
	if (s.eval) {
		t->eval_lo = s.eval + bias;
		t->eval_hi = t->eval_lo + (s.eval_size ? s.eval_size : 1);
	}
	/* Py_Version (3.11+) is what the running library says, whatever the file is called. */
	if (s.version && !pb_py_read(pid, s.version + bias, &hex, sizeof(hex)) && hex >> 24 == 3) {
		t->major = 3;
		t->minor = (hex >> 16) & 0xff;
	} else if (!version_from_name(path, &t->major, &t->minor)) {
		return -ENOTSUP;
	}
	o = pb_py_offsets_for(t->major, t->minor);
	if (!o || !s.eval)
		return -ENOTSUP;
	t->off = *o;
	if (t->minor >= 13)
		t->debug_offsets = debug_offsets(pid, t);
	return t->free_threaded ? -ENOTSUP : 0;
}

static bool is_candidate(const char *path, bool lib)
{
	const char *b = strrchr(path, '/');

	b = b ? b + 1 : path;
	return lib ? !strncmp(b, "libpython3", 10) : !strncmp(b, "python", 6);
}

int pb_py_detect(uint32_t pid, struct pb_py_target *t)
{
	char maps[64], line[4400], path[4096];
	int ret = -ENOENT;
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%u/maps", pid);
	/* libpython first: a python executable linked to it exports no _PyRuntime itself. */
	for (int lib = 1; lib >= 0 && ret == -ENOENT; lib--) {
		f = fopen(maps, "re");
		if (!f)
			return -ENOENT;
		while (ret == -ENOENT && fgets(line, sizeof(line), f)) {
			unsigned long long start, end, off;

			if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %4095s", &start, &end, &off,
				   path) != 4 ||
			    off || path[0] != '/' || !is_candidate(path, lib))
				continue;
			ret = try_file(pid, path, start, t);
		}
		fclose(f);
	}
	return ret;
}
