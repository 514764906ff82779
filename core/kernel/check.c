// SPDX-License-Identifier: MIT
/* profile-bee --check: the kernel's features, and whether each unwinder loads on this kernel. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <profile-bee/kernel.h>
#include <profile-bee/profile-bee.h>

#include "session_internal.h"
#include "system_check.h"

/* Loads one unwinder's BPF side as a real run would (system-wide, default settings). */
static bool unwinder_loads(FILE *out, const char *name, const char *plugin_path)
{
	struct pb_session_opts opts = {
	    .sz = sizeof(opts), .unwinder = name, .plugin_path = plugin_path, .quiet = true};
	struct pb_session *s;
	int err = pb_session__new(&opts, &s);

	if (err) {
		fprintf(out, "  %-10s cannot check: %s\n", name, strerror(-err));
		return false;
	}
	err = pb_session_load_unwinder(s);
	if (err) /* the unwinder's own reason, without the session's "cannot load" around it */
		fprintf(out, "  %-10s no: %s\n", name,
			s->unwinder_error[0] ? s->unwinder_error : pb_session__strerror(s));
	else
		fprintf(out, "  %-10s yes\n", name);
	pb_session__free(s);
	return !err;
}

int pb_kernel__check(FILE *out, const char *plugin_path)
{
	struct pb_plugin_registry *reg;
	char names[512];
	char why[256];
	bool all = true;
	int err;

	fprintf(out, "kernel %s\n", pb_kernel__release());
	/* Without privileges every probe fails: saying "no" for each would blame the kernel. */
	if ((err = pb_check_system(why, sizeof(why)))) {
		fprintf(out, "cannot check: %s\n", why);
		return err;
	}
	for (int f = 0; f < PB_KERNEL_FEATURE_COUNT; f++)
		fprintf(out, "  %-26s %-3s (Linux %s)\n", pb_kernel__feature_name(f),
			pb_kernel__has(f) ? "yes" : "no", pb_kernel__feature_since(f));
	err = pb_plugin_registry__new(plugin_path, &reg);
	if (err)
		return err;
	pb_plugin_registry__names(reg, PB_PLUGIN_UNWINDER, false, names, sizeof(names));
	pb_plugin_registry__free(reg);
	fprintf(out, "unwinders (loaded here: yes / no and why)\n");
	for (char *save = NULL, *name = strtok_r(names, ", ", &save); name;
	     name = strtok_r(NULL, ", ", &save))
		all &= unwinder_loads(out, name, plugin_path);
	if (fflush(out) || ferror(out))
		return -EIO;
	return all ? 0 : -EOPNOTSUPP;
}
