// SPDX-License-Identifier: MIT
/* Output targets named per window, so that per-window files do not replace each other. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "window_target.h"

bool pb_window_target_is_template(const char *target)
{
	return strstr(target, "{window}") || strstr(target, "{time}");
}

char *pb_window_target_expand(const char *tmpl, uint64_t index, uint64_t start_s)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	while (*tmpl) {
		if (!strncmp(tmpl, "{window}", 8)) {
			fprintf(f, "%" PRIu64, index);
			tmpl += 8;
		} else if (!strncmp(tmpl, "{time}", 6)) {
			fprintf(f, "%" PRIu64, start_s);
			tmpl += 6;
		} else {
			fputc(*tmpl++, f);
		}
	}
	if (fclose(f)) {
		free(out);
		return NULL;
	}
	return out;
}
