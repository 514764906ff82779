/* SPDX-License-Identifier: MIT */
/* Walks the sampled thread's CPython frame chain at sample time (every unwinder shares it). */
#ifndef PB_PYTHON_BPF_H
#define PB_PYTHON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "python.h"

/* Set by userspace before load (--python=off clears it); the verifier then drops the walk. */
const volatile bool python_walk = false;
/* Interpreter frames recorded at most (<= PB_PY_MAX_FRAMES). */
const volatile __u32 py_max_frames = PB_PY_MAX_FRAMES;

/* Samples of a Python process whose thread was not found in the interpreter's thread list. */
__u64 py_no_thread = 0;

/* tgid -> what to walk; only processes running a supported CPython have an entry. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct pb_py_proc);
} py_procs SEC(".maps");

/*
 * tid -> its PyThreadState, found by walking the thread list once: a hit costs one read (its
 * native_thread_id still equal to tid) instead of two per thread in the list.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u64);
} py_threads SEC(".maps");

/* Bytes of a frame read at once: every field the walker uses lies in them on 3.11-3.13. */
#define PY_FRAME_READ 72

/*
 * A pb_py_stack is larger than the 512-byte BPF stack; the frame is read into map memory too,
 * where fields at offsets known only at run time may be loaded unaligned.
 */
struct py_scratch {
	struct pb_py_stack st;
	__u8 frame[PY_FRAME_READ];
};

/* A slot per kind of program context, as the native walk's (PB_SLOTS, sample.bpf.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, struct py_scratch);
} py_scratch SEC(".maps");

static __always_inline __u64 py_read_u64(__u64 addr)
{
	__u64 v = 0;

	if (bpf_probe_read_user(&v, sizeof(v), (void *)addr))
		return 0;
	return v;
}

/*
 * The sampled thread's PyThreadState: matched on native_thread_id (3.11+) in the interpreter's
 * thread list. TLS (_Py_tss_tstate) would be one read, but its address needs the thread's TLS
 * block and the module's TLS offset, which differ between 3.11 (no such variable exported),
 * 3.12 and 3.13; the list works the same on all three and its result is cached per thread.
 */
struct py_threads_walk {
	const struct pb_py_proc *p;
	__u64 ts;
	__u32 tid;
	bool found;
};

/* One thread of the list per bpf_loop step (plain loops nested in the unwinders' walks give
 * the verifier too many states). */
static long py_thread_step(__u64 i, struct py_threads_walk *w)
{
	if (!w->ts)
		return 1;
	if (py_read_u64(w->ts + w->p->ts_native_tid) == w->tid) {
		w->found = true;
		return 1;
	}
	w->ts = py_read_u64(w->ts + w->p->ts_next);
	return 0;
}

static __always_inline __u64 py_find_tstate(const struct pb_py_proc *p, __u32 tid)
{
	__u64 *cached = bpf_map_lookup_elem(&py_threads, &tid);
	struct py_threads_walk w = {.p = p, .tid = tid};
	__u64 interp;

	if (cached && *cached && py_read_u64(*cached + p->ts_native_tid) == tid)
		return *cached;
	interp = py_read_u64(p->interp_head);
	if (!interp)
		return 0;
	w.ts = py_read_u64(interp + p->threads_head);
	bpf_loop(PB_PY_MAX_THREADS, py_thread_step, &w, 0);
	if (!w.found)
		return 0;
	bpf_map_update_elem(&py_threads, &tid, &w.ts, BPF_ANY);
	return w.ts;
}

static __always_inline __u64 py_field(const __u8 *buf, __u16 off)
{
	if (off > PY_FRAME_READ - 8)
		return 0;
	return *(const __u64 *)(buf + off);
}

static __always_inline __u8 py_byte(const __u8 *buf, __u16 off)
{
	if (off > PY_FRAME_READ - 1)
		return 0;
	return buf[off];
}

