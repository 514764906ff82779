// SPDX-License-Identifier: MIT
/* Opens the session's outputs from -o targets and hands them windows or the whole profile. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "session_internal.h"
#include "window_target.h"

int pb_session_open_output(struct pb_session *s, const char *target, const char *settings,
			   const struct pb_setting *kv, size_t n)
{
	const struct pb_loaded_plugin *lp;
	struct pb_output *o, *grown;
	const char *format = NULL, *why_open;
	char why[512], known[512];
	int err;

	lp = pb_plugin_registry__match_output(s->registry, target, &format);
	if (!lp) {
		pb_plugin_registry__names(s->registry, PB_PLUGIN_OUTPUT, true, known,
					  sizeof(known));
		return pb_session_fail(s, EINVAL, "no output for '%s' (known: %s)", target, known);
	}
	grown = realloc(s->outputs, (s->n_outputs + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	s->outputs = grown;
	o = &s->outputs[s->n_outputs];
	memset(o, 0, sizeof(*o));
	o->plugin = lp;
	o->target = strdup(target);
	snprintf(why, sizeof(why), "output.%s", lp->desc->name);
	err = o->target ? pb_config__new_for(lp->desc, &o->cfg) : -ENOMEM;
	/* The plugin's session-wide settings (INI, --set) first; this output's own win. */
	if (!err)
		err = pb_config__copy(o->cfg, pb_session_section(s, why), why, sizeof(why));
	if (!err && settings)
		err = pb_config__set_list(o->cfg, settings, NULL, why, sizeof(why));
	for (size_t i = 0; !err && i < n; i++)
		err = pb_config__set(o->cfg, kv[i].key, kv[i].value ? kv[i].value : "", NULL, why,
				     sizeof(why));
	if (err && err != -ENOMEM)
		pb_session_fail(s, err, "%s", why);
	if (err)
		goto fail;
	o->params = (struct pb_output_params){
		.sz = sizeof(o->params),
		.target = o->target,
		.format = format,
		.window_ms = s->opts.window_ms,
		.live = s->opts.window_ms > 0,
	};
	if (!lp->desc->output) {
		/* A file the core writes with the plugin's encoder: nothing to open until then. */
		o->encoder = pb_plugin_encoder(lp->desc, format);
		o->per_window = pb_window_target_is_template(target);
		s->n_outputs++;
		return 0;
	}
	pb_session_capture_begin(s);
	err = lp->desc->output->open(&s->host, &o->params, o->cfg, &o->state);
	why_open = pb_session_capture_end(s, err);
	if (err == -EINVAL) {
		/* The target or its settings are wrong: a usage error, said once, with the cause. */
		pb_session_fail(s, EINVAL, "cannot open output '%s': %s", target, why_open);
		goto fail;
	}
	if (err) {
		/*
		 * A store or a path that cannot be opened now must not cost the user the other
		 * outputs: say so, run without it, and end the session with an error.
		 */
		if (s->opts.errors_to_caller)
			pb_session_fail(s, err, "cannot open output '%s': %s", target, why_open);
		else
			pb_session_log(s, PB_LOG_ERROR, "cannot open output '%s': %s", target,
				       why_open);
		s->open_failures++;
		pb_config__free(o->cfg);
		free(o->target);
		return 0;
	}
	s->n_outputs++;
	return 0;
fail:
	pb_config__free(o->cfg);
	free(o->target);
	return err;
}

/* The plugin's ops; NULL for a file output the core writes with an encoder. */
static const struct pb_output_ops *ops_of(const struct pb_output *o)
{
	return o->plugin->desc->output;
}

static bool wants_windows(const struct pb_output *o)
{
	return (o->plugin->desc->output_flags & PB_OUTPUT_WANTS_WINDOWS) || o->per_window;
}

int pb_session_check_outputs(struct pb_session *s, bool at_end)
{
	if (!s->open_failures)
		return 0;
	if (s->opts.errors_to_caller && s->error[0])
		return -EIO; /* the failure's own message stays the one the caller reads */
	if (!s->n_outputs)
		return pb_session_fail(s, EIO, "no output could be opened");
	return at_end ? pb_session_fail(s, EIO, "%zu output%s could not be opened (see above)",
					s->open_failures, s->open_failures > 1 ? "s" : "")
		      : 0;
}

/*
 * A whole-run profile is kept only for an output that takes one (or, with no outputs at all, for
 * a caller reading pb_session__profile): a run whose outputs are all windowed holds none, so
 * memory follows a window's distinct stacks, not the run's.
 */
bool pb_session_wants_whole(const struct pb_session *s)
{
	for (size_t i = 0; i < s->n_outputs; i++)
		if (!wants_windows(&s->outputs[i]))
			return true;
	return s->n_outputs == 0;
}

bool pb_session_wants_windows(const struct pb_session *s)
{
	for (size_t i = 0; i < s->n_outputs; i++)
		if (wants_windows(&s->outputs[i]))
			return true;
	return false;
}

