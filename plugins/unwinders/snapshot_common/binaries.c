// SPDX-License-Identifier: MIT
/* ELF files the unwinders read, mapped once and shared by every process that loads them. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snap_internal.h"

#define BUCKETS	  1024
#define PAGE_MASK (~(uint64_t)4095)

struct pb_snap_binaries {
	struct pb_snap_binary *buckets[BUCKETS];
	struct pb_snap_binary *vdso; /* our own vdso: the kernel gives every 64-bit task the same */
};

static unsigned bucket(uint64_t dev, uint64_t inode)
{
	uint64_t h = (dev * 0x9e3779b97f4a7c15ULL) ^ inode;

	return (h ^ (h >> 29)) % BUCKETS;
}

static void binary_free(struct pb_snap_binary *b)
{
	if (!b)
		return;
	if (b->data)
		munmap((void *)b->data, b->size);
	if (b->fd >= 0)
		close(b->fd);
	free(b->loads);
	free(b->path);
	free(b);
}

/* Reads the program headers: load segments and where .eh_frame_hdr is. */
static int parse_elf(struct pb_snap_binary *b)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)b->data;
	const Elf64_Phdr *ph;

	if (b->size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64 ||
	    (eh->e_type != ET_EXEC && eh->e_type != ET_DYN))
		return -ENOEXEC;
	if (eh->e_phentsize != sizeof(*ph) || eh->e_phoff > b->size ||
	    (b->size - eh->e_phoff) / sizeof(*ph) < eh->e_phnum)
		return -ENOEXEC;
	ph = (const Elf64_Phdr *)(b->data + eh->e_phoff);
	b->type = eh->e_type;
	b->loads = calloc(eh->e_phnum ?: 1, sizeof(*b->loads));
	if (!b->loads)
		return -ENOMEM;
	b->lo = UINT64_MAX;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_GNU_EH_FRAME) {
			b->eh_frame_hdr = ph[i].p_vaddr;
			b->eh_frame_hdr_size = ph[i].p_memsz;
		}
		if (ph[i].p_type != PT_LOAD)
			continue;
		b->loads[b->n_loads++] = (struct pb_snap_load){
			.vaddr = ph[i].p_vaddr,
			.memsz = ph[i].p_memsz,
			.offset = ph[i].p_offset,
			/* Never past the file's end, so a read inside filesz is always in bounds. */
			.filesz = ph[i].p_offset > b->size ? 0
				  : ph[i].p_filesz < b->size - ph[i].p_offset
					  ? ph[i].p_filesz
					  : b->size - ph[i].p_offset,
			.flags = ph[i].p_flags,
		};
		if (ph[i].p_vaddr < b->lo)
			b->lo = ph[i].p_vaddr;
		if (ph[i].p_vaddr + ph[i].p_memsz > b->hi)
			b->hi = ph[i].p_vaddr + ph[i].p_memsz;
	}
	return b->n_loads ? 0 : -ENOEXEC;
}

/* Takes fd; maps the whole file read-only (pages come from the page cache, on demand). */
static int binary_from_fd(int fd, const char *path, struct pb_snap_binary **ret)
{
	struct pb_snap_binary *b = calloc(1, sizeof(*b));
	struct stat sb;
	void *data;
	int err;

	if (!b) {
		close(fd);
		return -ENOMEM;
	}
	b->fd = fd;
	b->path = strdup(path);
	if (!b->path) {
		err = -ENOMEM;
		goto fail;
	}
	if (fstat(fd, &sb)) {
		err = -errno;
		goto fail;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		err = -ENOEXEC;
		goto fail;
	}
	data = mmap(NULL, sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (data == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	b->data = data;
	b->size = sb.st_size;
	if ((err = parse_elf(b)))
		goto fail;
	*ret = b;
	return 0;
fail:
	binary_free(b);
	return err;
}

/* Size of the vdso image: the extent of its section headers, which come last. */
static size_t vdso_size(const uint8_t *base)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;

	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64)
		return 0;
	return eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
}

