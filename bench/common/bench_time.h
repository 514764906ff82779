/* SPDX-License-Identifier: MIT */
/* What the timing benchmarks share: a monotonic clock in milliseconds and the median of runs. */
#ifndef PB_BENCH_TIME_H
#define PB_BENCH_TIME_H

#include <stddef.h>
#include <stdlib.h>
#include <time.h>

static inline double pb_bench_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static inline int pb_bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of n > 0 run times; sorts v in place, so v[0] is the fastest run after it. */
static inline double pb_bench_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), pb_bench_cmp_double);
	return v[n / 2];
}

#endif
