/* SPDX-License-Identifier: MIT */
/* The plugin ABI: what an unwinder or output .so exports, and the host table the core hands it. */
#ifndef PROFILE_BEE_PLUGIN_H
#define PROFILE_BEE_PLUGIN_H

#include <profile-bee/profile-bee.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * ABI rules: the core refuses a plugin whose abi_major differs from its own. Minor bumps only
 * append fields; every struct starts with its size so either side can tell what the other has.
 * Plugins may link libprofilebee's public profile API (profile-bee.h); everything that needs
 * the running session (logging, lost counters, process mappings, stopping) goes through the
 * host table.
 */
#define PB_PLUGIN_ABI_MAJOR 1
#define PB_PLUGIN_ABI_MINOR 1
#define PB_PLUGIN_ENTRY_SYMBOL "pb_plugin_entry"

enum pb_plugin_kind {
	PB_PLUGIN_UNWINDER = 1,
	PB_PLUGIN_OUTPUT = 2,
};

enum pb_log_level {
	PB_LOG_ERROR = 0,
	PB_LOG_WARN = 1,
	PB_LOG_INFO = 2,
	PB_LOG_DEBUG = 3,
};

enum pb_config_type {
	PB_CONFIG_STRING = 0,
	PB_CONFIG_INT = 1,
	PB_CONFIG_BOOL = 2,
	PB_CONFIG_DOUBLE = 3,
};

/* One setting a plugin accepts. The same table feeds --list-plugins, INI checks and Lua. */
struct pb_config_key {
	const char *name;
	enum pb_config_type type;
	const char *default_value; /* text form; NULL means "unset" */
	const char *help;
};

/*
 * The values a setting allows (ABI 1.1), checked when the setting is given: a bad one is then a
 * usage error naming its file:line or flag and the range, not a failure at open.
 */
struct pb_config_limit {
	const char *name;    /* a key of config_keys */
	double min, max;     /* PB_CONFIG_INT and PB_CONFIG_DOUBLE: the inclusive range */
	const char *choices; /* PB_CONFIG_STRING: the allowed values, ", "-separated; NULL: any */
};

/* Settings handed to a plugin; read them with host->config_get and friends. */
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
};

#define PB_RAW_USER_TRUNCATED (1u << 0) /* the walk stopped early (depth or unwind limit) */

typedef int (*pb_raw_stack_fn)(void *ctx, const struct pb_raw_stack *stack);
typedef int (*pb_mapping_fn)(void *ctx, const struct pb_mapping *m);

struct pb_host {
	size_t sz;
	uint16_t abi_major;
	uint16_t abi_minor;
	struct pb_session *session;

	void (*log)(struct pb_session *s, enum pb_log_level level, const char *who, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));
	/* The value of key (or its default from the plugin's table); NULL when neither is set. */
	const char *(*config_get)(const struct pb_config *cfg, const char *key);
	int64_t (*config_int)(const struct pb_config *cfg, const char *key);
	bool (*config_bool)(const struct pb_config *cfg, const char *key);
	double (*config_double)(const struct pb_config *cfg, const char *key);

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

	void *reserved[8];
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
};

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
	/* Optional: an fd to poll for readability, and the work to do when it is readable. */
	int (*poll_fd)(void *state);
	int (*consume)(void *state);
	/* Optional: the process table learnt of a new mapping / of a process exit. */
	void (*on_mapping)(void *state, uint32_t pid, const struct pb_mapping *m);
	void (*on_exit)(void *state, uint32_t pid);
	void (*close)(void *state); /* accepts NULL */
	void *reserved[4];
};

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

struct pb_output_ops {
	size_t sz;
	int (*open)(const struct pb_host *host, const struct pb_output_params *params,
		    const struct pb_config *cfg, void **state);
	int (*write)(void *state, const struct pb_profile *profile, uint32_t flags);
	int (*flush)(void *state); /* optional */
	/* Optional: blocks until the user is done with the output (the TUI's 'q'). */
	int (*wait)(void *state);
	void (*close)(void *state); /* accepts NULL */
	void *reserved[4];
};

/*
 * What an output claims in -o: ".svg" matches a file name's extension, "s3://" a URL's start,
 * a bare word ("folded") names a format. NULL-terminated.
 */
struct pb_output_claim {
	const char *pattern;
	const char *format;
};

struct pb_plugin {
	uint16_t abi_major;
	uint16_t abi_minor;
	uint32_t struct_size;
	enum pb_plugin_kind kind;
	const char *name;
	const char *description;
	const struct pb_config_key *config_keys; /* ends with { .name = NULL } */
	const struct pb_unwinder_ops *unwinder;	 /* kind == PB_PLUGIN_UNWINDER */
	const struct pb_output_ops *output;	 /* kind == PB_PLUGIN_OUTPUT */
	const struct pb_output_claim *claims;	 /* outputs: ends with { .pattern = NULL } */
	uint32_t output_flags;			 /* PB_OUTPUT_* */
	const struct pb_config_limit *config_limits; /* 1.1: ends with { .name = NULL }; may be NULL */
	void *reserved[7];
};

typedef const struct pb_plugin *(*pb_plugin_entry_fn)(void);

#define PB_PLUGIN_DESCRIPTOR_INIT                                                                  \
	.abi_major = PB_PLUGIN_ABI_MAJOR, .abi_minor = PB_PLUGIN_ABI_MINOR,                        \
	.struct_size = sizeof(struct pb_plugin)

/* Every plugin defines its entry with this: PB_PLUGIN_EXPORT(&my_descriptor); */
#define PB_PLUGIN_EXPORT(desc)                                                                     \
	__attribute__((visibility("default"))) const struct pb_plugin *pb_plugin_entry(void)       \
	{                                                                                          \
		return (desc);                                                                     \
	}

#ifdef __cplusplus
}
#endif
#endif
