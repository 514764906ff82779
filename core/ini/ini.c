// SPDX-License-Identifier: MIT
/* Reads profile-bee.conf files with inih into layered settings, with file:line in every message. */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lines.h"
#include "settings.h"

#define SYSTEM_CONF "/etc/profile-bee/profile-bee.conf"

struct reader {
	FILE *f;
	const char *path;
	int line; /* inih's handler has no line number in Debian's build: the reader counts */
	struct pb_settings *st;
	char err[512];
};

/*
 * inih gets one whole line at a time or nothing: its buffer (200 bytes in Debian's build) would
 * split a longer line and parse the tail as a line of its own (a commented-out tail became a
 * setting). A line that does not fit, a NUL byte, or a read error ends the file with an error
 * at that line; reading stops there, so /dev/zero is not read forever.
 */
static char *read_line(char *buf, int size, void *stream)
{
	struct reader *r = stream;
	ssize_t len;

	if (r->err[0] || size < 2)
		return NULL;
	len = pb_read_line(r->f, buf, size - 2);
	if (len == -ENODATA)
		return NULL;
	r->line++;
	if (len == -E2BIG)
		snprintf(r->err, sizeof(r->err), "%s:%d: line longer than %d characters (the most a "
			 "line may hold)", r->path, r->line, size - 2);
	else if (len < 0)
		snprintf(r->err, sizeof(r->err), "cannot read '%s': %s", r->path, strerror(-len));
	else if (memchr(buf, '\0', len))
		snprintf(r->err, sizeof(r->err), "%s:%d: a NUL byte: not a text file", r->path,
			 r->line);
	if (r->err[0])
		return NULL;
	buf[len] = '\n';
	buf[len + 1] = '\0';
	return buf;
}

static int on_item(void *user, const char *section, const char *key, const char *value)
{
	struct reader *r = user;
	char why[400];

	if (r->err[0])
		return 0;
	if (!section[0]) {
		snprintf(r->err, sizeof(r->err), "%s:%d: '%s' comes before any [section]", r->path,
			 r->line, key);
		return 0;
	}
	if (pb_settings_set(r->st, section, key, value ? value : "", r->path, r->line, why,
			    sizeof(why))) {
		snprintf(r->err, sizeof(r->err), "%s:%d: %s", r->path, r->line, why);
		return 0;
	}
	return 1;
}

int pb_ini_load(const char *path, struct pb_settings *st, char *err, size_t len)
{
	struct reader r = { .path = path, .st = st };
	int ret;

	if (!(r.f = fopen(path, "r"))) {
		ret = -errno;
		snprintf(err, len, "cannot read '%s': %s", path, strerror(errno));
		return ret;
	}
	ret = ini_parse_stream(read_line, &r, on_item, &r);
	fclose(r.f);
	if (r.err[0]) {
		snprintf(err, len, "%s", r.err);
		return -EINVAL;
	}
	if (ret > 0) {
		snprintf(err, len, "%s:%d: not a [section] or a 'key = value' line", path, ret);
		return -EINVAL;
	}
	if (ret < 0) {
		snprintf(err, len, "cannot read '%s'", path);
		return -EIO;
	}
	return 0;
}

int pb_ini_load_default(const char *path, struct pb_settings *st, char *err, size_t len)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char user[4096];
	int ret;

	if (path)
		return pb_ini_load(path, st, err, len);
	if (!access(SYSTEM_CONF, F_OK) && (ret = pb_ini_load(SYSTEM_CONF, st, err, len)))
		return ret;
	if (xdg && *xdg)
		snprintf(user, sizeof(user), "%s/profile-bee/profile-bee.conf", xdg);
	else if (home && *home)
		snprintf(user, sizeof(user), "%s/.config/profile-bee/profile-bee.conf", home);
	else
		return 0;
	if (!access(user, F_OK))
		return pb_ini_load(user, st, err, len);
	return 0;
}
