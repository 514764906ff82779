// SPDX-License-Identifier: MIT
/* Fuzz target: the /proc text parsers, maps lines and kallsyms, on the same input. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "symbolize/kallsyms.h"
#include "symbolize/proc_maps.h"

#include "fuzz.h"

static void maps_lines(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *save = NULL;

	if (!copy)
		return;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct pb_maps_entry e;
		char path[256];
		bool deleted;

		if (pb_proc_maps_parse_line(line, &e))
			continue;
		if (e.start > e.end || !e.path)
			abort();
		/* The same clean-up perf's MMAP2 file names get. */
		snprintf(path, sizeof(path), "%s", e.path);
		pb_proc_maps_clean_path(path, &deleted);
	}
	free(copy);
}

/* kallsyms is read from a path: a memfd gives the input one without touching the disk. */
static void kallsyms(const uint8_t *data, size_t size)
{
	int fd = memfd_create("kallsyms", MFD_CLOEXEC);
	struct pb_kallsyms *k;
	char path[64];

	if (fd < 0)
		return;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (!pb_kallsyms__load(path, &k)) {
			for (size_t i = 0; i < k->n && i < 256; i++) {
				pb_kallsyms__lookup(k, k->syms[i].addr);
				pb_kallsyms__lookup(k, k->syms[i].addr - 1);
			}
			pb_kallsyms__lookup(k, UINT64_MAX);
			pb_kallsyms__free(k);
		}
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	maps_lines(data, size);
	kallsyms(data, size);
	return 0;
}
