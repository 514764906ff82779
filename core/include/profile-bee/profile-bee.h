/* SPDX-License-Identifier: MIT */
/* Public API of libprofilebee: the profile type every front end and output plugin shares. */
#ifndef PROFILE_BEE_H
#define PROFILE_BEE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PB_VERSION "0.1.0"

/*
 * A profile: interned frame names and stacks of frame ids with counts.
 * frames[0] of every stack is the process name (comm); then user frames root to leaf, then
 * kernel frames root to leaf, whose names end in "_[k]". The folded text format
 * ("comm;root;...;leaf count") is its canonical serialization.
 */
struct pb_profile;

/*
 * The deepest stack a profile holds, comm included. A deeper one keeps its root side and ends in
 * a PB_PROFILE_TRUNCATED frame (pb_profile__truncated counts them), so code copying a profile's
 * stacks can size its buffers with this.
 */
#define PB_PROFILE_MAX_DEPTH 4096
#define PB_PROFILE_TRUNCATED "[truncated]"

struct pb_stack {
	uint32_t pid;		/* 0 when unknown (e.g. read from a folded file) */
	uint32_t depth;		/* number of frame ids, comm included */
	uint64_t count;
	const uint32_t *frames; /* root first; frames[0] is the comm */
	/*
	 * The stack's label set (pb_profile__labels), 0 for none. pid and comm stay the fields
	 * above; labels hold the rest: container_id, pod_uid, cgroup, systemd_unit, user labels.
	 * Grows at the end like every public struct: read it through pb_profile__stack.
	 */
	uint32_t labels;
};

/*
 * One label: key and value, both NUL-terminated. A profile interns label sets; a stack holds
 * the id of one, so two stacks with the same frames and different labels stay apart (folded
 * output prints them as one line, as it does for pids).
 */
struct pb_label {
	const char *key;
	const char *value;
};
#define PB_PROFILE_MAX_LABELS 32 /* labels in one set */
#define PB_LABEL_MAX_LEN 1024	 /* bytes of one key or value */

struct pb_profile_meta {
	uint64_t start_ns;  /* CLOCK_REALTIME of the window start, 0 when unknown */
	uint64_t end_ns;    /* CLOCK_REALTIME of the window end, 0 when unknown */
	uint32_t frequency; /* sampling frequency in Hz, 0 when unknown */
	int32_t target_pid; /* the one profiled process, 0 for system-wide or several */
	char unwinder[32];
	char hostname[64];
	char comm[32];	    /* the target's name when target_pid != 0 */
	/*
	 * What the counts are: a PB_EVENT_* (0: on-CPU samples). Off-CPU and wall counts are
	 * microseconds (pb_profile__unit); folded text does not say, so a profile read from it
	 * is on-CPU unless the reader says otherwise (--off-cpu/--wall with --input).
	 */
	uint32_t event;
};

int pb_profile__new(struct pb_profile **ret);
void pb_profile__free(struct pb_profile *p);

/* Returns the id of name (interning it on first use), or -errno. */
int64_t pb_profile__intern(struct pb_profile *p, const char *name, size_t len);
/* The id of name if p has interned it, else -ENOENT (p unchanged). */
int64_t pb_profile__find(const struct pb_profile *p, const char *name, size_t len);
/*
 * Adds count samples of the stack frames[0..depth) (ids from pb_profile__intern). Stacks deeper
 * than PB_PROFILE_MAX_DEPTH are cut. The profile's total never passes UINT64_MAX (so no sum of
 * its stacks wraps): the part of a count that would is left out and counted.
 */
int pb_profile__add(struct pb_profile *p, uint32_t pid, const uint32_t *frames, uint32_t depth,
		    uint64_t count);
/*
 * The id of the label set labels[0..n) (any order; a later duplicate key wins), interned on
 * first use; 0 for an empty set. -EINVAL for an empty key or a NULL value, -E2BIG past
 * PB_PROFILE_MAX_LABELS labels or PB_LABEL_MAX_LEN bytes.
 */
