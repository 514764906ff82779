// SPDX-License-Identifier: MIT
/* The profiling session: start sampling, wait for the end or for windows, drain, write outputs. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include "core_settings.h"
#include "labels.h"
#include "log.h"
#include "session_internal.h"

/* The CLI and conf files refuse shorter windows; library callers get them clamped to this. */
#define MIN_WINDOW_MS ((uint32_t)(PB_MIN_FLUSH_INTERVAL * 1000 + 0.5))

static char **copy_argv(const char *const *argv)
{
	size_t n = 0;
	char **copy;

	while (argv[n])
		n++;
	copy = calloc(n + 1, sizeof(*copy));
	for (size_t i = 0; copy && i < n; i++)
		copy[i] = strdup(argv[i]);
	return copy;
}

/* The caller's labels and group-by, checked and copied: -EINVAL names the bad one. */
static int copy_labels(struct pb_session *s, const struct pb_session_opts *opts)
{
	const char *group_by = PB_HAS(opts, group_by) ? opts->group_by : NULL;
	size_t n = PB_HAS(opts, n_labels) && opts->labels ? opts->n_labels : 0;
	struct pb_profile *check;
	int64_t set = 0;

	s->opts.labels = NULL;
	s->opts.n_labels = 0;
	s->opts.group_by = NULL;
	if (group_by && !pb_profile__group_by_valid(group_by))
		return pb_session_fail(s, EINVAL, "group-by '%s' is not container, pod or "
				       "label:NAME", group_by);
	if (group_by && !(s->group_by = strdup(group_by)))
		return -ENOMEM;
	s->opts.group_by = s->group_by;
	if (!n)
		return 0;
	/* The same checks a profile makes, once here: a stack's add never fails for them. */
	if (pb_profile__new(&check))
		return -ENOMEM;
	set = pb_profile__intern_labels(check, opts->labels, n);
	pb_profile__free(check);
	if (set == -ENOMEM)
		return -ENOMEM;
	if (set < 0 || n > PB_PROFILE_MAX_LABELS / 2)
		return pb_session_fail(s, EINVAL, "labels: at most %d, keys not empty, keys and "
				       "values at most %d bytes", PB_PROFILE_MAX_LABELS / 2,
				       PB_LABEL_MAX_LEN);
	if (!(s->labels = pb_labels_copy(opts->labels, n)))
		return -ENOMEM;
	s->opts.labels = s->labels;
	s->opts.n_labels = n;
	return 0;
}

/* --cgroup's paths, resolved and checked now: a session never starts filtering on a typo. */
static int resolve_cgroups(struct pb_session *s, const struct pb_session_opts *opts)
{
	const char *list = PB_HAS(opts, cgroups) ? opts->cgroups : NULL;
	char why[PB_CGROUP_PATH_MAX * 2 + 64];

	s->opts.cgroups = NULL;
	if (!list)
		return 0;
	if (pb_cgroup_resolve_list(list, s->cgroup_paths, PB_MAX_CGROUPS, &s->n_cgroups, why,
				   sizeof(why)))
		return pb_session_fail(s, EINVAL, "cgroup: %s", why);
	for (size_t i = 0; i < s->n_cgroups; i++)
		s->cgroup_ptrs[i] = s->cgroup_paths[i];
	return 0;
}

