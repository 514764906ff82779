// SPDX-License-Identifier: MIT
/* What counts stacks (-e): the CPU timer, a perf event the session opens, probes the unwinder
 * attaches. Checked once, before the unwinder loads anything. */
#include <errno.h>
#include <string.h>

#include "session_internal.h"

int pb_session_resolve_events(struct pb_session *s)
{
	char why[1024];
	int err;

	if (s->event_set)
		return 0;
	if (s->events_spec && s->opts.event != PB_EVENT_CPU)
		return pb_session_fail(s, EINVAL, "-e %s: perf events and probes count stacks as "
				       "on-CPU samples do, not with --off-cpu or --wall",
				       s->events_spec);
	if (s->events_spec && pb_session_own_events(s))
		return pb_session_fail(s, EINVAL, "-e %s: not supported with the '%s' unwinder "
				       "(it samples its own timer; use fp or dwarf)",
				       s->events_spec, s->unwinder_name);
	err = s->events_spec ? pb_event_set__parse(s->events_spec, &s->event_set, why, sizeof(why))
			     : 0;
	if (err)
		return pb_session_fail(s, -err, "%s", why);
	/* An older unwinder would not see the probes, and count nothing. */
	if (s->event_set && s->event_set->n_probes && s->unwinder->desc->abi_minor < 7)
		return pb_session_fail(s, EINVAL, "-e %s: the '%s' unwinder (ABI %u.%u) takes no "
				       "probes (they need ABI 2.7)", s->event_set->probes[0]->spec,
				       s->unwinder_name, s->unwinder->desc->abi_major,
				       s->unwinder->desc->abi_minor);
	/* A period counts the events of a perf event -e names; without one it would be ignored. */
	if (s->opts.period && !(s->event_set && s->event_set->perf))
		return pb_session_fail(s, EINVAL, "--period %llu goes with a perf event (-e "
				       "page-faults, -e cycles, ...)",
				       (unsigned long long)s->opts.period);
	return 0;
}

void pb_session_event_params(struct pb_session *s)
{
	if (!s->event_set)
		return;
	s->params.probes = (const struct pb_probe *const *)s->event_set->probes;
	s->params.n_probes = s->event_set->n_probes;
}

int pb_session_open_events(struct pb_session *s)
{
	const struct pb_event_set *set = s->event_set;
	int err;

	/* Probes alone: nothing to open, the probes are the events. */
	if (set && !set->perf && set->n_probes)
		return 0;
	if (set && set->perf)
		err = pb_perf_events__open_kind(set->perf, s->opts.period, s->opts.frequency,
						s->params.cpu, &s->events);
	else
		err = pb_perf_events__open(s->opts.frequency, s->params.cpu, &s->events);
	if (err && set && set->perf)
		return pb_session_fail(s, -err, "-e %s: cannot open this perf event: %s%s",
				       set->perf->name, strerror(-err),
				       err == -ENOENT || err == -EOPNOTSUPP
					       ? " (this machine or VM has no such counter)"
					       : "");
	return err ? pb_session_fail(s, -err, "cannot open perf events: %s", strerror(-err)) : 0;
}

bool pb_session__events_form(const char *specs)
{
	return pb_events__form_ok(specs);
}

void pb_session__list_events(FILE *out)
{
	pb_events__list(out);
}