int64_t pb_profile__intern_labels(struct pb_profile *p, const struct pb_label *labels, size_t n);
/* The labels of set id (sorted by key, valid while p lives) in *ret; their number. */
size_t pb_profile__labels(const struct pb_profile *p, uint32_t id, const struct pb_label **ret);
/* Label set ids run from 1 to this (0, the empty set, is never counted). */
size_t pb_profile__label_set_count(const struct pb_profile *p);
/* The value of key in label set id, or NULL. */
const char *pb_profile__label(const struct pb_profile *p, uint32_t id, const char *key);
/* pb_profile__add for a stack with the label set labels (a pb_profile__intern_labels id). */
int pb_profile__add_labeled(struct pb_profile *p, uint32_t pid, uint32_t labels,
			    const uint32_t *frames, uint32_t depth, uint64_t count);
/* Same as pb_profile__add with names instead of ids. */
int pb_profile__add_names(struct pb_profile *p, uint32_t pid, const char *const *names,
			  uint32_t depth, uint64_t count);
/*
 * Adds every stack of src to p (frame ids and label sets are re-interned). A p without
 * stacks takes src's event (meta.event); counts of another event (samples and microseconds)
 * do not add up: -EDOM, p unchanged.
 */
int pb_profile__merge(struct pb_profile *p, const struct pb_profile *src);
/* Adds st, a stack of src, to dst: its names and labels re-interned (what filters copy). */
int pb_profile__copy_stack(struct pb_profile *dst, const struct pb_profile *src,
			   const struct pb_stack *st);
/* The same with another label set: labels is an id of dst (pb_profile__intern_labels). */
int pb_profile__copy_stack_as(struct pb_profile *dst, const struct pb_profile *src,
			      const struct pb_stack *st, uint32_t labels);
/*
 * --group-by: a new profile (meta copied) whose stacks start with one frame per value of a
 * label, before the comm: by is "container" ("[container=ID]", the container_name label
 * when there is one), "pod" ("[pod=UID]", or pod_name), or "label:NAME" ("[NAME=VALUE]");
 * a stack without it gets "[no container]" etc. -EINVAL for any other by.
 */
int pb_profile__group_by(const struct pb_profile *p, const char *by, struct pb_profile **ret);
bool pb_profile__group_by_valid(const char *by);
/* A new profile (meta copied) whose every stack also carries add[0..n_add) (which win). */
int pb_profile__relabel(const struct pb_profile *p, const struct pb_label *add, size_t n_add,
			struct pb_profile **ret);
/* Drops from l[0..n) the labels whose key l[n..n+m) has too; returns the new count. */
size_t pb_profile__labels_merge(struct pb_label *l, size_t n, size_t m);
/*
 * The binary a frame's address lies in (pprof's and OTLP's mapping): the range it was mapped at
 * in its process, the file offset mapped at start, its path as the process saw it
 * ("[kernel.kallsyms]" for the kernel) and its GNU build id in hex ("" when unknown).
 */
struct pb_profile_mapping {
	uint64_t start, limit, offset;
	const char *path;
	const char *build_id;
};
/* The id (from 1) of mapping m in p, interned (strings copied) on first use; or -errno. */
int64_t pb_profile__intern_mapping(struct pb_profile *p, const struct pb_profile_mapping *m);
size_t pb_profile__mapping_count(const struct pb_profile *p);
/* Mapping id (1 .. count, valid while p lives), or NULL. */
const struct pb_profile_mapping *pb_profile__mapping(const struct pb_profile *p, uint32_t id);
/*
 * Frame id frame was seen at address (the pc; a return address less one) in mapping, an id of
 * p. A frame is a name and stacks are keyed by names (folded output is unchanged), so a name
 * seen at several addresses or in several binaries keeps the first: 0, or -EINVAL.
 */
int pb_profile__set_frame_site(struct pb_profile *p, uint32_t frame, uint32_t mapping,
			       uint64_t address);
/* frame's mapping id (0: none known) and address (address may be NULL). */
uint32_t pb_profile__frame_site(const struct pb_profile *p, uint32_t frame, uint64_t *address);
/* src_frame's site in src as frame's in dst (its mapping interned in dst), unless it has one. */
int pb_profile__copy_frame_site(struct pb_profile *dst, uint32_t frame,
				const struct pb_profile *src, uint32_t src_frame);
