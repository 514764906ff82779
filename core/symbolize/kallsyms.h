/* SPDX-License-Identifier: MIT */
/* Kernel and module text symbols from /proc/kallsyms, with the "_[k]" suffix already applied. */
#ifndef PB_KALLSYMS_H
#define PB_KALLSYMS_H

#include <stddef.h>
#include <stdint.h>

/* 12 bytes, not 16: 120,000 kernel symbols are resident for the whole run. */
struct __attribute__((packed)) pb_kallsyms_sym {
	uint64_t addr;
	uint32_t name_off;
};

struct pb_kallsyms {
	struct pb_kallsyms_sym *syms; /* sorted by addr */
	size_t n;
	char *names; /* "name\0..." (callers add the kernel frame's "_[k]") */
	size_t names_len, names_cap;
};

/* path: NULL for /proc/kallsyms. Returns 0, -errno, or -ENODATA when every address is 0. */
int pb_kallsyms__load(const char *path, struct pb_kallsyms **ret);
void pb_kallsyms__free(struct pb_kallsyms *k);

/* The "name_[k]" holding addr, or NULL. */
/* The symbol holding addr, without the "_[k]" suffix; NULL when none does. */
const char *pb_kallsyms__lookup(const struct pb_kallsyms *k, uint64_t addr);

#endif