/* Where a file output goes: "-", or a claim that is a format name ("folded"), is stdout. */
static const char *file_path(const struct pb_output *o)
{
	for (const struct pb_output_claim *c = o->plugin->desc->claims; c->pattern; c++)
		if (!strcmp(c->pattern, o->target) && c->pattern[0] != '.' &&
		    !strstr(c->pattern, "://"))
			return "-";
	return o->target;
}

/*
 * A file of its own for this window: a window that cannot be written (a full disk, a directory
 * gone) is said and counted, and the next window is tried again.
 */
static int write_per_window(struct pb_session *s, struct pb_output *o,
			    const struct pb_profile *p)
{
	uint64_t start_s = pb_profile__meta_const(p)->start_ns / 1000000000ull;
	char *path = pb_window_target_expand(o->target, s->windows_written, start_s);
	const char *why;
	int err;

	if (!path)
		return -ENOMEM;
	pb_session_capture_begin(s);
	err = pb_encode_file(&s->host, o->encoder, p, path, o->cfg);
	why = pb_session_capture_end(s, err);
	if (err) {
		s->window_write_failures++;
		pb_session_log(s, PB_LOG_ERROR, "cannot write '%s': %s", path, why);
	}
	free(path);
	return err;
}

/* 0, or the output's -errno; the message is printed, or kept for the caller. */
static int write_one(struct pb_session *s, struct pb_output *o, const struct pb_profile *p,
		     uint32_t flags)
{
	const char *why;
	int err;

	if (o->per_window)
		return write_per_window(s, o, p);
	if (o->failed)
		return -EIO;
	pb_session_capture_begin(s);
	err = o->encoder ? pb_encode_file(&s->host, o->encoder, p, file_path(o), o->cfg)
			 : o->plugin->desc->output->write(o->state, p, flags);
	why = pb_session_capture_end(s, err);
	/* The write went on after an error of its own (an uploader lost a window): still said. */
	if (!err && s->captured[0])
		pb_session_log(s, PB_LOG_ERROR, "%s", s->captured);
	if (!err)
		return 0;
	/* Keep going: one failing output must not cost the user the others. */
	o->failed = true;
	if (s->opts.errors_to_caller)
		return pb_session_fail(s, err, "cannot write '%s': %s", o->target, why);
	pb_session_log(s, PB_LOG_ERROR, "cannot write '%s': %s", o->target, why);
	/* Said above: the session's own error only sums it up, so nothing is printed twice. */
	return pb_session_fail(s, EIO, "an output could not be written (see above)");
}

/*
 * Windowed outputs get every window; the others get the whole profile with the last one.
 * Returns an error when any output failed (all the others were still written): the output's
 * own with errors_to_caller, else -EIO.
 */
static int write_window(struct pb_session *s, const struct pb_profile *window,
			const struct pb_profile *whole, bool last)
{
	int ret = 0, err = 0;

	for (size_t i = 0; i < s->n_outputs; i++) {
		struct pb_output *o = &s->outputs[i];
		bool failed = o->failed;

		if (wants_windows(o))
			err = write_one(s, o, window, last ? PB_WRITE_LAST : 0);
		else if (last)
			err = write_one(s, o, whole, PB_WRITE_LAST);
		if (last && !o->failed && o->state && PB_OPTIONAL_OP(ops_of(o), flush))
			ops_of(o)->flush(o->state);
		if (o->failed && !ret)
			ret = failed ? -EIO : err;
	}
	s->windows_written++;
	return ret;
}

/* --group-by: every output sees the grouped view (a frame per label value before the comm). */
int pb_session_write_window(struct pb_session *s, const struct pb_profile *window,
			    const struct pb_profile *whole, bool last)
{
	struct pb_profile *gw = NULL, *gt = NULL;
	int err;

	if (!s->group_by)
		return write_window(s, window, whole, last);
	err = pb_profile__group_by(window, s->group_by, &gw);
	if (!err && whole != window && last)
		err = pb_profile__group_by(whole, s->group_by, &gt);
	if (!err)
		err = write_window(s, gw, gt ? gt : gw, last);
	else
		pb_session_fail(s, -err, "cannot group the profile by %s", s->group_by);
	pb_profile__free(gw);
	pb_profile__free(gt);
	return err;
}

void pb_session_close_outputs(struct pb_session *s)
{
	for (size_t i = 0; i < s->n_outputs; i++) {
		struct pb_output *o = &s->outputs[i];

		if (o->state && !o->failed && PB_OPTIONAL_OP(ops_of(o), wait))
			ops_of(o)->wait(o->state);
	}
	for (size_t i = 0; i < s->n_outputs; i++) {
		struct pb_output *o = &s->outputs[i];

		if (ops_of(o))
			ops_of(o)->close(o->state);
		pb_config__free(o->cfg);
		free(o->target);
	}
	free(s->outputs);
	s->outputs = NULL;
	s->n_outputs = 0;
}
