// SPDX-License-Identifier: MIT
/* The CFI converter: libdw evaluates each FDE's rules; we keep the ones BPF can follow as rows. */
#include <dwarf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <elfutils/libdw.h>

#include "cfi.h"
#include "cfi_check.h"

/* DWARF register numbers on x86-64. */
#define REG_RBP 6
#define REG_RSP 7
#define REG_RA	16

struct range {
	uint64_t lo, hi;
};

struct ranges {
	struct range *v;
	size_t n, cap;
};

/* Where one CFI section sits in the file and in memory. */
struct section {
	Elf_Data *data;
	uint64_t vaddr;
	bool eh; /* .eh_frame (pointer encodings) rather than .debug_frame (absolute) */
	const unsigned char *ident;
};

static Elf_Scn *find_section(Elf *elf, const char *name, GElf_Shdr *shdr)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, shdr) || shdr->sh_type == SHT_NOBITS)
			continue;
		n = elf_strptr(elf, shstrndx, shdr->sh_name);
		if (n && !strcmp(n, name))
			return scn;
	}
	return NULL;
}

static uint64_t uleb(const uint8_t **p, const uint8_t *end)
{
	uint64_t v = 0;
	int shift = 0;

	while (*p < end) {
		uint8_t b = *(*p)++;

		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	return v;
}

/*
 * Reads one DW_EH_PE-encoded pointer (the FDE's initial location or range). Only the encodings
 * that compilers emit for FDEs are taken; -1 otherwise. With apply false the value is raw.
 */
static int read_encoded(const struct section *s, const uint8_t **p, uint8_t enc, bool apply,
			uint64_t *val)
{
	const uint8_t *end = (const uint8_t *)s->data->d_buf + s->data->d_size, *at = *p;
	uint64_t field = s->vaddr + (uint64_t)(at - (const uint8_t *)s->data->d_buf);
	size_t size;
	int64_t v;

	switch (enc & 0x0f) {
	case DW_EH_PE_absptr:
	case DW_EH_PE_udata8:
	case DW_EH_PE_sdata8:
		size = 8;
		break;
	case DW_EH_PE_udata4:
	case DW_EH_PE_sdata4:
		size = 4;
		break;
	case DW_EH_PE_udata2:
	case DW_EH_PE_sdata2:
		size = 2;
		break;
	default:
		return -1;
	}
	if ((size_t)(end - at) < size)
		return -1;
	if (size == 8) {
		memcpy(&v, at, 8);
	} else if (size == 4) {
		uint32_t u;

		memcpy(&u, at, 4);
		v = enc & 0x08 ? (int64_t)(int32_t)u : (int64_t)u;
	} else {
		uint16_t u;

		memcpy(&u, at, 2);
		v = enc & 0x08 ? (int64_t)(int16_t)u : (int64_t)u;
	}
	*p = at + size;
	if (!apply || (enc & 0x70) == DW_EH_PE_absptr)
		*val = (uint64_t)v;
	else if ((enc & 0x70) == DW_EH_PE_pcrel)
		*val = field + (uint64_t)v;
	else
		return -1;
	return 0;
}

/* The encoding of the FDE addresses, from the CIE's "zR..." augmentation. */
static int fde_encoding(const struct section *s, Dwarf_Off cie_off, uint8_t *enc)
{
	Dwarf_CFI_Entry e;
	Dwarf_Off next;
	const uint8_t *p, *end;
	const char *a;

	*enc = DW_EH_PE_absptr;
	if (!s->eh)
		return 0;
	if (dwarf_next_cfi(s->ident, s->data, true, cie_off, &next, &e) ||
	    e.CIE_id != DW_CIE_ID_64)
		return -1;
	a = e.cie.augmentation;
	if (!a || a[0] != 'z')
		return 0;
	p = e.cie.augmentation_data;
	end = p + e.cie.augmentation_data_size;
	for (a++; *a && p < end; a++) {
		uint64_t skip;

		switch (*a) {
		case 'R':
			*enc = *p;
			return 0;
		case 'L':
			p++;
			break;
		case 'P': {
			uint8_t penc = *p++;

			if ((penc & 0x0f) == DW_EH_PE_uleb128)
				uleb(&p, end);
			else if (read_encoded(s, &p, penc, false, &skip))
				return -1;
			break;
		}
		case 'S':
		case 'B':
			break;
		default:
			return -1;
		}
	}
	return 0;
}

static int push_range(struct ranges *r, uint64_t lo, uint64_t hi)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 1024;
		struct range *v = realloc(r->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = (struct range){lo, hi};
	return 0;
}

/* Every FDE's [initial_location, + address_range), in section order. */
/*
 * The CIE's initial instructions and the FDE's own (p: after its address range) use only
 * registers libdw can hold: see cfi_check.h.
 */
static bool entry_instructions_ok(const struct section *s, const Dwarf_CFI_Entry *fde,
				  const uint8_t *p)
{
	Dwarf_CFI_Entry cie;
	Dwarf_Off next;
	uint64_t aug_len;

	if (dwarf_next_cfi(s->ident, s->data, s->eh, fde->fde.CIE_pointer, &next, &cie) ||
	    cie.CIE_id != DW_CIE_ID_64 ||
	    !pb_cfi_instructions_ok(cie.cie.initial_instructions,
				    cie.cie.initial_instructions_end))
		return false;
	/* A 'z' augmentation puts a length-prefixed block before the FDE's instructions. */
	if (cie.cie.augmentation && cie.cie.augmentation[0] == 'z') {
		aug_len = uleb(&p, fde->fde.end);
		if (aug_len > (uint64_t)(fde->fde.end - p))
			return false;
		p += aug_len;
	}
	return p <= fde->fde.end && pb_cfi_instructions_ok(p, fde->fde.end);
}

static int collect_fdes(const struct section *s, struct ranges *out)
{
	Dwarf_Off off = 0, next, last_cie = (Dwarf_Off)-1;
	uint8_t enc = DW_EH_PE_absptr;
	Dwarf_CFI_Entry e;
	int ret, err;

	while ((ret = dwarf_next_cfi(s->ident, s->data, s->eh, off, &next, &e)) == 0) {
		const uint8_t *p;
		uint64_t lo, len;

		off = next;
		if (e.CIE_id == DW_CIE_ID_64)
			continue;
		if (e.fde.CIE_pointer != last_cie) {
			if (fde_encoding(s, e.fde.CIE_pointer, &enc))
				continue; /* an augmentation we cannot read: no rows, a gap */
			last_cie = e.fde.CIE_pointer;
		}
		p = e.fde.start;
		if (read_encoded(s, &p, enc, true, &lo) || read_encoded(s, &p, enc & 0x0f, false, &len))
			continue;
		if (!entry_instructions_ok(s, &e, p))
			continue; /* corrupt: a gap rather than libdw's huge register table */
		if (!len || lo + len < lo)
			continue;
		if ((err = push_range(out, lo, lo + len)))
			return err;
	}
	return ret < 0 && !out->n ? -EINVAL : 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* CFA = reg + off, or the PLT stub expression; anything else is unsupported. */
static void cfa_rule(Dwarf_Frame *f, struct pb_dwarf_row *row)
{
	Dwarf_Op *ops;
	size_t n;

	row->cfa_type = PB_DWARF_CFA_UNSUPPORTED;
	if (dwarf_frame_cfa(f, &ops, &n) || !n)
		return;
	if (n == 1 && (ops[0].atom == DW_OP_bregx ||
		       (ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31))) {
		uint64_t reg = ops[0].atom == DW_OP_bregx ? ops[0].number
							  : (uint64_t)(ops[0].atom - DW_OP_breg0);
		int64_t off = (int64_t)(ops[0].atom == DW_OP_bregx ? ops[0].number2 : ops[0].number);

		if (off < INT32_MIN || off > INT32_MAX || (reg != REG_RSP && reg != REG_RBP))
			return;
		row->cfa_type = reg == REG_RSP ? PB_DWARF_CFA_RSP : PB_DWARF_CFA_RBP;
		row->cfa_off = (int32_t)off;
		return;
	}
	/* The lazy-binding PLT: rsp + off, 8 more once the stub has pushed its index. */
	if (n == 9 && ops[0].atom == DW_OP_breg7 && ops[1].atom == DW_OP_breg16 &&
	    ops[1].number == 0 && ops[2].atom == DW_OP_lit15 && ops[3].atom == DW_OP_and &&
	    ops[4].atom >= DW_OP_lit0 && ops[4].atom <= DW_OP_lit15 && ops[5].atom == DW_OP_ge &&
	    ops[6].atom == DW_OP_lit3 && ops[7].atom == DW_OP_shl && ops[8].atom == DW_OP_plus &&
	    (int64_t)ops[0].number >= 0 && (int64_t)ops[0].number < 256) {
		row->cfa_type = PB_DWARF_CFA_PLT;
		row->cfa_off = (int32_t)ops[0].number;
		row->rbp_off = ops[4].atom - DW_OP_lit0;
	}
}

enum reg_rule { REG_SAME, REG_UNDEFINED, REG_AT_CFA, REG_OTHER };

/* "Saved at CFA + off" is the only location rule the walk follows. */
static enum reg_rule reg_rule(Dwarf_Frame *f, int reg, int64_t *off)
{
	Dwarf_Op mem[3], *ops;
	size_t n;

	if (dwarf_frame_register(f, reg, mem, &ops, &n))
		return REG_OTHER;
	if (!n)
		return ops ? REG_UNDEFINED : REG_SAME;
	if (ops[0].atom != DW_OP_call_frame_cfa)
		return REG_OTHER;
	if (n == 1) {
		*off = 0;
		return REG_AT_CFA;
	}
	if (n == 2 && ops[1].atom == DW_OP_plus_uconst) {
		*off = (int64_t)ops[1].number;
		return REG_AT_CFA;
	}
	if (n == 3 && (ops[1].atom == DW_OP_consts || ops[1].atom == DW_OP_constu) &&
	    ops[2].atom == DW_OP_plus) {
		*off = (int64_t)ops[1].number;
		return REG_AT_CFA;
	}
	return REG_OTHER;
}

static void classify(Dwarf_Frame *f, bool signal, struct pb_dwarf_row *row)
{
	enum reg_rule ra, rbp;
	int64_t off = 0;

	row->rbp_type = PB_DWARF_RBP_SAME;
	ra = reg_rule(f, REG_RA, &off);
	if (ra == REG_UNDEFINED) {
		row->cfa_type = PB_DWARF_CFA_OUTERMOST;
		return;
	}
	cfa_rule(f, row);
	/* Signal frames restore every register from a ucontext: not expressible here. */
	if (signal || ra != REG_AT_CFA || off != -8) {
		row->cfa_type = PB_DWARF_CFA_UNSUPPORTED;
		return;
	}
	if (row->cfa_type == PB_DWARF_CFA_PLT)
		return;
	rbp = reg_rule(f, REG_RBP, &off);
	if (rbp == REG_AT_CFA && off >= INT16_MIN && off <= INT16_MAX) {
		row->rbp_type = PB_DWARF_RBP_CFA;
		row->rbp_off = (int16_t)off;
	} else if (rbp != REG_SAME) {
		row->rbp_type = PB_DWARF_RBP_UNDEFINED;
	}
}

static bool same_rule(const struct pb_dwarf_row *a, const struct pb_dwarf_row *b)
{
	return a->cfa_type == b->cfa_type && a->cfa_off == b->cfa_off &&
	       a->rbp_type == b->rbp_type && a->rbp_off == b->rbp_off;
}

/* Appends a row, folding it into the last one when it starts there or changes nothing. */
static int emit(struct pb_cfi_rows *r, const struct pb_dwarf_row *row)
{
	while (r->n && r->v[r->n - 1].pc >= row->pc)
		r->n--; /* overlapping FDEs: the later one wins */
	if (r->n && same_rule(&r->v[r->n - 1], row))
		return 0;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 4096;
		struct pb_dwarf_row *v = realloc(r->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = *row;
	if (row->cfa_type == PB_DWARF_CFA_UNSUPPORTED)
		r->unsupported++;
	return 0;
}

/* One row per distinct rule inside [lo, hi), then a NONE row at hi for the gap after it. */
static int convert_fde(Dwarf_CFI *cfi, const struct range *fde, struct pb_cfi_rows *out)
{
	uint64_t pc = fde->lo;
	int err;

	while (pc < fde->hi) {
		struct pb_dwarf_row row = {.pc = (uint32_t)pc};
		Dwarf_Frame *f;
		Dwarf_Addr start, end;
		bool signal = false;

		if (dwarf_cfi_addrframe(cfi, pc, &f)) {
			row.cfa_type = PB_DWARF_CFA_UNSUPPORTED;
			if ((err = emit(out, &row)))
				return err;
			break;
		}
		dwarf_frame_info(f, &start, &end, &signal);
		classify(f, signal, &row);
		free(f);
		if ((err = emit(out, &row)))
			return err;
		pc = end > pc ? end : fde->hi;
	}
	return emit(out, &(struct pb_dwarf_row){.pc = (uint32_t)fde->hi});
}

static int convert(Dwarf_CFI *cfi, const struct section *s, struct pb_cfi_rows *out)
{
	struct ranges fdes = {0};
	int err = collect_fdes(s, &fdes);

	if (!err && !fdes.n)
		err = -ENOENT;
	if (err)
		goto out;
	qsort(fdes.v, fdes.n, sizeof(*fdes.v), cmp_range);
	if (fdes.v[fdes.n - 1].hi > UINT32_MAX) {
		err = -ERANGE;
		goto out;
	}
	for (size_t i = 0; i < fdes.n && !err; i++)
		err = convert_fde(cfi, &fdes.v[i], out);
	out->fdes = fdes.n;
out:
	free(fdes.v);
	return err;
}

int pb_cfi_rows_build(Elf *elf, struct pb_cfi_rows *out)
{
	struct section s = {0};
	GElf_Shdr shdr;
	Elf_Scn *scn;
	Dwarf_CFI *cfi = NULL;
	Dwarf *dw = NULL;
	int err;

	*out = (struct pb_cfi_rows){0};
	s.ident = (const unsigned char *)elf_getident(elf, NULL);
	if (!s.ident || s.ident[EI_CLASS] != ELFCLASS64)
		return -ENOTSUP;
	if ((scn = find_section(elf, ".eh_frame", &shdr))) {
		s.eh = true;
		cfi = dwarf_getcfi_elf(elf);
	} else if ((scn = find_section(elf, ".debug_frame", &shdr))) {
		/* Compressed debug sections are inflated in place by libelf. */
		if (shdr.sh_flags & SHF_COMPRESSED && elf_compress(scn, 0, 0) < 0)
			return -EINVAL;
		dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
		cfi = dw ? dwarf_getcfi(dw) : NULL;
	}
	if (!scn || !cfi) {
		err = -ENOENT;
		goto out;
	}
	s.data = elf_getdata(scn, NULL);
	s.vaddr = shdr.sh_addr;
	err = s.data ? convert(cfi, &s, out) : -EINVAL;
out:
	if (dw)
		dwarf_end(dw); /* owns the .debug_frame CFI */
	else if (cfi)
		dwarf_cfi_end(cfi);
	if (err)
		pb_cfi_rows_free(out);
	return err;
}

void pb_cfi_rows_free(struct pb_cfi_rows *r)
{
	if (!r)
		return;
	free(r->v);
	*r = (struct pb_cfi_rows){0};
}

const struct pb_dwarf_row *pb_cfi_rows_find(const struct pb_cfi_rows *r, uint64_t pc)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->v[mid].pc <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &r->v[lo - 1] : NULL;
}
