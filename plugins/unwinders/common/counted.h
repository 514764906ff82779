/* SPDX-License-Identifier: MIT */
/* The userspace half of counting in BPF (bpf/counts.bpf.h): map sizes, the double-buffered
 * drain, lost counters by cause, and the ops of the fp and dwarf unwinders that count so. */
#ifndef PB_UNWINDER_COUNTED_H
#define PB_UNWINDER_COUNTED_H

#include <stdint.h>
#include <bpf/libbpf.h>
#include <linux/types.h>
#include <profile-bee/plugin.h>

#include "filter.h"
#include "perf_attach.h"
#include "probe_attach.h"

/* The maps and the `active` flag that counts.bpf.h gives a program's skeleton. */
struct pb_counted_maps {
	struct bpf_map *counts[2];
	struct bpf_map *kstacks[2];
	struct bpf_map *ustacks[2];
	struct bpf_map *lost;
	uint32_t *active; /* the skeleton's bss->active */
	struct bpf_map *py_stacks[2]; /* bpf/python.bpf.h's, under the same keys as ustacks */
	struct bpf_map *py_procs;
	__u64 *py_stacks_full; /* the skeleton's bss->py_stacks_full */
	/* bpf/offcpu.bpf.h's: open blocks, and counts whose stacks are in the other set */
	struct bpf_map *offcpu_blocks;
	struct bpf_map *late[2];
};

/* The maps of a skeleton whose program includes counts.bpf.h. */
#define PB_COUNTED_MAPS(skel)                                                                      \
	((struct pb_counted_maps){                                                                 \
		.counts = { (skel)->maps.counts0, (skel)->maps.counts1 },                          \
		.kstacks = { (skel)->maps.kstacks0, (skel)->maps.kstacks1 },                       \
		.ustacks = { (skel)->maps.ustacks0, (skel)->maps.ustacks1 },                       \
		.lost = (skel)->maps.lost,                                                         \
		.active = &(skel)->bss->active,                                                    \
		.py_stacks = { (skel)->maps.py_stacks0, (skel)->maps.py_stacks1 },                 \
		.py_procs = (skel)->maps.py_procs,                                                 \
		.py_stacks_full = &(skel)->bss->py_stacks_full,                                    \
		.offcpu_blocks = (skel)->maps.offcpu_blocks,                                       \
		.late = { (skel)->maps.late0, (skel)->maps.late1 },                                \
	})

/* A lost cause's name and the setting that would help (or NULL). */
struct pb_counted_cause {
	const char *name;
	const char *hint;
};

/*
 * Before load: sizes both map sets from --stack-storage-size / --hash-storage-size, and the
 * off-CPU maps (one entry when params count no off-CPU time).
 */
int pb_counted_size_maps(const struct pb_counted_maps *m, const struct pb_sample_params *params);

/* The --python mode params ask for (PB_PYTHON_*); auto when the core predates the setting. */
uint32_t pb_counted_python_mode(const struct pb_sample_params *params);

struct pb_counted;
struct pb_pyprocs;

/*
 * After load. extra names the unwinder's own causes, numbered from PB_LOST_COMMON;
 * max_frames_hint is the setting named when stacks hit max-frames (NULL: none helps).
 */
int pb_counted__new(const struct pb_host *host, const struct pb_counted_maps *maps,
		    const struct pb_counted_cause *extra, uint32_t n_extra,
		    const char *max_frames_hint, struct pb_counted **ret);
/* Counts are nanoseconds (off-CPU, wall): the drain hands out microseconds. */
void pb_counted__set_ns(struct pb_counted *c, bool ns);
/* Interpreter frames of the processes py knows are spliced into their stacks (NULL: none). */
void pb_counted__set_python(struct pb_counted *c, struct pb_pyprocs *py);
void pb_counted__free(struct pb_counted *c);

/* Flips the map sets, hands every stack of the idle set to fn, clears it, reports losses. */
int pb_counted__drain(struct pb_counted *c, pb_raw_stack_fn fn, void *ctx);
/*
 * Hands fn the interpreter frames alone (user_ips) of each Python stack sampled since the
 * drain and not handed before: their names are read while the process lives.
 */
int pb_counted__peek(struct pb_counted *c, pb_raw_stack_fn fn, void *ctx);

