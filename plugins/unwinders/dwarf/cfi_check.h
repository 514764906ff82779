/* SPDX-License-Identifier: MIT */
/* Rejects call-frame instructions that would make libdw allocate absurd register tables. */
#ifndef PB_DWARF_CFI_CHECK_H
#define PB_DWARF_CFI_CHECK_H

#include <stdbool.h>
#include <stdint.h>

/*
 * True when every DW_CFA instruction in [p, end) is one we know how to skip and names a
 * register below PB_CFI_MAX_REG. libdw sizes its rule array by the largest register number an
 * FDE names, so one corrupt ULEB in a binary on the machine made it allocate 1.6 GB (found by
 * fuzz-cfi); such FDEs are left out (a gap: walks stop there, counted).
 */
#define PB_CFI_MAX_REG 256
bool pb_cfi_instructions_ok(const uint8_t *p, const uint8_t *end);

#endif
