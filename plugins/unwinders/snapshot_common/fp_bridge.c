// SPDX-License-Identifier: MIT
/*
 * Through code without CFI by frame pointer: JIT code (V8, HotSpot) lives in anonymous memory and
 * V8's builtins in node's .text without FDEs, but both keep rbp chains. Where the backend's walk
 * stops at such a pc, [bp] and [bp + 8] in the copied stack give the caller until a pc with CFI,
 * where the backend takes over again (as perf's and the dwarf unwinder's fallback do).
 */
#include <string.h>

#include "snap_internal.h"

/* Hand-overs between the backend and frame-pointer steps per stack: JS and C++ interleave. */
#define MAX_BRIDGES 64

/*
 * One frame-pointer step from f: the caller's frame. False at the end of the chain or where the
 * chain leaves the copied stack or does not go up it (garbage in rbp: a frame without a frame
 * pointer, or a pc in a prologue).
 */
static bool fp_step(struct pb_snap_unwind *u, struct pb_snap_frame_regs *f)
{
	uint64_t base = u->sample->regs[PB_SNAP_REG_SP], len = u->sample->stack_size;
	uint64_t frame[2]; /* saved rbp, return address */

	if (f->bp < f->sp || f->bp < base)
		return false;
	if (f->bp - base > len || len - (f->bp - base) < 16) {
		/* Just above the copy: the stack went on, the snapshot was too small. */
		u->beyond_snapshot = f->bp - base < len + PB_SNAP_STACK_SLACK;
		return false;
	}
	memcpy(frame, u->stack + (f->bp - base), sizeof(frame));
	if (!frame[1])
		return false;
	f->ip = frame[1];
	f->sp = f->bp + 16;
	f->bp = frame[0];
	return true;
}

int pb_snap_unwind_bridged(const struct pb_snap_backend *be, void *priv, struct pb_snap_unwind *u,
			   bool *bridged)
{
	uint64_t regs[PB_SNAP_NREGS];
	int err = 0;

	memcpy(regs, u->sample->regs, sizeof(regs));
	u->regs = regs;
	for (int round = 0;; round++) {
		struct pb_snap_frame_regs f;
		uint32_t first = u->n;

		u->have_end_frame = false;
		err = be->unwind(priv, u);
		/* The walk's last frame is where a frame-pointer walk may continue. */
		if (!be->has_cfi || round == MAX_BRIDGES || !u->have_end_frame || u->n >= u->max ||
		    u->beyond_snapshot || !u->n)
			break;
		f = u->end_frame;
		/* A return address is looked up one byte back; the walk's first pc is exact. */
		if (be->has_cfi(priv, u, u->n - 1 == first && round == 0 ? f.ip : f.ip - 1))
			break; /* ended where CFI says, or failed for another reason */
		for (;;) {
			if (!f.bp) {
				/*
				 * The outermost frame of a binary: _start clears rbp (node's has
				 * no FDE). In JIT code a zero rbp is a frame without one: cut.
				 */
				if (pb_snap_proc_find(u->proc, f.ip))
					err = 0;
				goto out;
			}
			if (!fp_step(u, &f))
				goto out; /* the chain breaks in code without CFI: cut short */
			*bridged = true;
			u->ips[u->n++] = f.ip;
			if (u->n >= u->max) {
				err = 0;
				goto out;
			}
			if (be->has_cfi(priv, u, f.ip - 1))
				break;
		}
		/* The backend starts again at f, and reports f.ip itself as its first frame. */
		u->n--;
		regs[PB_SNAP_REG_IP] = f.ip;
		regs[PB_SNAP_REG_SP] = f.sp;
		regs[PB_SNAP_REG_BP] = f.bp;
	}
out:
	u->regs = NULL;
	return err;
}
