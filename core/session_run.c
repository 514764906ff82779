// SPDX-License-Identifier: MIT
/* Running a session: checks, loading the unwinder, attaching, the wait loop and the last write. */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "session_internal.h"
#include "symbolize/debuginfod.h"
#include "symbolize/perfmap.h"
#include "system_check.h"

/* Without windowed outputs the maps are still emptied this often, so they rarely fill. */
#define BACKGROUND_DRAIN_MS 1000
/* New mappings reach the process table (and the unwinder) at least this often. */
#define SIDEBAND_POLL_MS 100

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void on_mapping(void *ctx, uint32_t pid, const struct pb_mapping *m)
{
	struct pb_session *s = ctx;
	const struct pb_unwinder_ops *ops = s->unwinder->desc->unwinder;

	if (PB_OPTIONAL_OP(ops, on_mapping) && s->unwinder_state)
		ops->on_mapping(s->unwinder_state, pid, m);
}

static void on_exit_cb(void *ctx, uint32_t pid)
{
	struct pb_session *s = ctx;
	const struct pb_unwinder_ops *ops = s->unwinder->desc->unwinder;

	if (PB_OPTIONAL_OP(ops, on_exit) && s->unwinder_state)
		ops->on_exit(s->unwinder_state, pid);
	pb_symbolizer__forget_pid(s->symbolizer, pid);
}

/*
 * A new program: its old image is gone as if the process had exited (the unwinder drops the
 * old mappings and the tables they held), and it writes a new perf map.
 */
static void on_exec_cb(void *ctx, uint32_t pid)
{
	on_exit_cb(ctx, pid);
}

/* Perf map lines and jitdump records the symbolizer could not use: said at the end, like lost stacks. */
static void count_perfmap_lost(struct pb_session *s)
{
	struct pb_perfmap_stats st;

	pb_symbolizer__perfmap_stats(s->symbolizer, &st);
	pb_session_count_lost(s, "perf-map lines or jitdump records malformed or too long", st.malformed + st.too_long,
			      "JIT frames they name show [unknown]");
	pb_session_count_lost(s, "perf-map lines or jitdump records past the per-process limit", st.limited,
			      "1M entries, 64 MiB of map or 512 MiB of dump per process");
}

/* The symbol cache's cap bit: binaries were dropped and read again. Said like lost stacks. */
static void report_cache(struct pb_session *s)
{
	struct pb_symbolizer_cache_stats st;

	pb_symbolizer__cache_stats(s->symbolizer, &st);
	pb_session_log(s, PB_LOG_DEBUG, "symbol caches: %zu KiB (peak %zu KiB), %llu evictions",
		       st.bytes >> 10, st.peak >> 10, (unsigned long long)st.evictions);
	if (st.evictions && !s->opts.quiet)
		pb_session_log(s, PB_LOG_WARN,
			       "symbol cache evictions: %llu (over cache-mb %g in %llu windows, "
			       "%llu of them by what one window used; try --set "
			       "profile.cache-mb=%g)",
			       (unsigned long long)st.evictions, s->opts.cache_bytes / 1048576.0,
			       (unsigned long long)st.trims, (unsigned long long)st.over,
			       s->opts.cache_bytes / 1048576.0 * 2);
}

