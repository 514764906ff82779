// SPDX-License-Identifier: MIT
/* Unit tests of the core settings: one table for conf files and --set, defaults, messages. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "settings.h"
#include "tap.h"

/* A conf file holding text is refused with "FILE:" and then why. */
static void conf_refused(const char *text, const char *why, const char *desc)
{
	char path[] = "/tmp/pb-settings-XXXXXX", err[512] = "", want[512];
	struct pb_settings st = { 0 };
	int fd = mkstemp(path), ret = -EIO;

	if (fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text))
		ret = pb_ini_load(path, &st, err, sizeof(err));
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	snprintf(want, sizeof(want), "%s:%s", path, why);
	ok(ret == -EINVAL, "%s: refused", desc);
	is_str(err, want, "%s: the message", desc);
	pb_settings_clear(&st);
}

/* --set arg is refused with -EINVAL and the message want. */
static void set_refused(const char *arg, const char *want, const char *desc)
{
	struct pb_settings st = { 0 };
	char err[512] = "";
	int ret = pb_settings_set_arg(&st, arg, err, sizeof(err));

	ok(ret == -EINVAL, "%s: refused", desc);
	is_str(err, want, "%s: the message", desc);
	pb_settings_clear(&st);
}

int main(void)
{
	struct pb_session_opts o = { .sz = sizeof(o) };
	struct pb_settings st = { 0 };
	char err[512], want[512];
	const char *argv[] = { "true", NULL };
	bool defaults_ok = true;
	int ret;

	for (const struct pb_core_section *sec = pb_core_settings_sections; sec->name; sec++)
		for (const struct pb_config_key *k = sec->keys; k->name; k++)
			if (pb_core_settings_check(sec->name, k->name, k->default_value, err,
						   sizeof(err))) {
				defaults_ok = false;
				printf("# %s\n", err);
			}
	ok(defaults_ok, "every core key's default passes its own check");

	ret = pb_settings_to_opts(&st, &o, err, sizeof(err));
	ok(!ret && o.frequency == 99 && o.duration_ms == 10000 && !strcmp(o.unwinder, "fp") &&
	   o.stack_storage_size == 16384 && o.hash_storage_size == 40960 && !o.window_ms &&
	   !o.one_cpu && !o.user_only && !o.kernel_only && !o.plugin_path,
	   "no settings: the table's defaults");
	o.command = argv;
	pb_settings_to_opts(&st, &o, err, sizeof(err));
	ok(o.duration_ms == 0, "a command and no duration given: the command's end is the end");
	pb_settings_set(&st, "profile", "duration", "2.5", "", 0, err, sizeof(err));
	pb_settings_to_opts(&st, &o, err, sizeof(err));
	ok(o.duration_ms == 2500, "a duration given wins over the command's end");
	pb_settings_clear(&st);

	conf_refused("[profile]\n; a comment\nfrequency = 0\n",
		     "3: profile: 'frequency' must be from 1 to 100000, not '0'",
		     "a conf file's value out of range names file:line, key, range and value");
	conf_refused("[profile]\nidle = maybe\n",
		     "2: profile: 'idle' must be a boolean, not 'maybe'", "a bad boolean");
	conf_refused("[plugins]\npth = x\n", "2: [plugins] has no setting 'pth' (known: path)",
		     "an unknown core key, with the known ones");
	set_refused("profile.stack-storage-size=8",
		    "--set profile.stack-storage-size: profile: 'stack-storage-size' must be "
		    "from 16 to 16777216, not '8'",
		    "--set names the setting, the range and the value");
	snprintf(want, sizeof(want),
		 "--set profile.cpu: profile: 'cpu' must be from -1 to %lld, not '100000'",
		 pb_core_settings_cpu_max());
	set_refused("profile.cpu=100000", want, "a CPU past this machine's last");
	set_refused("profile.flush-interval=0.05",
		    "--set profile.flush-interval: profile: 'flush-interval' must be from 0.1 to "
		    "4294967, not '0.05' (or 0: one window)",
		    "a flush interval below the floor, saying 0 is good too");
	ok(!pb_settings_set_arg(&st, "profile.flush-interval=0", err, sizeof(err)) &&
	   !pb_settings_set_arg(&st, "profile.cpu=-1", err, sizeof(err)),
	   "flush-interval 0 and cpu -1 are taken");

	o = (struct pb_session_opts){ .sz = sizeof(o) };
	ret = pb_settings_set_arg(&st, "profile.flush-interval=0.25", err, sizeof(err)) ||
	      pb_settings_set_arg(&st, "profile.user=off", err, sizeof(err)) ||
	      pb_settings_set_arg(&st, "profile.frequency=0x10", err, sizeof(err)) ||
	      pb_settings_set_arg(&st, "profile.cpu=0", err, sizeof(err)) ||
	      pb_settings_set_arg(&st, "plugins.path=/a:/b", err, sizeof(err)) ||
	      pb_settings_to_opts(&st, &o, err, sizeof(err));
	ok(!ret && o.window_ms == 250 && o.kernel_only && !o.user_only && o.frequency == 16 &&
	   o.one_cpu && o.cpu == 0 && !strcmp(o.plugin_path, "/a:/b"),
	   "values are bound as the plugin settings are (booleans and numbers alike)");
	pb_settings_set(&st, "profile", "kernel", "no", "my.conf", 4, err, sizeof(err));
	ret = pb_settings_to_opts(&st, &o, err, sizeof(err));
	ok(ret == -EINVAL, "user and kernel stacks both off is refused");
	is_str(err, "--set profile.user: user and kernel stacks both off: nothing to sample",
	       "naming where the user setting came from");
	pb_settings_clear(&st);
	return tap_done();
}
