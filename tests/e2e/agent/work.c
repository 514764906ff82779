// SPDX-License-Identifier: MIT
/* The call that keeps the agent tests' leaf functions' frames (see work.h). */
#include "work.h"

volatile uint64_t work_sink;

__attribute__((noinline)) void work_tick(uint64_t h)
{
	work_sink += h;
	__asm__ volatile("" ::: "memory");
}