/*
 * What fp and dwarf keep alike. Their state starts with it, so the ops below take the state
 * the core hands back. open fills it; the skeleton stays the plugin's.
 */
struct pb_counting {
	const struct pb_host *host;
	const char *who;	    /* the plugin's name, for logs */
	struct bpf_program *sample; /* attached to the perf events */
	struct bpf_map *pids;	    /* the pid filter's (bpf/filter.bpf.h) */
	uint32_t *skipped_threads;  /* the skeleton's bss->skipped_threads */
	struct pb_perf_links links;
	struct pb_filter_links filter_links;
	struct pb_counted *counted;
	struct pb_pyprocs *py; /* NULL with --python=off */
	/* Off-CPU time (bpf/offcpu.bpf.h), filled by PB_COUNTING_OFFCPU before load. */
	uint32_t event;			 /* PB_EVENT_* */
	struct bpf_program *offcpu;	 /* the sched_switch program */
	uint32_t *offcpu_paused, *self_tgid; /* the skeleton's bss */
	struct bpf_link *offcpu_link;
	/* -e probes (ABI 2.7): attached with the perf events, to these programs. */
	const struct pb_sample_params *params;
	struct pb_probe_progs probes;
};

/*
 * Before load: off-CPU settings from params into the skeleton of a program that includes
 * bpf/offcpu.bpf.h and sample.bpf.h, and c's handles on it. Without off-CPU time the
 * sched_switch program is not loaded. 0 or -errno.
 */
#define PB_COUNTING_OFFCPU(c, skel, params)                                                        \
	pb_counting_offcpu((c), (params), (skel)->progs.pb_sched_switch,                          \
			   &(skel)->rodata->oncpu_value, &(skel)->rodata->offcpu_states,           \
			   &(skel)->rodata->min_block_ns, &(skel)->rodata->max_block_ns,           \
			   &(skel)->rodata->offcpu_cpu, &(skel)->bss->offcpu_paused,               \
			   &(skel)->bss->self_tgid)
int pb_counting_offcpu(struct pb_counting *c, const struct pb_sample_params *params,
		       struct bpf_program *prog, __u64 *oncpu_value, __u32 *states, __u64 *min_ns,
		       __u64 *max_ns, __s32 *cpu, __u32 *paused, __u32 *self_tgid);
/* The event params ask for (PB_EVENT_*); on-CPU when the core predates the setting. */
uint32_t pb_counted_event(const struct pb_sample_params *params);

/*
 * The start of open: once host and params are ones to go on with, a zeroed state of size
 * bytes (the plugin's, which starts with a struct pb_counting) for who. -EINVAL or -ENOMEM.
 */
int pb_counting_new(const struct pb_host *host, const struct pb_sample_params *params,
		    const char *who, size_t size, void **ret);
int pb_counting_attach(void *state, const int *perf_fds, int n_fds);
int pb_counting_add_pid(void *state, uint32_t pid);
int pb_counting_skip_thread(void *state, uint32_t tid);
int pb_counting_set_enabled(void *state, bool on);
/* From attach: off-CPU counting starts (nothing without it). 0 or -errno. */
int pb_counting_offcpu_attach(struct pb_counting *c);
int pb_counting_drain(void *state, pb_raw_stack_fn fn, void *ctx);
int pb_counting_peek(void *state, pb_raw_stack_fn fn, void *ctx);
void pb_counting_on_mapping(void *state, uint32_t pid, const struct pb_mapping *m);
void pb_counting_on_exit(void *state, uint32_t pid);
/*
 * After load, before pb_counted__new: looks for CPython in processes (--python, not off),
 * the walker's maps being those of maps.
 */
int pb_counting_python(struct pb_counting *c, const struct pb_sample_params *params,
		       const struct pb_counted_maps *maps);
/* Detaches the programs and frees the drain; the plugin then destroys its skeleton. */
void pb_counting_release(struct pb_counting *c);

#define PB_COUNTING_OPS_INIT                                                                       \
	.sz = sizeof(struct pb_unwinder_ops), .attach = pb_counting_attach,                        \
	.add_pid = pb_counting_add_pid, .drain = pb_counting_drain,                                \
	.skip_thread = pb_counting_skip_thread, .peek = pb_counting_peek,                         \
	.set_enabled = pb_counting_set_enabled

#endif
