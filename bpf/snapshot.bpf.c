// SPDX-License-Identifier: MIT
/* The libdw/libunwind perf_event program: user registers, kernel stack, user stack copy. */
/* Needs ring buffers (5.8); bpf_find_vma (5.17) and bpf_task_pt_regs (5.15) where present. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "filter.bpf.h"
#include "lost.bpf.h"
#include "regs.bpf.h"
#include "snapshot.h"
#include "snapshot_python.bpf.h"

#define USER_CS_64 0x33 /* __USER_CS: a 64-bit task; compat tasks are not unwound */
#define PAGE_SIZE  4096
#define KBYTES	   (PB_SNAP_MAX_KFRAMES * 8)

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Bytes of user stack copied from SP (<= PB_SNAP_MAX_STACK), set before load. */
const volatile __u32 stack_size = PB_SNAP_DEFAULT_STACK;
/*
 * Whether the kernel has bpf_find_vma (5.17), set by userspace from its probe. Without it the
 * copy cannot stop at the stack mapping's end: a copy that would run past it takes sp's page.
 */
const volatile bool use_find_vma = true;
/*
 * Userspace is woken only once this much is waiting (a quarter of the ring, set before load):
 * a wakeup per sample costs the unwinder more than the unwinding. It also drains every second.
 */
const volatile __u64 wakeup_bytes = 2 << 20;

/* A record is built here, then copied out whole: only the bytes really read take ring space. */
struct scratch {
	struct pb_snap_sample hdr;
	__u8 data[KBYTES + PB_SNAP_MAX_STACK + PB_SNAP_PY_BYTES];
};

/*
 * One slot per CPU, indexed by CPU number: a per-CPU array cannot hold values this large.
 * Userspace sizes it to the possible CPUs before load (twice that with off-CPU samples: the
 * sched_switch program's slots follow, as a perf NMI may interrupt it mid-record).
 * perf_event programs do not nest on a CPU.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/* Resized by userspace before load (the ring-size setting). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} ring SEC(".maps");

PB_LOST_COUNTERS(PB_SNAP_LOST_MAX);

/* DWARF register order, so both unwinding libraries take the array as it is. */
#define COPY_REGS(dst, r)                                                                          \
	do {                                                                                       \
		(dst)[0] = (r)->ax;                                                                \
		(dst)[1] = (r)->dx;                                                                \
		(dst)[2] = (r)->cx;                                                                \
		(dst)[3] = (r)->bx;                                                                \
		(dst)[4] = (r)->si;                                                                \
		(dst)[5] = (r)->di;                                                                \
		(dst)[6] = (r)->bp;                                                                \
		(dst)[7] = (r)->sp;                                                                \
		(dst)[8] = (r)->r8;                                                                \
		(dst)[9] = (r)->r9;                                                                \
		(dst)[10] = (r)->r10;                                                              \
		(dst)[11] = (r)->r11;                                                              \
		(dst)[12] = (r)->r12;                                                              \
		(dst)[13] = (r)->r13;                                                              \
		(dst)[14] = (r)->r14;                                                              \
		(dst)[15] = (r)->r15;                                                              \
		(dst)[16] = (r)->ip;                                                               \
	} while (0)

struct vma_end {
	__u64 end;
};

static long vma_end_cb(struct task_struct *task, struct vm_area_struct *vma, struct vma_end *c)
{
	c->end = vma->vm_end;
	return 0;
}

/*
 * How much of the stack above sp to copy. A read that runs past the stack's mapping fails
 * whole, so the copy stops at the mapping's end (shallow main threads sit near it).
 */
static __always_inline __u64 copy_len(__u64 sp)
{
	struct vma_end c = {};
	__u64 len = stack_size;

	if (!use_find_vma)
		return len;
	if (!bpf_find_vma(bpf_get_current_task_btf(), sp, vma_end_cb, &c, 0) && c.end > sp &&
	    c.end - sp < len)
		len = c.end - sp;
	return len;
}

/* Copies the user stack to dst; returns the bytes copied, 0 when nothing could be read. */
static __always_inline __u32 copy_stack(__u8 *dst, __u64 sp)
{
	__u64 len = copy_len(sp);

	if (len > PB_SNAP_MAX_STACK)
		len = PB_SNAP_MAX_STACK;
	if (len && !bpf_probe_read_user(dst, len, (void *)sp))
		return len;
	/*
	 * A page of the range is not present, or the mapping lookup was busy and the range runs past
	 * the stack's end (node's main thread, depending on the size of its environment, lost all
	 * but one page in every sample): halve the copy, to a page end, a few times before taking
	 * sp's page alone. A failed read costs about a microsecond.
	 */
	for (int i = 0; i < 4; i++) {
		__u64 end = (sp + len / 2) & ~(__u64)(PAGE_SIZE - 1);

		if (end <= sp + PAGE_SIZE)
			break;
		len = end - sp;
		if (len > PB_SNAP_MAX_STACK) /* cannot happen; tells the verifier the bound */
			break;
		if (!bpf_probe_read_user(dst, len, (void *)sp))
			return len;
	}
	len = PAGE_SIZE - (sp & (PAGE_SIZE - 1));
	if (len > PB_SNAP_MAX_STACK)
		len = PB_SNAP_MAX_STACK;
	if (!bpf_probe_read_user(dst, len, (void *)sp))
		return len;
	return 0;
}

