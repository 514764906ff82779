/* SPDX-License-Identifier: MIT */
/* Kernel and module text symbols from /proc/kallsyms, with the "_[k]" suffix already applied. */
#ifndef PB_KALLSYMS_H
#define PB_KALLSYMS_H

#include <stddef.h>
#include <stdint.h>

struct pb_kallsyms_sym {
	uint64_t addr;
	uint32_t name_off;
};

struct pb_kallsyms {
	struct pb_kallsyms_sym *syms; /* sorted by addr */
	size_t n;
	char *names; /* "name_[k]\0..." */
	size_t names_len, names_cap;
};

/* path: NULL for /proc/kallsyms. Returns 0, -errno, or -ENODATA when every address is 0. */
int pb_kallsyms__load(const char *path, struct pb_kallsyms **ret);
void pb_kallsyms__free(struct pb_kallsyms *k);

/* The "name_[k]" holding addr, or NULL. */
const char *pb_kallsyms__lookup(const struct pb_kallsyms *k, uint64_t addr);

#endif
