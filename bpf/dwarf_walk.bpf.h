/* SPDX-License-Identifier: MIT */
/* The dwarf unwinder's stack walk: one frame per bpf_loop step, rules from the CFI tables. */
#ifndef PB_DWARF_WALK_BPF_H
#define PB_DWARF_WALK_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "dwarf_abi.h"

/* Every row of every binary; a table is a [first, first + count) range of it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* sized by userspace (max-rows) */
	__type(key, __u32);
	__type(value, struct pb_dwarf_row);
} rows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* sized by userspace (max-binaries) */
	__type(key, __u32);
	__type(value, struct pb_dwarf_table);
} tables SEC(".maps");

/* tgid -> its executable mappings. Only userspace writes it, so it needs no preallocation. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* sized by userspace (max-processes) */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct pb_dwarf_proc);
} procs SEC(".maps");

/*
 * The walk's registers and progress live in the per-CPU scratch, not on the stack: values read
 * from a map are unknown to the verifier, so every bpf_loop step looks alike to it and the
 * callback converges at once instead of being verified again for each frame number.
 */
struct walk_state {
	__u64 ip, sp, bp; /* of frame n - 1 */
	__u64 hash;
	__u32 n;    /* ips recorded */
	__u32 stop; /* 0 while walking; a lost cause + 1, or STOP_END */
	__u32 fallbacks; /* frames walked by frame pointers in code without CFI (JIT) */
	__u32 pad;
};

struct dw_scratch {
	struct pb_user_stack st;
	struct walk_state w;
};

/* The ip array is larger than the 512-byte BPF stack; a slot per context (sample.bpf.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 3); /* PB_SLOTS */
	__type(key, __u32);
	__type(value, struct dw_scratch);
} scratch SEC(".maps");

/* Requests to userspace: refresh a process's mappings, build a table now. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

/* When each pid last asked for a refresh, so a busy process asks at most every 100 ms. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} asked SEC(".maps");

#define ASK_INTERVAL_NS 100000000ULL

static __always_inline void ask(__u32 kind, __u32 pid, __u32 table)
{
	struct pb_dwarf_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return;
	e->kind = kind;
	e->pid = pid;
	e->table = table;
	e->pad = 0;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void ask_refresh(__u32 pid)
{
	__u64 now = bpf_ktime_get_ns(), *last = bpf_map_lookup_elem(&asked, &pid);

	if (last && now - *last < ASK_INTERVAL_NS)
		return;
	bpf_map_update_elem(&asked, &pid, &now, BPF_ANY);
	ask(PB_DWARF_EV_PROC, pid, 0);
}

struct walk {
	struct dw_scratch *s;
	struct pb_dwarf_proc *proc; /* NULL: not known (yet, or past max-processes) */
};

#define STOP_END 0xffff /* the stack ended where it should: not a truncation */

static __always_inline __u64 pb_mix(__u64 h, __u64 v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 32);
}

/*
 * Binary searches run as bpf_loop callbacks: as plain loops, every step's two outcomes would be
 * different verifier states, 2^steps paths. A callback is verified once.
 */
struct map_search {
	struct pb_dwarf_proc *p;
	__u64 pc;
	__u32 lo, hi;
};

static long map_search_step(__u64 i, struct map_search *s)
{
	__u32 mid;

	if (s->lo >= s->hi)
		return 1;
	mid = s->lo + (s->hi - s->lo) / 2;
	if (s->p->maps[mid & (PB_DWARF_MAX_MAPPINGS - 1)].start <= s->pc)
		s->lo = mid + 1;
	else
		s->hi = mid;
	return 0;
}

