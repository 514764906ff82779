// SPDX-License-Identifier: MIT
/* What pb_agent__spawn refuses up front: no privileges, no BTF, unknown unwinders and outputs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent_internal.h"
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

int pb_agent_check(struct pb_agent *a)
{
	struct pb_plugin_registry *reg;
	char names[256];
	int err = 0;

	/* The same rule as a session's start, asked here so that the application learns it from
	 * pb_agent__spawn instead of from a log line on its agent thread minutes later. */
	if (a->group_by && !pb_profile__group_by_valid(a->group_by))
		return pb_agent_fail(a, EINVAL, "pb_agent_opts.group_by '%s' is not container, pod "
				     "or label:NAME", a->group_by);
	if ((err = pb_check_system(names, sizeof(names))))
		return pb_agent_fail(a, err, "%s", names);
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
