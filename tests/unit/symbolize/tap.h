/* SPDX-License-Identifier: MIT */
/* A minimal TAP producer for the symbolize unit tests. */
#ifndef PB_TEST_TAP_H
#define PB_TEST_TAP_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap_lines.h"

static int tap_n, tap_failed;

#define ok(cond, ...)                                                                              \
	do {                                                                                       \
		bool c_ = (cond);                                                                  \
		printf("%sok %d - ", c_ ? "" : "not ", ++tap_n);                                   \
		tap_print("", __VA_ARGS__);                                                        \
		if (!c_) {                                                                         \
			tap_failed++;                                                              \
			printf("#   failed at %s:%d\n", __FILE__, __LINE__);                       \
		}                                                                                  \
		fflush(stdout);                                                                    \
	} while (0)

#define is_str(got, want, ...)                                                                     \
	do {                                                                                       \
		const char *g_ = (got), *w_ = (want);                                              \
		ok(g_ &&w_ && !strcmp(g_, w_), __VA_ARGS__);                                       \
		if (!(g_ && w_ && !strcmp(g_, w_)))                                                \
			tap_print("#   ", "got '%s', want '%s'", g_ ? g_ : "(null)",               \
				  w_ ? w_ : "(null)");                                             \
	} while (0)

#define diag(...) tap_print("# ", __VA_ARGS__)

static inline bool tap_no_skip(void)
{
	const char *v = getenv("PB_TEST_NO_SKIP");

	return v && v[0] && strcmp(v, "0");
}

/* One check that cannot run here: a TAP skip, or a failure under PB_TEST_NO_SKIP=1. */
static inline void skip_or_fail(const char *why)
{
	if (tap_no_skip()) {
		ok(0, "cannot run: %s (PB_TEST_NO_SKIP is set)", why);
		return;
	}
	printf("ok %d # SKIP %s\n", ++tap_n, why);
}

/* Ends the test: the plan, then 0 when every check passed. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

/*
 * A test that cannot run here (no root, no fixture) skips (a skip plan and 0: meson's TAP reader
 * calls 77 an error), unless CI asked for PB_TEST_NO_SKIP=1: there a skip hides a broken
 * environment, so it fails instead.
 */
static inline int tap_skip_all(const char *why)
{
	if (tap_no_skip()) {
		printf("not ok 1 - cannot run: %s (PB_TEST_NO_SKIP is set)\n1..1\n", why);
		return 1;
	}
	printf("1..0 # SKIP %s\n", why);
	return 0;
}

#endif
