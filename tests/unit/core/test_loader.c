// SPDX-License-Identifier: MIT
/* Unit tests of the plugin loader: a good plugin, another ABI major, no entry, unsafe modes. */
#include <errno.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin_loader.h"
#include "tap.h"

static char dir[] = "/tmp/pb-loader-XXXXXX";

/* Copies a built plugin into our private directory, so modes can be changed freely. */
static char *stage(const char *src, const char *name)
{
	static char path[512];
	char cmd[1200];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, path);
	if (system(cmd))
		return NULL;
	chmod(path, 0755);
	return path;
}

int main(int argc, char **argv)
{
	struct pb_loaded_plugin lp = { 0 };
	char err[1024], *path;
	int ret;

	if (argc < 4 || !mkdtemp(dir)) {
		fprintf(stderr, "usage: %s GOOD.so ABI2.so NOENTRY.so\n", argv[0]);
		return 2;
	}
	chmod(dir, 0755);
	path = stage(argv[1], "good.so");
	ret = pb_plugin_load(path, &lp, err, sizeof(err));
	ok(ret == 0 && lp.desc && !strcmp(lp.desc->name, "testfmt"), "a valid plugin loads (%s)",
	   ret ? err : "ok");
	pb_plugin_unload(&lp);

	path = stage(argv[2], "abi2.so");
	ret = pb_plugin_load(path, &lp, err, sizeof(err));
	ok(ret == -EPROTO, "a plugin of ABI 2 is refused");
	ok(strstr(err, "abi2.so") && strstr(err, "ABI 2.7, core expects 1.x"),
	   "the message names the file and both versions: %s", err);

	path = stage(argv[3], "noentry.so");
	ret = pb_plugin_load(path, &lp, err, sizeof(err));
	ok(ret == -ENOENT && strstr(err, "pb_plugin_entry"),
	   "a library without the entry symbol is refused: %s", err);

	path = stage(argv[1], "writable.so");
	chmod(path, 0666);
	ret = pb_plugin_load(path, &lp, err, sizeof(err));
	ok(ret == -EPERM && strstr(err, "writable by") && strstr(err, "0666"),
	   "a world-writable plugin file is refused: %s", err);

	path = stage(argv[1], "good2.so");
	chmod(dir, 0777);
	ret = pb_plugin_load(path, &lp, err, sizeof(err));
	ok(ret == -EPERM && strstr(err, "directory"),
	   "a plugin in a world-writable directory is refused: %s", err);
	chmod(dir, 0755);

	ret = pb_plugin_load("/nonexistent/x.so", &lp, err, sizeof(err));
	ok(ret < 0 && strstr(err, "/nonexistent"), "a missing directory is reported: %s", err);

	snprintf(err, sizeof(err), "rm -rf '%s'", dir);
	if (system(err))
		return 1;
	return tap_done();
}
