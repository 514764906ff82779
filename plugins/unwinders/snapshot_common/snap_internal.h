/* SPDX-License-Identifier: MIT */
/* The parts of the snapshot glue that only its own files see: caches, BPF loader, aggregation. */
#ifndef PB_SNAP_INTERNAL_H
#define PB_SNAP_INTERNAL_H

#include "python_procs.h"
#include "snapshot_common.h"

/* ---- binaries.c: ELF files mapped once, keyed by device and inode ---- */
struct pb_snap_binaries;

int pb_snap_binaries__new(struct pb_snap_binaries **ret);
void pb_snap_binaries__free(struct pb_snap_binaries *c);
/* The binary behind m (opened on first use, reference taken), or NULL when it is not an ELF
 * file that can be read. */
struct pb_snap_binary *pb_snap_binaries__get(struct pb_snap_binaries *c,
					     const struct pb_mapping *m);
void pb_snap_binaries__put(struct pb_snap_binaries *c, struct pb_snap_binary *b);
/* Process address minus ELF vaddr for mapping m of b; false when m maps no load segment. */
bool pb_snap_binary_bias(const struct pb_snap_binary *b, const struct pb_mapping *m,
			 uint64_t *bias);

/* ---- procs.c: per-process objects, rebuilt from the core's mapping table ---- */
struct pb_snap_procs;

int pb_snap_procs__new(const struct pb_host *host, const struct pb_snap_backend *backend,
		       struct pb_snap_binaries *bins, struct pb_snap_procs **ret);
void pb_snap_procs__free(struct pb_snap_procs *t);
struct pb_snap_proc *pb_snap_procs__get(struct pb_snap_procs *t, uint32_t pid, bool create);
/* Makes p's objects and backend state current, so that pc is covered when it can be. */
int pb_snap_procs__prepare(struct pb_snap_procs *t, struct pb_snap_proc *p, uint64_t pc);
/* Forgets exited processes and those not sampled for a while; window is the drain count. */
void pb_snap_procs__end_window(struct pb_snap_procs *t, uint64_t window);

/* ---- aggregate.c: identical stacks counted once ---- */
struct pb_snap_agg;

int pb_snap_agg__new(struct pb_snap_agg **ret);
void pb_snap_agg__free(struct pb_snap_agg *a);
int pb_snap_agg__add(struct pb_snap_agg *a, const struct pb_raw_stack *s);
/* Hands every stack to fn and empties the table. */
int pb_snap_agg__drain(struct pb_snap_agg *a, pb_raw_stack_fn fn, void *ctx);
/* Hands fn the stacks added since the last peek, keeping them for the drain. */
int pb_snap_agg__peek(struct pb_snap_agg *a, pb_raw_stack_fn fn, void *ctx);

/* ---- offcpu.c: off-CPU samples kept by tid until their block's end ---- */
struct pb_snap_blocks;
struct pb_snap_state;

int pb_snap_blocks__new(struct pb_snap_blocks **ret);
void pb_snap_blocks__free(struct pb_snap_blocks *t);
/* h's block begins with the stack raw (unwound): counted when its end comes. */
int pb_snap_blocks__begin(struct pb_snap_state *st, const struct pb_snap_sample *h,
			  const struct pb_raw_stack *raw);
/* h's block begins, its sample deferred: its end's time waits for the retry. */
int pb_snap_blocks__begin_deferred(struct pb_snap_state *st, const struct pb_snap_sample *h);
/* The deferred sample h unwound at last: counted now if its block ended, else kept. */
int pb_snap_blocks__retried(struct pb_snap_state *st, const struct pb_snap_sample *h,
			    const struct pb_raw_stack *raw);
/* A thread is back: its block's stack counted (when e->counted) and forgotten. */
void pb_snap_blocks__end(struct pb_snap_state *st, const struct pb_snap_block_end *e);
/* At a drain: forgets blocks whose end was lost. */
void pb_snap_blocks__prune(struct pb_snap_state *st);

/* ---- bpf_loader.c: the only file that touches the skeleton ---- */
struct pb_snap_bpf;

struct pb_snap_bpf_opts {
	uint32_t stack_size;	/* bytes of user stack per sample */
	uint32_t ring_size;	/* bytes, a power of two */
	int (*on_sample)(void *ctx, void *data, size_t size);
	void *ctx;
};

int pb_snap_bpf__open(const struct pb_host *host, const struct pb_sample_params *params,
		      const struct pb_snap_bpf_opts *opts, struct pb_snap_bpf **ret);
