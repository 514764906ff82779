/* SPDX-License-Identifier: MIT */
/* Monotonic milliseconds, for the tests that time what they check. */
#ifndef PB_TEST_CLOCK_H
#define PB_TEST_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

#endif
