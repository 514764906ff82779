// SPDX-License-Identifier: MIT
/*
 * The soak workload: "chain" runs a known call chain forever; "forker" forks (and execs)
 * short-lived processes in a loop; "dlopener" loads, calls and unloads libraries in a loop.
 */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

volatile unsigned long soak_sink;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Every function calls another, so none is a frameless leaf that hides its caller. */
__attribute__((noinline)) void soak_tick(void)
{
	soak_sink++;
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void soak_spin(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		for (int i = 0; i < 1000; i++)
			soak_tick();
}

__attribute__((noinline)) void soak_inner(uint64_t ns)
{
	soak_spin(ns);
	soak_sink++;
}

__attribute__((noinline)) void soak_middle(uint64_t ns)
{
	soak_inner(ns);
	soak_sink++;
}

__attribute__((noinline)) void soak_outer(uint64_t ns)
{
	soak_middle(ns);
	soak_sink++;
}

/* Runs the chain main;soak_outer;soak_middle;soak_inner;soak_spin until killed. */
static int run_chain(void)
{
	prctl(PR_SET_NAME, "soak-chain");
	for (;;)
		soak_outer(100 * 1000 * 1000);
	return 0;
}

__attribute__((noinline)) void soak_child_work(void)
{
	soak_spin(2 * 1000 * 1000);
	soak_sink++;
}

/*
 * per_s children a second, every other one exec'ing /bin/true: new pids, comms and mappings
 * that often exit before the profiler reads their /proc entries.
 */
static int run_forker(int per_s)
{
	uint64_t period = 1000000000ull / per_s, next = now_ns();
	unsigned long n = 0;

	prctl(PR_SET_NAME, "soak-forker");
	for (;; n++) {
		pid_t pid = fork();

		if (pid == 0) {
			prctl(PR_SET_NAME, "soak-child");
			if (n % 2)
				execl("/bin/true", "true", (char *)NULL);
			soak_child_work();
			_exit(0);
		}
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		next += period;
		while (now_ns() < next)
			usleep(200);
	}
	return 0;
}

/* Loads lib, runs its entry for a few ms, unloads it: mappings come and go in one process. */
static int run_dlopener(const char *lib)
{
	prctl(PR_SET_NAME, "soak-dlopener");
	for (;;) {
		void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
		void (*entry)(uint64_t);

		if (!h) {
			fprintf(stderr, "soak-workload: %s\n", dlerror());
			return 1;
		}
		entry = (void (*)(uint64_t))dlsym(h, "soak_dl_entry");
		if (entry)
			entry(5 * 1000 * 1000);
		dlclose(h);
		usleep(5000);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "chain"))
		return run_chain();
	if (argc >= 3 && !strcmp(argv[1], "forker"))
		return run_forker(atoi(argv[2]) > 0 ? atoi(argv[2]) : 20);
	if (argc >= 3 && !strcmp(argv[1], "dlopener"))
		return run_dlopener(argv[2]);
	fprintf(stderr, "usage: soak-workload chain | forker PER_SECOND | dlopener LIB.so\n");
	return 2;
}
