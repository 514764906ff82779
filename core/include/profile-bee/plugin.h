/* SPDX-License-Identifier: MIT */
/* The plugin ABI: what an unwinder or output .so exports, and the host table the core hands it. */
#ifndef PROFILE_BEE_PLUGIN_H
#define PROFILE_BEE_PLUGIN_H

#include <profile-bee/profile-bee.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The ABI rule (docs/plugin-abi.md): every struct that crosses the boundary starts with its
 * size as the side that filled it was built (`sz`), and grows only at its end. A reader never
 * touches a field its writer's struct did not reach: PB_HAS(p, field) says whether it did, and
 * an optional op is called only when it is there and not NULL. There are no reserved slots.
 * A plugin states the ABI it was built for: the core refuses another major, and a minor newer
 * than its own (the plugin may call host ops this core lacks). Plugins may link libprofilebee
 * and call its public API (profile-bee.h and the settings calls below); what needs the running
 * session (logging, lost counters, process mappings, encoders, stopping) goes through the host.
 */
#define PB_PLUGIN_ABI_MAJOR 2
#define PB_PLUGIN_ABI_MINOR 8 /* 2.1: unwinder_flags, set_enabled; 2.2: pb_encoder.decode; 2.3: python;
				* 2.4: per-thread/per-CPU views (pb_raw_stack.cpu, sample params), --cgroup,
				* frame sites (pb_profile__mapping...);
				* 2.5: pb_unwinder_ops.peek;
				* 2.6: event, off-CPU params, PB_RAW_OFF_CPU, PB_UNWINDER_OFF_CPU;
				* 2.7: probes (-e);
				* 2.8: pb_profile_meta.event, pb_profile__unit, __event_*, __find */
/* The entry point: a NULL-terminated list of the plugins one .so holds (ABI 2 and later). */
#define PB_PLUGIN_ENTRY_SYMBOL "pb_plugin_list"
/* What ABI 1 plugins exported (one descriptor): found, it is refused with both versions. */
#define PB_PLUGIN_ENTRY_SYMBOL_V1 "pb_plugin_entry"

/* True when the struct p points to (whose sz says how much of it was filled) reaches field. */
#define PB_HAS(p, field)                                                                           \
	((p)->sz >= __builtin_offsetof(__typeof__(*(p)), field) + sizeof((p)->field))

enum pb_plugin_kind {
	PB_PLUGIN_UNWINDER = 1,
	PB_PLUGIN_OUTPUT = 2,
};

enum pb_config_type {
	PB_CONFIG_STRING = 0, /* binds a const char * (NULL when unset; valid while cfg is) */
	PB_CONFIG_INT = 1,    /* binds an int64_t */
	PB_CONFIG_BOOL = 2,   /* binds a bool */
	PB_CONFIG_DOUBLE = 3, /* binds a double */
};

/*
 * One setting a plugin accepts, and where its value goes: pb_config__bind stores it at offset
 * in the plugin's settings struct (struct pb_plugin.settings_size bytes). The same table feeds
 * --list-plugins, INI files, --set, Lua tables and the agent's settings strings, which all
 * check values against type, range and choices when they are given, naming the source.
 * Defaults are stated here once. Declare keys with PB_KEY_* below: they check the field type.
 */
struct pb_config_key {
	const char *name;
	enum pb_config_type type;
	const char *default_value; /* text form; NULL means "unset" */
	const char *help;
	size_t offset;		   /* of the field in the settings struct */
	double min, max;	   /* INT and DOUBLE: the inclusive range; both 0: any value */
	const char *choices;	   /* STRING: the allowed values, ", "-separated; NULL: any */
};

#define PB_KEY_FIELD_(st, field, ctype)                                                            \
	(__builtin_offsetof(st, field) +                                                           \
	 0 * sizeof(char[__builtin_types_compatible_p(__typeof__(((st *)0)->field), ctype) ? 1 : -1]))
#define PB_KEY_STRING(st, field, key, def, help_, ...)                                             \
	{ .name = (key), .type = PB_CONFIG_STRING, .default_value = (def), .help = (help_),        \
	  .offset = PB_KEY_FIELD_(st, field, const char *), __VA_ARGS__ }
#define PB_KEY_INT(st, field, key, def, lo, hi, help_)                                             \
	{ .name = (key), .type = PB_CONFIG_INT, .default_value = (def), .help = (help_),           \
	  .offset = PB_KEY_FIELD_(st, field, int64_t), .min = (lo), .max = (hi) }