/* Frames without a name, by cause and binary: one line at the end, like lost stacks. */
static void report_unnamed(struct pb_session *s)
{
	struct pb_dinfod_stats st;
	char line[1024];

	if (s->symbolizer && !pb_symbolizer__debuginfod_stats(s->symbolizer, &st)) {
		pb_session_log(s, PB_LOG_DEBUG,
			       "debuginfod: %llu debug files fetched, %llu not found, %llu pending",
			       (unsigned long long)st.fetched, (unsigned long long)st.not_found,
			       (unsigned long long)st.pending);
		/* A server down is one line, however many binaries wanted it. */
		if (st.error[0] && !s->opts.quiet)
			pb_session_log(s, PB_LOG_WARN,
				       "debuginfod failed: %s (%llu build ids not fetched)",
				       st.error, (unsigned long long)st.failed);
	}

	/* Off-CPU and wall stacks count microseconds: a frame's number would pass for frames. */
	if (s->symbolizer && (s->opts.event == PB_EVENT_OFF_CPU || s->opts.event == PB_EVENT_WALL))
		pb_symbolizer__unnamed_weight(s->symbolizer, s->opts.event == PB_EVENT_WALL
								 ? "wall-clock time"
								 : "off-CPU time");
	if (s->symbolizer && !s->opts.quiet &&
	    pb_symbolizer__unnamed_summary(s->symbolizer, line, sizeof(line)))
		pb_session_log(s, PB_LOG_WARN, "%s", line);
}

int pb_session_find_unwinder(struct pb_session *s)
{
	char names[256];

	s->unwinder = pb_plugin_registry__find(s->registry, PB_PLUGIN_UNWINDER, s->unwinder_name);
	if (s->unwinder)
		return 0;
	pb_plugin_registry__names(s->registry, PB_PLUGIN_UNWINDER, false, names, sizeof(names));
	return pb_session_fail(s, ENOENT, "unknown unwinder '%s' (available: %s)", s->unwinder_name,
			       names);
}

/* BPF needs privileges and BTF; an unwinder with its own perf events, perf_event_paranoid. */
static int check_system(struct pb_session *s)
{
	char why[512];
	int err = pb_session_own_events(s) ? pb_check_perf_self(why, sizeof(why))
					   : pb_check_system(why, sizeof(why));

	return err ? pb_session_fail(s, err, "%s", why) : 0;
}

static int open_unwinder(struct pb_session *s)
{
	char why[256];
	int err;

	snprintf(why, sizeof(why), "unwinder.%s", s->unwinder_name);
	err = pb_config__new_for(s->unwinder->desc, &s->unwinder_cfg);
	if (!err)
		err = pb_config__copy(s->unwinder_cfg, pb_session_section(s, why), why, sizeof(why));
	if (err)
		return err == -ENOMEM ? err : pb_session_fail(s, err, "%s", why);
	s->params = (struct pb_sample_params){
		.sz = sizeof(s->params),
		.frequency = s->opts.frequency,
		.user = !s->opts.kernel_only,
		.kernel = !s->opts.user_only,
		.idle = s->opts.idle,
		.cpu = s->opts.one_cpu ? (int)s->opts.cpu : -1,
		.filter_pids = s->opts.n_pids > 0 || s->command,
		.stack_storage_size = s->opts.stack_storage_size,
		.hash_storage_size = s->opts.hash_storage_size,
		.python = s->opts.python,
		.per_thread = s->opts.per_thread,
		.per_cpu = s->opts.per_cpu,
		.cgroups = s->n_cgroups ? s->cgroup_ptrs : NULL,
		.n_cgroups = s->n_cgroups,
		.event = s->opts.event,
		.offcpu_states = s->opts.offcpu_states ?: PB_OFFCPU_STATES_ALL,
		.min_block_us = s->opts.min_block_us,
		.max_block_us = s->opts.max_block_us,
	};
	pb_session_event_params(s);
	/* The unwinder's own reason becomes the one message ("needs bpf_loop (Linux 5.17 ..."). */
	pb_session_capture_begin(s);
	err = s->unwinder->desc->unwinder->open(&s->host, &s->params, s->unwinder_cfg,
						&s->unwinder_state);
	snprintf(s->unwinder_error, sizeof(s->unwinder_error), "%s",
		 pb_session_capture_end(s, err));
	if (err)
		return pb_session_fail(s, err, "cannot load the '%s' unwinder: %s", s->unwinder_name,
				       s->unwinder_error);
	if (s->captured[0]) /* reported, yet it opened: still worth seeing */
		pb_log(PB_LOG_ERROR, "%s: %s", s->unwinder_name, s->captured);
	return 0;
}

