/* SPDX-License-Identifier: MIT */
/* The session's state, shared by the files that implement the session in parts. */
#ifndef PB_SESSION_INTERNAL_H
#define PB_SESSION_INTERNAL_H

#include <pthread.h>
#include <sys/types.h>
#include <profile-bee/plugin.h>
#include <profile-bee/profile-bee.h>

#include "cgroup/cgroup.h"
#include "config.h"
#include "plugin_loader.h"
#include "sampling/events.h"
#include "sampling/perf_events.h"
#include "symbolize/proctab.h"
#include "symbolize/symbolizer.h"

#define PB_MAX_LOST_CAUSES 16

struct pb_lost_cause {
	char cause[64];
	char hint[64];
	uint64_t n;
};

struct pb_output {
	const struct pb_loaded_plugin *plugin;
	const struct pb_encoder *encoder; /* a file output the core writes (the plugin has no ops) */
	struct pb_config *cfg;
	struct pb_output_params params;
	char *target;
	void *state;
	bool failed;
	bool per_window; /* a file output named per window ("{window}", "{time}"): one per window */
};

/* Settings for every output of a plugin, or for an unwinder ("output.svg", "unwinder.dwarf"). */
struct pb_section_config {
	char *section;
	struct pb_config *cfg;
};

struct pb_session {
	struct pb_session_opts opts;
	char **command;		/* copy of opts.command */
	uint32_t *pids;		/* copy of opts.pids */
	char unwinder_name[32];
	char error[1024];
	char unwinder_error[512]; /* why the unwinder did not open (--check shows it alone) */

	struct pb_plugin_registry *registry;
	pthread_mutex_t registry_lock;	/* encoders are found from any thread (host->encode) */
	const struct pb_loaded_plugin *unwinder;
	void *unwinder_state;
	struct pb_config *unwinder_cfg;
	struct pb_host host;
	struct pb_sample_params params;
	char *events_spec;		/* copy of opts.events */
	struct pb_event_set *event_set; /* events_spec checked (session_events.c) */

	struct pb_output *outputs;
	size_t n_outputs;
	size_t open_failures;		/* outputs whose plugin refused to open (left out) */

	struct pb_perf_events *events;
	struct pb_proctab *proctab;
	struct pb_symbolizer *symbolizer;

	struct pb_profile *pending;	/* drained, not yet handed out as a window */
	struct pb_profile *total;	/* every stack, only when pb_session_wants_whole */
	char target_comm[32];		/* the one target's name, kept after it exited */
	uint64_t window_start_ns;	/* CLOCK_REALTIME */
	uint64_t windows_written;	/* windows handed to the outputs: {window} of per-window files */
	uint64_t window_write_failures;	/* per-window files that could not be written */
	uint64_t start_mono_ns;
	uint64_t last_drain_ns;		/* CLOCK_MONOTONIC */
	uint64_t last_tick_ns;		/* pb_session_tick's last run, CLOCK_MONOTONIC */

	int epoll_fd;
	int stop_fd;			/* eventfd: pb_session__stop writes it */
	volatile int stop_requested;
	int *pidfds;			/* one per -p pid, -1 once it exited */
	size_t live_targets;

	pid_t child;			/* the command, 0 when none (or reaped) */
	pid_t child_pid_for_meta;	/* the command's pid, kept after it is reaped */
	int child_pidfd;
	int child_release_fd;		/* writing to it lets the held command exec */
	int child_error_fd;		/* carries exec's errno when exec fails */
	int child_status;		/* exit code, -1 while unknown */
	int child_output_fd;		/* read end of the command's stdout+stderr, or -1 */

	struct pb_lost_cause lost[PB_MAX_LOST_CAUSES];
	size_t n_lost;

	bool started;
	bool finished;
	bool paused;			/* pb_session__pause: perf events disabled */
	bool snapshot_paused;		/* the last snapshot was taken while paused */

	/* An output plugin's ERROR log while it opens or writes: one message, with its cause. */
	bool capturing;
	pthread_t capture_thread;
	char captured[512];

	struct pb_section_config *sections; /* pb_session__set */
	size_t n_sections;

	struct pb_label *labels;	/* opts.labels, copied (one allocation) */
	char *group_by;			/* opts.group_by, copied */
	struct pb_cgroup_cache *cgroups; /* pid -> container/pod/unit, created at start */
	/* opts.cgroups resolved to absolute paths, as the unwinder's params point to them. */
	char cgroup_paths[PB_MAX_CGROUPS][PB_CGROUP_PATH_MAX];
	const char *cgroup_ptrs[PB_MAX_CGROUPS];
	size_t n_cgroups;
};

