// SPDX-License-Identifier: MIT
/* A C function Python calls through ctypes and that calls back into Python: mixed stacks. */

/* Not a leaf (it calls cb), so it keeps its frame; noinline so it stays a frame of its own. */
__attribute__((noinline)) long pb_c_bridge(long (*cb)(long), long n)
{
	long acc = 0;

	for (long i = 0; i < n; i++)
		acc += cb(i);
	return acc;
}
