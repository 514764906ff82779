// SPDX-License-Identifier: MIT
/* Unit tests of the checks before dlopen: whole ELF files, and who can replace a plugin's path. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin_file.h"
#include "plugin_loader.h"
#include "tap.h"

#define NOBODY 65534

static char dir[] = "/tmp/pb-pfiles-XXXXXX";
static const char *good;

static const char *at(const char *rel)
{
	static char bufs[4][512];
	static int next;
	char *b = bufs[next++ % 4];

	snprintf(b, 512, "%s/%s", dir, rel);
	return b;
}

static bool mkdir_mode(const char *rel, mode_t mode)
{
	return !mkdir(at(rel), mode) && !chmod(at(rel), mode);
}

/* A copy of the good plugin, first n bytes only when n > 0, one byte changed when poke >= 0. */
static const char *copy(const char *rel, size_t n, long poke, unsigned char value)
{
	static char buf[1 << 20];
	int in = open(good, O_RDONLY), out = open(at(rel), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t got = in >= 0 ? read(in, buf, sizeof(buf)) : -1;

	if (got > 0 && n && (size_t)got > n)
		got = (ssize_t)n;
	if (got > 0 && poke >= 0 && poke < got)
		buf[poke] = (char)value;
	if (out < 0 || got <= 0 || write(out, buf, (size_t)got) != got)
		diag("cannot stage %s", rel);
	close(in);
	close(out);
	chmod(at(rel), 0644);
	return at(rel);
}

static int trust(const char *rel, char *err, size_t len)
{
	char real[4096];

	return pb_plugin_trust(at(rel), real, sizeof(real), err, len);
}

static void elf_tests(void)
{
	char err[1024];
	int ret;

	ret = pb_plugin_elf_check(copy("whole.so", 0, -1, 0), err, sizeof(err));
	ok(ret == 0, "a whole shared object passes (%s)", ret ? err : "ok");
	ret = pb_plugin_elf_check(copy("cut.so", 9000, -1, 0), err, sizeof(err));
	ok(ret == -ENOEXEC && strstr(err, "cut.so") && strstr(err, "truncated"),
	   "a truncated file is refused before dlopen, naming it: %s", err);
	ret = pb_plugin_elf_check(copy("tiny.so", 20, -1, 0), err, sizeof(err));
	ok(ret == -ENOEXEC && strstr(err, "truncated"), "20 bytes: %s", err);
	/* e_machine is at byte 18: 183 (AArch64) here, 62 (x86-64) on an AArch64 host. */
#ifdef __aarch64__
	ret = pb_plugin_elf_check(copy("arm.so", 0, 18, 62), err, sizeof(err));
#else
	ret = pb_plugin_elf_check(copy("arm.so", 0, 18, 183), err, sizeof(err));
#endif
	ok(ret == -ENOEXEC && strstr(err, "machine"), "another machine: %s", err);
	/* e_type at byte 16: 2 is an executable. */
	ret = pb_plugin_elf_check(copy("exec.so", 0, 16, 2), err, sizeof(err));
	ok(ret == -ENOEXEC && strstr(err, "not a shared object"), "an executable: %s", err);
	ret = pb_plugin_elf_check(copy("text.so", 0, 0, '#'), err, sizeof(err));
	ok(ret == -ENOEXEC && strstr(err, "not an ELF file"), "not ELF: %s", err);
	ok(pb_plugin_file_has(at("whole.so"), ".testfmt") &&
	       !pb_plugin_file_has(at("whole.so"), ".testfm"),
	   "a claim is found as a whole string in the file, not as a prefix");
}

static void trust_tests(bool root)
{
	char err[1024], real[4096];
	int ret;

	/* A root-owned 0755 directory inside a world-writable one: the outer one can swap it. */
	mkdir_mode("ww", 0777);
	mkdir_mode("ww/safe", 0755);
	copy("ww/safe/p.so", 0, -1, 0);
	ret = trust("ww/safe/p.so", err, sizeof(err));
	ok(ret == -EPERM && strstr(err, at("ww")) && strstr(err, "writable by") &&
	       strstr(err, "0777"),
	   "a directory inside a world-writable one is refused, naming it: %s", err);

	/* A link in a safe directory to a file in an unsafe one: the resolved path is checked. */
	mkdir_mode("safe", 0755);
	symlink(at("ww/safe/p.so"), at("safe/link.so"));
	ret = trust("safe/link.so", err, sizeof(err));
	ok(ret == -EPERM && strstr(err, at("ww")), "a link into an unsafe directory: %s", err);

	/* A link to a safe file, but the link's own directory is writable by others. */
	copy("safe/real.so", 0, -1, 0);
	symlink(at("safe/real.so"), at("ww/link.so"));
	ret = trust("ww/link.so", err, sizeof(err));
	ok(ret == -EPERM && strstr(err, at("ww")), "a link in an unsafe directory: %s", err);

	/* A relative link through "..", both ends safe: allowed, and resolved without links. */
	mkdir_mode("safe/sub", 0755);
	symlink("../real.so", at("safe/sub/rel.so"));
	ret = pb_plugin_trust(at("safe/sub/rel.so"), real, sizeof(real), err, sizeof(err));
	ok(ret == 0 && !strcmp(real, at("safe/real.so")), "a safe relative link: %s",
	   ret ? err : real);

	/* A group-writable file is refused. */
	copy("safe/g.so", 0, -1, 0);
	chmod(at("safe/g.so"), 0664);
	ret = trust("safe/g.so", err, sizeof(err));
	ok(ret == -EPERM && strstr(err, "g.so") && strstr(err, "its group") && strstr(err, "0664"),
	   "a group-writable file is refused: %s", err);

	/* Sticky and world-writable (as /tmp): fine when the entry below is root's. */
	mkdir_mode("sticky", 01777);
	mkdir_mode("sticky/mine", 0755);
	copy("sticky/mine/p.so", 0, -1, 0);
	ret = trust("sticky/mine/p.so", err, sizeof(err));
	ok(ret == 0, "a root-owned directory in a sticky one is accepted (%s)", ret ? err : "ok");
	copy("sticky/direct.so", 0, -1, 0);
	ret = trust("sticky/direct.so", err, sizeof(err));
	ok(ret == 0, "a root-owned file in a sticky directory is accepted (%s)", ret ? err : "ok");
	if (!root) {
		for (int i = 0; i < 3; i++)
			skip("ownership by another user needs root");
		return;
	}
	mkdir_mode("sticky/theirs", 0755);
	copy("sticky/theirs/p.so", 0, -1, 0);
	chown(at("sticky/theirs"), NOBODY, NOBODY);
	ret = trust("sticky/theirs/p.so", err, sizeof(err));
	ok(ret == -EPERM && strstr(err, "theirs") && strstr(err, "uid 65534"),
	   "another user's directory is refused: %s", err);
	symlink(at("safe/real.so"), at("sticky/theirlink.so"));
	lchown(at("sticky/theirlink.so"), NOBODY, NOBODY);
	ret = trust("sticky/theirlink.so", err, sizeof(err));
	ok(ret == -EPERM && strstr(err, "theirlink.so") && strstr(err, "uid 65534") &&
	       strstr(err, "1777"),
	   "another user's link in a sticky directory is refused: %s", err);
	copy("safe/nobody.so", 0, -1, 0);
	chown(at("safe/nobody.so"), NOBODY, NOBODY);
	ret = trust("safe/nobody.so", err, sizeof(err));
	ok(ret == -EPERM && strstr(err, "nobody.so") && strstr(err, "uid 65534"),
	   "a file owned by another user is refused: %s", err);
}

int main(int argc, char **argv)
{
	struct pb_plugin_so so = { 0 };
	char err[1024];
	int ret;

	if (argc < 2 || !mkdtemp(dir)) {
		fprintf(stderr, "usage: %s GOOD.so\n", argv[0]);
		return 2;
	}
	good = argv[1];
	chmod(dir, 0755);
	elf_tests();
	trust_tests(geteuid() == 0);

	/* The loader runs both checks: a truncated file is an error, not a SIGBUS in dlopen. */
	ret = pb_plugin_so__open(at("cut.so"), &so, err, sizeof(err));
	ok(ret == -ENOEXEC && strstr(err, "cut.so"), "the loader refuses it: %s", err);
	ret = pb_plugin_so__open(at("safe/link.so"), &so, err, sizeof(err));
	ok(ret == -EPERM, "the loader refuses the link into an unsafe directory: %s", err);
	ret = pb_plugin_so__open(at("safe/sub/rel.so"), &so, err, sizeof(err));
	ok(ret == 0 && so.n == 1 && !strcmp(so.plugins[0]->name, "testfmt"),
	   "the loader loads through a safe link (%s)", ret ? err : "ok");
	pb_plugin_so__close(&so);

	snprintf(err, sizeof(err), "chmod -R u+w '%s'; rm -rf '%s'", dir, dir);
	if (system(err))
		return 1;
	return tap_done();
}
