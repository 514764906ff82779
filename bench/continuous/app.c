// SPDX-License-Identifier: MIT
/* The embedding application of the continuous benchmark: a known chain, with or without the agent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <profile-bee/agent.h>

static volatile unsigned long sink;

static double now_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void cont_leaf(unsigned long n)
{
	for (int i = 0; i < 5000; i++)
		n = n * 6364136223846793005ul + 1442695040888963407ul;
	sink += n;
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void cont_mid(unsigned long n)
{
	cont_leaf(n);
	sink++;
}

__attribute__((noinline)) void cont_root(double seconds)
{
	double end = now_s(CLOCK_MONOTONIC) + seconds;

	while (now_s(CLOCK_MONOTONIC) < end)
		cont_mid(sink);
	sink++;
}

static int count(void *ctx, const struct pb_agent_window *w)
{
	*(unsigned long *)ctx += pb_profile__total(w->profile);
	return 0;
}

/*
 * app work SECONDS            the chain alone (the CLI profiles it from outside)
 * app agent UNWINDER SECONDS [DURATION_MS INTERVAL_MS]
 *                             the chain with the agent (windows of 400 ms every 500 ms unless
 *                             given); prints the agent's CPU seconds: the process's (every
 *                             thread, joined ones too) minus the main thread's
 */
int main(int argc, char **argv)
{
	struct pb_agent_opts opts = { .sz = sizeof(opts), .frequency = 199, .duration_ms = 400,
				      .interval_ms = 500 };
	struct pb_agent_stats st = { .sz = sizeof(st) };
	unsigned long samples = 0;
	struct pb_agent *a;
	struct rusage ru;
	double main_cpu;

	if (argc == 3 && !strcmp(argv[1], "work")) {
		printf("%d\n", (int)getpid());
		fflush(stdout);
		cont_root(atof(argv[2]));
		return 0;
	}
	if ((argc != 4 && argc != 6) || strcmp(argv[1], "agent")) {
		fprintf(stderr, "usage: app work SECONDS | "
				"app agent UNWINDER SECONDS [DURATION_MS INTERVAL_MS]\n");
		return 2;
	}
	opts.unwinder = argv[2];
	if (argc == 6) {
		opts.duration_ms = strtoull(argv[4], NULL, 10);
		opts.interval_ms = strtoull(argv[5], NULL, 10);
	}
	if (pb_agent__new(&opts, &a) || pb_agent__set_reporter(a, count, &samples) ||
	    pb_agent__spawn(a)) {
		fprintf(stderr, "agent: %s\n", pb_agent__strerror(a));
		return 1;
	}
	cont_root(atof(argv[3]));
	pb_agent__stop(a);
	pb_agent__get_stats(a, &st);
	main_cpu = now_s(CLOCK_THREAD_CPUTIME_ID);
	getrusage(RUSAGE_SELF, &ru);
	printf("%.3f %lu %lu %lu\n",
	       ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
		   ru.ru_stime.tv_usec / 1e6 - main_cpu,
	       (unsigned long)st.windows, samples, (unsigned long)st.sessions);
	pb_agent__free(a);
	return 0;
}