/* The event's name ("cpu", "off-cpu", "wall"; "events" for any other PB_EVENT_*). */
const char *pb_profile__event_name(uint32_t event);
/* The PB_EVENT_* named name (pb_profile__event_name), or -EINVAL. */
int pb_profile__event_parse(const char *name, uint32_t *event);
/* The unit of p's counts: "samples" (on-CPU), "microseconds" (off-CPU, wall) or "events". */
const char *pb_profile__unit(const struct pb_profile *p);
/* Removes every stack. Interned names and meta are kept. */
void pb_profile__clear(struct pb_profile *p);

size_t pb_profile__stack_count(const struct pb_profile *p);
const struct pb_stack *pb_profile__stack(const struct pb_profile *p, size_t i);
size_t pb_profile__frame_count(const struct pb_profile *p);
const char *pb_profile__frame_name(const struct pb_profile *p, uint32_t id);
uint64_t pb_profile__total(const struct pb_profile *p);
/* Stacks cut to PB_PROFILE_MAX_DEPTH, and adds cut at a total of UINT64_MAX, since new/clear. */
uint64_t pb_profile__truncated(const struct pb_profile *p);
uint64_t pb_profile__saturated(const struct pb_profile *p);
struct pb_profile_meta *pb_profile__meta(struct pb_profile *p);
const struct pb_profile_meta *pb_profile__meta_const(const struct pb_profile *p);

/*
 * Stack indices in folded order: sorted by frame names (byte order), stacks that print the
 * same (same names, different pids or labels) adjacent, then by pid and labels. Caller frees
 * the array.
 */
int pb_profile__sorted(const struct pb_profile *p, size_t **ret_order);

/* Writes the folded text: one line per distinct name sequence, sorted, deterministic. */
int pb_profile__write_folded(const struct pb_profile *p, FILE *f);

/* How pb_profile__write_format renders. Options grow at the end; sz first; zero = default. */
struct pb_render_opts {
	size_t sz;
	const char *settings;	 /* the output plugin's "key=value,..." */
	const char *plugin_path; /* extra plugin directories, ':'-separated */
};

/*
 * Writes p to out in any format an output plugin writes to files: "folded", "svg", "html",
 * "json", an out-of-tree plugin's format, or an extension (".svg"). opts may be NULL.
 * -EINVAL when no plugin writes that format to a file.
 */
int pb_profile__write_format(const struct pb_profile *p, const char *format, FILE *out,
			     const struct pb_render_opts *opts);

struct pb_folded_report {
	uint64_t lines;	      /* lines read */
	uint64_t malformed;   /* lines skipped */
	uint64_t first_bad[5]; /* line numbers of the first malformed lines */
};
/* The longest folded line read (bytes, newline excluded): a 4096-frame stack of 250-byte names. */
#define PB_FOLDED_MAX_LINE (1 << 20)
/*
 * Reads folded text into p. Malformed lines are skipped and counted in rep (may be NULL).
 * A line longer than PB_FOLDED_MAX_LINE stops the reading with -E2BIG (rep->lines is its
 * number); a read error is its -errno (-EISDIR for a directory).
 */
int pb_profile__read_folded(struct pb_profile *p, FILE *f, struct pb_folded_report *rep);
/* The message for pb_profile__read_folded's error err on path: "x:7: line longer ...". */
void pb_profile__read_error(const char *path, int err, const struct pb_folded_report *rep,
			    char *buf, size_t len);

/*
 * The format of a saved profile: "pprof" when its first byte is gzip's (0x1f) or its name ends
 * in .pb.gz, .pprof or .pb; else "folded". Peeks at f without consuming (f may be stdin).
 */
const char *pb_profile__input_format(const char *path, FILE *f);
/*
 * Reads f in format with the decoder of the plugin that encodes it (pprof: plugins/outputs/
 * pprof), into p. 0, or -errno with why saying what was wrong ("not gzip'd protobuf", "location
 * 7 of sample 3 is not in the profile", -EINVAL for a format nothing decodes). plugin_path:
 * extra plugin directories, or NULL.
 */