/* session.c */
void pb_session_stop_sampling(struct pb_session *s);
/* The unwinder opens its own perf events, loads no BPF (PB_UNWINDER_OWN_EVENTS). */
bool pb_session_own_events(const struct pb_session *s);
/* -EINVAL (failed, saying why) when --cgroup was given to an unwinder that cannot filter so. */
int pb_session_check_cgroups(struct pb_session *s);
int pb_session_check_event(struct pb_session *s);
/* -EINVAL (failed, saying why) when that unwinder was asked to sample every process. */
int pb_session_check_own_events(struct pb_session *s);
/* session_events.c: checks -e once (before the unwinder loads); fails naming the spec. */
int pb_session_resolve_events(struct pb_session *s);
/* Hands the checked probes to the unwinder's params. */
void pb_session_event_params(struct pb_session *s);
/* Opens the perf events that count: the CPU timer, -e's perf event, none for probes alone. */
int pb_session_open_events(struct pb_session *s);

/* session_windows.c: every perf event of the session on or off (the session's and the
 * unwinder's own), all or none. */
int pb_session_set_sampling(struct pb_session *s, bool on);

/* session_run.c: the unwinder named in the options, or -ENOENT naming the available ones. */
int pb_session_find_unwinder(struct pb_session *s);

/* session_host.c */
void pb_session_init_host(struct pb_session *s);
/* Checks privileges and loads the unwinder's BPF side (nothing attached): --check uses it. */
int pb_session_load_unwinder(struct pb_session *s);
/* Plugin ERROR logs of this thread go to s->captured until pb_session_capture_end. */
void pb_session_capture_begin(struct pb_session *s);
/* What the plugin said (captured), else strerror(-err). */
const char *pb_session_capture_end(struct pb_session *s, int err);
void pb_session_count_lost(struct pb_session *s, const char *cause, uint64_t n, const char *hint);
void pb_session_report_lost(struct pb_session *s);
int pb_session_fail(struct pb_session *s, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A message of the session: to its pb_log_fn, or where the library's messages go. */
void pb_session_log(struct pb_session *s, enum pb_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* session_targets.c */
int pb_session_watch_fd(struct pb_session *s, int fd); /* readable fds wake pb_session__poll */
int pb_session_track_target(struct pb_session *s, uint32_t pid);
int pb_session_skip_own_thread(struct pb_session *s);
/* The -p processes and the command: in the filter, followed, their exits watched. */
int pb_session_open_targets(struct pb_session *s);
void pb_session_target_exited(struct pb_session *s, int fd);
bool pb_session_is_target_fd(struct pb_session *s, int fd);

/* session_command.c */
int pb_session_spawn_command(struct pb_session *s);
int pb_session_release_command(struct pb_session *s);
void pb_session_reap_command(struct pb_session *s, bool terminate);

/* session_outputs.c: settings is a "k=v,..." list, or kv holds n pairs (either may be empty) */
int pb_session_open_output(struct pb_session *s, const char *target, const char *settings,
			   const struct pb_setting *kv, size_t n);
/* window goes to windowed outputs; whole (with the last window) to the others. */
int pb_session_write_window(struct pb_session *s, const struct pb_profile *window,
			    const struct pb_profile *whole, bool last);
void pb_session_close_outputs(struct pb_session *s);
bool pb_session_wants_windows(const struct pb_session *s);
bool pb_session_wants_whole(const struct pb_session *s);
/* -EIO when outputs failed to open: at once when none is left, else only at_end. */
int pb_session_check_outputs(struct pb_session *s, bool at_end);

/* session_settings.c */
/* The settings of section ("output.svg"), or NULL when none were set. */
const struct pb_config *pb_session_section(const struct pb_session *s, const char *section);
void pb_session_free_sections(struct pb_session *s);

/* encode.c */
/* The encoder of format ("svg", ".svg", "folded") and the plugin holding it, loading on demand. */
const struct pb_encoder *pb_encoder_find(struct pb_plugin_registry *reg, const char *format,
					 const struct pb_loaded_plugin **ret);
/* Every format an encoder writes, comma-separated, for messages. */
void pb_encoder_names(struct pb_plugin_registry *reg, char *buf, size_t len);
/* Encodes p into out with the plugin's session-wide settings; logs why it failed (any thread). */
int pb_session_encode(struct pb_session *s, const struct pb_profile *p, const char *format,
		      FILE *out);
/* Writes path whole (atomically; "-" is stdout) with encoder e. */
int pb_encode_file(const struct pb_host *host, const struct pb_encoder *e,
		   const struct pb_profile *p, const char *path, const struct pb_config *cfg);

/* session_drain.c */
int pb_session_drain(struct pb_session *s, struct pb_profile *into);
/*
 * Between drains, at most every period_ms: the side-band records read (new mappings, execs and
 * exits reach the unwinder), then what the next drain will need from live processes read now.
 */
void pb_session_tick(struct pb_session *s, uint64_t now_ns, uint32_t period_ms);

#endif
