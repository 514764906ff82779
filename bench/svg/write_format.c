// SPDX-License-Identifier: MIT
/*
 * Times pb_profile__write_format (what embedders, the agent's reporters and Lua call) for one
 * profile read from a folded file: median and min wall time of RUNS renders into /dev/null.
 * Usage: write-format FILE.folded FORMAT [RUNS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <profile-bee/profile-bee.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int runs = argc > 3 ? atoi(argv[3]) : 5;
	struct pb_profile *p = NULL;
	FILE *in, *out = fopen("/dev/null", "w");
	double *ms;

	if (argc < 3 || runs < 1 || !(in = fopen(argv[1], "r")) || !out ||
	    !(ms = calloc(runs, sizeof(*ms)))) {
		fprintf(stderr, "usage: %s FILE.folded FORMAT [RUNS]\n", argv[0]);
		return 2;
	}
	if (pb_profile__new(&p) || pb_profile__read_folded(p, in, NULL)) {
		fprintf(stderr, "cannot read %s\n", argv[1]);
		return 1;
	}
	for (int i = 0; i < runs; i++) {
		double t0 = now_ms();
		int err = pb_profile__write_format(p, argv[2], out, NULL);

		ms[i] = now_ms() - t0;
		if (err) {
			fprintf(stderr, "pb_profile__write_format(%s): %d\n", argv[2], err);
			return 1;
		}
	}
	qsort(ms, runs, sizeof(*ms), cmp_double);
	printf("%s: %zu stacks, median %.1f ms, min %.1f ms (%d runs)\n", argv[2],
	       pb_profile__stack_count(p), ms[runs / 2], ms[0], runs);
	pb_profile__free(p);
	return 0;
}
