// SPDX-License-Identifier: MIT
/* fp test fixture: a known call chain, a syscall-heavy thread and a forked child, on demand. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * Built with -O1 -fno-omit-frame-pointer. Every function on the chain makes a call and uses its
 * result afterwards, so none is a frameless leaf or a tail call that frame pointers would skip.
 */
static volatile unsigned long sink;
static double seconds = 3;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) unsigned long fx_tick(unsigned long x)
{
	__asm__ volatile("" : "+r"(x));
	return x;
}

__attribute__((noinline)) unsigned long fx_c(double end)
{
	unsigned long x = 0, i;

	while (now() < end) {
		for (i = 0; i < 20000000; i++)
			x += i * i ^ (x >> 3);
		x = fx_tick(x);
	}
	return x;
}

__attribute__((noinline)) unsigned long fx_b(double end)
{
	return fx_c(end) + 1;
}

__attribute__((noinline)) unsigned long fx_a(double end)
{
	return fx_b(end) + 1;
}

__attribute__((noinline)) unsigned long fx_sys_loop(double end)
{
	static char buf[1 << 16];
	unsigned long total = 0;
	int fd = open("/dev/zero", O_RDONLY);

	while (fd >= 0 && now() < end)
		total += read(fd, buf, sizeof(buf));
	return total + fx_tick(0);
}

static void *sys_thread(void *arg)
{
	prctl(PR_SET_NAME, "fx-sys");
	sink = fx_sys_loop(*(double *)arg);
	return NULL;
}

__attribute__((noinline)) unsigned long fx_child_spin(double end)
{
	unsigned long x = 0, i;

	while (now() < end) {
		for (i = 0; i < 20000000; i++)
			x += i ^ (x << 1);
		x = fx_tick(x);
	}
	return x;
}

int main(int argc, char **argv)
{
	pthread_t t;
	double end;
	pid_t child;
	char go;

	if (argc > 1)
		seconds = atof(argv[1]);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	printf("fx_a %p\nfx_b %p\nfx_c %p\nmain %p\n", (void *)fx_a, (void *)fx_b, (void *)fx_c,
	       (void *)main);
	fflush(stdout);
	/* The driver writes a byte once its filter holds our pid and sampling is on. */
	if (read(0, &go, 1) != 1)
		return 1;
	end = now() + seconds;

	child = fork();
	if (child == 0) {
		prctl(PR_SET_NAME, "fx-child");
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sink = fx_child_spin(end);
		_exit(0);
	}
	printf("child %d\n", (int)child);
	fflush(stdout);

	prctl(PR_SET_NAME, "fx-main");
	pthread_create(&t, NULL, sys_thread, &end);
	sink = fx_a(end) + 1;
	pthread_join(t, NULL);
	if (child > 0)
		waitpid(child, NULL, 0);
	return 0;
}