int pb_profile__read_format(struct pb_profile *p, const char *format, FILE *f,
			    const char *plugin_path, char *why, size_t len);

/* How much a message matters; messages above the chosen verbosity are dropped. */
enum pb_log_level {
	PB_LOG_ERROR = 0,
	PB_LOG_WARN = 1,
	PB_LOG_INFO = 2,
	PB_LOG_DEBUG = 3,
};
/*
 * Where an embedding program wants the library's messages: one line each, without the
 * "profile-bee: " prefix or a newline, already made safe (no control characters); who is the
 * plugin or part that speaks, or NULL. Called from the thread that logs.
 */
typedef void (*pb_log_fn)(void *ctx, enum pb_log_level level, const char *who, const char *msg);
/*
 * Messages not tied to a session (and those of sessions without their own pb_log_fn) go to fn;
 * NULL restores stderr. Set it before starting sessions.
 */
void pb_log__set_handler(pb_log_fn fn, void *ctx);

/*
 * A profiling session: the one code path behind the CLI, Lua scripts and the agent.
 * Options grow at the end; sz first; zero means "default" for every field.
 */
struct pb_session;

struct pb_session_opts {
	size_t sz;
	uint32_t frequency;	     /* Hz; default 99 */
	uint64_t duration_ms;	     /* 0: until stopped, or until the targets exit */
	uint32_t window_ms;	     /* windowed outputs get a window this often; 0: one window */
	bool user_only;		     /* -U */
	bool kernel_only;	     /* -K */
	bool idle;		     /* -I: keep samples of idle CPUs */
	bool one_cpu;		     /* -C: sample only cpu */
	uint32_t cpu;
	const uint32_t *pids;	     /* -p: these processes, their threads and children */
	size_t n_pids;
	const char *const *command;  /* start this command (NULL-terminated argv) and profile it */
	bool command_stdout_to_stderr; /* keep stdout for the profile */
	const char *unwinder;	     /* default "fp" */
	const char *plugin_path;     /* extra plugin directories, ':'-separated */
	uint32_t stack_storage_size; /* default 16384 */
	uint32_t hash_storage_size;  /* default 40960 */
	bool quiet;		     /* no lost-stack summary on stderr */
	/*
	 * Output failures (with what the plugin said) go to pb_session__strerror instead of
	 * stderr, and the call returns the real -errno (EROFS, not EIO): for callers that report
	 * errors themselves (Lua's p:write, pb_profile__write_format).
	 */
	bool errors_to_caller;
	/* Every message of this session and its plugins goes here instead of stderr. */
	pb_log_fn log;
	void *log_ctx;
	/*
	 * Bytes the symbol caches may hold before the least recently used binaries go ([profile]
	 * cache-mb); 0: the default (16 MiB), UINT64_MAX: no cap.
	 */
	uint64_t cache_bytes;
	/*
	 * Labels every stack carries (--label, [labels]), copied; with the labels the session
	 * finds itself (container_id, pod_uid, cgroup, systemd_unit), theirs win on a clash.
	 */
	const struct pb_label *labels;
	size_t n_labels;
	/* --group-by: "container", "pod" or "label:NAME" (pb_profile__group_by); NULL: none. */
	const char *group_by;
	/* CPython frames: PB_PYTHON_AUTO (0), PB_PYTHON_OFF, PB_PYTHON_ONLY (plugin.h). */
	uint32_t python;
	/*
	 * --inline: an address in inlined code gives the inlined functions as frames too (caller
	 * first); --lines: frames read "func (file.c:123)". Both from DWARF through libdw.
	 */
	bool inline_frames;
	bool lines;
	/*
	 * Views (--per-thread, --per-cpu). per_thread: the root frame is the process's name and
	 * "[tid N NAME]" (the thread's id and name) follows it; per_cpu: "[cpu N]" comes before
	 * the root frame. The stacks carry them as labels too: tid, thread_name, cpu.
	 */
	bool per_thread;
	bool per_cpu;
	/*
	 * --cgroup: only processes in these cgroup v2 directories or below them, comma-separated,
	 * absolute or relative to the v2 mount (at most PB_MAX_CGROUPS); filtered in BPF before
	 * any stack is walked. NULL: every process (or those of -p).
	 */
	const char *cgroups;
	/*
	 * What is counted: PB_EVENT_CPU (0, on-CPU samples), PB_EVENT_OFF_CPU (--off-cpu: time off
	 * CPU from sched_switch) or PB_EVENT_WALL (--wall: both, under "[on-cpu]" / "[off-cpu]"
	 * root frames); the last two count microseconds. Off-CPU blocks counted: threads in a
	 * state of offcpu_states (PB_OFFCPU_*, 0: all), lasting min_block_us to max_block_us
	 * (0: no limit). Every unwinder but perf counts off-CPU time.
	 */
	uint32_t event;
	uint32_t offcpu_states;
	uint64_t min_block_us;
	uint64_t max_block_us;
	/*
	 * -e: what counts stacks instead of the CPU timer, ','-separated: a perf event
	 * ("page-faults", "cycles") and/or probes ("kprobe:vfs_read", "uprobe:PATH:GLOB",
	 * "tracepoint:CAT:NAME", "usdt:PATH:PROVIDER:NAME"); profile-bee --list-events lists them.
	 * NULL or "": the CPU timer at frequency. Checked by pb_session__check and __start.
	 */
	const char *events;
	/* --period: sample every period-th event of the -e perf event; 0: its default. */
	uint64_t period;
};

