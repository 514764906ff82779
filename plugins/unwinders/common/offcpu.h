/* SPDX-License-Identifier: MIT */
/*
 * The userspace half of bpf/offcpu.bpf.h's flip rule: the stacks of a map set that off-CPU
 * blocks still refer to, which the drain of that set must not clear.
 */
#ifndef PB_UNWINDER_OFFCPU_H
#define PB_UNWINDER_OFFCPU_H

#include <stdbool.h>
#include <stdint.h>
#include <bpf/libbpf.h>

struct pb_offcpu_keep;

/* For blocks (the offcpu_blocks map) and late counts maps of up to late_cap keys. */
int pb_offcpu_keep__new(struct bpf_map *blocks, uint32_t late_cap, struct pb_offcpu_keep **ret);
void pb_offcpu_keep__free(struct pb_offcpu_keep *k);
/*
 * After the flip, before clearing set's stacks: collects the stacks of set that open blocks
 * refer to, then those the keys of late_other (the active set's late counts) refer to; that
 * order is the one bpf/offcpu.bpf.h relies on.
 */
void pb_offcpu_keep__collect(struct pb_offcpu_keep *k, uint32_t set, struct bpf_map *late_other);
bool pb_offcpu_keep__kstack(const struct pb_offcpu_keep *k, uint32_t id);
bool pb_offcpu_keep__ustack(const struct pb_offcpu_keep *k, uint64_t hash);

#endif
