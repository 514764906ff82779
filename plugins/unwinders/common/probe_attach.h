/* SPDX-License-Identifier: MIT */
/* The probes of -e (struct pb_probe, checked by the core) and the programs of bpf/probes.bpf.h. */
#ifndef PB_UNWINDER_PROBE_ATTACH_H
#define PB_UNWINDER_PROBE_ATTACH_H

#include <bpf/libbpf.h>
#include <linux/types.h>
#include <profile-bee/plugin.h>

#include "perf_attach.h"

/* The programs and maps bpf/probes.bpf.h gives a skeleton. */
struct pb_probe_progs {
	struct bpf_program *kernel;	/* kprobe:, kretprobe: */
	struct bpf_program *tracepoint; /* tracepoint: */
	struct bpf_program *user;	/* uprobe:, uretprobe:, usdt: */
	struct bpf_map *usdt_maps[2];	/* libbpf's, for usdt: only */
	__u32 *paused;			/* the skeleton's bss->probes_paused */
};

#define PB_PROBE_PROGS(skel)                                                                       \
	((struct pb_probe_progs){                                                                  \
		.kernel = (skel)->progs.pb_probe_kernel,                                           \
		.tracepoint = (skel)->progs.pb_probe_tracepoint,                                   \
		.user = (skel)->progs.pb_probe_user,                                               \
		.usdt_maps = { (skel)->maps.__bpf_usdt_specs,                                      \
			       (skel)->maps.__bpf_usdt_ip_to_spec_id },                            \
		.paused = &(skel)->bss->probes_paused,                                             \
	})

/* The probes params names (none when the core predates them). */
uint32_t pb_probes_count(const struct pb_sample_params *params);

/* Before load: loads only the programs (and creates only the maps) the probes need. */
int pb_probes_prepare(const struct pb_probe_progs *p, const struct pb_sample_params *params);

/*
 * Attaches every probe of params to its program, keeping the links in l; the first failure is
 * logged naming the spec, and returned (-errno).
 */
int pb_probes_attach(struct pb_perf_links *l, const struct pb_host *host, const char *who,
		     const struct pb_probe_progs *p, const struct pb_sample_params *params);

#endif
