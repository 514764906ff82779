// SPDX-License-Identifier: MIT
/* The libunwind unwinder plugin: a remote address space whose accessors read the snapshot. */
#include <errno.h>
#include <libunwind.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot_common.h"

/* Exported by libunwind but not declared in its headers (perf declares it the same way). */
extern int UNW_OBJ(dwarf_search_unwind_table)(unw_addr_space_t as, unw_word_t ip,
					      unw_dyn_info_t *di, unw_proc_info_t *pi,
					      int need_unwind_info, void *arg);

/* .eh_frame_hdr encodings (DW_EH_PE_*) of the layout every GNU and LLVM linker writes. */
#define EH_PE_UDATA4	     0x03
#define EH_PE_SDATA4	     0x0b
#define EH_PE_DATAREL_SDATA4 0x3b
#define EH_HDR_SIZE	     12 /* version, 3 encodings, eh_frame_ptr, fde_count */

/*
 * Finds the FDE for ip through the binary's .eh_frame_hdr search table; libunwind then reads
 * the table, the FDE and its CIE at process addresses through access_mem.
 */
static int find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi,
			  int need_unwind_info, void *arg)
{
	struct pb_snap_unwind *u = arg;
	const struct pb_snap_object *o = pb_snap_proc_find(u->proc, ip);
	const uint8_t *hdr;
	uint32_t fde_count;
	unw_dyn_info_t di;

	if (!o || !o->bin->eh_frame_hdr)
		return -UNW_ENOINFO;
	hdr = pb_snap_binary_at(o->bin, o->bin->eh_frame_hdr, EH_HDR_SIZE);
	if (!hdr || hdr[0] != 1 || hdr[2] != EH_PE_UDATA4 || hdr[3] != EH_PE_DATAREL_SDATA4 ||
	    ((hdr[1] & 0x0f) != EH_PE_UDATA4 && (hdr[1] & 0x0f) != EH_PE_SDATA4))
		return -UNW_ENOINFO;
	memcpy(&fde_count, hdr + 8, sizeof(fde_count));
	memset(&di, 0, sizeof(di));
	di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
	di.start_ip = o->start;
	di.end_ip = o->end;
	/* Table entries are (initial location, FDE address), both relative to the header. */
	di.u.rti.segbase = o->bin->eh_frame_hdr + o->bias;
	di.u.rti.table_data = di.u.rti.segbase + EH_HDR_SIZE;
	di.u.rti.table_len = (uint64_t)fde_count * 8 / sizeof(unw_word_t);
	return UNW_OBJ(dwarf_search_unwind_table)(as, ip, &di, pi, need_unwind_info, arg);
}

static void put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
	/* libunwind frees what dwarf_search_unwind_table allocated itself. */
}

static int get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *addr, void *arg)
{
	return -UNW_ENOINFO; /* no JIT registration is read from a snapshot */
}

static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write, void *arg)
{
	if (write)
		return -UNW_EREADONLYREG;
	return pb_snap_read(arg, addr, val, sizeof(*val)) ? 0 : -UNW_EINVAL;
}

static int access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *val, int write, void *arg)
{
	struct pb_snap_unwind *u = arg;

	/* libunwind's x86_64 numbering is DWARF's, as the snapshot's: RIP is 16. */
	if (write)
		return -UNW_EREADONLYREG;
	if (reg < 0 || reg >= PB_SNAP_NREGS)
		return -UNW_EBADREG;
	*val = u->regs[reg];
	return 0;
}

static int access_fpreg(unw_addr_space_t as, unw_regnum_t reg, unw_fpreg_t *val, int write,
			void *arg)
{
	return -UNW_EBADREG;
}

static int resume(unw_addr_space_t as, unw_cursor_t *c, void *arg)
{
	return -UNW_EINVAL;
}

static unw_accessors_t accessors = {
    .find_proc_info = find_proc_info,
    .put_unwind_info = put_unwind_info,
    .get_dyn_info_list_addr = get_dyn_info_list_addr,
    .access_mem = access_mem,
    .access_reg = access_reg,
    .access_fpreg = access_fpreg,
    .resume = resume,
};

static void lu_proc_close(void *priv)
{
	if (priv)
		unw_destroy_addr_space(priv);
}

/*
 * One address space per process: libunwind caches register rules by ip, and two processes can
 * run different code at one address. A rebuilt process gets a fresh one.
 */
static int lu_proc_open(const struct pb_host *host, struct pb_snap_proc *p, void **priv)
{
	unw_addr_space_t as = unw_create_addr_space(&accessors, 0);

	if (!as)
		return -ENOMEM;
	unw_set_caching_policy(as, UNW_CACHE_GLOBAL); /* one thread unwinds */
	*priv = as;
	return 0;
}

/* Whether find_proc_info finds an FDE covering pc (libunwind checks the FDE's range). */
static bool lu_has_cfi(void *priv, struct pb_snap_unwind *u, uint64_t pc)
{
	unw_proc_info_t pi;

	return find_proc_info(priv, pc, &pi, 0, u) == 0;
}

static int lu_unwind(void *priv, struct pb_snap_unwind *u)
{
	uint32_t first = u->n; /* its pc is exact; the later ones are return addresses */
	unw_cursor_t c;
	unw_word_t ip;
	int ret;

	if (unw_init_remote(&c, priv, u) < 0)
		return -EIO;
	do {
		if (unw_get_reg(&c, UNW_REG_IP, &ip) < 0 || !ip)
			break;
		u->ips[u->n++] = ip;
		if (u->n >= u->max)
			return 0;
		/* Where the walk ends, the frame-pointer bridge may go on from this frame. */
		u->end_frame.ip = ip;
		u->have_end_frame = unw_get_reg(&c, UNW_X86_64_RSP, &u->end_frame.sp) >= 0 &&
				    unw_get_reg(&c, UNW_X86_64_RBP, &u->end_frame.bp) >= 0;
		/*
		 * Code without CFI (JIT code, V8's builtins): libunwind would guess by frame
		 * pointer; the glue's bridge walks it from this frame's sp and bp instead.
		 */
		if (!lu_has_cfi(priv, u, u->n == first + 1 ? ip : ip - 1))
			return -ENOENT;
		ret = unw_step(&c);
	} while (ret > 0);
	return ret < 0 ? -EIO : 0;
}

PB_SNAP_PLUGIN("libunwind",
	       "user stack snapshots unwound in userspace by libunwind (remote address space over "
	       "the snapshot and the binaries' .eh_frame)",
	       .proc_open = lu_proc_open, .proc_close = lu_proc_close, .unwind = lu_unwind,
	       .has_cfi = lu_has_cfi)
