/* SPDX-License-Identifier: MIT */
/* One number from /proc/self/status (VmRSS, Threads...), for tests that watch their own process. */
#ifndef PB_TEST_PROC_STATUS_H
#define PB_TEST_PROC_STATUS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of "field:" (kB for the Vm* fields), or -1 when it cannot be read. */
static inline long proc_status(const char *field)
{
	size_t n = strlen(field);
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, n) && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	}
	if (f)
		fclose(f);
	return v;
}

#endif
