// SPDX-License-Identifier: MIT
/* Front ends that choose their own windows: pause and resume sampling, hand snapshots to outputs. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <linux/perf_event.h>

#include "session_internal.h"

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Every event or none: a half-paused session would sample some CPUs and not others. */
int pb_session_set_sampling(struct pb_session *s, bool on)
{
	const struct pb_unwinder_ops *ops = s->unwinder->desc->unwinder;
	unsigned long req = on ? PERF_EVENT_IOC_ENABLE : PERF_EVENT_IOC_DISABLE;
	int err;

	/* An unwinder with its own events (the perf unwinder: one per thread) switches them. */
	if (pb_session_own_events(s))
		return PB_OPTIONAL_OP(ops, set_enabled) ? ops->set_enabled(s->unwinder_state, on)
							: -EOPNOTSUPP;
	/*
	 * Off-CPU counting (sched_switch) and -e probes are the unwinder's to switch, besides the
	 * timers (probes: ABI 2.7).
	 */
	if ((s->opts.event != PB_EVENT_CPU || s->params.n_probes) &&
	    PB_OPTIONAL_OP(ops, set_enabled) && (err = ops->set_enabled(s->unwinder_state, on)))
		return err;
	for (int i = 0; s->events && i < s->events->n; i++) {
		if (ioctl(s->events->fds[i], req, 0)) {
			err = -errno;

			while (i-- > 0)
				ioctl(s->events->fds[i], on ? PERF_EVENT_IOC_DISABLE
							    : PERF_EVENT_IOC_ENABLE, 0);
			return err;
		}
	}
	return 0;
}

int pb_session__pause(struct pb_session *s)
{
	int err;

	if (!s || !s->started || s->finished || !s->unwinder_state)
		return -EINVAL;
	if (s->paused)
		return 0;
	/*
	 * PERF_EVENT_IOC_DISABLE returns once the event is off on its CPU (an IPI there), so no
	 * BPF run is still counting when the caller's next snapshot drains the maps.
	 */
	if ((err = pb_session_set_sampling(s, false)))
		return pb_session_fail(s, err, "cannot pause sampling: %s", strerror(-err));
	s->paused = true;
	return 0;
}

int pb_session__resume(struct pb_session *s)
{
	int err;

	if (!s || !s->started || s->finished || !s->unwinder_state)
		return -EINVAL;
	if (!s->paused)
		return 0;
	/* Mappings made while paused reach the process table (and dwarf's tables) first. */
	pb_proctab__consume(s->proctab);
	if ((err = pb_session_set_sampling(s, true)))
		return pb_session_fail(s, err, "cannot resume sampling: %s", strerror(-err));
	s->paused = false;
	s->last_drain_ns = clock_ns(CLOCK_MONOTONIC);
	/* A window whose snapshot was taken while paused starts now, not at that snapshot. */
	if (s->snapshot_paused)
		s->window_start_ns = clock_ns(CLOCK_REALTIME);
	s->snapshot_paused = false;
	return 0;
}

bool pb_session__paused(const struct pb_session *s)
{
	return s && s->paused;
}

int pb_session__write_window(struct pb_session *s, const struct pb_profile *window, bool last)
{
	/*
	 * A long-lived output (S3, a push queue) that failed one window gets the next one: the
	 * store may be back, and its own queue or spool decides what to retry.
	 */
	for (size_t i = 0; i < s->n_outputs; i++)
		s->outputs[i].failed = false;
	return pb_session_write_window(s, window, window, last);
}
