/* SPDX-License-Identifier: MIT */
/* PLT stubs named "func@plt" from .rela.plt and .plt/.plt.sec (x86-64 and arm64). */
#ifndef PB_PLT_H
#define PB_PLT_H

#include <stdint.h>
#include <libelf.h>

/* Called per stub: its address, size and name ("func@plt", valid during the call only). */
typedef int (*pb_plt_fn)(void *ctx, uint64_t addr, uint64_t size, const char *name);

/* Calls fn for each PLT stub of elf: 0, fn's error, -ENOENT (no PLT) or -ENOTSUP (machine). */
int pb_plt_read(Elf *elf, pb_plt_fn fn, void *ctx);

#endif