/*
 * Copies our own vdso into a memfd: other tasks' vdso is the same image, and as a file it goes
 * through the same paths as every other binary (libdw opens modules from an fd).
 */
static int load_vdso(struct pb_snap_binary **ret)
{
	const uint8_t *base = (const uint8_t *)getauxval(AT_SYSINFO_EHDR);
	size_t size = base ? vdso_size(base) : 0;
	int fd;

	if (!size || size > (1 << 20))
		return -ENOENT;
	fd = memfd_create("pb-vdso", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, base, size) != (ssize_t)size) {
		close(fd);
		return -EIO;
	}
	return binary_from_fd(fd, "[vdso]", ret);
}

int pb_snap_binaries__new(struct pb_snap_binaries **ret)
{
	struct pb_snap_binaries *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	if (!load_vdso(&c->vdso))
		c->vdso->refs = 1; /* never dropped */
	*ret = c;
	return 0;
}

void pb_snap_binaries__free(struct pb_snap_binaries *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < BUCKETS; i++) {
		while (c->buckets[i]) {
			struct pb_snap_binary *b = c->buckets[i];

			c->buckets[i] = b->next;
			binary_free(b);
		}
	}
	binary_free(c->vdso);
	free(c);
}

static int open_mapping(const struct pb_mapping *m)
{
	int fd = -1;

	if (m->open_path)
		fd = open(m->open_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fd = open(m->path, O_RDONLY | O_CLOEXEC);
	return fd;
}

struct pb_snap_binary *pb_snap_binaries__get(struct pb_snap_binaries *c,
					     const struct pb_mapping *m)
{
	struct pb_snap_binary *b;
	struct stat sb;
	unsigned h;
	int fd;

	if (!strcmp(m->path, "[vdso]"))
		return c->vdso;
	if (m->path[0] != '/' || !m->inode)
		return NULL;
	h = bucket(m->dev, m->inode);
	for (b = c->buckets[h]; b; b = b->next)
		if (b->dev == m->dev && b->inode == m->inode) {
			b->refs++;
			return b;
		}
	fd = open_mapping(m);
	if (fd < 0)
		return NULL;
	/* A file replaced since it was mapped is another file: unwinding with it would lie. */
	if (fstat(fd, &sb) || sb.st_ino != m->inode) {
		close(fd);
		return NULL;
	}
	if (binary_from_fd(fd, m->path, &b))
		return NULL;
	b->dev = m->dev;
	b->inode = m->inode;
	b->refs = 1;
	b->next = c->buckets[h];
	c->buckets[h] = b;
	return b;
}

void pb_snap_binaries__put(struct pb_snap_binaries *c, struct pb_snap_binary *b)
{
	struct pb_snap_binary **pp;

	if (!b || b == c->vdso || --b->refs)
		return;
	for (pp = &c->buckets[bucket(b->dev, b->inode)]; *pp; pp = &(*pp)->next)
		if (*pp == b) {
			*pp = b->next;
			break;
		}
	binary_free(b);
}

bool pb_snap_binary_bias(const struct pb_snap_binary *b, const struct pb_mapping *m,
			 uint64_t *bias)
{
	for (uint32_t i = 0; i < b->n_loads; i++) {
		const struct pb_snap_load *l = &b->loads[i];

		/* A segment is mapped from its page-aligned offset; vaddr and offset agree mod 4k. */
		if (m->pgoff < (l->offset & PAGE_MASK) || m->pgoff >= l->offset + l->filesz)
			continue;
		*bias = m->start - m->pgoff - (l->vaddr - l->offset);
		return true;
	}
	return false;
}

const void *pb_snap_binary_at(const struct pb_snap_binary *b, uint64_t vaddr, size_t size)
{
	for (uint32_t i = 0; i < b->n_loads; i++) {
		const struct pb_snap_load *l = &b->loads[i];

		if (vaddr >= l->vaddr && vaddr - l->vaddr < l->filesz &&
		    l->filesz - (vaddr - l->vaddr) >= size)
			return b->data + l->offset + (vaddr - l->vaddr);
	}
	return NULL;
}
