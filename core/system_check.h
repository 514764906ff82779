/* SPDX-License-Identifier: MIT */
/* Whether this process and kernel can profile at all: privileges and BTF. */
#ifndef PB_SYSTEM_CHECK_H
#define PB_SYSTEM_CHECK_H

#include <stddef.h>

/* 0, or -EPERM / -ENOTSUP with why written into why. */
int pb_check_system(char *why, size_t len);

#endif