/* What a session counts (pb_session_opts.event). */
#define PB_EVENT_CPU	 0 /* on-CPU samples of perf timers (-F) */
#define PB_EVENT_OFF_CPU 1 /* microseconds off CPU, from sched_switch; no timers */
#define PB_EVENT_WALL	 2 /* both, in microseconds: a sample is worth 1e6 / frequency */
/* In pb_profile_meta.event only: -e's perf events or probe hits, one count each ("events"). */
#define PB_EVENT_PROBES	 3
/* The states of a thread leaving the CPU that off-CPU time is counted for (a mask, --state). */
#define PB_OFFCPU_RUNNABLE	  (1u << 0) /* preempted or yielded: it still wants a CPU */
#define PB_OFFCPU_INTERRUPTIBLE	  (1u << 1) /* sleeping: nanosleep, read, poll, futex ... */
#define PB_OFFCPU_UNINTERRUPTIBLE (1u << 2) /* sleeping in the kernel: disk I/O, some locks */
#define PB_OFFCPU_STATES_ALL	  7u
/* A wall-clock profile's root frames: time on CPU and time off it. */
#define PB_FRAME_ON_CPU	 "[on-cpu]"
#define PB_FRAME_OFF_CPU "[off-cpu]"

int pb_session__new(const struct pb_session_opts *opts, struct pb_session **ret);
/* What pb_session_opts.events takes (profile-bee --list-events): perf events, probe forms. */
void pb_session__list_events(FILE *out);
/*
 * Whether specs have the form of pb_session_opts.events: known perf event names and probes of
 * a known kind. Whether those exist is checked by pb_session__check and __start.
 */
bool pb_session__events_form(const char *specs);
void pb_session__free(struct pb_session *s);
/* The last error's message ("no process with pid 42"), or "" */
const char *pb_session__strerror(const struct pb_session *s);

/*
 * Adds an output: target is an -o value (a path whose extension picks the plugin, "-" for
 * folded on stdout, a URL, or a plugin's format name); settings are "key=value,..." or NULL.
 */
int pb_session__add_output(struct pb_session *s, const char *target, const char *settings);

/* One plugin setting; values may hold any character, commas included. */
struct pb_setting {
	const char *key;
	const char *value;
};
/* pb_session__add_output with the settings as n key/value pairs. */
int pb_session__add_output_settings(struct pb_session *s, const char *target,
				    const struct pb_setting *settings, size_t n);
/*
 * A setting for every output of a plugin (section "output.svg") or for an unwinder
 * ("unwinder.dwarf"), checked now against the plugin's key table: -ENOENT for an unknown
 * section, plugin or key, -EINVAL for a bad value, with pb_session__strerror saying why. It
 * reaches outputs added afterwards (their own settings win) and the unwinder at start; a later
 * call for the same key wins.
 */
