// SPDX-License-Identifier: MIT
/* Names for more frames: PLT stubs against objdump, .gnu_debuglink, the unnamed-frames line. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "symbolize/binary.h"
#include "symbolize/debugdata.h"
#include "symbolize/symbolizer.h"
#include "symbolize/unnamed.h"
#include "tap.h"

static struct pb_binary *load(const char *path, const struct pb_debug_search *ds)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ_MMAP, NULL) : NULL;
	struct pb_binary *b = NULL;

	if (elf)
		pb_binary__load(elf, ds, &b);
	elf_end(elf);
	if (fd >= 0)
		close(fd);
	return b;
}

/* st_value of name in path's .symtab, 0 when absent. */
static uint64_t symtab_value(const char *path, const char *name)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	Elf_Scn *scn = NULL;
	uint64_t v = 0;

	while (elf && !v && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize && !v; i++) {
			GElf_Sym s;
			const char *n;

			if (gelf_getsym(d, i, &s) && (n = elf_strptr(elf, sh.sh_link, s.st_name)) &&
			    !strcmp(n, name))
				v = s.st_value;
		}
	}
	elf_end(elf);
	if (fd >= 0)
		close(fd);
	return v;
}

/* Every "ADDR <func@plt>:" objdump prints for path must be what we name ADDR (and inside). */
static void check_plt(const char *path, int min_stubs)
{
	struct pb_binary *b = load(path, NULL);
	char cmd[PATH_MAX + 64], line[1024];
	int stubs = 0, same = 0;
	FILE *p;

	if (!b) {
		ok(0, "load %s", path);
		return;
	}
	snprintf(cmd, sizeof(cmd), "objdump -d -j .plt -j .plt.sec '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p)) {
		unsigned long long addr;
		char name[512];

		/* "func@plt-0x10" is objdump's name for PLT0, the lazy resolver: not a stub */
		if (sscanf(line, "%llx <%511[^>]>:", &addr, name) != 2 || !strstr(name, "@plt") ||
		    strstr(name, "@plt-"))
			continue;
		const char *at = pb_binary__lookup(b, addr), *mid = pb_binary__lookup(b, addr + 7);

		stubs++;
		if (at && mid && !strcmp(at, name) && !strcmp(mid, name))
			same++;
		else if (stubs - same <= 3)
			diag("%s: 0x%llx objdump %s, we %s / %s", path, addr, name, at ?: "NULL",
			     mid ?: "NULL");
	}
	if (p)
		pclose(p);
	ok(stubs >= min_stubs, "%s: objdump shows %d PLT stubs (want >= %d)", path, stubs,
	   min_stubs);
	ok(stubs && same == stubs, "%s: %d of %d PLT stubs named as objdump names them", path,
	   same, stubs);
	pb_binary__free(b);
}

