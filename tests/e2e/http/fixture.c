// SPDX-License-Identifier: MIT
/* A busy process with a known call chain for the http e2e tests: main → outer → spin → work. */
#include <stdlib.h>
#include <time.h>

volatile unsigned long http_fixture_sink;

__attribute__((noinline)) void http_fixture_tick(unsigned long i)
{
	http_fixture_sink += i;
}

/*
 * The work is inline, so this is the leaf of nearly every sample; it calls tick once a pass so it
 * is no leaf, keeps a frame (GCC gives a small leaf none) and its caller shows in fp stacks.
 */
__attribute__((noinline)) void http_fixture_work(void)
{
	unsigned long i;

	for (i = 0; i < 100000; i++)
		http_fixture_sink += i;
	http_fixture_tick(i);
}

__attribute__((noinline)) void http_fixture_spin(double seconds)
{
	time_t end = time(NULL) + (time_t)seconds;

	while (seconds <= 0 || time(NULL) < end)
		http_fixture_work();
}

__attribute__((noinline)) void http_fixture_outer(double seconds)
{
	http_fixture_spin(seconds);
	http_fixture_sink++;
}

int main(int argc, char **argv)
{
	http_fixture_outer(argc > 1 ? atof(argv[1]) : 0);
	return 0;
}
