/* SPDX-License-Identifier: MIT */
/*
 * The caller of a sample's leaf when the frame pointer cannot name it: a frameless leaf (GCC and
 * clang give small leaves no frame even with -fno-omit-frame-pointer), or a pc in a prologue
 * before `mov %rsp, %rbp` or at the `ret`. rbp then still holds the caller's frame, whose return
 * address skips the caller; the leaf's own return address is on top of the stack.
 */
#ifndef PB_LEAF_CALLER_BPF_H
#define PB_LEAF_CALLER_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define PB_USER_TOP	    0x0000800000000000ULL /* x86-64 user addresses are below */
#define PB_MAX_FUNCTION_LEN (1ULL << 20)	  /* a direct call's target holds the pc within */

/* Whether the 8 code bytes before a return address end in an indirect call (ff /2). */
static __always_inline bool ends_in_indirect_call(const __u8 *b)
{
	/* call *%reg (ff d0+r), call *(%reg) (ff 10+r) */
	if (b[6] == 0xff && ((b[7] & 0xf8) == 0xd0 ||
			     ((b[7] & 0xf8) == 0x10 && (b[7] & 7) != 4 && (b[7] & 7) != 5)))
		return true;
	/* call *d8(%reg) (ff 50+r d8); with an index (ff 14 sib) */
	if (b[5] == 0xff && ((b[6] & 0xf8) == 0x50 || b[6] == 0x14))
		return true;
	/* call *d8(%reg,%idx) (ff 54 sib d8) */
	if (b[4] == 0xff && b[5] == 0x54)
		return true;
	/* call *d32(%rip) (ff 15 d32), call *d32(%reg) (ff 90+r d32) */
	if (b[2] == 0xff && (b[3] == 0x15 || (b[3] & 0xf8) == 0x90))
		return true;
	/* call *d32(%reg,%idx) (ff 94 sib d32) */
	return b[1] == 0xff && b[2] == 0x94;
}

/*
 * The return address into the leaf's caller, or 0 when there is no trustworthy one. A value on
 * top of the stack is taken only when the code before it is a call: a direct call whose target
 * starts the function holding pc, or an indirect call. Anything else (data, a stale pointer, a
 * pc in a function with its frame) gives 0, so a guess is never inserted.
 */
static __always_inline __u64 pb_leaf_caller_of(__u64 pc, __u64 bp, const __u64 top[2])
{
	__u64 ra;
	__u8 code[8];

	/* After `push %rbp`, before `mov %rsp, %rbp`: the saved rbp (= rbp) sits above it. */
	ra = top[0] == bp ? top[1] : top[0];
	if (ra < sizeof(code) || ra >= PB_USER_TOP ||
	    bpf_probe_read_user(code, sizeof(code), (void *)(ra - sizeof(code))))
		return 0;
	if (code[3] == 0xe8) { /* call rel32 */
		__s32 rel = code[4] | code[5] << 8 | code[6] << 16 | (__u32)code[7] << 24;
		__u64 target = ra + (__s64)rel;

		return target <= pc && pc - target < PB_MAX_FUNCTION_LEN ? ra : 0;
	}
	return ends_in_indirect_call(code) ? ra : 0;
}

/* pb_leaf_caller_of with the two words on top of the stack at sp read here. */
static __always_inline __u64 pb_leaf_caller(__u64 pc, __u64 sp, __u64 bp)
{
	__u64 top[2];

	if (bpf_probe_read_user(top, sizeof(top), (void *)sp))
		return 0;
	return pb_leaf_caller_of(pc, bp, top);
}

#endif