#define PB_KEY_DOUBLE(st, field, key, def, lo, hi, help_)                                          \
	{ .name = (key), .type = PB_CONFIG_DOUBLE, .default_value = (def), .help = (help_),        \
	  .offset = PB_KEY_FIELD_(st, field, double), .min = (lo), .max = (hi) }
#define PB_KEY_BOOL(st, field, key, def, help_)                                                    \
	{ .name = (key), .type = PB_CONFIG_BOOL, .default_value = (def), .help = (help_),          \
	  .offset = PB_KEY_FIELD_(st, field, bool) }

/* Settings handed to a plugin (never NULL): pb_config__bind copies them into its struct. */
struct pb_config;

/* The session a plugin runs in; only ever passed back to the host. */
struct pb_session;

/* One executable mapping of a process, as the core's process table knows it. */
struct pb_mapping {
	uint64_t start;	 /* first address */
	uint64_t end;	 /* one past the last address */
	uint64_t pgoff;	 /* file offset mapped at start */
	uint64_t dev;	 /* makedev(major, minor), 0 when unknown */
	uint64_t inode;	 /* 0 for anonymous and special mappings */
	const char *path; /* as the process saw it ("/usr/lib/.../libc.so.6", "[vdso]") */
	const char *open_path; /* where this process can open the file (may go through /proc) */
};

/* A stack as an unwinder hands it to the core, before symbolization. */
struct pb_raw_stack {
	uint32_t pid; /* process (tgid) */
	uint32_t tid;
	const char *comm;
	const uint64_t *user_ips;   /* leaf first: [0] is the sampled pc, then return addresses */
	uint32_t n_user;
	const uint64_t *kernel_ips; /* leaf first */
	uint32_t n_kernel;
	uint64_t count;
	uint32_t flags; /* PB_RAW_* */
	/*
	 * ABI 2.4: the CPU the samples ran on. A struct without sz: the core reads it only from
	 * unwinders built for 2.4 or later, and only with pb_sample_params.per_cpu on. tid and cpu
	 * are 0 unless per_thread / per_cpu ask for them, so default runs count fewer stacks.
	 */
	uint32_t cpu;
};

#define PB_RAW_USER_TRUNCATED (1u << 0) /* the walk stopped early (depth or unwind limit) */
#define PB_RAW_OFF_CPU	      (1u << 1) /* ABI 2.5: count is off-CPU time (in a wall profile) */

/*
 * A user_ips word with bit 63 set is an interpreter (CPython) frame, not an address: bits 0-47
 * the code object's address in the process, bits 48-62 the instruction (code unit) index,
 * PB_RAW_PY_INSTR_MAX when unknown. Code address 0 marks a chain cut short ("[truncated]").
 * The core names it "qualname (file.py:line)" by reading the code object (ABI 2.1).
 */
#define PB_RAW_PY_FRAME	      (1ull << 63)
#define PB_RAW_PY_CODE_MASK   ((1ull << 48) - 1)
#define PB_RAW_PY_INSTR_SHIFT 48
#define PB_RAW_PY_INSTR_MAX   0x7fffu

typedef int (*pb_raw_stack_fn)(void *ctx, const struct pb_raw_stack *stack);
typedef int (*pb_mapping_fn)(void *ctx, const struct pb_mapping *m);

struct pb_host {
	size_t sz;
	uint16_t abi_major;
	uint16_t abi_minor;
	struct pb_session *session;

	/* Goes where the session's messages go (stderr, or the embedder's pb_log_fn). */
	void (*log)(struct pb_session *s, enum pb_log_level level, const char *who, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));
	/* Stacks that were lost or cut short, by cause; summed and reported once at the end. */
	void (*count_lost)(struct pb_session *s, const char *cause, uint64_t n, const char *hint);
	/* The executable mapping holding addr in pid, or NULL. Valid until the next drain. */
	const struct pb_mapping *(*find_mapping)(struct pb_session *s, uint32_t pid, uint64_t addr);
	int (*for_each_mapping)(struct pb_session *s, uint32_t pid, pb_mapping_fn fn, void *ctx);
	/* Ends the profile as Ctrl-C would (e.g. the TUI's 'q'). */
	void (*request_stop)(struct pb_session *s);
	bool (*stop_requested)(struct pb_session *s);
	uint64_t (*now_ns)(void); /* CLOCK_MONOTONIC */
	/*
	 * When an output has PB_OUTPUT_WANTS_TERMINAL and a command is profiled, the command's
	 * stdout and stderr go to a pipe instead of the terminal: this is its read end (-1 when
	 * there is none). The output reads it (non-blocking) and shows it.
	 */
	int (*command_output_fd)(struct pb_session *s);
	/*
	 * Writes profile to out in format ("svg", "json", "folded", ".svg", ...) with the encoder
	 * of the plugin that claims it and the settings the session gave that plugin (INI, --set):
	 * how the live server's /svg and an uploader's objects equal what -o writes. -EINVAL when
	 * no plugin encodes that format (the message says which do).
	 */
	int (*encode)(struct pb_session *s, const struct pb_profile *profile, const char *format,
		      FILE *out);
};