struct py_frames_walk {
	const struct pb_py_proc *p;
	struct py_scratch *sc;
	__u64 frame, hash;
	__u32 n;
};

/* One interpreter frame per bpf_loop step, read whole (one helper call) into map memory. */
static long py_frame_step(__u64 i, struct py_frames_walk *w)
{
	const struct pb_py_proc *p = w->p;
	struct pb_py_stack *s = &w->sc->st;
	__u8 *buf = w->sc->frame;
	__u64 code, frame = w->frame;
	__u32 n = w->n;

	if (!frame)
		return 1;
	if (n >= py_max_frames || n >= PB_PY_MAX_FRAMES)
		return 1; /* frame stays set: the chain went on */
	if (bpf_probe_read_user(buf, PY_FRAME_READ, (void *)frame)) {
		s->flags |= PB_PY_TRUNCATED;
		w->frame = 0;
		return 1;
	}
	code = py_field(buf, p->fr_code);
	if (py_byte(buf, p->fr_owner) == p->owner_cstack) {
		/* 3.12+: a shim frame an eval call pushed below the first frame it ran. */
		if (n > 0 && n <= PB_PY_MAX_FRAMES)
			s->frames[n - 1].code |= PB_PY_ENTRY;
	} else if (code) {
		if (p->fr_is_entry != PB_PY_NO_FIELD && py_byte(buf, p->fr_is_entry))
			code |= PB_PY_ENTRY;
		s->frames[n].code = code;
		s->frames[n].instr = py_field(buf, p->fr_instr);
		w->hash = (w->hash ^ code) * 0x9e3779b97f4a7c15ULL;
		w->hash = (w->hash ^ s->frames[n].instr) * 0x9e3779b97f4a7c15ULL;
		w->hash ^= w->hash >> 32;
		w->n = n + 1;
	}
	frame = py_field(buf, p->fr_previous);
	/* Frames live in per-thread chunks, aligned; anything else is garbage. */
	if (frame & 7) {
		s->flags |= PB_PY_TRUNCATED;
		frame = 0;
	}
	w->frame = frame;
	return 0;
}

/*
 * Fills sc with the interpreter frames of the current thread of tgid, leaf first, and returns
 * their hash (0: not a Python process, or no Python running on this thread).
 */
static __always_inline __u64 py_walk(__u32 tgid, __u32 tid, struct py_scratch *sc)
{
	const struct pb_py_proc *p = bpf_map_lookup_elem(&py_procs, &tgid);
	struct py_frames_walk w = {.p = p, .sc = sc, .hash = 0x7079};
	__u64 ts;

	if (!p)
		return 0;
	ts = py_find_tstate(p, tid);
	if (!ts) {
		__sync_fetch_and_add(&py_no_thread, 1);
		return 0;
	}
	w.frame = py_read_u64(ts + p->ts_cframe);
	if (w.frame && p->cframe_frame != PB_PY_NO_FIELD)
		w.frame = py_read_u64(w.frame + p->cframe_frame);
	sc->st.flags = 0;
	/* Shim frames take steps too: a few more steps than frames. */
	bpf_loop(PB_PY_MAX_FRAMES + 16, py_frame_step, &w, 0);
	if (w.frame)
		sc->st.flags |= PB_PY_TRUNCATED;
	sc->st.n = w.n;
	if (!w.n)
		return 0;
	return w.hash ^ sc->st.flags;
}

/*
 * Walks the current thread of tgid into this CPU's py_scratch (*sc), leaf first; returns the
 * frames' hash, 0 when there are none (not a Python process, no Python running on this thread,
 * or --python=off). The callers are global functions that the verifier checks once each.
 */
static __always_inline __u64 py_walk_current(__u32 tgid, __u32 slot, struct py_scratch **sc)
{
	if (!python_walk)
		return 0;
	*sc = bpf_map_lookup_elem(&py_scratch, &slot);
	if (!*sc)
		return 0;
	return py_walk(tgid, (__u32)bpf_get_current_pid_tgid(), *sc);
}

#endif