int pb_session_load_unwinder(struct pb_session *s)
{
	return pb_session_find_unwinder(s) ?: check_system(s) ?: open_unwinder(s);
}

static int watch_sources(struct pb_session *s)
{
	const struct pb_unwinder_ops *ops = s->unwinder->desc->unwinder;
	int fds[256], n, err;

	if ((err = pb_session_watch_fd(s, s->stop_fd)))
		return err;
	n = pb_proctab__poll_fds(s->proctab, fds, 256);
	for (int i = 0; i < n; i++)
		if ((err = pb_session_watch_fd(s, fds[i])))
			return err;
	if (PB_OPTIONAL_OP(ops, poll_fd) && PB_OPTIONAL_OP(ops, consume))
		return pb_session_watch_fd(s, ops->poll_fd(s->unwinder_state));
	return 0;
}

static void fill_meta(struct pb_session *s, struct pb_profile *p, uint64_t start, uint64_t end)
{
	struct pb_profile_meta *m = pb_profile__meta(p);
	uint32_t target = s->opts.n_pids == 1 && !s->command ? s->pids[0] : 0;
	const char *comm;

	if (s->command && !s->opts.n_pids)
		target = s->child_pid_for_meta;
	m->start_ns = start;
	m->end_ns = end;
	m->frequency = s->opts.frequency;
	m->event = s->events_spec ? PB_EVENT_PROBES : s->opts.event;
	m->target_pid = target;
	snprintf(m->unwinder, sizeof(m->unwinder), "%s", s->unwinder_name);
	gethostname(m->hostname, sizeof(m->hostname) - 1);
	comm = target && s->proctab ? pb_proctab__comm(s->proctab, target) : NULL;
	/* Once the target exited the process table forgets its name: windows keep the last known. */
	if (comm)
		snprintf(s->target_comm, sizeof(s->target_comm), "%s", comm);
	snprintf(m->comm, sizeof(m->comm), "%s", s->target_comm);
}

int pb_session__start(struct pb_session *s)
{
	struct pb_proctab_callbacks cb = { .on_mapping = on_mapping, .on_exit = on_exit_cb,
					   .on_exec = on_exec_cb, .ctx = s };
	const struct pb_unwinder_ops *ops;
	int err;

	if (s->started)
		return -EALREADY;
	s->started = true;
	if ((err = pb_session_check_outputs(s, false)))
		return err;
	if ((err = pb_session_find_unwinder(s)) || (err = pb_session_check_own_events(s)) ||
	    (err = pb_session_check_cgroups(s)) || (err = pb_session_check_event(s)) ||
	    (err = pb_session_resolve_events(s)) || (err = check_system(s)) ||
	    (err = open_unwinder(s)))
		return err;
	ops = s->unwinder->desc->unwinder;
	s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epoll_fd < 0)
		return -errno;
	if ((err = pb_symbolizer__new(&s->symbolizer)))
		return err;
	if (s->opts.cache_bytes != UINT64_MAX)
		pb_symbolizer__set_cap(s->symbolizer, s->opts.cache_bytes);
	pb_symbolizer__set_source(s->symbolizer, s->opts.inline_frames, s->opts.lines);
	/* $DEBUGINFOD_URLS (--debuginfod sets it): stripped binaries' debug files by build id. */
	err = pb_symbolizer__use_debuginfod(s->symbolizer, NULL);
	if (err && err != -ENOENT)
		pb_session_log(s, PB_LOG_WARN, "debuginfod off: %s", strerror(-err));
	err = pb_proctab__new(!s->params.filter_pids, &cb, &s->proctab);
	if (err)
		return pb_session_fail(s, err, "cannot track processes: %s", strerror(-err));
	if ((err = pb_session_skip_own_thread(s)) || (err = pb_session_open_targets(s)))
		return err;
	s->child_pid_for_meta = s->child;
	/* An unwinder with its own events opened them in add_pid, on the targets' threads. */
	/* Off-CPU time alone comes from sched_switch: no timers. */
	if (!pb_session_own_events(s) && s->opts.event != PB_EVENT_OFF_CPU &&
	    (err = pb_session_open_events(s)))
		return err;
	err = ops->attach(s->unwinder_state, s->events ? s->events->fds : NULL,
			  s->events ? s->events->n : 0);
	if (err)
		return pb_session_fail(s, err, "cannot attach the '%s' unwinder: %s",
				       s->unwinder_name, strerror(-err));
	if ((err = watch_sources(s)))
		return err;
	s->start_mono_ns = clock_ns(CLOCK_MONOTONIC);
	s->window_start_ns = clock_ns(CLOCK_REALTIME);
	s->last_drain_ns = s->start_mono_ns;
	/*
	 * Loading BPF parsed the kernel's BTF (megabytes) and freed it; give that memory back now
	 * instead of carrying it as resident for the whole (maybe days long) session.
	 */
	malloc_trim(0);
	if (s->child) {
		/*
		 * Returns once the command has exec'd (or failed to): only then do its mappings
		 * mean the program's, not ours (an unwinder would build tables for all of ours).
		 */
		if ((err = pb_session_release_command(s)) ||
		    (err = pb_session_track_target(s, s->child)))
			return err;
	}
	fill_meta(s, s->total, s->window_start_ns, 0);
	return 0;
}

