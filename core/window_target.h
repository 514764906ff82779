/* SPDX-License-Identifier: MIT */
/* Output targets named per window: "{window}" and "{time}" in a path make a file per window. */
#ifndef PB_WINDOW_TARGET_H
#define PB_WINDOW_TARGET_H

#include <stdbool.h>
#include <stdint.h>

bool pb_window_target_is_template(const char *target);
/* The target with {window} as index and {time} as start_s (Unix seconds); NULL: no memory. */
char *pb_window_target_expand(const char *tmpl, uint64_t index, uint64_t start_s);

#endif
