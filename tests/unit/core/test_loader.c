// SPDX-License-Identifier: MIT
/*
 * Unit tests of the plugin loader: a good plugin; other ABIs (major, newer minor, ABI 1) refused
 * naming the file and both versions; no entry; unsafe modes; two plugins in one file; a default
 * outside its range; an optional op past a smaller ops struct never called.
 */
#include <errno.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include <profile-bee/profile-bee.h>

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

/* Stages src as rel/name: a directory of one plugin file, for a plugin_path; sub gets its path. */
static bool stage_in_dir(const char *rel, const char *src, const char *name, char *sub, size_t len)
{
	char file[256];

	snprintf(sub, len, "%s/%s", dir, rel);
	snprintf(file, sizeof(file), "%s/%s", rel, name);
	mkdir(sub, 0755);
	return stage(src, file) != NULL;
}

static void refused_versions(char **argv)
{
	struct pb_plugin_so so = { 0 };
	char err[1024], want[128];
	int ret;

	ret = pb_plugin_so__open(stage(argv[2], "abi3.so"), &so, err, sizeof(err));
	snprintf(want, sizeof(want), "built for plugin ABI 3.%u, this profile-bee loads 2.0 to 2.%u",
		 PB_PLUGIN_ABI_MINOR, PB_PLUGIN_ABI_MINOR);
	ok(ret == -EPROTO && strstr(err, "abi3.so") && strstr(err, want),
	       "another ABI major is refused, naming the file and both versions: %s", err);

	ret = pb_plugin_so__open(stage(argv[3], "newer.so"), &so, err, sizeof(err));
	snprintf(want, sizeof(want), "built for plugin ABI 2.%u", PB_PLUGIN_ABI_MINOR + 1);
	ok(ret == -EPROTO && strstr(err, "newer.so") && strstr(err, want),
	       "a minor newer than the core's is refused: %s", err);

	ret = pb_plugin_so__open(stage(argv[4], "abi1.so"), &so, err, sizeof(err));
	ok(ret == -EPROTO && strstr(err, "abi1.so") &&
		       strstr(err, "built for plugin ABI 1.1, this profile-bee loads 2.0") &&
		       strstr(err, "rebuild it"),
	       "a plugin built against ABI 1 is refused with both versions: %s", err);

	ret = pb_plugin_so__open(stage(argv[5], "noentry.so"), &so, err, sizeof(err));
	ok(ret == -ENOENT && strstr(err, PB_PLUGIN_ENTRY_SYMBOL),
	       "a library without the entry symbol is refused: %s", err);

	ret = pb_plugin_so__open(stage(argv[7], "baddefault.so"), &so, err, sizeof(err));
	ok(ret == -EINVAL && strstr(err, "'level' must be from 1 to 9, not '12'"),
	       "a default outside its own range is refused at load: %s", err);
}

static void unsafe_files(const char *good)
{
	struct pb_plugin_so so = { 0 };
	char err[1024], *path;
	int ret;

	path = stage(good, "writable.so");
	chmod(path, 0666);
	ret = pb_plugin_so__open(path, &so, err, sizeof(err));
	ok(ret == -EPERM && strstr(err, "writable by") && strstr(err, "0666"),
	       "a world-writable plugin file is refused: %s", err);

	path = stage(good, "good2.so");
	chmod(dir, 0777);
	ret = pb_plugin_so__open(path, &so, err, sizeof(err));
	ok(ret == -EPERM && strstr(err, "directory"),
	       "a plugin in a world-writable directory is refused: %s", err);
	chmod(dir, 0755);

	ret = pb_plugin_so__open("/nonexistent/x.so", &so, err, sizeof(err));
	ok(ret < 0 && strstr(err, "/nonexistent"), "a missing directory is reported: %s", err);
}

/* Through a session: both plugins of one file are found, each by what it claims. */
static void two_plugins(const char *two)
{
	struct pb_session_opts so = { .sz = sizeof(so), .quiet = true, .errors_to_caller = true };
	struct pb_session *s = NULL;
	struct pb_profile *p = NULL;
	char sub[600], out[700], *buf = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	if (!stage_in_dir("two", two, "output-two.so", sub, sizeof(sub)))
		return;
	so.plugin_path = sub;
	pb_profile__new(&p);
	f = open_memstream(&buf, &len);
	struct pb_render_opts ro = { .sz = sizeof(ro), .plugin_path = sub };
	ret = pb_profile__write_format(p, "second", f, &ro);
	fclose(f);
	ok(ret == 0 && buf && !strcmp(buf, "second\n"),
	       "the second plugin of a file encodes its format (%d)", ret);
	free(buf);
	ret = pb_session__new(&so, &s);
	snprintf(out, sizeof(out), "%s/x.testfmt", dir);
	if (!ret)
		ret = pb_session__add_output(s, out, "level=3");
	ok(ret == 0, "the first plugin of the same file takes its -o target (%s)",
	       s ? pb_session__strerror(s) : "");
	ret = s ? pb_session__add_output(s, out, "level=10") : -1;
	ok(ret == -EINVAL && strstr(pb_session__strerror(s), "must be from 1 to 9, not '10'"),
	       "its settings are checked against its own range: %s", s ? pb_session__strerror(s) : "");
	pb_session__free(s);
	pb_profile__free(p);
}

/* The ops struct ends before flush: writing (which flushes at the end) must not call it. */
static void small_ops(const char *small)
{
	struct pb_session_opts so = { .sz = sizeof(so), .quiet = true, .errors_to_caller = true };
	struct pb_session *s = NULL;
	struct pb_profile *p = NULL;
	char sub[600], out[700];
	int ret;

	if (!stage_in_dir("small", small, "output-testfmt.so", sub, sizeof(sub)))
		return;
	so.plugin_path = sub;
	pb_profile__new(&p);
	snprintf(out, sizeof(out), "%s/small.testfmt", dir);
	ret = pb_session__new(&so, &s);
	if (!ret)
		ret = pb_session__add_output(s, out, NULL);
	if (!ret)
		ret = pb_session__write(s, p);
	ok(ret == 0 && access(out, F_OK) == 0,
	       "a plugin whose ops struct ends before flush is written and closed, flush never "
	       "called (%s)", s ? pb_session__strerror(s) : "");
	pb_session__free(s);
	pb_profile__free(p);
}

int main(int argc, char **argv)
{
	struct pb_plugin_so so = { 0 };
	char err[1024];
	int ret;

	if (argc < 9 || !mkdtemp(dir)) {
		fprintf(stderr,
			"usage: %s GOOD ABI3 NEWER ABI1 NOENTRY TWO BADDEFAULT SMALLOPS (.so)\n",
			argv[0]);
		return 2;
	}
	chmod(dir, 0755);
	ret = pb_plugin_so__open(stage(argv[1], "good.so"), &so, err, sizeof(err));
	ok(ret == 0 && so.n == 1 && !strcmp(so.plugins[0]->name, "testfmt"),
	       "a valid plugin loads (%s)", ret ? err : "ok");
	pb_plugin_so__close(&so);
	refused_versions(argv);
	unsafe_files(argv[1]);
	ret = pb_plugin_so__open(stage(argv[6], "two.so"), &so, err, sizeof(err));
	ok(ret == 0 && so.n == 2 && !strcmp(so.plugins[1]->name, "second"),
	       "a file lists two plugins (%s)", ret ? err : "ok");
	pb_plugin_so__close(&so);
	two_plugins(argv[6]);
	small_ops(argv[8]);

	snprintf(err, sizeof(err), "rm -rf '%s'", dir);
	if (system(err))
		return 1;
	return tap_done();
}
