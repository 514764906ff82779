/* SPDX-License-Identifier: MIT */
/* The snapshot program's Python frames: walked at sample time, put in the record (snapshot.h). */
#ifndef PB_SNAPSHOT_PYTHON_BPF_H
#define PB_SNAPSHOT_PYTHON_BPF_H

#include "python.bpf.h"
#include "snapshot.h"

_Static_assert(PB_SNAP_PY_BYTES == PB_PY_MAX_FRAMES * sizeof(struct pb_py_frame),
	       "a record has room for every frame the walker records");

/*
 * Walks the current thread's interpreter frames into py_scratch's slot (0: perf samples, 1:
 * sched_switch, which a perf NMI may interrupt); returns their count with the
 * PB_PY_* flags above bit 16 (0: none). A global function: the verifier checks it once, on its
 * own, not in every state the entry program reaches it in.
 */
__noinline __u32 pb_py_snapshot(__u32 tgid, __u32 slot)
{
	struct py_scratch *s = NULL;

	if (!py_walk_current(tgid, slot, &s) || !s)
		return 0;
	return (s->st.n & 0xffff) | s->st.flags << 16;
}

/*
 * Puts the current thread's interpreter frames at dst (room for PB_SNAP_PY_BYTES) and their
 * count and flags in hdr; returns the bytes written (0: no Python frames).
 */
static __always_inline __u32 pb_snap_python(__u32 tgid, __u32 slot, struct pb_snap_sample *hdr,
					    __u8 *dst)
{
	__u32 r, n, bytes;
	struct py_scratch *s;

	if (!python_walk)
		return 0;
	r = pb_py_snapshot(tgid, slot);
	n = r & 0xffff;
	if (!n || n > PB_PY_MAX_FRAMES)
		return 0;
	s = bpf_map_lookup_elem(&py_scratch, &slot);
	if (!s)
		return 0;
	bytes = n * sizeof(struct pb_py_frame);
	if (bytes > PB_SNAP_PY_BYTES || bpf_probe_read_kernel(dst, bytes, s->st.frames))
		return 0;
	hdr->n_py = n;
	hdr->py_flags = r >> 16;
	return bytes;
}

#endif
