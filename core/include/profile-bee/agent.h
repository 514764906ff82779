/* SPDX-License-Identifier: MIT */
/* The embeddable agent: an application profiles itself in windows from a background thread. */
#ifndef PROFILE_BEE_AGENT_H
#define PROFILE_BEE_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <profile-bee/hostmeta.h>
#include <profile-bee/profile-bee.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Every window is a snapshot of one long-lived profiling session (the same code path as the
 * CLI and Lua; BPF loaded and caches built once): sample for duration_ms, pause sampling (perf
 * events off: no cost between windows), hand the profile to the outputs and to the reporter,
 * then sleep until the next window is due and resume. Windows start every interval_ms (start
 * to start); a window that overruns the interval is followed at once by the next one, never by
 * a burst of catch-up windows. interval_ms == duration_ms is continuous: sampling never pauses
 * and every sample lands in exactly one window. duration_ms > interval_ms is refused.
 *
 * Options grow at the end; sz first; zero means "default" for every field.
 */
struct pb_agent_opts {
	size_t sz;
	uint32_t frequency;	 /* Hz; default 99 */
	uint64_t duration_ms;	 /* sampling time of one window; default 60000 */
	uint64_t interval_ms;	 /* from one window's start to the next; default 300000 */
	bool system_wide;	 /* every process instead of this one */
	const uint32_t *pids;	 /* these processes instead of this one */
	size_t n_pids;
	const char *unwinder;	 /* "fp" (default), "dwarf" (no frame pointers needed), ... */
	const char *plugin_path; /* extra plugin directories, ':'-separated */
	bool user_only;
	bool kernel_only;
	uint32_t stack_storage_size; /* 0: the session's default */
	uint32_t hash_storage_size;  /* 0: the session's default */
	bool lost_summary;	     /* print the lost-stack summary of each window on stderr */
	uint64_t first_delay_ms;     /* wait this long before the first window; default 0 */
	/* The agent's messages and its session's (plugins included) go here instead of stderr. */
	pb_log_fn log;
	void *log_ctx;
	/*
	 * Sample with plain perf events (the "perf" unwinder: user stacks by frame pointers, no
	 * BPF), even with privileges. Without them this is chosen anyway (see pb_agent__spawn).
	 */
	bool no_bpf;
	/* Labels on every stack (service, version...), copied; as pb_session_opts.labels. */
	const struct pb_label *labels;
	size_t n_labels;
	const char *group_by; /* "container", "pod", "label:NAME" or NULL */
	/* Views, as pb_session_opts.per_thread and per_cpu: a frame per thread / CPU. */
	bool per_thread;
	bool per_cpu;
	/*
	 * Only processes in these cgroup v2 directories or below (pb_session_opts.cgroups,
	 * comma-separated), filtered in BPF; with system_wide, every such process.
	 */
	const char *cgroups;
	/*
	 * What is counted: "cpu" (NULL), "off-cpu" or "wall" ([profile] event); off-CPU blocks of
	 * threads in offcpu_state ([profile] state: "all" (NULL), "both", "interruptible",
	 * "uninterruptible") lasting min_block_us to max_block_us (0: no limit). Copied.
	 */
	const char *event;
	const char *offcpu_state;
	uint64_t min_block_us;
	uint64_t max_block_us;
	/* What counts stacks, as pb_session_opts.events (-e); NULL: the CPU timer. Copied. */
	const char *events;
	uint64_t period; /* as pb_session_opts.period */
};

/* One finished window, as the reporter sees it. Valid only during the callback. */
struct pb_agent_window {
	size_t sz;
	const struct pb_profile *profile;     /* walk it or write it (pb_profile__write_format) */
	const struct pb_host_metadata *host;  /* where it ran: EC2, ECS, Kubernetes, hostname */
	uint64_t index;			      /* 0 for the first window */
	uint64_t start_ns;		      /* CLOCK_REALTIME */
	uint64_t end_ns;		      /* CLOCK_REALTIME */
	int32_t pid;			      /* the profiled process, 0 when several or all */
	uint32_t frequency;		      /* Hz */
	const char *unwinder;
	int status;			      /* 0, or -errno: an output failed this window */
};

/*
 * Runs on the agent's thread after the window's outputs were written. A non-zero return is
 * counted as a reporter failure (pb_agent__get_stats); the next window comes regardless.
 */
typedef int (*pb_agent_reporter_fn)(void *ctx, const struct pb_agent_window *w);

struct pb_agent;

int pb_agent__new(const struct pb_agent_opts *opts, struct pb_agent **ret);
/*
 * Adds an output every window is written to: target as for -o (a plugin name such as "s3", a
 * path whose extension picks the format, a URL), settings "key=value,..." or NULL. In a file
 * target "{window}" becomes the window's index and "{time}" its start (Unix seconds), so
 * windows do not overwrite each other. Only before pb_agent__spawn.
 */
int pb_agent__add_output(struct pb_agent *a, const char *target, const char *settings);
/* Sets (or with fn NULL removes) the in-process reporter; takes effect at the next window. */
int pb_agent__set_reporter(struct pb_agent *a, pb_agent_reporter_fn fn, void *ctx);
/*
 * Checks what can be checked up front (privileges, BTF, the unwinder, the outputs and their
 * settings) and starts the agent's thread; returns at once. Without root or CAP_BPF +
 * CAP_PERFMON (or without BTF) an agent on its own process or given pids with the fp unwinder
 * (the default) samples with plain perf events instead, when perf_event_paranoid allows it (2
 * or lower): user stacks only, walked by the kernel; pb_agent_stats.mode says "perf". -EPERM
 * when neither is allowed (the message names both), -ENOENT for an unknown unwinder, -EINVAL for an unknown output,
 * duration_ms > interval_ms, or a frequency or storage size outside the range of its [profile]
 * setting (frequency 1 to 100000 Hz); pb_agent__strerror says which. A window that fails later
 * is counted and logged, not fatal.
 */
int pb_agent__spawn(struct pb_agent *a);
/*
 * Ends the window in progress, writes and reports it, and joins the thread: returns within
 * about a second plus the time of that last report. Safe to call twice or before spawn.
 */
int pb_agent__stop(struct pb_agent *a);
/* Stops the agent if needed and frees it; accepts NULL. */
void pb_agent__free(struct pb_agent *a);
/* The last error's message, or "". */
const char *pb_agent__strerror(const struct pb_agent *a);

/* Counters since spawn. Set sz; fields beyond it are left alone. */
struct pb_agent_stats {
	size_t sz;
	uint64_t windows;	    /* windows sampled and handed on */
	uint64_t failed_windows;    /* windows that could not start or sample */
	uint64_t reported;	    /* reporter calls that returned 0 */
	uint64_t reporter_failures; /* reporter calls that returned non-zero */
	uint64_t output_failures;   /* windows in which at least one output failed */
	uint64_t samples;	    /* samples in every window so far */
	char last_error[256];	    /* the latest window failure, or "" */
	uint64_t sessions;	    /* sessions built (BPF loaded): 1 unless one broke */
	char mode[16];		    /* "bpf", or "perf" (plain perf events, no BPF); "" before spawn */
};
int pb_agent__get_stats(const struct pb_agent *a, struct pb_agent_stats *st);

#ifdef __cplusplus
}
#endif
#endif
