// SPDX-License-Identifier: MIT
/* The agent tests' clock and the call that keeps their leaf functions' frames (see work.h). */
#include <time.h>

#include "work.h"

volatile uint64_t work_sink;

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

__attribute__((noinline)) void work_tick(uint64_t h)
{
	work_sink += h;
	__asm__ volatile("" ::: "memory");
}