int pb_session__set(struct pb_session *s, const char *section, const char *key,
		    const char *value);

/*
 * Writes p to out in format ("svg", ".svg", "folded", a plugin's) with that format's encoder and
 * the settings the session holds for its plugin (pb_session__set, INI sections): the bytes -o
 * would write. -EINVAL for a format no plugin encodes (pb_session__strerror names the known
 * ones when errors_to_caller is set; else it is logged).
 */
int pb_session__encode(struct pb_session *s, const struct pb_profile *p, const char *format,
		       FILE *out);

/* Runs the whole session: start, sample until the end, write every output. */
int pb_session__run(struct pb_session *s);
/* Ends the session early (async-signal-safe): outputs are still written. */
void pb_session__stop(struct pb_session *s);

/* The steps of pb_session__run, for callers that want windows themselves. */
int pb_session__start(struct pb_session *s);
/* Waits up to timeout_ms for work; returns 1 once the session should end, 0, or -errno. */
int pb_session__poll(struct pb_session *s, int timeout_ms);
/* The stacks since the last snapshot, as a new profile the caller frees. */
int pb_session__snapshot(struct pb_session *s, struct pb_profile **ret);
/* Final drain, outputs written and closed, lost-stack summary. */
int pb_session__finish(struct pb_session *s);
/*
 * Between windows of a started session: pause disables the perf events (no samples, no BPF
 * runs) while BPF, BTF, the process table and every cache stay; resume enables them again.
 * A snapshot taken after pause holds exactly the samples since the previous snapshot, and the
 * next window starts at resume. 0 or -errno (-EINVAL before start or after finish).
 */
int pb_session__pause(struct pb_session *s);
int pb_session__resume(struct pb_session *s);
bool pb_session__paused(const struct pb_session *s);
/*
 * Hands a snapshot to the session's outputs as their next window (PB_WRITE_LAST when last);
 * outputs that take one whole profile get it only when last. The whole-run profile
 * (pb_session__profile) is left alone. -EIO, or the output's error, when one failed.
 */
int pb_session__write_window(struct pb_session *s, const struct pb_profile *window, bool last);

/* The command's wait status-derived exit code (128+signal when killed), or -1. */
int pb_session__command_status(const struct pb_session *s);
/*
 * Every stack of the session so far, kept when an output takes the whole profile or the session
 * has no outputs; a session whose outputs are all windowed keeps none (only the metadata).
 */
const struct pb_profile *pb_session__profile(const struct pb_session *s);

/*
 * Writing files whole: output goes to a temporary file beside path that replaces path only on
 * commit, so a reader never sees half a profile and a failed run leaves the old file alone.
 * path "-" writes to stdout directly.
 */
struct pb_atomic_file {
	FILE *f;
	char *path;
	char *tmp_path; /* NULL for stdout */
};
int pb_atomic_file__open(const char *path, struct pb_atomic_file *af);
int pb_atomic_file__commit(struct pb_atomic_file *af); /* flush, fsync, rename; -errno */
void pb_atomic_file__abort(struct pb_atomic_file *af); /* accepts a never-opened (zeroed) af */
/*
 * Removes the temporary files of every atomic file still open in this process. Safe in a
 * signal handler: call it before dying of a signal so an interrupted write leaves nothing.
 */
void pb_atomic_file__remove_pending(void);

/* Session setup helpers for front ends. */
/* Checks that the chosen unwinder exists; -ENOENT with pb_session__strerror set otherwise. */
int pb_session__check(struct pb_session *s);
/* Offline: writes p (e.g. read with --input) to every output and closes them. */
int pb_session__write(struct pb_session *s, const struct pb_profile *p);
/* Prints every plugin found (kind, name, description, settings) to out. */
int pb_plugin__list_all(FILE *out, const char *plugin_path);
/* 0 errors only ... 3 debug; the default is 1 (warnings). */
void pb_log__set_level(int level);

#ifdef __cplusplus
}
#endif
#endif
