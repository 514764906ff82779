// SPDX-License-Identifier: MIT
/* The embeddable agent: options, outputs, the reporter, and the thread that runs the windows. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent_internal.h"
#include "sampling/events.h"
#include "core_settings.h"
#include "labels.h"
#include "log.h"

#define DEFAULT_DURATION_MS 60000
/* The shortest window: below it a window is mostly the cost of draining and naming it. */
#define PB_AGENT_MIN_WINDOW_MS 50u
#define DEFAULT_INTERVAL_MS 300000

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

int pb_agent_fail(struct pb_agent *a, int err, const char *fmt, ...)
{
	va_list ap;

	/* The application prints or logs it: as safe as one of our log lines. */
	va_start(ap, fmt);
	pb_vformat_escaped(a->error, sizeof(a->error), fmt, ap);
	va_end(ap);
	return err < 0 ? err : -err;
}

static int init_sync(struct pb_agent *a)
{
	pthread_condattr_t attr;
	int err;

	if ((err = pthread_condattr_init(&attr)))
		return -err;
	/* Sleeps between windows must not stretch or shrink when the wall clock is set. */
	err = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (!err)
		err = pthread_cond_init(&a->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (err)
		return -err;
	if ((err = pthread_mutex_init(&a->lock, NULL))) {
		pthread_cond_destroy(&a->wake);
		return -err;
	}
	return 0;
}

/* [profile] event and state from opts, checked against their keys; false: a bad value. */
static bool offcpu_opts(struct pb_agent *a, const struct pb_agent_opts *opts)
{
	char why[256];

	if ((opts->event &&
	     pb_core_settings_check("profile", "event", opts->event, why, sizeof(why))) ||
	    (opts->offcpu_state &&
	     pb_core_settings_check("profile", "state", opts->offcpu_state, why, sizeof(why))))
		return false;
	a->event = pb_core_event(opts->event);
	a->offcpu_states = pb_core_offcpu_states(opts->offcpu_state);
	return true;
}

int pb_agent__new(const struct pb_agent_opts *opts, struct pb_agent **ret)
{
	struct pb_core_settings def;
	struct pb_agent *a;
	bool bad_event;
	int err;

	if (!opts || !ret || opts->sz < sizeof(size_t))
		return -EINVAL;
	if (!(a = calloc(1, sizeof(*a))))
		return -ENOMEM;
	memcpy(&a->opts, opts, opts->sz < sizeof(a->opts) ? opts->sz : sizeof(a->opts));
	a->opts.sz = sizeof(a->opts);
	if (!a->opts.duration_ms)
		a->opts.duration_ms = DEFAULT_DURATION_MS;
	if (!a->opts.interval_ms)
		a->opts.interval_ms = DEFAULT_INTERVAL_MS;
	if (a->opts.user_only && a->opts.kernel_only) {
		free(a);
		return -EINVAL;
	}
	/* The caller's strings and arrays may be gone by the time a window needs them. */
	pb_core_settings_defaults(&def);
	a->unwinder = strdup(a->opts.unwinder ? a->opts.unwinder : def.unwinder);
	a->plugin_path = a->opts.plugin_path ? strdup(a->opts.plugin_path) : NULL;
	a->n_pids = a->opts.system_wide || !a->opts.pids ? 0 : a->opts.n_pids;
	a->pids = a->n_pids ? malloc(a->n_pids * sizeof(*a->pids)) : NULL;
	if (a->pids)
		memcpy(a->pids, a->opts.pids, a->n_pids * sizeof(*a->pids));
	if (PB_HAS(opts, group_by) && opts->group_by)
		a->group_by = strdup(opts->group_by);
	if (PB_HAS(opts, cgroups) && opts->cgroups)
		a->cgroups = strdup(opts->cgroups);
	if (PB_HAS(opts, events) && opts->events)
		a->events = strdup(opts->events);
	if (PB_HAS(opts, n_labels) && opts->labels && opts->n_labels)
		a->labels = pb_labels_copy(opts->labels, opts->n_labels);
	/* Off-CPU settings as numbers: the caller's strings need not outlive this call. */
	bad_event = PB_HAS(opts, max_block_us) && !offcpu_opts(a, opts);
	a->opts.event = a->opts.offcpu_state = NULL;
	a->opts.unwinder = a->opts.plugin_path = NULL;
	a->opts.pids = NULL;
	a->opts.labels = a->labels;
	a->opts.n_labels = a->labels ? a->opts.n_labels : 0;
	a->opts.group_by = a->group_by;
	a->opts.cgroups = a->cgroups;
	a->opts.events = a->events;
	err = bad_event ? -EINVAL
	      : !a->unwinder || (opts->plugin_path && !a->plugin_path) || (a->n_pids && !a->pids) ||
		      (a->opts.n_labels && !a->labels) || (a->opts.group_by && !a->group_by) ||
		      (a->opts.cgroups && !a->cgroups) ||
		      (PB_HAS(opts, events) && opts->events && !a->events)
		      ? -ENOMEM
		      : init_sync(a);
	if (err) {
		free(a->labels);
		free(a->group_by);
		free(a->cgroups);
		free(a->events);
		free(a->unwinder);
		free(a->plugin_path);
		free(a->pids);
		free(a);
		return err;
	}
	*ret = a;
	return 0;
}

int pb_agent__add_output(struct pb_agent *a, const char *target, const char *settings)
{
	struct pb_agent_output *grown, *o;

	if (!a || !target || !target[0])
		return -EINVAL;
	if (a->spawned)
		return pb_agent_fail(a, EBUSY, "outputs are added before pb_agent__spawn");
	grown = realloc(a->outputs, (a->n_outputs + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	a->outputs = grown;
	o = &a->outputs[a->n_outputs];
	o->target = strdup(target);
	o->settings = settings ? strdup(settings) : NULL;
	if (!o->target || (settings && !o->settings)) {
		free(o->target);
		free(o->settings);
		return -ENOMEM;
	}
	a->n_outputs++;
	return 0;
}

int pb_agent__set_reporter(struct pb_agent *a, pb_agent_reporter_fn fn, void *ctx)
{
	if (!a)
		return -EINVAL;
	pthread_mutex_lock(&a->lock);
	a->reporter = fn;
	a->reporter_ctx = ctx;
	pthread_mutex_unlock(&a->lock);
	return 0;
}

/* Sleeps until due or until stop; the lock is held on entry and on return. */
static void sleep_until(struct pb_agent *a, uint64_t due_ms)
{
	while (!a->stopping && mono_ms() < due_ms) {
		struct timespec ts = { .tv_sec = due_ms / 1000,
				       .tv_nsec = due_ms % 1000 * 1000000 };

		pthread_cond_timedwait(&a->wake, &a->lock, &ts);
	}
}

static void *agent_main(void *arg)
{
	struct pb_agent *a = arg;
	/* No gap between windows: sampling never pauses and each window ends where the next starts. */
	bool continuous = a->opts.interval_ms == a->opts.duration_ms;
	uint64_t due = mono_ms() + a->opts.first_delay_ms;

	pthread_mutex_lock(&a->lock);
	for (;;) {
		uint64_t start, now;

		sleep_until(a, due);
		if (a->stopping)
			break;
		pthread_mutex_unlock(&a->lock);
		now = mono_ms();
		/*
		 * A continuous window is timed from when it was due (its samples started then),
		 * unless writing the last one overran a whole interval: then no catch-up.
		 */
		start = continuous && now - due < a->opts.interval_ms ? due : now;
		pb_agent_run_window(a, start, continuous);
		pthread_mutex_lock(&a->lock);
		/* Start to start; an overrun is followed at once, never by catch-up windows. */
		due = start + a->opts.interval_ms;
	}
	pthread_mutex_unlock(&a->lock);
	pb_agent_close_session(a);
	return NULL;
}

/* Probes that name nothing, refused now rather than at every window. */
static int check_events(struct pb_agent *a)
{
	struct pb_event_set *set;
	char why[1024];
	int err;

	if (!a->opts.events)
		return 0;
	err = pb_event_set__parse(a->opts.events, &set, why, sizeof(why));
	if (err)
		return pb_agent_fail(a, -err, "pb_agent_opts.events: %s", why);
	pb_event_set__free(set);
	return 0;
}

/* Settings no window could honour, refused with the field's name before any thread exists. */
static int check_opts(struct pb_agent *a)
{
	/* The options that are [profile] keys, checked against its table; 0 is the default. */
	const struct {
		const char *field, *key;
		uint64_t value;
	} keys[] = {
		{ "frequency", "frequency", a->opts.frequency },
		{ "stack_storage_size", "stack-storage-size", a->opts.stack_storage_size },
		{ "hash_storage_size", "hash-storage-size", a->opts.hash_storage_size },
	};
	char value[32], why[256];

	if (a->opts.duration_ms < PB_AGENT_MIN_WINDOW_MS)
		return pb_agent_fail(a, EINVAL,
				     "pb_agent_opts.duration_ms (%llu) is below %u ms: a window that "
				     "short is mostly the cost of taking it",
				     (unsigned long long)a->opts.duration_ms, PB_AGENT_MIN_WINDOW_MS);
	if (a->opts.duration_ms > a->opts.interval_ms)
		return pb_agent_fail(a, EINVAL,
				     "pb_agent_opts.duration_ms (%llu) is longer than interval_ms "
				     "(%llu): windows would overlap",
				     (unsigned long long)a->opts.duration_ms,
				     (unsigned long long)a->opts.interval_ms);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(value, sizeof(value), "%llu", (unsigned long long)keys[i].value);
		if (keys[i].value &&
		    pb_core_settings_check("profile", keys[i].key, value, why, sizeof(why)))
			return pb_agent_fail(a, EINVAL, "pb_agent_opts.%s: %s", keys[i].field,
					     why);
	}
	return check_events(a);
}

int pb_agent__spawn(struct pb_agent *a)
{
	sigset_t all, old;
	int err;

	if (!a)
		return -EINVAL;
	if (a->spawned)
		return pb_agent_fail(a, EALREADY, "the agent is already running");
	a->error[0] = '\0';
	if ((err = check_opts(a)) || (err = pb_agent_check(a)))
		return err;
	a->stopping = false;
	/* The application's signals belong to its own threads, not to the agent's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&a->thread, NULL, agent_main, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return pb_agent_fail(a, err, "cannot start the agent thread: %s", strerror(err));
	a->spawned = true;
	return 0;
}

int pb_agent__stop(struct pb_agent *a)
{
	if (!a)
		return -EINVAL;
	if (!a->spawned)
		return 0;
	/* Joining itself would never return: a reporter cannot stop its own agent. */
	if (pthread_equal(pthread_self(), a->thread))
		return pb_agent_fail(a, EDEADLK, "pb_agent__stop called from the agent's reporter");
	pthread_mutex_lock(&a->lock);
	a->stopping = true;
	if (a->current)
		pb_session__stop(a->current);
	pthread_cond_broadcast(&a->wake);
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->thread, NULL);
	a->spawned = false;
	return 0;
}

void pb_agent__free(struct pb_agent *a)
{
	if (!a)
		return;
	pb_agent__stop(a);
	for (size_t i = 0; i < a->n_outputs; i++) {
		free(a->outputs[i].target);
		free(a->outputs[i].settings);
	}
	free(a->outputs);
	free(a->unwinder);
	free(a->plugin_path);
	free(a->pids);
	free(a->labels);
	free(a->group_by);
	free(a->cgroups);
	free(a->events);
	pthread_cond_destroy(&a->wake);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

const char *pb_agent__strerror(const struct pb_agent *a)
{
	return a ? a->error : "";
}

int pb_agent__get_stats(const struct pb_agent *a, struct pb_agent_stats *st)
{
	struct pb_agent *m = (struct pb_agent *)a; /* the lock, not the counters, changes */
	struct pb_agent_stats copy;
	size_t sz;

	if (!a || !st || st->sz < sizeof(size_t))
		return -EINVAL;
	sz = st->sz < sizeof(copy) ? st->sz : sizeof(copy);
	pthread_mutex_lock(&m->lock);
	copy = a->stats;
	pthread_mutex_unlock(&m->lock);
	copy.sz = sz;
	memcpy(st, &copy, sz);
	return 0;
}
