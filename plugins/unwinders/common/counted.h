/* SPDX-License-Identifier: MIT */
/* The userspace half of counting in BPF (bpf/counts.bpf.h): map sizes, the double-buffered
 * drain, and lost counters by cause. Shared by the fp and dwarf unwinders. */
#ifndef PB_UNWINDER_COUNTED_H
#define PB_UNWINDER_COUNTED_H

#include <stdint.h>
#include <bpf/libbpf.h>
#include <profile-bee/plugin.h>

/* The maps and the `active` flag that counts.bpf.h gives a program's skeleton. */
struct pb_counted_maps {
	struct bpf_map *counts[2];
	struct bpf_map *kstacks[2];
	struct bpf_map *ustacks[2];
	struct bpf_map *lost;
	uint32_t *active; /* the skeleton's bss->active */
};

/* A lost cause's name and the setting that would help (or NULL). */
struct pb_counted_cause {
	const char *name;
	const char *hint;
};

/* Before load: sizes both map sets from --stack-storage-size / --hash-storage-size. */
int pb_counted_size_maps(const struct pb_counted_maps *m, const struct pb_sample_params *params);

struct pb_counted;

/*
 * After load. extra names the unwinder's own causes, numbered from PB_LOST_COMMON;
 * max_frames_hint is the setting named when stacks hit max-frames (NULL: none helps).
 */
int pb_counted__new(const struct pb_host *host, const struct pb_counted_maps *maps,
		    const struct pb_counted_cause *extra, uint32_t n_extra,
		    const char *max_frames_hint, struct pb_counted **ret);
void pb_counted__free(struct pb_counted *c);

/* Flips the map sets, hands every stack of the idle set to fn, clears it, reports losses. */
int pb_counted__drain(struct pb_counted *c, pb_raw_stack_fn fn, void *ctx);

#endif
