// SPDX-License-Identifier: MIT
/* jitdump files: the parser on real and hostile records, and a dump found by its mapping. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "symbolize/jitdump.h"
#include "symbolize/jitmaps.h"
#include "tap.h"

/* A file being built: the bytes of a header and records as V8 and perf's agent write them. */
struct buf {
	uint8_t b[1 << 16];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void put32(struct buf *b, uint32_t v)
{
	put(b, &v, 4);
}
static void put64(struct buf *b, uint64_t v)
{
	put(b, &v, 8);
}

static void header(struct buf *b, uint32_t magic, uint32_t size)
{
	put32(b, magic);
	put32(b, 1);
	put32(b, size);
	put32(b, 62); /* EM_X86_64 */
	put32(b, 0);
	put32(b, getpid());
	put64(b, 1);
	put64(b, 0);
	for (uint32_t i = 40; i < size; i++)
		put(b, "", 1);
}

static void load(struct buf *b, uint64_t addr, uint64_t size, const char *name, size_t code)
{
	size_t len = strlen(name) + 1;

	put32(b, 0);
	put32(b, 16 + 40 + len + code);
	put64(b, 7);
	put32(b, getpid());
	put32(b, getpid());
	put64(b, addr);
	put64(b, addr);
	put64(b, size);
	put64(b, 0);
	put(b, name, len);
	for (size_t i = 0; i < code; i++)
		put(b, "\xcc", 1);
}

static void move(struct buf *b, uint64_t from, uint64_t to, uint64_t size)
{
	put32(b, 1);
	put32(b, 16 + 48);
	put64(b, 7);
	put32(b, getpid());
	put32(b, getpid());
	put64(b, to);
	put64(b, from);
	put64(b, to);
	put64(b, size);
	put64(b, 0);
}

static void other(struct buf *b, uint32_t id, uint32_t body)
{
	put32(b, id);
	put32(b, 16 + body);
	put64(b, 7);
	for (uint32_t i = 0; i < body; i++)
		put(b, "\0", 1);
}

/* Fed byte by byte for the first half: records split across reads must come out whole. */
static struct pb_jitdump *parse(const struct buf *b)
{
	struct pb_jitdump *jd;

