// SPDX-License-Identifier: MIT
/* Probes of what the running kernel offers the BPF programs: helpers, map and program types. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <profile-bee/kernel.h>

#include "log.h"

struct feature {
	const char *name;
	const char *since;
	bool (*probe)(int arg);
	int arg;
};

static bool probe_btf(int unused)
{
	(void)unused;
	return access("/sys/kernel/btf/vmlinux", R_OK) == 0;
}

/* A helper is there when a perf_event program calling it loads (libbpf's probe). */
static bool probe_helper(int helper)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_PERF_EVENT, helper, NULL) == 1;
}

static bool probe_map(int type)
{
	return libbpf_probe_bpf_map_type(type, NULL) == 1;
}

/*
 * libbpf cannot probe tracing programs (they need a BTF id to load). Without one a kernel that
 * has them refuses the program in the verifier, saying so in the log; an older kernel refuses
 * the program type itself, before the verifier writes anything.
 */
static bool probe_tp_btf(int unused)
{
	const struct bpf_insn insns[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	char log[256] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_RAW_TP,
		    .log_buf = log, .log_size = sizeof(log), .log_level = 1);
	int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", insns, 2, &opts);

	(void)unused;
	if (fd >= 0) {
		close(fd);
		return true;
	}
	return strstr(log, "btf_id") != NULL;
}

/* Batch operations on an empty hash map: -ENOENT where they exist, -EINVAL before 5.6. */
static bool probe_batch(int unused)
{
	uint32_t keys[1], vals[1], count = 1;
	uint64_t batch;
	int fd =
	    bpf_map_create(BPF_MAP_TYPE_HASH, NULL, sizeof(uint32_t), sizeof(uint32_t), 1, NULL);
	int err;

	(void)unused;
	if (fd < 0)
		return false;
	err = bpf_map_lookup_batch(fd, NULL, &batch, keys, vals, &count, NULL);
	close(fd);
	return err == 0 || errno == ENOENT;
}

static const struct feature features[PB_KERNEL_FEATURE_COUNT] = {
    [PB_KERNEL_BTF] = {"btf", "5.4", probe_btf, 0},
    [PB_KERNEL_TP_BTF] = {"tp_btf", "5.5", probe_tp_btf, 0},
    [PB_KERNEL_BATCH_OPS] = {"map_batch", "5.6", probe_batch, 0},
    [PB_KERNEL_RINGBUF] = {"ringbuf", "5.8", probe_map, BPF_MAP_TYPE_RINGBUF},
    [PB_KERNEL_TASK_BTF] = {"bpf_get_current_task_btf", "5.11", probe_helper,
			    BPF_FUNC_get_current_task_btf},
    [PB_KERNEL_TASK_PT_REGS] = {"bpf_task_pt_regs", "5.15", probe_helper, BPF_FUNC_task_pt_regs},
    [PB_KERNEL_LOOP] = {"bpf_loop", "5.17", probe_helper, BPF_FUNC_loop},
    [PB_KERNEL_FIND_VMA] = {"bpf_find_vma", "5.17", probe_helper, BPF_FUNC_find_vma},
};

/* 0 not probed yet, 1 there, -1 missing. Written under the lock, read after it. */
static int state[PB_KERNEL_FEATURE_COUNT];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Whether PROFILE_BEE_KERNEL_FEATURES_OFF names f (a comma-separated list). */
static bool forced_off(const char *name)
{
	const char *list = getenv("PROFILE_BEE_KERNEL_FEATURES_OFF");
	size_t len = strlen(name);

	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == len && !strncmp(p, name, len))
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

bool pb_kernel__has(enum pb_kernel_feature f)
{
	if ((unsigned)f >= PB_KERNEL_FEATURE_COUNT)
		return false;
	pthread_mutex_lock(&lock);
	if (!state[f]) {
		if (forced_off(features[f].name)) {
			pb_info("kernel feature %s treated as missing "
				"(PROFILE_BEE_KERNEL_FEATURES_OFF)",
				features[f].name);
			state[f] = -1;
		} else {
			state[f] = features[f].probe(features[f].arg) ? 1 : -1;
		}
	}
	pthread_mutex_unlock(&lock);
	return state[f] > 0;
}

const char *pb_kernel__feature_name(enum pb_kernel_feature f)
{
	return (unsigned)f < PB_KERNEL_FEATURE_COUNT ? features[f].name : "?";
}

const char *pb_kernel__feature_since(enum pb_kernel_feature f)
{
	return (unsigned)f < PB_KERNEL_FEATURE_COUNT ? features[f].since : "?";
}

static char release[sizeof(((struct utsname *)0)->release)] = "unknown";

static void read_release(void)
{
	struct utsname u;

	if (!uname(&u))
		snprintf(release, sizeof(release), "%s", u.release);
}

const char *pb_kernel__release(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, read_release);
	return release;
}

int pb_kernel__require(const enum pb_kernel_feature *need, size_t n, char *why, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		if (pb_kernel__has(need[i]))
			continue;
		snprintf(why, len, "needs %s (Linux %s or later); this kernel is %s",
			 pb_kernel__feature_name(need[i]), pb_kernel__feature_since(need[i]),
			 pb_kernel__release());
		return -EOPNOTSUPP;
	}
	return 0;
}
