// SPDX-License-Identifier: MIT
/*
 * Times pb_profile__write_format (what embedders, the agent's reporters and Lua call) for one
 * profile read from a folded file: median and min wall time of RUNS renders into /dev/null.
 * Usage: write-format FILE.folded FORMAT [RUNS]
 */
#include <stdio.h>
#include <stdlib.h>

#include <profile-bee/profile-bee.h>

#include "../common/bench_time.h"

int main(int argc, char **argv)
{
	int runs = argc > 3 ? atoi(argv[3]) : 5;
	struct pb_profile *p = NULL;
	FILE *in, *out = fopen("/dev/null", "w");
	double *ms, median;

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
		double t0 = pb_bench_now_ms();
		int err = pb_profile__write_format(p, argv[2], out, NULL);

		ms[i] = pb_bench_now_ms() - t0;
		if (err) {
			fprintf(stderr, "pb_profile__write_format(%s): %d\n", argv[2], err);
			return 1;
		}
	}
	median = pb_bench_median(ms, runs);
	printf("%s: %zu stacks, median %.1f ms, min %.1f ms (%d runs)\n", argv[2],
	       pb_profile__stack_count(p), median, ms[0], runs);
	pb_profile__free(p);
	return 0;
}
