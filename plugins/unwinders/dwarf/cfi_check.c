// SPDX-License-Identifier: MIT
/* Rejects call-frame instructions that would make libdw allocate absurd register tables. */
#include <dwarf.h>

#include "cfi_check.h"

/* Reads a ULEB128; false past end or beyond 64 bits. */
static bool uleb(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	uint64_t v = 0;

	for (unsigned int shift = 0; *p < end && shift < 64; shift += 7) {
		uint8_t b = *(*p)++;

		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return true;
		}
	}
	return false;
}

static bool reg(const uint8_t **p, const uint8_t *end)
{
	uint64_t r;

	return uleb(p, end, &r) && r < PB_CFI_MAX_REG;
}

static bool skip(const uint8_t **p, const uint8_t *end, uint64_t n)
{
	if ((uint64_t)(end - *p) < n)
		return false;
	*p += n;
	return true;
}

/* Operands after the opcode byte: "r" a register, "u" a ULEB, "b" a ULEB length + block. */
static bool operands(const uint8_t **p, const uint8_t *end, const char *shape)
{
	uint64_t v;

	for (; *shape; shape++) {
		if (*shape == 'r' && !reg(p, end))
			return false;
		if (*shape == 'u' && !uleb(p, end, &v))
			return false;
		if (*shape == 'b' && !(uleb(p, end, &v) && skip(p, end, v)))
			return false;
	}
	return true;
}

bool pb_cfi_instructions_ok(const uint8_t *p, const uint8_t *end)
{
	/* Signed operands are ULEB-shaped on the wire: 'u' skips them as well. */
	static const char *const shapes[] = {
		[DW_CFA_nop] = "",
		[DW_CFA_offset_extended] = "ru",
		[DW_CFA_restore_extended] = "r",
		[DW_CFA_undefined] = "r",
		[DW_CFA_same_value] = "r",
		[DW_CFA_register] = "rr",
		[DW_CFA_remember_state] = "",
		[DW_CFA_restore_state] = "",
		[DW_CFA_def_cfa] = "ru",
		[DW_CFA_def_cfa_register] = "r",
		[DW_CFA_def_cfa_offset] = "u",
		[DW_CFA_def_cfa_expression] = "b",
		[DW_CFA_expression] = "rb",
		[DW_CFA_offset_extended_sf] = "ru",
		[DW_CFA_def_cfa_sf] = "ru",
		[DW_CFA_def_cfa_offset_sf] = "u",
		[DW_CFA_val_offset] = "ru",
		[DW_CFA_val_offset_sf] = "ru",
		[DW_CFA_val_expression] = "rb",
		[DW_CFA_GNU_args_size] = "u",
		[DW_CFA_GNU_negative_offset_extended] = "ru",
	};

	while (p < end) {
		uint8_t op = *p++;
		uint64_t v;

		switch (op & 0xc0) {
		case DW_CFA_advance_loc:
		case DW_CFA_restore: /* the register is in the low 6 bits: always small */
			continue;
		case DW_CFA_offset:
			if (!uleb(&p, end, &v))
				return false;
			continue;
		}
		if (op == DW_CFA_advance_loc1 || op == DW_CFA_advance_loc2 ||
		    op == DW_CFA_advance_loc4) {
			v = op == DW_CFA_advance_loc1 ? 1 : op == DW_CFA_advance_loc2 ? 2 : 4;
			if (!skip(&p, end, v))
				return false;
			continue;
		}
		/* set_loc's operand size depends on the CIE's encoding; GCC and clang never emit it. */
		if (op >= sizeof(shapes) / sizeof(shapes[0]) || !shapes[op] ||
		    !operands(&p, end, shapes[op]))
			return false;
	}
	return true;
}
