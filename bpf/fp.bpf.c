// SPDX-License-Identifier: MIT
/* The fp unwinder's perf_event program: walks user frame pointers in BPF, counts stacks. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "filter.bpf.h"
#include "counts.bpf.h"

#define PF_KTHREAD 0x00200000

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Frames walked at most (<= PB_MAX_FRAMES), set before load. */
const volatile __u32 max_frames = PB_MAX_FRAMES;

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

/* The ip array and the window are larger than the 512-byte BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
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
};

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
	if (!ret)
		return 1;
	s->st.ips[i + 1] = ret;
	w->hash = mix(w->hash, ret);
	w->n = i + 2;
	/* Stacks grow down: a caller's frame is always above; anything else is garbage. */
	w->fp = next > fp && !(next & 7) ? next : 0;
	return 0;
}

/* Walks the sampled task's user stack into the scratch buffer; NULL when there is none. */
static __always_inline struct scratch *walk_user(struct bpf_perf_event_data *ctx, bool user_mode,
						 struct pb_count_key *key)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	struct walk w = {.s = s, .n = 1};
	__u64 ip = 0, sp = 0;

	if (user_mode) {
		ip = ctx->regs.ip;
		sp = ctx->regs.sp;
		w.fp = ctx->regs.bp;
	} else if (!(task->flags & PF_KTHREAD)) {
		struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);

		ip = BPF_CORE_READ(regs, ip);
		sp = BPF_CORE_READ(regs, sp);
		w.fp = BPF_CORE_READ(regs, bp);
	}
	if (!s || !ip)
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
	bpf_loop(max_frames - 1, walk_step, &w, 0);
	key->user_depth = w.n;
	key->ustack_hash = w.hash ? w.hash : 1;
	if (w.fp && w.n >= max_frames) {
		key->flags |= PB_F_USER_TRUNCATED;
		count_lost(PB_LOST_MAX_FRAMES);
	}
	return s;
}

SEC("perf_event")
int pb_fp_sample(struct bpf_perf_event_data *ctx)
{
	struct pb_count_key key = {};
	/* Context fields must be read whole; newer kernels make cs a u16 in a union. */
	bool user_mode = (*(volatile __u64 *)&ctx->regs.cs & 3) == 3;
	struct scratch *s = NULL;

	key.pid = bpf_get_current_pid_tgid() >> 32;
	if (!pb_should_sample(key.pid))
		return 0;
	key.kstack_id = -1;
	bpf_get_current_comm(&key.comm, sizeof(key.comm));
	if (user_stacks)
		s = walk_user(ctx, user_mode, &key);
	return pb_count(ctx, kernel_stacks && !user_mode, &key, s ? &s->st : NULL);
}