static bool session_over(struct pb_session *s, uint64_t now)
{
	bool had_targets = s->opts.n_pids || s->command;

	if (s->stop_requested)
		return true;
	if (had_targets && s->live_targets == 0)
		return true;
	return s->opts.duration_ms && now - s->start_mono_ns >= s->opts.duration_ms * 1000000ull;
}

/*
 * Empties the BPF maps into the window being collected without ending it: long windows
 * (--flush-interval 60) then need maps sized for a second of distinct stacks, not a minute.
 */
static int drain_into_window(struct pb_session *s)
{
	int err = s->pending ? 0 : pb_profile__new(&s->pending);

	if (!err)
		err = pb_session_drain(s, s->pending);
	s->last_drain_ns = clock_ns(CLOCK_MONOTONIC);
	return err;
}

int pb_session__poll(struct pb_session *s, int timeout_ms)
{
	const struct pb_unwinder_ops *ops = s->unwinder->desc->unwinder;
	uint64_t now = clock_ns(CLOCK_MONOTONIC);
	struct epoll_event evs[16];
	int n;

	if (session_over(s, now))
		return 1;
	/* Callers that take their own windows (the agent) need the maps emptied just as often. */
	if (!s->paused && now - s->last_drain_ns >= BACKGROUND_DRAIN_MS * 1000000ull) {
		int err = drain_into_window(s);

		if (err)
			return err;
	}
	if (s->opts.duration_ms) {
		uint64_t end = s->start_mono_ns + s->opts.duration_ms * 1000000ull;
		int left = (end - now + 999999) / 1000000;

		if (timeout_ms < 0 || left < timeout_ms)
			timeout_ms = left;
	}
	/*
	 * The side-band rings only wake us when a quarter full; unwinders that build tables from
	 * new mappings (dwarf) want exec and dlopen within a fraction of a second.
	 */
	if (timeout_ms < 0 || timeout_ms > SIDEBAND_POLL_MS)
		timeout_ms = SIDEBAND_POLL_MS;
	n = epoll_wait(s->epoll_fd, evs, 16, timeout_ms);
	pb_session_tick(s, clock_ns(CLOCK_MONOTONIC), SIDEBAND_POLL_MS);
	if (n < 0 && errno != EINTR)
		return -errno;
	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;

		if (fd == s->stop_fd)
			continue; /* the flag says it all */
		if (pb_session_is_target_fd(s, fd))
			pb_session_target_exited(s, fd);
		else if (PB_OPTIONAL_OP(ops, poll_fd) && PB_OPTIONAL_OP(ops, consume) &&
			 fd == ops->poll_fd(s->unwinder_state))
			ops->consume(s->unwinder_state);
		else
			pb_proctab__consume(s->proctab);
	}
	return session_over(s, clock_ns(CLOCK_MONOTONIC));
}

