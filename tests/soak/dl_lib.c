// SPDX-License-Identifier: MIT
/* The library the soak workload's dlopener loads and unloads in a loop. */
#include <stdint.h>
#include <time.h>

volatile unsigned long soak_dl_sink;

__attribute__((noinline)) void soak_dl_work(void)
{
	soak_dl_sink++;
	__asm__ volatile("" ::: "memory");
}

void soak_dl_entry(uint64_t ns)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		for (int i = 0; i < 1000; i++)
			soak_dl_work();
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((uint64_t)(b.tv_sec - a.tv_sec) * 1000000000ull + (b.tv_nsec - a.tv_nsec) < ns);
}