int pb_session__new(const struct pb_session_opts *opts, struct pb_session **ret)
{
	struct pb_session *s = calloc(1, sizeof(*s));
	struct pb_core_settings def;
	int err;

	if (!s)
		return -ENOMEM;
	memcpy(&s->opts, opts, opts->sz < sizeof(s->opts) ? opts->sz : sizeof(s->opts));
	s->opts.sz = sizeof(s->opts);
	s->epoll_fd = s->stop_fd = s->child_pidfd = s->child_release_fd = s->child_error_fd = -1;
	s->child_status = -1;
	s->child_output_fd = -1;
	pthread_mutex_init(&s->registry_lock, NULL);
	pb_core_settings_defaults(&def); /* zero means the [profile] key's default */
	if (!s->opts.frequency)
		s->opts.frequency = def.frequency;
	if (!s->opts.stack_storage_size)
		s->opts.stack_storage_size = def.stack_storage_size;
	if (!s->opts.hash_storage_size)
		s->opts.hash_storage_size = def.hash_storage_size;
	if (!s->opts.cache_bytes)
		s->opts.cache_bytes = def.cache_mb * 1048576;
	if (s->opts.window_ms && s->opts.window_ms < MIN_WINDOW_MS)
		s->opts.window_ms = MIN_WINDOW_MS;
	snprintf(s->unwinder_name, sizeof(s->unwinder_name), "%s",
		 s->opts.unwinder ? s->opts.unwinder : def.unwinder);
	s->opts.unwinder = s->unwinder_name;
	if (opts->command)
		s->command = copy_argv(opts->command);
	if (opts->n_pids) {
		s->pids = malloc(opts->n_pids * sizeof(*s->pids));
		if (s->pids)
			memcpy(s->pids, opts->pids, opts->n_pids * sizeof(*s->pids));
	}
	s->opts.command = NULL;
	s->opts.pids = NULL;
	if (PB_HAS(opts, events) && opts->events && *opts->events)
		s->events_spec = strdup(opts->events);
	s->opts.events = NULL;
	err = copy_labels(s, opts) ?: resolve_cgroups(s, opts);
	if (err) {
		pb_session__free(s);
		return err;
	}
	s->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pb_session_init_host(s);
	err = (opts->command && !s->command) || (opts->n_pids && !s->pids) ||
			      (PB_HAS(opts, events) && opts->events && *opts->events &&
			       !s->events_spec)
		      ? -ENOMEM
		      : 0;
	if (!err && s->stop_fd < 0)
		err = -errno;
	if (!err)
		err = pb_profile__new(&s->total);
	if (!err)
		err = pb_plugin_registry__new(opts->plugin_path, &s->registry);
	/* Off-CPU and wall counts are microseconds: flame graphs say so (later settings win). */
	for (size_t i = 0; !err && s->opts.event != PB_EVENT_CPU && i < 2; i++)
		if (pb_plugin_registry__find(s->registry, PB_PLUGIN_OUTPUT, i ? "tui" : "svg"))
			err = pb_session__set(s, i ? "output.tui" : "output.svg", "count-name", "us");
	if (err) {
		pb_session__free(s);
		return err;
	}
	*ret = s;
	return 0;
}

void pb_session_stop_sampling(struct pb_session *s)
{
	if (s->unwinder && s->unwinder_state)
		s->unwinder->desc->unwinder->close(s->unwinder_state);
	s->unwinder_state = NULL;
	pb_perf_events__free(s->events);
	s->events = NULL;
}

void pb_session__free(struct pb_session *s)
{
	if (!s)
		return;
	pb_session_reap_command(s, true);
	pb_session_close_outputs(s);
	pb_session_stop_sampling(s);
	pb_event_set__free(s->event_set);
	free(s->events_spec);
	pb_config__free(s->unwinder_cfg);
	pb_session_free_sections(s);
	pb_proctab__free(s->proctab);
	pb_symbolizer__free(s->symbolizer);
	for (size_t i = 0; s->pidfds && i < s->opts.n_pids; i++)
		if (s->pidfds[i] >= 0)
			close(s->pidfds[i]);
	free(s->pidfds);
	if (s->epoll_fd >= 0)
		close(s->epoll_fd);
	if (s->stop_fd >= 0)
		close(s->stop_fd);
	if (s->child_release_fd >= 0)
		close(s->child_release_fd);
	if (s->child_error_fd >= 0)
		close(s->child_error_fd);
	if (s->child_output_fd >= 0)
		close(s->child_output_fd);
	pb_profile__free(s->pending);
	pb_profile__free(s->total);
	pb_plugin_registry__free(s->registry);
	for (size_t i = 0; s->command && s->command[i]; i++)
		free(s->command[i]);
	free(s->command);
	free(s->pids);
	free(s->labels);
	free(s->group_by);
	pb_cgroup_cache__free(s->cgroups);
	free(s);
}

