// SPDX-License-Identifier: MIT
/* Not CPython: an executable named python* exporting _PyRuntime, Py_Version 3.10 and an eval
 * loop symbol, so detection finds an interpreter of a version it does not support. */
#include <stdlib.h>
#include <time.h>

const unsigned long Py_Version = 0x030a0cf0; /* 3.10.12 final */
char _PyRuntime[4096];

__attribute__((noinline)) double _PyEval_EvalFrameDefault(double x)
{
	for (int i = 0; i < 100000; i++)
		x = x * 1.0000001 + 1e-9;
	return x;
}

__attribute__((noinline)) double fake_spin(double seconds)
{
	time_t end = time(NULL) + (time_t)seconds;
	double x = 1;

	while (time(NULL) < end)
		x = _PyEval_EvalFrameDefault(x);
	return x;
}

int main(int argc, char **argv)
{
	return fake_spin(argc > 1 ? atof(argv[1]) : 5) > 0 ? 0 : 1;
}
