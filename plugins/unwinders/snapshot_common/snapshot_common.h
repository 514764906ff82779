/* SPDX-License-Identifier: MIT */
/* What the libdw and libunwind plugins share: the snapshot plugin glue and memory access. */
#ifndef PB_SNAPSHOT_COMMON_H
#define PB_SNAPSHOT_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

#include <profile-bee/plugin.h>

#include "snapshot.h"
#include "unwinder.h"

/* Same depth as the other unwinders, so stacks of every plugin compare. */
#define PB_SNAP_MAX_FRAMES PB_MAX_FRAMES

/* A file-backed load segment of an ELF file. */
struct pb_snap_load {
	uint64_t vaddr, memsz, offset, filesz;
	uint32_t flags; /* PF_X, PF_R, PF_W */
};

/* An ELF file as the unwinders read it: mapped read-only once, shared by every process. */
struct pb_snap_binary {
	uint64_t dev, inode; /* the key; both 0 for the vdso */
	char *path;	     /* as processes name it ("[vdso]" for the vdso) */
	int fd;		     /* kept open: the file stays readable after the process exits */
	const uint8_t *data;
	size_t size;
	uint16_t type; /* ET_EXEC or ET_DYN */
	struct pb_snap_load *loads;
	uint32_t n_loads;
	uint64_t lo, hi;	      /* vaddr range of every load */
	uint64_t eh_frame_hdr;	      /* vaddr of PT_GNU_EH_FRAME, 0 when there is none */
	uint64_t eh_frame_hdr_size;
	uint32_t refs;
	struct pb_snap_binary *next; /* hash chain */
};

/* One binary loaded in one process. */
struct pb_snap_object {
	uint64_t start, end; /* process addresses covering every load segment */
	uint64_t bias;	     /* process address minus ELF vaddr */
	struct pb_snap_binary *bin;
};

/* What the plugins know of one profiled process. */
struct pb_snap_proc {
	uint32_t pid;
	uint32_t generation; /* bumped when the core learns of a new mapping */
	uint32_t built;	     /* the generation objs were built from */
	bool have_objs;
	bool exited;
	uint64_t last_window; /* the last drain window that sampled it */
	struct pb_snap_object *objs; /* sorted by start */
	uint32_t n_objs;
	void *priv; /* the backend's per-process state (a Dwfl, an address space) */
	struct pb_snap_proc *next;
};

/* DWARF's x86_64 number of the frame pointer, beside PB_SNAP_REG_SP and PB_SNAP_REG_IP. */
#define PB_SNAP_REG_BP 6

/* The registers of one frame the frame-pointer bridge needs. */
struct pb_snap_frame_regs {
	uint64_t ip, sp, bp;
};

/* One snapshot being unwound. */
struct pb_snap_unwind {
	struct pb_snap_proc *proc;
	const struct pb_snap_sample *sample;
	/*
	 * The registers the backend's walk starts from: the sample's, or where a frame-pointer walk
	 * through code without CFI came back to code with CFI (then ip, sp and bp are that frame's).
	 */
	const uint64_t *regs;
	/* out: the last frame the backend reached, when it could tell its sp and bp */
	struct pb_snap_frame_regs end_frame;
	bool have_end_frame;
	const uint8_t *stack; /* sample->stack_size bytes copied from regs[PB_SNAP_REG_SP] */
	uint64_t *ips;	      /* out: leaf first, raw return addresses after the first */
	uint32_t max, n;
	bool beyond_snapshot; /* a read fell just above the copied stack: the copy was too small */
	const struct pb_snap_object *last; /* the last object a read hit: reads cluster */
};

/* The object holding addr in p, or NULL. */
const struct pb_snap_object *pb_snap_proc_find(const struct pb_snap_proc *p, uint64_t addr);
/* The bytes at vaddr of a binary's file-backed loads, or NULL. */
const void *pb_snap_binary_at(const struct pb_snap_binary *b, uint64_t vaddr, size_t size);
/* Reads process memory: the stack from the snapshot, code and tables from the binaries. */
bool pb_snap_read(struct pb_snap_unwind *u, uint64_t addr, void *buf, size_t size);