/* The mapping holding pc: the last one starting at or below it, if it also ends above it. */
static __always_inline struct pb_dwarf_mapping *find_mapping(struct pb_dwarf_proc *p, __u64 pc)
{
	struct map_search s = {.p = p, .pc = pc, .hi = p->n};
	__u32 k;

	if (s.hi > PB_DWARF_MAX_MAPPINGS)
		s.hi = PB_DWARF_MAX_MAPPINGS;
	bpf_loop(9, map_search_step, &s, 0);
	if (!s.lo)
		return NULL;
	k = (s.lo - 1) & (PB_DWARF_MAX_MAPPINGS - 1);
	return pc < p->maps[k].end ? &p->maps[k] : NULL;
}

struct row_search {
	__u64 pc;
	__u32 lo, hi;
};

static long row_search_step(__u64 i, struct row_search *s)
{
	__u32 mid;
	struct pb_dwarf_row *r;

	if (s->lo >= s->hi)
		return 1;
	mid = s->lo + (s->hi - s->lo) / 2;
	r = bpf_map_lookup_elem(&rows, &mid);
	if (!r)
		return 1;
	if (r->pc <= s->pc)
		s->lo = mid + 1;
	else
		s->hi = mid;
	return 0;
}

/* The row that applies at vaddr pc in t, or NULL. */
static __always_inline struct pb_dwarf_row *find_row(struct pb_dwarf_table *t, __u64 pc)
{
	struct row_search s = {.pc = pc, .lo = t->first, .hi = t->first + t->count};
	__u32 k;

	if (pc > 0xffffffffULL)
		return NULL;
	bpf_loop(PB_DWARF_ROW_STEPS + 1, row_search_step, &s, 0);
	if (s.lo == t->first || s.lo > s.hi)
		return NULL;
	k = s.lo - 1;
	return bpf_map_lookup_elem(&rows, &k);
}

/* The caller of a frame built with frame pointers: [bp] is its bp, [bp + 8] its pc. */
static __always_inline __u32 fp_step(struct walk_state *w, __u64 *cfa, __u64 *ra, __u64 *bp)
{
	__u64 pair[2];

	if (!w->bp || w->bp < w->sp || bpf_probe_read_user(pair, sizeof(pair), (void *)w->bp))
		return PB_DWARF_LOST_READ + 1;
	*cfa = w->bp + 16;
	*bp = pair[0];
	*ra = pair[1];
	return 0;
}

/* The caller's cfa (= its sp), pc and bp from the CFI row, or why the walk stops. */
static __always_inline __u32 cfi_step(struct walk_state *w, struct pb_dwarf_row *r, __u64 *cfa,
				      __u64 *ra, __u64 *bp)
{
	__u64 pair[2];

	switch (r->cfa_type) {
	case PB_DWARF_CFA_RSP:
		*cfa = w->sp + r->cfa_off;
		break;
	case PB_DWARF_CFA_RBP:
		if (!w->bp)
			return PB_DWARF_LOST_READ + 1;
		*cfa = w->bp + r->cfa_off;
		break;
	case PB_DWARF_CFA_PLT:
		*cfa = w->sp + r->cfa_off + ((w->ip & 15) >= (__u64)r->rbp_off ? 8 : 0);
		break;
	case PB_DWARF_CFA_OUTERMOST:
		return STOP_END;
	case PB_DWARF_CFA_NONE:
		return PB_DWARF_LOST_NO_ROW + 1;
	default:
		return PB_DWARF_LOST_UNSUPPORTED + 1;
	}
	*bp = w->bp;
	if (r->cfa_type != PB_DWARF_CFA_PLT && r->rbp_type == PB_DWARF_RBP_CFA &&
	    r->rbp_off == -16) {
		/* The usual prologue (push rbp right after the call): one read for both. */
		if (bpf_probe_read_user(pair, sizeof(pair), (void *)(*cfa - 16)))
			return PB_DWARF_LOST_READ + 1;
		*bp = pair[0];
		*ra = pair[1];
		return 0;
	}
	if (bpf_probe_read_user(ra, sizeof(*ra), (void *)(*cfa - 8)))
		return PB_DWARF_LOST_READ + 1;
	if (r->cfa_type == PB_DWARF_CFA_PLT)
		return 0;
	if (r->rbp_type == PB_DWARF_RBP_CFA &&
	    bpf_probe_read_user(bp, sizeof(*bp), (void *)(*cfa + r->rbp_off)))
		return PB_DWARF_LOST_READ + 1;
	if (r->rbp_type == PB_DWARF_RBP_UNDEFINED)
		*bp = 0;
	return 0;
}

