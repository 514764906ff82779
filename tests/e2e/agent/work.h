/* SPDX-License-Identifier: MIT */
/* What the agent tests' applications share: the busy work of their named functions, a clock. */
#ifndef PB_TEST_AGENT_WORK_H
#define PB_TEST_AGENT_WORK_H

#include <stdint.h>

#include "clock.h"

extern volatile uint64_t work_sink;

/*
 * What a leaf function calls at the end of its work. GCC gives a function that calls nothing no
 * frame, which hides its caller from frame-pointer stacks: the named leaf functions call out.
 */
void work_tick(uint64_t h);

/* A leaf's work: inlined into it (at any -O), so that its samples fall in the leaf's own frame. */
__attribute__((always_inline)) static inline uint64_t work_hash(uint64_t n)
{
	uint64_t h = n;

	for (int i = 0; i < 5000; i++)
		h = h * 6364136223846793005ull + 1442695040888963407ull;
	return h;
}

#endif
