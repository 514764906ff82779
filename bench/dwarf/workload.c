// SPDX-License-Identifier: MIT
/* The benchmarks' workload: a recursion DEPTH deep built -O2 without frame pointers, then a spin. */
#include <stdlib.h>

volatile unsigned long bench_sink;
/* Never set: the spin only looks as if it could end, so the recursion is not infinite to GCC. */
volatile int bench_stop;

__attribute__((noinline)) void bench_spin(void)
{
	while (!bench_stop)
		bench_sink++;
}

/* The volatile read after the call keeps it a call (no tail call, no loop). */
__attribute__((noinline)) void bench_recurse(int depth)
{
	volatile char pad[48];

	pad[0] = (char)depth;
	if (depth > 0)
		bench_recurse(depth - 1);
	else
		bench_spin();
	bench_sink += pad[0];
}

int main(int argc, char **argv)
{
	bench_recurse(argc > 1 ? atoi(argv[1]) : 24);
	return 0;
}