int pb_session__snapshot(struct pb_session *s, struct pb_profile **ret)
{
	/* The window holds what earlier drains of it collected, and what is in the maps now. */
	struct pb_profile *p = s->pending;
	uint64_t end = clock_ns(CLOCK_REALTIME);
	int err = p ? 0 : pb_profile__new(&p);

	if (err)
		return err;
	s->pending = NULL;
	err = pb_session_drain(s, p);
	if (err) {
		pb_profile__free(p);
		return err;
	}
	fill_meta(s, p, s->window_start_ns, end);
	s->window_start_ns = end;
	s->snapshot_paused = s->paused;
	s->last_drain_ns = clock_ns(CLOCK_MONOTONIC);
	*ret = p;
	return 0;
}

/* Takes the window since the last one to windowed outputs (and into the whole-run profile). */
static int next_window(struct pb_session *s, bool last)
{
	struct pb_profile *w;
	int err = pb_session__snapshot(s, &w);

	if (err)
		return err;
	if (pb_session_wants_whole(s))
		err = pb_profile__merge(s->total, w);
	pb_profile__meta(s->total)->end_ns = pb_profile__meta(w)->end_ns;
	if (!err && (last || pb_session_wants_windows(s)))
		err = pb_session_write_window(s, w, s->total, last);
	pb_profile__free(w);
	return err;
}

int pb_session__finish(struct pb_session *s)
{
	int err = 0;

	if (s->finished)
		return 0;
	s->finished = true;
	/* Stop new samples so the last drain holds everything up to now. */
	if (s->unwinder_state) {
		pb_session_set_sampling(s, false);
		err = next_window(s, true);
	}
	pb_session_count_lost(s, "mapping records dropped", pb_proctab__lost(s->proctab),
			      "fewer short-lived processes; their frames may show [unknown]");
	if (s->symbolizer) {
		count_perfmap_lost(s);
		report_cache(s);
	}
	pb_session_stop_sampling(s);
	pb_session_reap_command(s, true);
	pb_session_close_outputs(s);
	pb_session_report_lost(s);
	report_unnamed(s);
	if (!err && s->window_write_failures)
		err = pb_session_fail(s, EIO, "%" PRIu64 " per-window file%s could not be written "
				      "(see above)", s->window_write_failures,
				      s->window_write_failures > 1 ? "s" : "");
	return err ? err : pb_session_check_outputs(s, true);
}

int pb_session__run(struct pb_session *s)
{
	uint64_t window_ns = (s->opts.window_ms ? s->opts.window_ms : BACKGROUND_DRAIN_MS) * 1000000ull;
	uint64_t drain_ns = window_ns < BACKGROUND_DRAIN_MS * 1000000ull ? window_ns
								 : BACKGROUND_DRAIN_MS * 1000000ull;
	int err = pb_session__start(s), done = 0, fin;
	uint64_t window_start = s->start_mono_ns;

	if (err)
		return err;
	while (!err && !done) {
		uint64_t now = clock_ns(CLOCK_MONOTONIC);
		uint64_t due = s->last_drain_ns + drain_ns;

		/*
		 * Checked on every turn, not only when the loop waits: windows that take longer
		 * to write than they last would otherwise keep it busy past -d and every signal.
		 */
		if (session_over(s, now))
			break;
		if (now >= window_start + window_ns) {
			window_start = now;
			err = next_window(s, false);
			continue;
		}
		if (now >= due) {
			err = drain_into_window(s);
			continue;
		}
		if (due > window_start + window_ns)
			due = window_start + window_ns;
		done = pb_session__poll(s, (due - now) / 1000000 + 1);
		if (done < 0)
			err = done;
	}
	fin = pb_session__finish(s);
	return err ? err : fin;
}
