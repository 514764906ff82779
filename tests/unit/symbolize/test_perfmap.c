// SPDX-License-Identifier: MIT
/* JIT perf maps: the parser on hostile lines, the safe open, and re-reading a growing map. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "symbolize/jitmaps.h"
#include "symbolize/perfmap.h"
#include "tap.h"

static struct pb_perfmap *parse(const char *text)
{
	struct pb_perfmap *pm;

	if (pb_perfmap__new(&pm))
		abort();
	/* Byte by byte for the first half: lines split across reads must come out whole. */
	size_t n = strlen(text), half = n / 2;

	for (size_t i = 0; i < half; i++)
		pb_perfmap__feed(pm, text + i, 1);
	pb_perfmap__feed(pm, text + half, n - half);
	return pm;
}

static void test_parser(void)
{
	struct pb_perfmap *pm = parse("1000 10 first\n"
				      "0x2000 0x20 with spaces (x.js:1:2)\n"
				      "1008 4 later wins\n"
				      "3000 0 zero size\n"
				      "ffffffffffffff00 100 past 2^64\n"
				      "11112222333344445 10 seventeen digits\n"
				      "nothex 10 x\n"
				      "4000 10\n"
				      "5000 10 ctl\x01\x1b[31mred\x7f\r\n"
				      "\x02\xff\xfe garbage\n"
				      "ffffffffffffff00 ff top\n"
				      "6000 8 unterminated");
	const struct pb_perfmap_stats *st = pb_perfmap__stats(pm);

	is_str(pb_perfmap__lookup(pm, 0x1000), "first", "start of an entry");
	is_str(pb_perfmap__lookup(pm, 0x1008), "later wins", "overlap: the later line wins");
	is_str(pb_perfmap__lookup(pm, 0x100b), "later wins", "... to its end");
	is_str(pb_perfmap__lookup(pm, 0x100c), "first", "the earlier entry resumes after it");
	ok(!pb_perfmap__lookup(pm, 0x1010), "end is exclusive");
	ok(!pb_perfmap__lookup(pm, 0xfff), "before the first entry: none");
	is_str(pb_perfmap__lookup(pm, 0x201f), "with spaces (x.js:1:2)",
	       "0x prefix, names with spaces");
	ok(!pb_perfmap__lookup(pm, 0x3000), "a zero-size entry names nothing");
	is_str(pb_perfmap__lookup(pm, 0x5000), "ctl??[31mred?", "control bytes become '?'");
	is_str(pb_perfmap__lookup(pm, UINT64_MAX - 1), "top", "an entry ending at 2^64-1");
	ok(!pb_perfmap__lookup(pm, 0x6000), "an unterminated last line waits for its newline");
	pb_perfmap__feed(pm, "\n", 1);
	is_str(pb_perfmap__lookup(pm, 0x6004), "unterminated", "... and counts once it comes");
	ok(st->malformed == 6 && st->entries == 6,
	   "6 malformed (size 0, past 2^64, 17 digits, not hex, "
	   "no name, garbage), 6 accepted: %llu, %llu",
	   (unsigned long long)st->malformed, (unsigned long long)st->entries);
	pb_perfmap__free(pm);

	/* A line of 1 MiB without a newline, then a good one: skipped once, counted once. */
	char *huge = malloc((1 << 20) + 64);

	memset(huge, 'a', 1 << 20);
	strcpy(huge + (1 << 20), "\n7000 10 after\n");
	pm = parse(huge);
	st = pb_perfmap__stats(pm);
	ok(st->too_long == 1 && st->entries == 1, "a 1 MiB line is skipped and counted once");
	is_str(pb_perfmap__lookup(pm, 0x7000), "after", "the line after it is read");
	pb_perfmap__free(pm);
	free(huge);

	/* Many overlapping entries: the flattened ranges still answer with the latest. */
	pb_perfmap__new(&pm);
	for (int i = 0; i < 1000; i++) {
		char line[64];

		snprintf(line, sizeof(line), "%x %x f%d\n", 0x10000 + i * 8, 64, i);
		pb_perfmap__feed(pm, line, strlen(line));
		if (i == 500) /* a lookup between feeds: flattened, then merged again */
			pb_perfmap__lookup(pm, 0);
	}
	is_str(pb_perfmap__lookup(pm, 0x10000 + 999 * 8 + 63), "f999", "latest of 1000 overlaps");
	is_str(pb_perfmap__lookup(pm, 0x10000 + 600 * 8), "f600", "each range to its latest");
	pb_perfmap__free(pm);
}

static char root[64];