/* The rule for one frame: CFI where the binary has a table, frame pointers where it has none. */
static __always_inline __u32 unwind_one(struct walk_state *w, struct pb_dwarf_proc *p, __u64 *cfa, __u64 *ra, __u64 *bp)
{
	/* A return address points after its call, which may be the function's last byte. */
	__u64 pc = w->n > 1 ? w->ip - 1 : w->ip;
	struct pb_dwarf_mapping *m;
	struct pb_dwarf_table *t;
	struct pb_dwarf_row *r;
	__u32 id;

	if (!p) /* walk as fp would */
		return fp_step(w, cfa, ra, bp);
	m = find_mapping(p, pc);
	/*
	 * No file mapping holds pc: JIT code in anonymous or memfd memory, which has no CFI.
	 * JITs (V8, HotSpot, .NET) keep frame-pointer chains, so step by bp until the walk is
	 * back in a mapped binary, where CFI takes over again. A garbage pc ends the same way
	 * as before: fp_step refuses a bp below sp or unreadable.
	 */
	if (!m) {
		if (w->fallbacks >= PB_DWARF_MAX_FRAMES)
			return PB_DWARF_LOST_NO_MAPPING + 1;
		w->fallbacks++;
		return fp_step(w, cfa, ra, bp);
	}
	id = m->table;
	t = bpf_map_lookup_elem(&tables, &id);
	if (!t)
		return PB_DWARF_LOST_NO_MAPPING + 1;
	switch (t->state) {
	case PB_DWARF_TABLE_READY:
		break;
	case PB_DWARF_TABLE_NO_CFI:
		return fp_step(w, cfa, ra, bp);
	case PB_DWARF_TABLE_FULL:
		return PB_DWARF_LOST_TABLE_FULL + 1;
	default:
		if (!t->wanted) {
			t->wanted = 1;
			ask(PB_DWARF_EV_TABLE, 0, id);
		}
		return PB_DWARF_LOST_PENDING + 1;
	}
	r = find_row(t, pc - m->bias);
	/* Code without CFI in a mapped binary (V8's embedded builtins in node): as JIT code. */
	if ((!r || r->cfa_type == PB_DWARF_CFA_NONE) && w->fallbacks < PB_DWARF_MAX_FRAMES) {
		w->fallbacks++;
		return fp_step(w, cfa, ra, bp);
	}
	if (!r)
		return PB_DWARF_LOST_NO_ROW + 1;
	return cfi_step(w, r, cfa, ra, bp);
}

static long walk_step(__u64 i, struct walk *c)
{
	struct walk_state *w = &c->s->w;
	__u64 cfa = 0, ra = 0, bp = 0;
	__u32 n = w->n, stop;

	if (n >= PB_DWARF_MAX_FRAMES)
		return 1;
	stop = unwind_one(w, c->proc, &cfa, &ra, &bp);
	/* Stacks grow down: a caller's frame is always above; anything else is garbage. */
	if (!stop && cfa <= w->sp)
		stop = PB_DWARF_LOST_READ + 1;
	if (!stop && !ra)
		stop = STOP_END;
	if (stop) {
		w->stop = stop;
		return 1;
	}
	c->s->st.ips[n] = ra;
	w->hash = pb_mix(w->hash, ra);
	w->n = n + 1;
	w->ip = ra;
	w->sp = cfa;
	w->bp = bp;
	return 0;
}

#endif
