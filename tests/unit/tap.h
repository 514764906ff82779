/* SPDX-License-Identifier: MIT */
/* A few macros for TAP output from C unit tests. */
#ifndef PB_TAP_H
#define PB_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap_lines.h"

static int tap_count, tap_failures;

#define TAP_OK(cond, ...)                                                                          \
	do {                                                                                       \
		bool tap_ok_ = (cond);                                                             \
		printf("%s %d - ", tap_ok_ ? "ok" : "not ok", ++tap_count);                        \
		tap_print("", __VA_ARGS__);                                                        \
		if (!tap_ok_) {                                                                    \
			tap_failures++;                                                            \
			printf("# failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);              \
		}                                                                                  \
	} while (0)

#define TAP_STR_EQ(got, want, ...)                                                                 \
	do {                                                                                       \
		const char *tap_g_ = (got), *tap_w_ = (want);                                      \
		TAP_OK(tap_g_ && !strcmp(tap_g_, tap_w_), __VA_ARGS__);                            \
		if (!tap_g_ || strcmp(tap_g_, tap_w_))                                             \
			tap_print("#   got: ", "'%s'\n want: '%s'", tap_g_ ? tap_g_ : "(null)", tap_w_); \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failures ? 1 : 0;
}

#endif
