// SPDX-License-Identifier: MIT
/* Fuzz target: the INI loader (profile-bee.conf through inih into layered settings). */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "settings.h"

#include "fuzz.h"

/* The loader reads a path: a memfd gives the input one without touching the disk. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("conf", MFD_CLOEXEC);
	struct pb_settings st = { 0 };
	char path[64], err[512];

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (!pb_ini_load(path, &st, err, sizeof(err)))
			for (size_t i = 0; i < st.n; i++)
				pb_settings_where(&st.items[i], err, sizeof(err));
		else if (!memchr(err, '\0', sizeof(err)))
			__builtin_trap(); /* the message must end inside its buffer */
	}
	pb_settings_clear(&st);
	close(fd);
	return 0;
}