void pb_snap_bpf__free(struct pb_snap_bpf *b);
int pb_snap_bpf__attach(struct pb_snap_bpf *b, const int *perf_fds, int n_fds);
int pb_snap_bpf__add_pid(struct pb_snap_bpf *b, uint32_t pid);
int pb_snap_bpf__skip_thread(struct pb_snap_bpf *b, uint32_t tid);
/* Off-CPU samples off (a paused session) or on. */
int pb_snap_bpf__set_enabled(struct pb_snap_bpf *b, bool on);
/* Whether the BPF side holds tid's block begun at start_ns (not ended yet). */
bool pb_snap_bpf__block_open(struct pb_snap_bpf *b, uint32_t tid, uint64_t start_ns);
/* What is counted (PB_EVENT_*), and in a wall profile the microseconds of one on-CPU sample. */
uint32_t pb_snap_bpf__event(const struct pb_snap_bpf *b, uint64_t *oncpu_us);
int pb_snap_bpf__poll_fd(struct pb_snap_bpf *b);
/* Hands pending records to on_sample; on_sample < 0 stops early. Records handled, or -errno. */
int pb_snap_bpf__consume(struct pb_snap_bpf *b);
/* Reports the BPF side's lost counts that grew since the last call. */
void pb_snap_bpf__report_lost(struct pb_snap_bpf *b);
/* The CPython walker's process map (bpf/python.bpf.h). */
struct bpf_map *pb_snap_bpf__py_procs(struct pb_snap_bpf *b);

/* ---- record.c and ops.c: the state of one plugin instance ---- */

/* Stacks cut short or lost in userspace; the BPF side counts its own causes. */
enum pb_snap_user_lost {
	PB_SNAP_U_FAILED,
	PB_SNAP_U_PARTIAL,
	PB_SNAP_U_SNAPSHOT,
	PB_SNAP_U_MAX_FRAMES,
	PB_SNAP_U_BAD_RECORD,
	PB_SNAP_U_BLOCK_UNKNOWN,
	PB_SNAP_U_FP_BRIDGED, /* not a loss: said beside them */
	PB_SNAP_U_MAX,
};

struct pb_snap_state {
	const struct pb_host *host;
	const struct pb_snap_backend *backend;
	struct pb_snap_bpf *bpf;
	struct pb_snap_binaries *bins;
	struct pb_snap_procs *procs;
	struct pb_snap_agg *agg;
	struct pb_snap_blocks *blocks; /* NULL without off-CPU samples */
	uint32_t event;		       /* PB_EVENT_* */
	uint64_t oncpu_count;	       /* what an on-CPU sample counts: 1, or its us in --wall */
	uint32_t max_frames;
	bool user;
	bool per_thread, per_cpu; /* hand tid / cpu on (else 0: stacks of all threads are one) */
	/*
	 * The core reads its side-band records (new mappings, execs) at each drain: between
	 * drains a failed unwind may only mean the table is behind, so it is kept for a retry.
	 * During a drain the table is current and every result is final.
	 */
	bool final;
	void **deferred; /* record copies */
	size_t n_deferred, cap_deferred, deferred_bytes;
	uint64_t window;
	uint64_t deadline_ns; /* pb_snap_record ends the ring walk after this */
	uint64_t lost[PB_SNAP_U_MAX];
	uint64_t unwound, unwind_ns; /* for the closing debug line */
	int err;		     /* the first error a record met */
	struct pb_pyprocs *py;	     /* CPython processes; NULL with --python=off */
	struct pb_py_stack py_stack; /* one record's interpreter frames, aligned */
	uint64_t spliced[PB_SNAP_MAX_FRAMES + PB_PY_MAX_FRAMES + 1];
};

/* How far above the copy a read still counts as "the stack went on": further is garbage. */
#define PB_SNAP_STACK_SLACK (8u << 20)

/* ---- fp_bridge.c: the backend's walk, continued by frame pointer through code without CFI ---- */

/*
 * Runs the backend's unwind on u, and where it stopped at a pc without CFI, walks by frame
 * pointer through the snapshot until a pc with CFI, then runs the backend again from there.
 * *bridged is set when a frame-pointer step was taken. The backend's result (of its last run).
 */
int pb_snap_unwind_bridged(const struct pb_snap_backend *be, void *priv, struct pb_snap_unwind *u,
			   bool *bridged);

/* The ring buffer callback: one record. */
int pb_snap_record(void *ctx, void *data, size_t size);
/* Unwinds the records kept for after the table caught up. */
void pb_snap_retry_deferred(struct pb_snap_state *st);
void pb_snap_report_user_lost(struct pb_snap_state *st);

#endif