/* What to sample; filled by the core from the command line, script or agent options. */
struct pb_sample_params {
	size_t sz;
	uint32_t frequency;	/* Hz */
	bool user;		/* collect user stacks */
	bool kernel;		/* collect kernel stacks */
	bool idle;		/* keep samples of the idle task (pid 0) */
	int cpu;		/* only this CPU, or -1 */
	bool filter_pids;	/* only the pids given through add_pid (and their children) */
	uint32_t stack_storage_size; /* distinct kernel stacks kept per window */
	uint32_t hash_storage_size;  /* distinct (process, stack) counts kept per window */
	/* ABI 2.1: interpreter frames (--python): PB_PYTHON_AUTO, _OFF or _ONLY. */
	uint32_t python;
	/*
	 * ABI 2.4, views: keep stacks of different threads (pb_raw_stack.tid) or CPUs (.cpu)
	 * apart. Off (or a core that does not reach them): tid and cpu may be 0, and should be,
	 * so that counting in BPF does not split stacks nobody asked to tell apart.
	 */
	bool per_thread;
	bool per_cpu;
	/*
	 * ABI 2.4 (--cgroup): sample only tasks in these cgroup v2 directories or below them
	 * (absolute paths the core checked); none when n_cgroups is 0. An unwinder that cannot
	 * filter by cgroup refuses to open (-EOPNOTSUPP) rather than sample everything.
	 */
	const char *const *cgroups;
	uint32_t n_cgroups;
	/*
	 * ABI 2.5: what is counted (PB_EVENT_*). Off-CPU and wall counts are microseconds (an
	 * on-CPU sample is 1e6 / frequency of them); only unwinders with PB_UNWINDER_OFF_CPU are
	 * given anything but PB_EVENT_CPU. Off-CPU blocks counted: those of a thread in a state
	 * of offcpu_states (PB_OFFCPU_*, profile-bee.h) lasting min_block_us to max_block_us (0: no limit).
	 */
	uint32_t event;
	uint32_t offcpu_states;
	uint64_t min_block_us;
	uint64_t max_block_us;
	/*
	 * ABI 2.7: probes to count stacks at (-e kprobe:, uprobe:, tracepoint:, usdt:), resolved
	 * and checked by the core: each hit counts 1. The unwinder attaches them in attach, or
	 * fails open with "not supported with this unwinder" when it cannot. n_probes 0: none.
	 */
	const struct pb_probe *const *probes;
	uint32_t n_probes;
};

enum pb_probe_kind {
	PB_PROBE_KPROBE = 1,	/* target: the kernel function */
	PB_PROBE_KRETPROBE = 2, /* target: the kernel function, counted as it returns */
	PB_PROBE_UPROBE = 3,	/* target: the binary, name: the symbol, offset: its file offset */
	PB_PROBE_URETPROBE = 4, /* as UPROBE, counted as the function returns */
	PB_PROBE_TRACEPOINT = 5, /* target: the category, name: the event */
	PB_PROBE_USDT = 6,	/* target: the binary, provider and name: the probe's */
};

/* One place to attach to (a uprobe glob gives one per symbol it matches). */
struct pb_probe {
	size_t sz;
	uint32_t kind;	      /* enum pb_probe_kind */
	const char *spec;     /* as the user gave it, for messages */
	const char *target;
	const char *name;     /* NULL for kprobes */
	const char *provider; /* USDT only */
	uint64_t offset;      /* UPROBE, URETPROBE */
};

#define PB_MAX_CGROUPS 16 /* --cgroup paths at most (the BPF filter's slots) */

#define PB_PYTHON_AUTO 0 /* CPython frames in place of the eval loop's native frames */
#define PB_PYTHON_OFF  1 /* native frames only */
#define PB_PYTHON_ONLY 2 /* CPython frames alone, as py-spy shows them */