const char *pb_session__strerror(const struct pb_session *s)
{
	return s->error;
}

int pb_session__add_output(struct pb_session *s, const char *target, const char *settings)
{
	return pb_session_open_output(s, target, settings, NULL, 0);
}

int pb_session__add_output_settings(struct pb_session *s, const char *target,
				    const struct pb_setting *settings, size_t n)
{
	return pb_session_open_output(s, target, NULL, settings, n);
}

void pb_session__stop(struct pb_session *s)
{
	uint64_t one = 1;

	s->stop_requested = 1;
	if (write(s->stop_fd, &one, sizeof(one)) < 0)
		return; /* the flag alone still ends the session at the next wake-up */
}

int pb_session__command_status(const struct pb_session *s)
{
	return s->child_status;
}

const struct pb_profile *pb_session__profile(const struct pb_session *s)
{
	return s->total;
}

bool pb_session_own_events(const struct pb_session *s)
{
	const struct pb_plugin *d = s->unwinder ? s->unwinder->desc : NULL;

	return d && PB_HAS(d, unwinder_flags) && (d->unwinder_flags & PB_UNWINDER_OWN_EVENTS);
}

int pb_session_check_own_events(struct pb_session *s)
{
	if (!pb_session_own_events(s) || s->opts.n_pids || s->command)
		return 0;
	return pb_session_fail(s, EINVAL, "the '%s' unwinder (--no-bpf) samples given processes "
			       "only: give -p PID or a command", s->unwinder_name);
}

/*
 * An unwinder older than ABI 2.4 does not see params.cgroups and would sample everything; the
 * perf unwinder's per-thread events cannot filter by cgroup (it says so itself too).
 */
int pb_session_check_cgroups(struct pb_session *s)
{
	if (!s->n_cgroups)
		return 0;
	if (pb_session_own_events(s))
		return pb_session_fail(s, EINVAL, "the '%s' unwinder (--no-bpf) cannot filter by "
				       "cgroup (--cgroup): use fp, dwarf, libdw or libunwind",
				       s->unwinder_name);
	if (s->unwinder->desc->abi_minor < 4)
		return pb_session_fail(s, EINVAL, "the '%s' unwinder (ABI %u.%u) cannot filter by "
				       "cgroup (--cgroup needs ABI 2.4)", s->unwinder_name,
				       s->unwinder->desc->abi_major, s->unwinder->desc->abi_minor);
	return 0;
}

/* Off-CPU time needs an unwinder that attaches to sched_switch (all but perf). */
int pb_session_check_event(struct pb_session *s)
{
	const struct pb_plugin *d = s->unwinder ? s->unwinder->desc : NULL;

	if (s->opts.event == PB_EVENT_CPU ||
	    (d && PB_HAS(d, unwinder_flags) && (d->unwinder_flags & PB_UNWINDER_OFF_CPU)))
		return 0;
	return pb_session_fail(s, EINVAL, "the '%s' unwinder cannot count off-CPU time "
			       "(--off-cpu, --wall): use fp, dwarf, libdw or libunwind",
			       s->unwinder_name);
}

int pb_session__check(struct pb_session *s)
{
	return pb_session_find_unwinder(s) ?: pb_session_check_own_events(s) ?:
	       pb_session_check_cgroups(s) ?: pb_session_check_event(s) ?:
	       pb_session_resolve_events(s);
}

int pb_session__write(struct pb_session *s, const struct pb_profile *p)
{
	/* Straight to the outputs: copying it into s->total would double time and memory. */
	struct pb_profile *labelled = NULL;
	int err = pb_session_check_outputs(s, false);

	/* --label holds for a saved profile as for a sampled one. */
	if (!err && s->opts.n_labels)
		err = pb_profile__relabel(p, s->opts.labels, s->opts.n_labels, &labelled);
	if (labelled)
		p = labelled;
	if (!err)
		err = pb_session_write_window(s, p, p, true);
	pb_profile__free(labelled);
	if (!err)
		err = pb_session_check_outputs(s, true);
	s->finished = true;
	pb_session_close_outputs(s);
	return err;
}
