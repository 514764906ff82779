/* SPDX-License-Identifier: MIT */
/* The dwarf unwinder's kernel<->user ABI (not "dwarf.h": that would shadow elfutils' <dwarf.h>). */
#ifndef PB_BPF_DWARF_ABI_H
#define PB_BPF_DWARF_ABI_H

#include "counts.h"

/* The count key, user stack value and first lost causes are counts.h's, shared with fp. */
#define PB_DWARF_MAX_FRAMES   127 /* = PB_MAX_FRAMES */
/* Executable mappings one process can have in its table; a power of two (binary search). */
#define PB_DWARF_MAX_MAPPINGS 256
/* Steps of the row binary search: tables up to 2^24 rows. */
#define PB_DWARF_ROW_STEPS    24

/* How the canonical frame address (the caller's rsp) is found at a pc. */
enum pb_dwarf_cfa_type {
	PB_DWARF_CFA_NONE = 0,	      /* no CFI covers this pc (a gap, end of a function): stop */
	PB_DWARF_CFA_RSP = 1,	      /* CFA = rsp + cfa_off */
	PB_DWARF_CFA_RBP = 2,	      /* CFA = rbp + cfa_off */
	PB_DWARF_CFA_PLT = 3,	      /* CFA = rsp + cfa_off + ((pc & 15) >= rbp_off ? 8 : 0) */
	PB_DWARF_CFA_UNSUPPORTED = 4, /* a rule the BPF walk cannot follow: stop, truncated */
	PB_DWARF_CFA_OUTERMOST = 5,   /* the return address is undefined (_start): stack ends */
};

/* Where the caller's rbp is. The return address is always at CFA - 8 (x86-64). */
enum pb_dwarf_rbp_type {
	PB_DWARF_RBP_SAME = 0,	    /* unchanged */
	PB_DWARF_RBP_CFA = 1,	    /* saved at CFA + rbp_off */
	PB_DWARF_RBP_UNDEFINED = 2, /* unknown from here on: an rbp-based CFA later stops */
};

/*
 * One row of a binary's table: the rule for pcs from pc to the next row's pc. pc is an ELF
 * virtual address (binaries above 4 GB use the frame-pointer fallback). 12 bytes.
 */
struct pb_dwarf_row {
	__u32 pc;
	__s32 cfa_off;
	__s16 rbp_off; /* PB_DWARF_CFA_PLT: the pc & 15 threshold instead (rbp is not touched) */
	__u8 cfa_type; /* enum pb_dwarf_cfa_type */
	__u8 rbp_type; /* enum pb_dwarf_rbp_type */
};

enum pb_dwarf_table_state {
	PB_DWARF_TABLE_PENDING = 0, /* being built: the walk stops here (counted) */
	PB_DWARF_TABLE_READY = 1,
	PB_DWARF_TABLE_NO_CFI = 2, /* the binary has no usable CFI: frame-pointer step */
	PB_DWARF_TABLE_FULL = 3,   /* no room was left in the row array */
};

/* One binary's rows: rows[first .. first + count), sorted by pc. Indexed by table id. */
struct pb_dwarf_table {
	__u32 first;
	__u32 count;
	__u32 state;  /* enum pb_dwarf_table_state */
	__u32 wanted; /* set by BPF when a walk met it PENDING (asks once) */
};

/* One executable mapping: addresses [start, end) hold ELF vaddrs addr - bias of table. */
struct pb_dwarf_mapping {
	__u64 start;
	__u64 end;
	__u64 bias;
	__u32 table;
	__u32 pad;
};

/* A process's mappings, sorted by start and not overlapping. */
struct pb_dwarf_proc {
	__u32 n;
	__u32 pad;
	struct pb_dwarf_mapping maps[PB_DWARF_MAX_MAPPINGS];
};

/* What a walk asks userspace for, through the events ring buffer. */
enum pb_dwarf_event_kind {
	PB_DWARF_EV_PROC = 1,  /* pid's mappings are unknown or miss a pc: read them again */
	PB_DWARF_EV_TABLE = 2, /* a walk needs this table: build it before the others */
};

struct pb_dwarf_event {
	__u32 kind; /* enum pb_dwarf_event_kind */
	__u32 pid;
	__u32 table;
	__u32 pad;
};

/* The walk's own reasons to cut a user stack short, numbered after counts.h's common causes. */
enum pb_dwarf_lost_cause {
	PB_DWARF_LOST_UNSUPPORTED = PB_LOST_COMMON, /* a CFI rule the walk cannot follow */
	PB_DWARF_LOST_NO_ROW,			    /* a pc that no CFI row covers */
	PB_DWARF_LOST_PENDING,			    /* a binary whose table was still being built */
	PB_DWARF_LOST_TABLE_FULL,		    /* a binary left out: the row array was full */
	PB_DWARF_LOST_READ,	   /* the stack could not be read, or went the wrong way */
	PB_DWARF_LOST_NO_MAPPING,  /* a pc outside every known mapping (after an fp step) */
	PB_DWARF_FP_FALLBACK,	   /* not lost: a stack walked by frame pointers through JIT code */
	PB_DWARF_LOST_MAX,
};

#endif
