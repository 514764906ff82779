// SPDX-License-Identifier: MIT
/* A profile written in any file format, through whichever output plugin writes that format. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "session_internal.h"

static int copy_file(const char *path, FILE *out)
{
	char buf[65536];
	FILE *in = fopen(path, "r");
	size_t n;
	int err = 0;

	if (!in)
		return -errno;
	while (!err && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			err = -EIO;
	if (!err && ferror(in))
		err = -EIO;
	fclose(in);
	return err;
}

/*
 * Plugins write files (atomically, by path), not FILE streams: the profile goes through a
 * private temporary directory, whose file is then copied into out.
 */
int pb_profile__write_format(const struct pb_profile *p, const char *format, FILE *out,
			     const struct pb_render_opts *opts)
{
	struct pb_render_opts o = { 0 };
	struct pb_session_opts so = { .sz = sizeof(so), .quiet = true, .errors_to_caller = true };
	const char *ext, *tmp = getenv("TMPDIR");
	char *dir = NULL, *path = NULL;
	struct pb_session *s = NULL;
	int err;

	if (!p || !format || !out)
		return -EINVAL;
	if (!strcmp(format, "folded") || !strcmp(format, ".folded"))
		return pb_profile__write_folded(p, out);
	if (opts)
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	so.plugin_path = o.plugin_path;
	if ((err = pb_session__new(&so, &s)))
		return err;
	if (!(ext = pb_plugin_registry__extension(s->registry, format))) {
		err = -EINVAL;
		goto out;
	}
	if (asprintf(&dir, "%s/profile-bee-render.XXXXXX", tmp && tmp[0] ? tmp : "/tmp") < 0) {
		dir = NULL;
		err = -ENOMEM;
		goto out;
	}
	if (!mkdtemp(dir)) {
		err = -errno;
		goto out;
	}
	if (asprintf(&path, "%s/profile%s", dir, ext) < 0) {
		path = NULL;
		err = -ENOMEM;
		rmdir(dir);
		goto out;
	}
	err = pb_session__add_output(s, path, o.settings);
	if (!err)
		err = pb_session__write(s, p);
	if (!err)
		err = copy_file(path, out);
	unlink(path);
	rmdir(dir);
out:
	pb_session__free(s);
	free(path);
	free(dir);
	return err;
}
