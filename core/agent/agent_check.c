// SPDX-License-Identifier: MIT
/* What pb_agent__spawn refuses up front (no privileges, no BTF, unknown unwinders and outputs),
 * and whether it samples with BPF or, without privileges, with plain perf events. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_internal.h"
#include "cgroup/cgroup.h"
#include "config.h"
#include "plugin_loader.h"
#include "system_check.h"
#include "window_target.h"

static int check_output(struct pb_agent *a, struct pb_plugin_registry *reg,
			struct pb_agent_output *o)
{
	const struct pb_loaded_plugin *lp;
	struct pb_config *cfg;
	char why[512];
	int err;

	lp = pb_plugin_registry__match_output(reg, o->target, NULL);
	if (!lp) {
		pb_plugin_registry__names(reg, PB_PLUGIN_OUTPUT, true, why, sizeof(why));
		return pb_agent_fail(a, EINVAL, "no output for '%s' (known: %s)", o->target, why);
	}
	if (lp->desc->output_flags & PB_OUTPUT_WANTS_TERMINAL)
		return pb_agent_fail(a, EINVAL, "output '%s' needs a terminal, not an agent",
				     o->target);
	/* Opened once in the session; files named or replaced per window are opened per window. */
	o->long_lived = (lp->desc->output_flags & PB_OUTPUT_WANTS_WINDOWS) &&
			!pb_window_target_is_template(o->target);
	if ((err = pb_config__new_for(lp->desc, &cfg)))
		return err;
	if (o->settings &&
	    (err = pb_config__set_list(cfg, o->settings, "agent output settings", why, sizeof(why))))
		pb_agent_fail(a, err, "%s", why);
	pb_config__free(cfg);
	return err;
}

/* Without BPF: the perf unwinder, which walks frame pointers of given processes' threads. */
static int use_perf(struct pb_agent *a, const char *why)
{
	char perf_why[512];
	char *perf;

	if (a->opts.system_wide)
		return pb_agent_fail(a, EPERM, "%s (without BPF only this process or given pids can "
				     "be sampled, not every process)", why);
	if (strcmp(a->unwinder, "fp") && strcmp(a->unwinder, "perf"))
		return pb_agent_fail(a, EPERM, "%s (without BPF the agent walks frame pointers; "
				     "unwinder '%s' needs BPF)", why, a->unwinder);
	if (pb_check_perf_self(perf_why, sizeof(perf_why)))
		return pb_agent_fail(a, EPERM, "%s; nor can it sample with perf events: %s", why,
				     perf_why);
	if (!(perf = strdup("perf")))
		return -ENOMEM;
	free(a->unwinder);
	a->unwinder = perf;
	snprintf(a->stats.mode, sizeof(a->stats.mode), "perf");
	return 0;
}

/*
 * The same rule as a session's start, asked here so that the application learns it from
 * pb_agent__spawn instead of from a log line on its agent thread minutes later.
 */
static int choose_mode(struct pb_agent *a)
{
	char why[256];
	int err;

	if (a->opts.no_bpf || !strcmp(a->unwinder, "perf"))
		return use_perf(a, "plain perf events were asked for");
	err = pb_check_system(why, sizeof(why));
	if (err == -EPERM || err == -ENOTSUP)
		return use_perf(a, why);
	if (err)
		return pb_agent_fail(a, err, "%s", why);
	snprintf(a->stats.mode, sizeof(a->stats.mode), "bpf");
	return 0;
}

/* A bad --cgroup path is refused before the thread starts, like every other bad option. */
static int check_cgroups(struct pb_agent *a)
{
	char paths[PB_MAX_CGROUPS][PB_CGROUP_PATH_MAX], why[PB_CGROUP_PATH_MAX * 2 + 64];
	size_t n;
	int err = pb_cgroup_resolve_list(a->cgroups, paths, PB_MAX_CGROUPS, &n, why, sizeof(why));

	if (!err && a->opts.no_bpf)
		return pb_agent_fail(a, EINVAL, "pb_agent_opts.cgroups needs BPF (no_bpf is set)");
	return err ? pb_agent_fail(a, EINVAL, "pb_agent_opts.cgroups: %s", why) : 0;
}

int pb_agent_check(struct pb_agent *a)
{
	struct pb_plugin_registry *reg;
	char names[256];
	int err = 0;

	if (a->group_by && !pb_profile__group_by_valid(a->group_by))
		return pb_agent_fail(a, EINVAL, "pb_agent_opts.group_by '%s' is not container, pod "
				     "or label:NAME", a->group_by);
	if (a->cgroups && (err = check_cgroups(a)))
		return err;
	if ((err = choose_mode(a)))
		return err;
	if ((err = pb_plugin_registry__new(a->plugin_path, &reg)))
		return err;
	if (!pb_plugin_registry__find(reg, PB_PLUGIN_UNWINDER, a->unwinder)) {
		pb_plugin_registry__names(reg, PB_PLUGIN_UNWINDER, false, names, sizeof(names));
		err = pb_agent_fail(a, ENOENT, "unknown unwinder '%s' (available: %s)",
				    a->unwinder, names);
	}
	for (size_t i = 0; !err && i < a->n_outputs; i++)
		err = check_output(a, reg, &a->outputs[i]);
	pb_plugin_registry__free(reg);
	return err;
}