/* What a plugin adds to the shared glue: how to unwind one snapshot. */
struct pb_snap_backend {
	const char *name; /* the plugin's name, for logs */
	/* Per-process state, built after the process's objects were (re)built. */
	int (*proc_open)(const struct pb_host *host, struct pb_snap_proc *p, void **priv);
	void (*proc_close)(void *priv); /* accepts NULL */
	/*
	 * Fills u->ips from the snapshot. 0 when the walk reached the outermost frame or u->max,
	 * < 0 when it stopped on an error (what it found so far stays in u->ips).
	 */
	int (*unwind)(void *priv, struct pb_snap_unwind *u);
	/*
	 * Optional: whether the walk has CFI for pc (a pc in code, already minus one for a return
	 * address). Where the walk stopped at a pc without (JIT code, V8's builtins), the glue steps
	 * by frame pointer until a pc with CFI and hands the walk back to unwind from there.
	 */
	bool (*has_cfi)(void *priv, struct pb_snap_unwind *u, uint64_t pc);
};

/* The unwinder ops both plugins use; each passes its backend to pb_snap_open. */
int pb_snap_open(const struct pb_snap_backend *backend, const struct pb_host *host,
		 const struct pb_sample_params *params, const struct pb_config *cfg, void **state);
int pb_snap_attach(void *state, const int *perf_fds, int n_fds);
int pb_snap_add_pid(void *state, uint32_t pid);
int pb_snap_skip_thread(void *state, uint32_t tid);
int pb_snap_set_enabled(void *state, bool on);
int pb_snap_drain(void *state, pb_raw_stack_fn fn, void *ctx);
int pb_snap_poll_fd(void *state);
int pb_snap_consume(void *state);
int pb_snap_peek(void *state, pb_raw_stack_fn fn, void *ctx);
void pb_snap_on_mapping(void *state, uint32_t pid, const struct pb_mapping *m);
void pb_snap_on_exit(void *state, uint32_t pid);
void pb_snap_close(void *state);

/* The settings both plugins take, and the struct they bind into. */
struct pb_snap_settings {
	int64_t stack_size; /* bytes */
	int64_t ring_size;  /* KiB */
	int64_t max_frames;
};
extern const struct pb_config_key pb_snap_config_keys[];

/*
 * The whole plugin around a backend: its open, ops, descriptor and entry point. name_ is the
 * plugin's; the arguments after the description set the backend's ops.
 */
#define PB_SNAP_PLUGIN(name_, description_, ...)                                                   \
	static const struct pb_snap_backend snap_backend = { .name = (name_), __VA_ARGS__ };      \
	static int snap_open(const struct pb_host *host, const struct pb_sample_params *params,    \
			     const struct pb_config *cfg, void **state)                            \
	{                                                                                          \
		return pb_snap_open(&snap_backend, host, params, cfg, state);                      \
	}                                                                                          \
	static const struct pb_unwinder_ops snap_ops = {                                           \
		.sz = sizeof(struct pb_unwinder_ops), .open = snap_open,                           \
		.attach = pb_snap_attach, .add_pid = pb_snap_add_pid, .drain = pb_snap_drain,      \
		.close = pb_snap_close, .poll_fd = pb_snap_poll_fd, .consume = pb_snap_consume,    \
		.on_mapping = pb_snap_on_mapping, .on_exit = pb_snap_on_exit,                      \
		.skip_thread = pb_snap_skip_thread, .peek = pb_snap_peek,                          \
		.set_enabled = pb_snap_set_enabled,                                                \
	};                                                                                         \
	static const struct pb_plugin snap_plugin = {                                              \
		PB_PLUGIN_DESCRIPTOR_INIT,                                                         \
		.kind = PB_PLUGIN_UNWINDER,                                                        \
		.name = (name_),                                                                   \
		.description = (description_),                                                     \
		.config_keys = pb_snap_config_keys,                                                \
		.settings_size = sizeof(struct pb_snap_settings),                                  \
		.unwinder = &snap_ops,                                                             \
		.unwinder_flags = PB_UNWINDER_OFF_CPU,                                             \
	};                                                                                         \
	PB_PLUGIN_EXPORT(&snap_plugin)

#endif