/* Required ops first; the optional ones after them are called only when PB_HAS says so. */
struct pb_unwinder_ops {
	size_t sz;
	/* Loads the BPF side; nothing samples until attach. */
	int (*open)(const struct pb_host *host, const struct pb_sample_params *params,
		    const struct pb_config *cfg, void **state);
	/* Attaches to one perf event fd per sampled CPU. */
	int (*attach)(void *state, const int *perf_fds, int n_fds);
	/* Adds a process (all its threads, and children forked later) to the filter. */
	int (*add_pid)(void *state, uint32_t pid);
	/* Hands every stack counted since the last drain to fn, then forgets them. */
	int (*drain)(void *state, pb_raw_stack_fn fn, void *ctx);
	void (*close)(void *state); /* accepts NULL */
	/* Optional: an fd to poll for readability, and the work to do when it is readable. */
	int (*poll_fd)(void *state);
	int (*consume)(void *state);
	/*
	 * Optional: the process table learnt of a new mapping / that a process image is gone: the
	 * process exited, or exec'd (its new program's mappings follow through on_mapping).
	 */
	void (*on_mapping)(void *state, uint32_t pid, const struct pb_mapping *m);
	void (*on_exit)(void *state, uint32_t pid);
	/* Optional: never sample this thread (one of the profiler's own in a profiled process). */
	int (*skip_thread)(void *state, uint32_t tid);
	/*
	 * Optional (ABI 2.1): sampling off (pause, and before the last drain) or on (resume), for
	 * an unwinder with PB_UNWINDER_OWN_EVENTS; the session does this with its own events.
	 * ABI 2.7: also called, beside the session's own events, when params named probes.
	 */
	int (*set_enabled)(void *state, bool on);
	/*
	 * Optional (ABI 2.5): hands fn stacks sampled since the last drain that it has not handed
	 * before, without taking them (drain hands them again, counted). The core calls it a few
	 * times a second to name, while the process still lives, frames it reads from the process
	 * (CPython code objects): only their user_ips are looked at. 0 or -errno.
	 */
	int (*peek)(void *state, pb_raw_stack_fn fn, void *ctx);
};

/*
 * Flags of an unwinder (struct pb_plugin.unwinder_flags, ABI 2.1).
 * OWN_EVENTS: it opens its own perf events on the threads add_pid names and loads no BPF. The
 * session then opens no per-CPU events (attach gets none), asks for neither BPF privileges nor
 * BTF but for perf_event_paranoid to allow sampling those threads, and refuses to run
 * system-wide. Pause and resume go through set_enabled.
 */
#define PB_UNWINDER_OWN_EVENTS (1u << 0)
/*
 * OFF_CPU (ABI 2.5): it counts off-CPU time (params->event other than PB_EVENT_CPU): its attach
 * also attaches to sched_switch, and set_enabled (when the session pauses) stops counting it.
 */
#define PB_UNWINDER_OFF_CPU (1u << 1)

/* Output plugins get the whole profile once at the end unless they ask for windows. */
#define PB_OUTPUT_WANTS_WINDOWS (1u << 0)
#define PB_OUTPUT_WANTS_TERMINAL (1u << 1) /* owns the terminal (the TUI) */

/* Flags of one write call. */
#define PB_WRITE_LAST (1u << 0) /* nothing follows; a windowed output gets its last window */

struct pb_output_params {
	size_t sz;
	const char *target; /* what -o said: a path, "-" for stdout, a URL */
	const char *format; /* the claim that matched: "folded", "svg", "html", "s3", ... */
	uint32_t window_ms; /* 0: one window for the whole run */
	bool live;	    /* windows arrive while sampling goes on */
};

/* Required ops first; the optional ones after them are called only when PB_HAS says so. */
struct pb_output_ops {
	size_t sz;
	int (*open)(const struct pb_host *host, const struct pb_output_params *params,
		    const struct pb_config *cfg, void **state);
	int (*write)(void *state, const struct pb_profile *profile, uint32_t flags);
	void (*close)(void *state); /* accepts NULL */
	int (*flush)(void *state); /* optional */
	/* Optional: blocks until the user is done with the output (the TUI's 'q'). */
	int (*wait)(void *state);
};

/* An optional op of ops, when its struct reaches it and it is set; NULL otherwise. */
#define PB_OPTIONAL_OP(ops, op) (PB_HAS(ops, op) ? (ops)->op : NULL)

/*
 * What an output claims in -o: ".svg" matches a file name's extension, "s3://" a URL's start,
 * a bare word ("folded") names a format. NULL-terminated.
 */
struct pb_output_claim {
	const char *pattern;
	const char *format;
};

