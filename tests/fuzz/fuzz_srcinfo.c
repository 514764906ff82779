// SPDX-License-Identifier: MIT
/* Fuzz target: --inline/--lines over a debug file's DWARF (a debuginfod server's reply). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <gelf.h>

#include "symbolize/srcinfo.h"

#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	elf_version(EV_CURRENT);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-srcinfo", MFD_CLOEXEC);
	struct pb_srcinfo *si = NULL;
	char path[64];

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (!pb_srcinfo__new(path, &si)) {
			/* Addresses a small image's code would hold, and the edges. */
			for (uint64_t a = 0; a < 0x2000; a += 0x3d)
				pb_srcinfo__lookup(si, a, "f", true, true);
			pb_srcinfo__lookup(si, UINT64_MAX, "f", true, false);
			pb_srcinfo__lookup(si, 0x401000, "f", false, true);
			pb_srcinfo__free(si);
		}
	}
	close(fd);
	return 0;
}