static void put(const char *rel, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static int try_open(uint32_t nspid)
{
	int rfd = open(root, O_PATH | O_DIRECTORY), fd = pb_perfmap_open(rfd, nspid, getuid());

	close(rfd);
	if (fd >= 0)
		close(fd);
	return fd >= 0 ? 0 : fd;
}

static void test_open(void)
{
	char path[128], tmp[128];

	snprintf(root, sizeof(root), "/tmp/pb-perfmap-XXXXXX");
	if (!mkdtemp(root))
		abort();
	snprintf(tmp, sizeof(tmp), "%s/tmp", root);
	mkdir(tmp, 0755);
	put("tmp/perf-1.map", "1000 10 ok\n");
	ok(try_open(1) == 0, "a regular file of the process's owner opens");
	ok(try_open(2) == -ENOENT, "no map: -ENOENT");

	snprintf(path, sizeof(path), "%s/tmp/perf-3.map", root);
	symlink("/etc/shadow", path);
	ok(try_open(3) == -EPERM || try_open(3) == -ENOENT, "a symlink to /etc/shadow is refused");
	snprintf(path, sizeof(path), "%s/tmp/perf-4.map", root);
	symlink("../../../../../../etc/passwd", path);
	ok(try_open(4) != 0, "a relative symlink climbing out of the root is refused");

	snprintf(path, sizeof(path), "%s/tmp/perf-5.map", root);
	mkfifo(path, 0644);
	ok(try_open(5) == -EPERM, "a FIFO is refused without blocking");
	snprintf(path, sizeof(path), "%s/tmp/perf-6.map", root);
	mkdir(path, 0755);
	ok(try_open(6) == -EPERM, "a directory is refused");

	put("tmp/perf-7.map", "1000 10 theirs\n");
	snprintf(path, sizeof(path), "%s/tmp/perf-7.map", root);
	if (geteuid() == 0 && !chown(path, 4242, 4242)) {
		ok(try_open(7) == -EPERM, "a file owned by another user is refused");
		snprintf(path, sizeof(path), "%s/tmp/perf-8.map", root);
		if (!mknod(path, S_IFCHR | 0644, makedev(1, 3)))
			ok(try_open(8) == -EPERM, "a device (/dev/null's numbers) is refused");
		else
			skip_or_fail("mknod failed");
	} else {
		skip_or_fail("chown to another user needs root");
		skip_or_fail("mknod needs root");
	}
	/* /tmp itself a link out of the root: resolved inside it, or refused. */
	char root2[128], tmp2[160];

	snprintf(root2, sizeof(root2), "%s/r2", root);
	mkdir(root2, 0755);
	snprintf(tmp2, sizeof(tmp2), "%s/tmp", root2);
	symlink(tmp, tmp2); /* absolute: names the outer tmp, not r2's */
	int rfd = open(root2, O_PATH | O_DIRECTORY), fd = pb_perfmap_open(rfd, 1, getuid());

	ok(fd < 0, "a tmp linking outside the process's root does not reach the outer file");
	if (fd >= 0)
		close(fd);
	close(rfd);
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd))
		diag("could not remove %s", root);
}

/* A map of this very process, found through /proc/self/root, grown after the first read. */
static void test_growing(void)
{
	struct pb_jitmaps j = {0};
	struct pb_perfmap_stats st;
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/perf-%d.map", getpid());
	f = fopen(path, "w");
	fputs("a000 100 early_fn\nb000 10 half", f);
	fflush(f);
	is_str(pb_jitmaps_lookup(&j, getpid(), 0xa010), "early_fn",
	       "found by pid through its root");
	ok(!pb_jitmaps_lookup(&j, getpid(), 0xb000), "a half-written line names nothing yet");
	fputs("_written\nc000 10 late_fn\n", f);
	fflush(f);
	ok(!pb_jitmaps_lookup(&j, getpid(), 0xc000), "re-read at most every 200 ms");
	usleep(250 * 1000);
	is_str(pb_jitmaps_lookup(&j, getpid(), 0xc000), "late_fn", "appended lines are read later");
	is_str(pb_jitmaps_lookup(&j, getpid(), 0xb000), "half_written", "the split line whole");
	pb_jitmaps_forget(&j, getpid());
	is_str(pb_jitmaps_lookup(&j, getpid(), 0xa000), "early_fn", "kept until the window ends");
	pb_jitmaps_end_window(&j);
	pb_jitmaps_stats(&j, &st);
	ok(st.entries == 3 && !st.malformed, "3 entries counted after the map was dropped");
	fclose(f);
	unlink(path);
	pb_jitmaps_clear(&j);
}

int main(void)
{
	test_parser();
	test_open();
	test_growing();
	return tap_done();
}