/* Where the current task's user registers are, given that it is in the kernel: into hdr. */
static __always_inline bool task_user_regs(struct pb_snap_sample *hdr, __u64 *cs)
{
	struct pt_regs *regs = pb_task_user_regs();
	struct pt_regs r;

	if (!regs) {
		if (pb_task_regs_missing())
			count_lost(PB_SNAP_LOST_NO_TASK_REGS);
		return false;
	}
	if (bpf_probe_read_kernel(&r, sizeof(r), regs))
		return false;
	*cs = r.cs;
	COPY_REGS(hdr->regs, &r);
	return true;
}

/* The header fields every record of the current task has; flags are the caller's. */
static __always_inline void begin_record(struct scratch *s, __u64 id, __u32 cpu, __u32 flags)
{
	s->hdr.pid = id >> 32;
	s->hdr.tid = (__u32)id;
	s->hdr.cpu = cpu;
	s->hdr.flags = flags;
	s->hdr.n_kernel = 0;
	s->hdr.stack_size = 0;
	s->hdr.n_py = 0;
	s->hdr.start_ns = 0;
	bpf_get_current_comm(&s->hdr.comm, sizeof(s->hdr.comm));
}

/*
 * The rest of a record begun in s, whose regs hold the user registers when have_regs (cs
 * their code segment): the kernel stack when kernel (less kernel_skip leaf frames), the user
 * stack copy and interpreter frames (Python scratch slot py_slot). Returns the record's size.
 */
static __always_inline __u64 fill_stacks(void *ctx, struct scratch *s, bool kernel,
					 __u32 kernel_skip, bool have_regs, __u64 cs,
					 __u32 py_slot)
{
	__u64 koff = 0, len = 0;
	long n;

	if (kernel_stacks && kernel) {
		n = bpf_get_stack(ctx, s->data, KBYTES, kernel_skip & BPF_F_SKIP_FIELD_MASK);
		if (n < 0)
			count_lost(PB_SNAP_LOST_KSTACK);
		else if (n <= KBYTES)
			koff = n & ~7ULL;
		s->hdr.n_kernel = koff / 8;
	}
	if (!have_regs || (cs & 0xffff) != USER_CS_64)
		goto out;
	s->hdr.flags |= PB_SNAP_F_USER;
	if (koff > KBYTES) /* cannot happen; tells the verifier the bound */
		goto out;
	len = copy_stack(s->data + koff, s->hdr.regs[PB_SNAP_REG_SP]);
	if (!len)
		count_lost(PB_SNAP_LOST_STACK_READ);
	s->hdr.stack_size = len;
	if (koff + len <= KBYTES + PB_SNAP_MAX_STACK) /* tells the verifier the bound */
		len += pb_snap_python(s->hdr.pid, py_slot, &s->hdr, s->data + koff + len);
out:
	return sizeof(s->hdr) + koff + len;
}

/* Copies size bytes of data out; wakes userspace only once wakeup_bytes wait. */
static __always_inline long ring_output(void *data, __u64 size)
{
	return bpf_ringbuf_output(&ring, data, size,
				  bpf_ringbuf_query(&ring, BPF_RB_AVAIL_DATA) + size >= wakeup_bytes
					  ? BPF_RB_FORCE_WAKEUP
					  : BPF_RB_NO_WAKEUP);
}

SEC("perf_event")
int pb_snapshot_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 cpu = bpf_get_smp_processor_id();
	bool user_mode = pb_user_mode(ctx), have_regs = false;
	__u64 cs = ctx->regs.cs, size;
	struct scratch *s;

	if (!pb_should_sample(id))
		return 0;
	s = bpf_map_lookup_elem(&scratch, &cpu);
	if (!s)
		return 0;
	begin_record(s, id, cpu, user_mode ? 0 : PB_SNAP_F_KERNEL);
	if (user_stacks && user_mode) {
		COPY_REGS(s->hdr.regs, &ctx->regs);
		have_regs = true;
	} else if (user_stacks) {
		have_regs = task_user_regs(&s->hdr, &cs);
	}
	size = fill_stacks(ctx, s, !user_mode, 0, have_regs, cs, 0);
	if (size > sizeof(*s))
		return 0;
	if (ring_output(s, size))
		count_lost(PB_SNAP_LOST_RING_FULL);
	return 0;
}

#include "snapshot_offcpu.bpf.h"