/*
 * Renders a whole profile in one format to a stream: the one implementation of that format,
 * used for -o files, stdout, the live server, uploads, the agent and Lua. cfg holds the
 * plugin's settings (never NULL); host is the session's, or a standalone one (pb_host__new).
 */
struct pb_encoder {
	size_t sz;
	const char *format; /* a format a claim names: "svg", "json", "folded" */
	int (*encode)(const struct pb_host *host, const struct pb_profile *profile, FILE *out,
		      const struct pb_config *cfg);
	/*
	 * Optional (ABI 2.2): reads the format back into into (empty, meta zero), for --input,
	 * --diff, pb.load and pb_profile__read_format. in is outside input: bounded, never a
	 * crash. Errors are -errno with the reason logged at PB_LOG_ERROR (the caller shows it);
	 * what was dropped is said at PB_LOG_WARN.
	 */
	int (*decode)(const struct pb_host *host, FILE *in, struct pb_profile *into,
		      const struct pb_config *cfg);
};

struct pb_plugin {
	uint16_t abi_major; /* these three first, in every ABI: the loader reads them first */
	uint16_t abi_minor;
	uint32_t sz;
	enum pb_plugin_kind kind;
	const char *name;
	const char *description;
	const struct pb_config_key *config_keys; /* ends with { .name = NULL }; may be NULL */
	size_t settings_size;			 /* the struct config_keys bind into */
	const struct pb_unwinder_ops *unwinder;	 /* kind == PB_PLUGIN_UNWINDER */
	/*
	 * kind == PB_PLUGIN_OUTPUT: a plugin with encoders and no ops is a file output the core
	 * writes itself (a whole file per write, replaced atomically; "-" is stdout).
	 */
	const struct pb_output_ops *output;
	const struct pb_output_claim *claims;	 /* outputs: ends with { .pattern = NULL } */
	const struct pb_encoder *encoders;	 /* outputs: ends with { .format = NULL }; may be NULL */
	uint32_t output_flags;			 /* PB_OUTPUT_* */
	uint32_t unwinder_flags;		 /* PB_UNWINDER_* (ABI 2.1; read through PB_HAS) */
};

#define PB_PLUGIN_DESCRIPTOR_INIT                                                                  \
	.abi_major = PB_PLUGIN_ABI_MAJOR, .abi_minor = PB_PLUGIN_ABI_MINOR,                        \
	.sz = sizeof(struct pb_plugin)

typedef const struct pb_plugin *const *(*pb_plugin_list_fn)(void);

/* Every .so defines its entry with this: PB_PLUGIN_EXPORT(&serve, &push); */
#define PB_PLUGIN_EXPORT(...)                                                                      \
	__attribute__((visibility("default"))) const struct pb_plugin *const *pb_plugin_list(void) \
	{                                                                                          \
		static const struct pb_plugin *const list[] = { __VA_ARGS__, NULL };               \
		return list;                                                                       \
	}

/*
 * Settings, for plugins and for programs that drive a plugin themselves (tests, benchmarks).
 * pb_config__new_for makes desc's settings holding its defaults; pb_config__set checks a value
 * against the key's type, range and choices and on error writes "SOURCE: owner: 'key' must be
 * ..., not 'value'" into err (source: "file:7", "--set", a Lua field; may be NULL).
 */
int pb_config__new_for(const struct pb_plugin *desc, struct pb_config **ret);
void pb_config__free(struct pb_config *cfg);
int pb_config__set(struct pb_config *cfg, const char *key, const char *value, const char *source,
		   char *err, size_t err_len);
/* Stores every key's value (or default) into settings, a struct of desc->settings_size. */
void pb_config__bind(const struct pb_config *cfg, void *settings);
/* The text of key's value, or its default; NULL when neither. */
const char *pb_config__get(const struct pb_config *cfg, const char *key);

/*
 * A host for whoever runs a plugin's ops directly (tests, fuzz targets, benchmarks, embedders):
 * the host of a session that never samples. Messages go to log (stderr when NULL), lost stacks
 * are summed (pb_host__lost), encode uses the plugins found the usual way; there are no
 * processes to look up (find_mapping is NULL for every address).
 */
struct pb_host_opts {
	size_t sz;
	pb_log_fn log;
	void *log_ctx;
	const char *plugin_path; /* extra plugin directories for encode */
};
int pb_host__new(const struct pb_host_opts *opts, struct pb_host **ret);
void pb_host__free(struct pb_host *host);
/* The stacks counted lost for cause (all causes when NULL). */
uint64_t pb_host__lost(const struct pb_host *host, const char *cause);

#ifdef __cplusplus
}
#endif
#endif
