/* SPDX-License-Identifier: MIT */
/* Running a Lua session script (profile-bee -c FILE): what the command line hands over. */
#ifndef PB_SCRIPT_H
#define PB_SCRIPT_H

#include <stddef.h>
#include <stdint.h>
#include <profile-bee/profile-bee.h>

#include "settings.h"

struct pb_script_env {
	const char *path;
	char *const *args; /* after "--": pb.args */
	int n_args;
	const struct pb_settings *settings;  /* conf files + command line: pb.config, defaults */
	const struct pb_settings *overrides; /* the command line's own: they win over the script */
	const uint32_t *pids;		     /* -p: the target of profiles that name none */
	size_t n_pids;
	const char *const *command;	     /* --cmd: the same */
	const struct pb_profile *input;	     /* --input: profiles are this instead of samples */
};

/* One output of a script that returned a configuration table. */
struct pb_script_output {
	char *target;
	struct pb_setting *settings;
	size_t n_settings;
};

/* What a script that returns a table asks for: a normal run with these settings. */
struct pb_script_config {
	struct pb_settings settings; /* [profile] and plugin sections given by the table */
	struct pb_script_output *outputs;
	size_t n_outputs;
	uint32_t *pids;
	size_t n_pids;
	char **command; /* NULL-terminated, or NULL */
};

#define PB_SCRIPT_CONFIG (-1) /* pb_script_run: the script returned a configuration */

/*
 * Runs the script to its end. Returns the exit status (0, 1 on an error in the script, 2 when
 * it cannot be read, or the number it returned), or PB_SCRIPT_CONFIG with *cfg filled.
 */
int pb_script_run(const struct pb_script_env *env, struct pb_script_config *cfg);
void pb_script_config_free(struct pb_script_config *cfg);

#endif
