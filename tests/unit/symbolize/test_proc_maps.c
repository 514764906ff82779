// SPDX-License-Identifier: MIT
/* /proc/PID/maps line parsing: odd paths, deleted files, special and anonymous mappings. */
#include <errno.h>
#include <stdint.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "symbolize/proc_maps.h"
#include "tap.h"

static void test_parse(void)
{
	struct pb_maps_entry e;
	char l1[] = "7f0c1a200000-7f0c1a3b5000 r-xp 00028000 fd:01 1319 "
		    "   /usr/lib/x86_64-linux-gnu/libc.so.6\n";
	char l2[] =
	    "55d0c0000000-55d0c0001000 r-xp 00001000 08:02 42   /tmp/my dir/a b (deleted)\n";
	char l3[] =
	    "7ffd1b7f0000-7ffd1b7f2000 r-xp 00000000 00:00 0                          [vdso]\n";
	char l4[] = "7f0000000000-7f0000001000 rwxp 00000000 00:00 0 \n";
	char l5[] = "7f0000000000-7f0000001000 r--p 00000000 00:00 0   /odd\\012name\n";
	char l6[] = "garbage line\n";

	ok(!pb_proc_maps_parse_line(l1, &e) && e.exec && e.start == 0x7f0c1a200000ull &&
	       e.end == 0x7f0c1a3b5000ull && e.pgoff == 0x28000 && e.inode == 1319 &&
	       e.dev == makedev(0xfd, 1) && !e.deleted,
	   "maps: a library line");
	is_str(e.path, "/usr/lib/x86_64-linux-gnu/libc.so.6", "maps: library path");
	ok(!pb_proc_maps_parse_line(l2, &e) && e.deleted && e.pgoff == 0x1000,
	   "maps: deleted file is flagged");
	is_str(e.path, "/tmp/my dir/a b", "maps: spaces kept, ' (deleted)' cut");
	ok(!pb_proc_maps_parse_line(l3, &e) && e.exec && e.inode == 0, "maps: vdso line");
	is_str(e.path, "[vdso]", "maps: vdso name");
	ok(!pb_proc_maps_parse_line(l4, &e) && e.exec, "maps: anonymous executable mapping");
	is_str(e.path, "", "maps: anonymous has an empty path");
	ok(!pb_proc_maps_parse_line(l5, &e) && !e.exec, "maps: not executable");
	is_str(e.path, "/odd\nname", "maps: escaped newline decoded");
	ok(pb_proc_maps_parse_line(l6, &e) == -EINVAL, "maps: garbage is -EINVAL");
}

static int count(void *ctx, const struct pb_maps_entry *e)
{
	(*(int *)ctx)++;
	return e->exec ? 0 : -EINVAL;
}

int main(void)
{
	int n = 0;

	test_parse();
	ok(!pb_proc_maps_read(getpid(), count, &n) && n > 0, "own maps: %d executable mappings", n);
	ok(pb_proc_maps_read(0x7ffffff0, count, &n) == -ENOENT, "absent pid: -ENOENT");
	return tap_done();
}
