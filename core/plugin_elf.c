// SPDX-License-Identifier: MIT
/* Reads a plugin file before dlopen: a whole ELF shared object for this machine? holds a string? */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin_file.h"

/* The machine we run on, from our own ELF header (mapped at our load address). */
static unsigned own_machine(void)
{
	Dl_info info;

	if (!dladdr((void *)own_machine, &info) || !info.dli_fbase)
		return EM_NONE;
	return ((const ElfW(Ehdr) *)info.dli_fbase)->e_machine;
}

/* why, formatted: the reason check_fd returns. */
__attribute__((format(printf, 3, 4))) static const char *say(char *why, size_t len, const char *fmt,
							     ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return why;
}

static bool fits(uint64_t off, uint64_t n, uint64_t size)
{
	return off <= size && n <= size - off;
}

static bool read_at(int fd, void *buf, size_t n, uint64_t off)
{
	return pread(fd, buf, n, (off_t)off) == (ssize_t)n;
}

/*
 * dlopen maps the file's segments and reads its dynamic section: a segment that ends past the
 * end of a truncated file is a SIGBUS inside the loader, not an error. Every header, segment
 * and section must lie inside the file.
 */
static const char *check_fd(int fd, uint64_t size, char *why, size_t len)
{
	ElfW(Ehdr) eh;
	ElfW(Phdr) ph;
	ElfW(Shdr) sh;
	uint64_t shnum;
	unsigned machine = own_machine();
	bool dynamic = false, load = false;

	if (size < sizeof(eh) || !read_at(fd, &eh, sizeof(eh), 0))
		return say(why, len, "truncated: %llu bytes", (unsigned long long)size);
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG))
		return "not an ELF file";
	if (eh.e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) ||
	    eh.e_ident[EI_DATA] !=
		(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB))
		return "ELF class or byte order of another machine";
	if (eh.e_type != ET_DYN)
		return say(why, len, "ELF type %u, not a shared object", eh.e_type);
	if (machine != EM_NONE && eh.e_machine != machine)
		return say(why, len, "built for ELF machine %u, this one is %u", eh.e_machine,
			   machine);
	if (eh.e_phentsize != sizeof(ph) || !eh.e_phnum ||
	    !fits(eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(ph), size))
		return say(why, len, "truncated or damaged program headers (%llu bytes)",
			   (unsigned long long)size);
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		if (!read_at(fd, &ph, sizeof(ph), eh.e_phoff + (uint64_t)i * sizeof(ph)))
			return "unreadable program header";
		load |= ph.p_type == PT_LOAD;
		dynamic |= ph.p_type == PT_DYNAMIC;
		if ((ph.p_type == PT_LOAD || ph.p_type == PT_DYNAMIC) &&
		    !fits(ph.p_offset, ph.p_filesz, size))
			return say(why, len,
				   "truncated: segment %u ends at byte %llu, the file has %llu", i,
				   (unsigned long long)(ph.p_offset + ph.p_filesz),
				   (unsigned long long)size);
	}
	if (!load || !dynamic)
		return "no loadable or dynamic segment";
	if (!eh.e_shoff)
		return NULL;
	/* With 0xff00 sections or more, the count is in section 0's size. */
	if (eh.e_shentsize != sizeof(sh) || !fits(eh.e_shoff, sizeof(sh), size) ||
	    !read_at(fd, &sh, sizeof(sh), eh.e_shoff))
		return say(why, len, "truncated: section headers at byte %llu, the file has %llu",
			   (unsigned long long)eh.e_shoff, (unsigned long long)size);
	shnum = eh.e_shnum ? eh.e_shnum : sh.sh_size;
	if (!fits(eh.e_shoff, shnum * sizeof(sh), size))
		return say(why, len, "truncated: section headers end past byte %llu",
			   (unsigned long long)size);
	for (uint64_t i = 1; i < shnum; i++) {
		if (!read_at(fd, &sh, sizeof(sh), eh.e_shoff + i * sizeof(sh)))
			return "unreadable section header";
		if (sh.sh_type != SHT_NOBITS && !fits(sh.sh_offset, sh.sh_size, size))
			return say(why, len,
				   "truncated: section %llu ends at byte %llu, the file has %llu",
				   (unsigned long long)i,
				   (unsigned long long)(sh.sh_offset + sh.sh_size),
				   (unsigned long long)size);
	}
	return NULL;
}

static int open_regular(const char *path, struct stat *st)
{
	/* O_NONBLOCK: a FIFO put in place of the file must not hang us. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, st) || !S_ISREG(st->st_mode)) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

int pb_plugin_elf_check(const char *path, char *err, size_t len)
{
	char why[160];
	const char *bad;
	struct stat st;
	int fd = open_regular(path, &st);

	if (fd < 0) {
		snprintf(err, len, "cannot open '%s': %s", path, strerror(-fd));
		return fd;
	}
	bad = check_fd(fd, (uint64_t)st.st_size, why, sizeof(why));
	close(fd);
	if (!bad)
		return 0;
	snprintf(err, len, "skipping '%s': not a complete ELF shared object for this machine (%s)",
		 path, bad);
	return -ENOEXEC;
}

/*
 * Claims are string literals in the plugin's read-only data; finding "\0.html\0" in a file
 * says which plugin to dlopen first for "x.html" without running anyone's constructors.
 */
bool pb_plugin_file_has(const char *path, const char *s)
{
	char buf[65536 + 256], needle[258];
	size_t n = strlen(s), keep = 0;
	struct stat st;
	ssize_t got;
	bool found = false;
	int fd;

	if (n + 2 > 256 || (fd = open_regular(path, &st)) < 0)
		return false;
	needle[0] = '\0';
	memcpy(needle + 1, s, n);
	needle[n + 1] = '\0';
	while (!found && (got = read(fd, buf + keep, sizeof(buf) - 256)) > 0) {
		size_t have = keep + (size_t)got;

		found = memmem(buf, have, needle, n + 2) != NULL;
		/* The tail is kept so a needle split across two reads is still found. */
		keep = have < n + 1 ? have : n + 1;
		memmove(buf, buf + have - keep, keep);
	}
	close(fd);
	return found;
}
