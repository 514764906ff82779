// SPDX-License-Identifier: MIT
/* Kernel symbolization: a synthetic kallsyms file, then the running kernel's vfs_read. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <unistd.h>
#include "symbolize/kallsyms.h"
#include "symbolize/symbolizer.h"
#include "tap.h"

static void test_file(void)
{
	char path[] = "/tmp/pb-test-kallsyms-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct pb_kallsyms *k = NULL;

	/* Out of order on purpose, with data symbols and a module, as /proc/kallsyms has. */
	fputs("ffffffff81200000 T vfs_write\n"
	      "ffffffff81100000 T vfs_read\n"
	      "ffffffff81100080 t __pfx_vfs_write\n"
	      "ffffffff82000000 D some_data\n"
	      "ffffffffc0001000 t mod_func\t[pbmod]\n",
	      f);
	fclose(f);
	ok(!pb_kallsyms__load(path, &k), "load a kallsyms file");
	if (k) {
		is_str(pb_kallsyms__lookup(k, 0xffffffff81100010ull), "vfs_read", "inside");
		is_str(pb_kallsyms__lookup(k, 0xffffffff81100000ull), "vfs_read", "at start");
		is_str(pb_kallsyms__lookup(k, 0xffffffff81100090ull), "__pfx_vfs_write",
		       "the next symbol bounds the previous");
		is_str(pb_kallsyms__lookup(k, 0xffffffffc0001004ull), "mod_func", "module");
		ok(!pb_kallsyms__lookup(k, 0xffffffff80000000ull), "below every symbol");
		ok(!pb_kallsyms__lookup(k, 0xffffffffc4000000ull), "far past the last symbol");
	}
	pb_kallsyms__free(k);
	f = fopen(path, "w");
	fputs("0000000000000000 T vfs_read\n", f);
	fclose(f);
	ok(pb_kallsyms__load(path, &k) == -ENODATA,
	   "all-zero addresses (kptr_restrict) -> -ENODATA");
	unlink(path);
}

/* The address /proc/kallsyms gives for a global text symbol, or 0. */
static uint64_t kallsyms_addr(const char *name)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512], want[128];
	uint64_t addr = 0;

	snprintf(want, sizeof(want), " T %s\n", name);
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, want) && strlen(line) == strlen(want) + 16) {
			addr = strtoull(line, NULL, 16);
			break;
		}
	if (f)
		fclose(f);
	return addr;
}

int main(void)
{
	struct pb_symbolizer *s = NULL;
	uint64_t vfs_read, ksys_read;

	test_file();
	vfs_read = kallsyms_addr("vfs_read");
	ksys_read = kallsyms_addr("ksys_read");
	if (!vfs_read || !ksys_read) {
		if (geteuid() != 0)
			skip_or_fail("kallsyms addresses need root");
		else
			ok(0, "vfs_read and ksys_read in /proc/kallsyms");
		return tap_done();
	}
	ok(!pb_symbolizer__new(&s), "pb_symbolizer__new");
	is_str(pb_symbolizer__kernel(s, vfs_read), "vfs_read_[k]", "vfs_read at its start");
	is_str(pb_symbolizer__kernel(s, vfs_read + 8), "vfs_read_[k]", "inside vfs_read");
	is_str(pb_symbolizer__kernel(s, ksys_read + 1), "ksys_read_[k]", "inside ksys_read");
	is_str(pb_symbolizer__kernel(s, 0x1000), "[unknown]_[k]", "a user address");
	/*
	 * A user word with bit 63 set (an interpreter frame's mark) in a process that is not
	 * Python's is garbage a frame-pointer walk read: "[unknown]", and no second lock of the
	 * symbolizer (a merge once made that a hang).
	 */
	{
		const char *out[4] = { NULL };
		int n = pb_symbolizer__frames_n(s, (uint32_t)getpid(), NULL, (1ull << 63) | 0xa4b0,
						true, 1, out, 4);

		ok(n == 1, "a bit-63 word outside Python: one frame (%d)", n);
		is_str(out[0], "[unknown]", "and it is [unknown]");
	}
	pb_symbolizer__free(s);
	return tap_done();
}