	if (pb_jitdump__new(&jd))
		abort();
	for (size_t i = 0; i < b->n / 2; i++)
		pb_jitdump__feed(jd, b->b + i, 1);
	pb_jitdump__feed(jd, b->b + b->n / 2, b->n - b->n / 2);
	return jd;
}

static void test_parser(void)
{
	static struct buf b;
	struct pb_perfmap_stats st;
	struct pb_jitdump *jd;
	char longname[5000];

	header(&b, 0x4A695444, 48); /* a longer header than version 1's: its extra bytes skipped */
	load(&b, 0x1000, 0x40, "JS:*hiveNectar /tmp/busy.js:1:20", 300);
	other(&b, 4, 40); /* unwinding info */
	load(&b, 0x2000, 0x10, "ctl\x01\x1b[31m", 0);
	other(&b, 2, 24); /* debug info */
	move(&b, 0x1000, 0x3000, 0x40);
	move(&b, 0x9000, 0x4000, 0x10); /* of code never loaded */
	load(&b, 0x5000, 0, "zero size", 0);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	load(&b, 0x6000, 0x10, longname, 100);
	load(&b, 0x7000, 0x10, "after the long one", 8);
	other(&b, 3, 0); /* close */
	jd = parse(&b);
	is_str(pb_jitdump__lookup(jd, 0x1020), "JS:*hiveNectar /tmp/busy.js:1:20", "a code load");
	ok(!pb_jitdump__lookup(jd, 0x1040), "end is exclusive");
	is_str(pb_jitdump__lookup(jd, 0x2000), "ctl??[31m", "control bytes become '?'");
	is_str(pb_jitdump__lookup(jd, 0x303f), "JS:*hiveNectar /tmp/busy.js:1:20",
	       "a move names the new range");
	ok(!pb_jitdump__lookup(jd, 0x4000), "a move of unknown code names nothing");
	ok(!pb_jitdump__lookup(jd, 0x5000), "a zero-size load names nothing");
	ok(pb_jitdump__lookup(jd, 0x6000) &&
	       strlen(pb_jitdump__lookup(jd, 0x6000)) <= PB_PERFMAP_MAX_LINE,
	   "a 5000-byte name is cut");
	is_str(pb_jitdump__lookup(jd, 0x7000), "after the long one", "the record after it is read");
	pb_jitdump__stats(jd, &st);
	ok(st.entries == 5 && st.malformed == 2 && st.too_long == 1,
	   "5 accepted, 2 malformed, 1 name cut: %llu %llu %llu", (unsigned long long)st.entries,
	   (unsigned long long)st.malformed, (unsigned long long)st.too_long);
	ok(pb_jitdump__offset(jd) == b.n, "every byte consumed");
	pb_jitdump__free(jd);

	/* A record whose size is below its prefix: the rest of the file is not trusted. */
	b.n = 0;
	header(&b, 0x4A695444, 40);
	load(&b, 0x1000, 0x10, "before", 0);
	put32(&b, 0);
	put32(&b, 8);
	put64(&b, 0);
	load(&b, 0x2000, 0x10, "after", 0);
	jd = parse(&b);
	ok(pb_jitdump__lookup(jd, 0x1000) && !pb_jitdump__lookup(jd, 0x2000),
	   "a record of 8 bytes stops the parse");
	pb_jitdump__free(jd);

	/* Another byte order (or no jitdump at all): nothing is read. */
	b.n = 0;
	header(&b, 0x4454694A, 40);
	load(&b, 0x1000, 0x10, "swapped", 0);
	jd = parse(&b);
	pb_jitdump__stats(jd, &st);
	ok(!pb_jitdump__lookup(jd, 0x1000) && st.malformed == 1,
	   "a byte-swapped header is refused");
	pb_jitdump__free(jd);
}

/* This process maps a jit-PID.dump as a JIT does: found through /proc/self/maps, then grown. */
static void test_mapped(void)
{
	static struct buf b;
	struct pb_jitmaps j = {0};
	char dir[] = "/tmp/pb-jitdump-XXXXXX", path[128];
	void *map;
	int fd;

	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/jit-%d.dump", dir, getpid());
	fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	header(&b, 0x4A695444, 40);
	load(&b, 0xa000, 0x100, "early_fn", 64);
	if (write(fd, b.b, b.n) != (ssize_t)b.n)
		abort();
	map = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	ok(!pb_jitmaps_lookup(&j, getpid(), 0x1), "no name outside its records");
	usleep(250 * 1000);
	is_str(pb_jitmaps_lookup(&j, getpid(), 0xa010), "early_fn", "found by its mapping");
	b.n = 0;
	load(&b, 0xc000, 0x10, "late_fn", 64);
	/* Half a record, then the rest: the reader waits for it. */
	if (write(fd, b.b, 30) != 30)
		abort();
	usleep(250 * 1000);
	ok(!pb_jitmaps_lookup(&j, getpid(), 0xc000), "half a record names nothing yet");
	if (write(fd, b.b + 30, b.n - 30) != (ssize_t)(b.n - 30))
		abort();
	usleep(250 * 1000);
	is_str(pb_jitmaps_lookup(&j, getpid(), 0xc000), "late_fn",
	       "appended records are read later");
	pb_jitmaps_clear(&j);

	/* A record of 8 bytes, then a good one: the reader stops there (and does not spin on it).
	 */
	b.n = 0;
	put32(&b, 0);
	put32(&b, 8);
	put64(&b, 0);
	load(&b, 0xe000, 0x10, "after_bad", 8);
	if (write(fd, b.b, b.n) != (ssize_t)b.n)
		abort();
	usleep(250 * 1000);
	ok(!pb_jitmaps_lookup(&j, getpid(), 0xe000) && pb_jitmaps_lookup(&j, getpid(), 0xc000),
	   "after a broken record nothing more is read, what came before stays");
	pb_jitmaps_clear(&j);

	/*
	 * Another file renamed over the mapped one's path: maps says "(deleted)" and the new file
	 * is not read (were a path to name another file, the inode check would refuse it).
	 */
	char other_path[160];
	int ofd;

	snprintf(other_path, sizeof(other_path), "%s/other", dir);
	ofd = open(other_path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	b.n = 0;
	header(&b, 0x4A695444, 40);
	load(&b, 0xd000, 0x10, "imposter", 0);
	if (write(ofd, b.b, b.n) != (ssize_t)b.n || rename(other_path, path))
		abort();
	close(ofd);
	ok(!pb_jitmaps_lookup(&j, getpid(), 0xd000),
	   "a file renamed over the mapped dump is not read");
	pb_jitmaps_clear(&j);

	if (geteuid() == 0 && !fchown(fd, 4242, 4242)) {
		ok(!pb_jitmaps_lookup(&j, getpid(), 0xa010),
		   "a dump owned by another user is refused");
		pb_jitmaps_clear(&j);
	} else {
		skip_or_fail("chown to another user needs root");
	}
	munmap(map, 4096);
	close(fd);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	tap_plan(19);
	test_parser();
	test_mapped();
	return tap_done();
}