static int copy_file(const char *from, const char *to)
{
	char cmd[2 * PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
	return system(cmd);
}

/* A stripped copy with a .gnu_debuglink: its debug file next to it, then in .debug/. */
static void test_debuglink(void)
{
	const char *lib = getenv("PBFIX_DL"), *linked = getenv("PBFIX_DL_LINKED");
	const char *debug = getenv("PBFIX_DL_DEBUG");
	char dir[] = "/tmp/pb-test-link-XXXXXX", so[PATH_MAX], dbg[PATH_MAX], sub[PATH_MAX];
	const char *none[] = {NULL};
	uint64_t hidden;
	struct pb_binary *b;

	if (!lib || !linked || !debug || !mkdtemp(dir)) {
		ok(0, "fixtures PBFIX_DL, PBFIX_DL_LINKED, PBFIX_DL_DEBUG and a temp dir");
		return;
	}
	hidden = symtab_value(lib, "pbfix_dl_hidden");
	ok(hidden != 0, "pbfix_dl_hidden in the unstripped fixture at 0x%" PRIx64, hidden);
	snprintf(so, sizeof(so), "%s/libpbfix_dl_linked.so", dir);
	snprintf(dbg, sizeof(dbg), "%s/libpbfix_dl.debug", dir); /* the name in the link */
	snprintf(sub, sizeof(sub), "%s/.debug", dir);
	struct pb_debug_search ds = {.dirs = none, .root = "", .path = so};

	copy_file(linked, so);
	b = load(so, &ds);
	ok(b && b->stripped && !pb_binary__lookup(b, hidden),
	   "no debug file: stripped, the static function unnamed");
	pb_binary__free(b);

	copy_file(debug, dbg);
	b = load(so, &ds);
	is_str(b ? pb_binary__lookup(b, hidden) : NULL, "pbfix_dl_hidden",
	       "debug file next to the binary, found by .gnu_debuglink");
	ok(b && !b->stripped && b->debug_path && !strcmp(b->debug_path, dbg), "debug path %s",
	   b && b->debug_path ? b->debug_path : "NULL");
	pb_binary__free(b);

	mkdir(sub, 0755);
	snprintf(sub, sizeof(sub), "%s/.debug/libpbfix_dl.debug", dir);
	ok(!rename(dbg, sub), "debug file moved into .debug/");
	b = load(so, &ds);
	is_str(b ? pb_binary__lookup(b, hidden) : NULL, "pbfix_dl_hidden",
	       "debug file in .debug/, found by .gnu_debuglink");
	pb_binary__free(b);

	/* A debug file of another build under the linked name must not be believed. */
	copy_file(so, sub);
	b = load(so, &ds);
	ok(b && !pb_binary__lookup(b, hidden), "a debug file with another build id is refused");
	pb_binary__free(b);
	unlink(sub);
	unlink(so);
	snprintf(sub, sizeof(sub), "%s/.debug", dir);
	rmdir(sub);
	rmdir(dir);
}

/* MiniDebugInfo, and hostile .gnu_debugdata: not xz, an xz bomb, xz of something not ELF. */
static void test_debugdata(void)
{
	const char *lib = getenv("PBFIX_DL"), *mini = getenv("PBFIX_DL_MINI");
	uint64_t hidden = lib ? symtab_value(lib, "pbfix_dl_hidden") : 0;
	const char *none[] = {NULL};
	struct pb_debug_search ds = {.dirs = none, .root = "", .path = mini};
	struct pb_binary *b = mini ? load(mini, &ds) : NULL;
	char *out = NULL;
	size_t n = 0;

	is_str(b ? pb_binary__lookup(b, hidden) : NULL, "pbfix_dl_hidden",
	       "static function named from .gnu_debugdata");
	is_str(b ? pb_binary__lookup(b, symtab_value(lib, "pbfix_dl_entry")) : NULL,
	       "pbfix_dl_entry", "exported function still named from .dynsym");
	ok(b && !b->stripped && !b->debug_path, "MiniDebugInfo is not 'stripped', no debug file");
	pb_binary__free(b);

	ok(pb_xz_decode("not xz at all", 13, 1 << 20, &out, &n) == -EINVAL, "not xz: -EINVAL");
	/* 8 MiB of zeros compress to ~1 KiB: a cap of 1 MiB must stop the decoder. */
	FILE *p = popen("head -c 8388608 /dev/zero | xz -c", "r");
	static char bomb[1 << 16];
	size_t bomb_n = p ? fread(bomb, 1, sizeof(bomb), p) : 0;

	if (p)
		pclose(p);
	ok(bomb_n > 0 && bomb_n < sizeof(bomb) &&
	       pb_xz_decode(bomb, bomb_n, 1 << 20, &out, &n) == -E2BIG,
	   "xz bomb of %zu bytes stops at the cap: -E2BIG", bomb_n);
	ok(bomb_n > 0 && !pb_xz_decode(bomb, bomb_n, 16 << 20, &out, &n) && n == 8388608,
	   "under a larger cap it decodes (%zu bytes)", n);
	free(out);
	ok(bomb_n > 1 && pb_xz_decode(bomb, bomb_n / 2, 16 << 20, &out, &n) == -EINVAL,
	   "truncated xz: -EINVAL");
}

static void test_unnamed_line(void)
{
	struct pb_unnamed u = {0};
	char line[1024];

	ok(pb_unnamed_format(&u, line, sizeof(line)) == 0 && !line[0], "nothing unnamed: no line");
	u.named = 900;
	pb_unnamed_add(&u, PB_UNNAMED_STRIPPED, "/usr/lib/libfoo.so.1", 60);
	pb_unnamed_add(&u, PB_UNNAMED_STRIPPED, "/opt/bar", 10);
	pb_unnamed_add(&u, PB_UNNAMED_STRIPPED, "/usr/lib/libfoo.so.1", 20);
	pb_unnamed_add(&u, PB_UNNAMED_JIT, "", 9);
	pb_unnamed_add(&u, PB_UNNAMED_NO_MAPPING, NULL, 1);
	pb_unnamed_format(&u, line, sizeof(line));
	diag("%s", line);
	ok(!strncmp(line, "99 of 1000 frames (9.9%) unnamed in 3 binaries: 90 in stripped",
		    strlen("99 of 1000 frames (9.9%) unnamed in 3 binaries: 90 in stripped")),
	   "totals, share, binaries");
	ok(strstr(line, "(libfoo.so.1 80, bar 10;") != NULL, "top binaries by frames");
	ok(strstr(line, "stripped") < strstr(line, "9 in JIT code without a perf map ([anon] 9;") &&
	       strstr(line, "perf-basic-prof") && !strstr(line, "outside known mappings"),
	   "causes by weight, each with its hint; frames outside mappings left out");
	/* Off-CPU: frames weigh microseconds; the line gives shares, no counts of "frames". */
	u.weight = "off-CPU time";
	pb_unnamed_format(&u, line, sizeof(line));
	diag("%s", line);
	const char *head = "9.9% of frames (by off-CPU time) unnamed in 3 binaries: 9.0% in stripped";

	ok(!strncmp(line, head, strlen(head)) &&
	       strstr(line, "(libfoo.so.1 8.0%, bar 1.0%;") && strstr(line, "0.9% in JIT code") &&
	       !strstr(line, " 80") && !strstr(line, "1000"),
	   "weighted by time: shares, not microseconds called frames");
	u.weight = NULL;
	pb_unnamed_add(&u, PB_UNNAMED_NO_MAPPING, NULL, 5);
	u.by_cause[PB_UNNAMED_STRIPPED] = u.by_cause[PB_UNNAMED_JIT] = 0;
	ok(pb_unnamed_format(&u, line, sizeof(line)) == 0, "only frames outside mappings: no line");
	u.by_cause[PB_UNNAMED_STRIPPED] = 90;
	u.by_cause[PB_UNNAMED_JIT] = 9;
	/* The table is bounded: more binaries are counted, not named. */
	for (int i = 0; i < 100; i++) {
		char p[32];

		snprintf(p, sizeof(p), "/lib/l%d.so", i);
		pb_unnamed_add(&u, PB_UNNAMED_NO_SYMBOL, p, 1);
	}
	ok(u.n_bins == PB_UNNAMED_MAX_BINS && u.untracked > 0, "bounded table: %zu binaries",
	   u.n_bins);
	ok(pb_unnamed_format(&u, line, 40) == 39 && strlen(line) == 39, "truncated to the buffer");
}

/* The symbolizer sorts its own misses: stripped library, anonymous code, no mapping. */
static void test_unnamed_symbolizer(void)
{
	const char *linked = getenv("PBFIX_DL_STRIPPED"), *lib = getenv("PBFIX_DL");
	struct pb_symbolizer *s = NULL;
	char line[1024];
	struct stat st;
	void *anon = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t hidden = lib ? symtab_value(lib, "pbfix_dl_hidden") : 0;

	if (!linked || stat(linked, &st) || pb_symbolizer__new(&s) || anon == MAP_FAILED) {
		ok(0, "stripped fixture, symbolizer, anonymous mapping");
		return;
	}
	/* The fixture's first page is mapped at 0: addresses equal vaddrs (pgoff = offset). */
	struct pb_mapping m = {.start = 0, .end = st.st_size, .dev = st.st_dev,
			       .inode = st.st_ino, .path = linked, .open_path = linked};
	struct pb_mapping a = {.start = (uintptr_t)anon, .end = (uintptr_t)anon + 4096,
			       .path = ""};

	pb_symbolizer__frame_n(s, 1, &m, hidden, false, 7);
	pb_symbolizer__frame_n(s, 1, &a, (uintptr_t)anon + 8, false, 3);
	pb_symbolizer__frame_n(s, 1, NULL, 0x1234, false, 1);
	pb_symbolizer__frame(s, 1, NULL, 0x1234, false); /* counts nothing */
	pb_symbolizer__unnamed_summary(s, line, sizeof(line));
	diag("%s", line);
	ok(strstr(line, "10 of 11 frames (90.9%) unnamed in 2 binaries: 7 in stripped binaries "
			"(libpbfix_dl_stripped.so 7;") == line,
	   "stripped library first, by name");
	ok(strstr(line, "3 in JIT code without a perf map ([anon] 3;") != NULL, "anonymous code");
	ok(strstr(line, "outside known mappings") == NULL, "no mapping: counted, not in the line");
	pb_symbolizer__free(s);
	munmap(anon, 4096);
}

int main(void)
{
	const char *lib = getenv("PBFIX_DL");

	elf_version(EV_CURRENT);
	test_unnamed_line();
	test_unnamed_symbolizer();
	test_debuglink();
	test_debugdata();
	if (lib)
		check_plt(lib, 1);
	else
		ok(0, "PBFIX_DL set");
	/* Real binaries nobody here wrote: a program and libc. */
	check_plt("/usr/bin/ls", 20);
	check_plt("/usr/lib/x86_64-linux-gnu/libc.so.6", 5);
	return tap_done();
}
