// SPDX-License-Identifier: MIT
/* The fp unwinder's BPF side: walks user frame pointers in BPF, counts stacks (sample.bpf.h). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "filter.bpf.h"
#include "counts.bpf.h"
#include "regs.bpf.h"
#include "leaf_caller.bpf.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Frames walked at most (<= PB_MAX_FRAMES), set before load. */
const volatile __u32 max_frames = PB_MAX_FRAMES;
/*
 * Whether the kernel has bpf_loop (5.17), set by userspace from its probe. Without it the walk
 * is a bounded loop the verifier unrolls (slower to load, same stacks); the bpf_loop call is
 * then dead code the verifier drops.
 */
const volatile bool use_bpf_loop = true;

/*
 * A user read costs about 70 ns a helper call, and little more for a few KB than for 16 bytes,
 * so the walk copies a window of the stack at a time and finds the next frames in it (bench:
 * 34 frames of 64 bytes, 2.9 us with a read per frame, 1.2 us with 2 KB windows). A window
 * ends at a page end: a page holding a valid frame is readable, the next may not be, and a
 * faulting read costs far more than a second read.
 */
#define WINDOW	  2048
#define PAGE_SIZE 4096

struct scratch {
	struct pb_user_stack st;
	__u8 win[WINDOW];
};

/* The ip array and the window are larger than the 512-byte BPF stack; a slot per context. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 3); /* PB_SLOTS (sample.bpf.h) */
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/* Cheap and order-sensitive; the depth is in the key too, so only equal-length stacks collide. */
static __always_inline __u64 mix(__u64 h, __u64 v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 32);
}

struct walk {
	struct scratch *s;
	__u64 fp, base, len, hash;
	__u32 n;
	__u32 shift; /* 1 when the leaf's caller was recovered into ips[1] */
};

/* Samples whose frameless leaf's caller was recovered (pb_leaf_caller); userspace reports it. */
__u64 leaf_callers = 0;

/* Records the frame found at fp (saved fp next, return address ret); false: the walk ends. */
static __always_inline bool take_frame(struct walk *w, __u64 i, __u64 fp, __u64 next, __u64 ret)
{
	__u64 at = i + 1 + w->shift;

	if (!ret || at >= PB_MAX_FRAMES || at >= max_frames)
		return false;
	w->s->st.ips[at] = ret;
	w->hash = mix(w->hash, ret);
	w->n = at + 1;
	/* Stacks grow down: a caller's frame is always above; anything else is garbage. */
	w->fp = next > fp && !(next & 7) ? next : 0;
	return true;
}

/*
 * One frame per bpf_loop step: a plain loop over windows gives the verifier too many states.
 * The frame is stored at the loop index, not at w->n, so the verifier needs no exact depth to
 * check the store and finds each step's state equal to the last (600k -> few k insns).
 */
static long walk_step(__u64 i, struct walk *w)
{
	struct scratch *s = w->s;
	__u64 fp = w->fp, off = fp - w->base, next, ret;

	if (!fp || i >= PB_MAX_FRAMES - 1)
		return 1;
	if (fp < w->base || off + 16 > w->len) {
		__u64 len = PAGE_SIZE - (fp & (PAGE_SIZE - 1));

		if (len > WINDOW)
			len = WINDOW;
		if (len < 16 || bpf_probe_read_user(s->win, len, (void *)fp)) {
			len = 16; /* the frame crosses a page end: read just it */
			if (bpf_probe_read_user(s->win, len, (void *)fp))
				return 1;
		}
		w->base = fp;
		w->len = len;
		off = 0;
	}
	if (off > WINDOW - 16) /* cannot happen; tells the verifier the bound */
		return 1;
	next = *(__u64 *)(s->win + off);
	ret = *(__u64 *)(s->win + off + 8);
	return take_frame(w, i, fp, next, ret) ? 0 : 1;
}

/*
 * Without bpf_loop: a bounded loop reading one frame at a time. Windows would give the
 * verifier a state per window position and frame (over its 1M-instruction limit); single reads
 * keep one path per frame, at about twice the cost per sample (2.9 us against 1.2 at 34 frames).
 */
static __always_inline void walk_frames_bounded(struct walk *w)
{
	for (__u32 i = 0; i < PB_MAX_FRAMES - 1; i++) {
		__u64 frame[2], fp = w->fp;

		if (i >= max_frames - 1 || !fp ||
		    bpf_probe_read_user(frame, sizeof(frame), (void *)fp) ||
		    !take_frame(w, i, fp, frame[0], frame[1]))
			break;
	}
}

/*
 * The caller of a frameless leaf (pb_leaf_caller), from a window read at sp that the walk then
 * starts with: the first frames usually lie in it, and one read costs what two would save
 * (each user read is most of a hit's cost at a uprobe: 700 -> 620 ns).
 */
static __always_inline __u64 leaf_caller(struct walk *w, __u64 ip, __u64 sp)
{
	__u64 len = PAGE_SIZE - (sp & (PAGE_SIZE - 1));

	if (len > WINDOW)
		len = WINDOW;
	if (len < 16 || bpf_probe_read_user(w->s->win, len, (void *)sp))
		return pb_leaf_caller(ip, sp, w->fp);
	w->base = sp;
	w->len = len;
	return pb_leaf_caller_of(ip, w->fp, (const __u64 *)w->s->win);
}

/* Walks the current task's user stack from r into scratch slot slot; NULL when there is none. */
static __always_inline const struct pb_user_stack *
pb_walk_user(const struct pb_user_regs *r, __u32 slot, struct pb_count_key *key)
{
	struct scratch *s = bpf_map_lookup_elem(&scratch, &slot);
	struct walk w = {.s = s, .n = 1, .fp = r->bp};
	__u64 ip = r->ip, sp = r->sp, caller;

	if (!s)
		return NULL;
	/*
	 * Code built without frame pointers uses rbp for data. A frame lies above the stack
	 * pointer and is aligned; anything else is not followed, which also spares a faulting
	 * read (about a microsecond) on a garbage address.
	 */
	if (w.fp < sp || (w.fp & 7))
		w.fp = 0;

	s->st.ips[0] = ip;
	w.hash = mix(0, ip);
	caller = max_frames > 1 ? leaf_caller(&w, ip, sp) : 0;
	if (caller) {
		s->st.ips[1] = caller;
		w.hash = mix(w.hash, caller);
		w.n = 2;
		w.shift = 1;
		key->flags |= PB_F_LEAF_CALLER;
		__sync_fetch_and_add(&leaf_callers, 1);
	}
	if (use_bpf_loop)
		bpf_loop(max_frames - 1, walk_step, &w, 0);
	else
		walk_frames_bounded(&w);
	key->user_depth = w.n;
	key->ustack_hash = w.hash ? w.hash : 1;
	if (w.fp && w.n >= max_frames) {
		key->flags |= PB_F_USER_TRUNCATED;
		count_lost(PB_LOST_MAX_FRAMES);
	}
	return &s->st;
}

/* The programs: on-CPU samples and off-CPU time, both through pb_sample_current. */
#include "sample.bpf.h"
#include "offcpu.bpf.h"
#include "probes.bpf.h"
