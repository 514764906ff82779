// SPDX-License-Identifier: MIT
/* TAP test of the CFI converter: rules at known pcs, gaps, _start, .debug_frame, no CFI, libc. */
/* Usage: test-cfi EH_FRAME_BIN DEBUG_FRAME_BIN NO_CFI_BIN LIBC HUGE_REGISTER_ELF */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cfi.h"
#include "tap.h"

struct bin {
	int fd;
	Elf *elf;
	struct pb_cfi_rows rows;
	int err;
	double ms;
};

static void open_bin(const char *path, struct bin *b)
{
	struct timespec t0, t1;

	b->fd = open(path, O_RDONLY | O_CLOEXEC);
	b->elf = b->fd < 0 ? NULL : elf_begin(b->fd, ELF_C_READ_MMAP, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	b->err = b->elf ? pb_cfi_rows_build(b->elf, &b->rows) : -ENOENT;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	b->ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
}

static void close_bin(struct bin *b)
{
	pb_cfi_rows_free(&b->rows);
	elf_end(b->elf);
	if (b->fd >= 0)
		close(b->fd);
}

/* A function's [start, end) from .symtab; false when it is not there. */
static bool symbol(Elf *elf, const char *name, uint64_t *start, uint64_t *end)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			const char *n;

			if (!gelf_getsym(d, i, &s) || !(n = elf_strptr(elf, sh.sh_link, s.st_name)))
				continue;
			if (!strcmp(n, name)) {
				*start = s.st_value;
				*end = s.st_value + s.st_size;
				return true;
			}
		}
	}
	return false;
}

static bool sorted(const struct pb_cfi_rows *r)
{
	for (size_t i = 1; i < r->n; i++)
		if (r->v[i].pc <= r->v[i - 1].pc)
			return false;
	return r->n > 0;
}

static bool entry_rule(const struct pb_cfi_rows *r, uint64_t pc)
{
	const struct pb_dwarf_row *row = pb_cfi_rows_find(r, pc);

	return row && row->cfa_type == PB_DWARF_CFA_RSP && row->cfa_off == 8 &&
	       row->rbp_type == PB_DWARF_RBP_SAME;
}

/* The largest rsp-based CFA offset inside [start, end): the function's frame size + 8. */
static int32_t max_rsp_off(const struct pb_cfi_rows *r, uint64_t start, uint64_t end)
{
	int32_t best = 0;

	for (uint64_t pc = start; pc < end; pc++) {
		const struct pb_dwarf_row *row = pb_cfi_rows_find(r, pc);

		if (row && row->cfa_type == PB_DWARF_CFA_RSP && row->cfa_off > best)
			best = row->cfa_off;
	}
	return best;
}

static void test_functions(struct bin *b, const char *kind)
{
	uint64_t ls, le, ss, se;
	const struct pb_dwarf_row *row;

	ok(!b->err, "%s: converts (%zu rows, %u FDEs)", kind, b->rows.n, b->rows.fdes);
	ok(sorted(&b->rows), "%s: rows strictly sorted by pc", kind);
	if (!symbol(b->elf, "cfi_leaf", &ls, &le) || !symbol(b->elf, "cfi_saver", &ss, &se)) {
		ok(false, "fixture symbols cfi_leaf and cfi_saver found");
		return;
	}
	ok(entry_rule(&b->rows, ls), "%s: CFA = rsp + 8 at cfi_leaf's entry", kind);
	ok(entry_rule(&b->rows, ss), "%s: CFA = rsp + 8 at cfi_saver's entry", kind);
	ok(max_rsp_off(&b->rows, ss, se) > 128,
	   "%s: cfi_saver's frame (> 128 bytes) is in its rows", kind);
	/* Functions are 64-byte aligned: the padding after cfi_leaf is covered by no FDE. */
	row = pb_cfi_rows_find(&b->rows, le);
	ok(le % 64 && row && row->cfa_type == PB_DWARF_CFA_NONE,
	   "%s: the gap after cfi_leaf has an explicit no-CFI row", kind);
	ok(!pb_cfi_rows_find(&b->rows, b->rows.v[0].pc - 1), "%s: no row below the first FDE",
	   kind);
}

int main(int argc, char **argv)
{
	struct bin eh, dbg, none, libc;
	uint64_t s, e;
	bool plt = false;

	struct rusage before, after;
	struct bin huge;

	if (argc < 6) {
		fprintf(stderr, "usage: %s EH_FRAME_BIN DEBUG_FRAME_BIN NO_CFI_BIN LIBC HUGE_REG\n",
			argv[0]);
		return 2;
	}
	elf_version(EV_CURRENT);
	tap_plan(20);

	open_bin(argv[1], &eh);
	test_functions(&eh, ".eh_frame");
	ok(symbol(eh.elf, "_start", &s, &e) &&
	       pb_cfi_rows_find(&eh.rows, s)->cfa_type == PB_DWARF_CFA_OUTERMOST,
	   ".eh_frame: _start's undefined return address makes an outermost row");
	close_bin(&eh);

	open_bin(argv[2], &dbg);
	test_functions(&dbg, ".debug_frame only");
	close_bin(&dbg);

	open_bin(argv[3], &none);
	ok(none.err == -ENOENT, "no CFI at all: -ENOENT (the walk falls back to frame pointers)");
	close_bin(&none);

	open_bin(argv[4], &libc);
	ok(!libc.err && libc.rows.n > 10000 && sorted(&libc.rows), "libc converts");
	for (size_t i = 0; i < libc.rows.n; i++)
		plt |= libc.rows.v[i].cfa_type == PB_DWARF_CFA_PLT && libc.rows.v[i].rbp_off == 11;
	ok(plt, "libc: its PLT's DWARF expression becomes a PLT row (pc & 15 >= 11)");
	diag("libc: %zu rows (%zu KB), %u FDEs, %u unsupported, %.1f ms", libc.rows.n,
	     libc.rows.n * sizeof(struct pb_dwarf_row) / 1024, libc.rows.fdes,
	     libc.rows.unsupported, libc.ms);
	/* Sanitizer builds (scripts/ci-sanitize.sh sets PB_TEST_SANITIZED) run several times slower. */
	ok(libc.ms < (getenv("PB_TEST_SANITIZED") ? 2000 : 50),
	   "libc: table built in under 50 ms (2 s sanitized)");
	close_bin(&libc);

	/* fuzz-cfi's find: an FDE naming register ~100 million made libdw allocate 1.6 GB. */
	getrusage(RUSAGE_SELF, &before);
	open_bin(argv[5], &huge);
	getrusage(RUSAGE_SELF, &after);
	ok(after.ru_maxrss - before.ru_maxrss < 64 * 1024,
	   "a corrupt FDE with a huge register number is left out, not allocated for");
	close_bin(&huge);
	return tap_done();
}
