/* SPDX-License-Identifier: MIT */
/* State shared by the fp plugin's loader (fp.c) and its drain (drain.c). */
#ifndef PB_FP_INTERNAL_H
#define PB_FP_INTERNAL_H

#include <stdint.h>

#include <linux/types.h>

#include <profile-bee/plugin.h>

#include "fp.h"

struct fp_bpf;
struct bpf_link;

struct fp_state {
	const struct pb_host *host;
	struct fp_bpf *skel;
	struct bpf_link **links; /* one per perf event */
	int n_links;
	struct bpf_link *fork_link;
	uint32_t max_frames;

	/* Drain buffers, sized once from the maps after load. */
	struct pb_fp_key *keys;
	uint64_t *counts;
	uint32_t counts_cap;
	void *stack_keys; /* keys of one stack map, collected before deleting them */
	uint32_t stack_keys_cap;
	uint64_t *percpu; /* one lost counter per possible CPU */
	int n_cpus;
	uint64_t lost_seen[PB_FP_LOST_MAX];
	bool no_batch; /* the kernel refused lookup_and_delete_batch once */
};

int fp_drain_init(struct fp_state *st);
int fp_drain(void *state, pb_raw_stack_fn fn, void *ctx);
void fp_drain_free(struct fp_state *st);

#endif
