// SPDX-License-Identifier: MIT
/* Table build time and size per binary: dwarf-tables FILE... (the converter the plugin uses). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cfi.h"
#include "../common/bench_time.h"

int main(int argc, char **argv)
{
	elf_version(EV_CURRENT);
	for (int i = 1; i < argc; i++) {
		struct pb_cfi_rows r;
		double t0, ms;
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC), err;
		Elf *elf = fd < 0 ? NULL : elf_begin(fd, ELF_C_READ_MMAP, NULL);
		off_t size = fd < 0 ? 0 : lseek(fd, 0, SEEK_END);

		t0 = pb_bench_now_ms();
		err = elf ? pb_cfi_rows_build(elf, &r) : -1;
		ms = pb_bench_now_ms() - t0;
		if (err) {
			printf("%s: no table (%d)\n", argv[i], err);
		} else {
			printf("%s (%ld KB): %u FDEs -> %zu rows, %zu KB, %u unsupported, %.1f ms\n",
			       argv[i], (long)size / 1024, r.fdes, r.n,
			       r.n * sizeof(*r.v) / 1024, r.unsupported, ms);
			pb_cfi_rows_free(&r);
		}
		elf_end(elf);
		if (fd >= 0)
			close(fd);
	}
	return 0;
}
