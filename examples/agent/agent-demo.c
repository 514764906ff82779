// SPDX-License-Identifier: MIT
/* An application that profiles itself with the embedded agent and prints each window folded. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <profile-bee/agent.h>

static volatile uint64_t sink;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

/* The application's "work": distinctive names to look for in the profile. */
__attribute__((noinline)) void demo_account(uint64_t x)
{
	sink += x;
	__asm__ volatile("" ::: "memory");
}

/* Calls out, so that it has a frame of its own and frame pointers show its caller. */
__attribute__((noinline)) uint64_t demo_mix(uint64_t x)
{
	for (int i = 0; i < 50; i++) {
		x ^= x >> 33;
		x *= 0xff51afd7ed558ccdull;
	}
	demo_account(x);
	return x ^ (x >> 33);
}

__attribute__((noinline)) uint64_t demo_checksum(uint64_t seed)
{
	uint64_t h = seed;

	for (int i = 0; i < 40; i++)
		h = demo_mix(h + i);
	return h;
}

__attribute__((noinline)) void demo_handle_request(uint64_t n)
{
	sink += demo_checksum(n);
}

/* Runs on the agent's thread once a window is written: here, folded text on stdout. */
static int on_profile(void *ctx, const struct pb_agent_window *w)
{
	const char *format = ctx;
	const struct pb_host_metadata *h = w->host;

	printf("# window %" PRIu64 " pid %d samples %" PRIu64 " ms %" PRIu64
	       " host %s ec2 %s ecs %s pod %s/%s\n",
	       w->index, w->pid, pb_profile__total(w->profile),
	       (w->end_ns - w->start_ns) / 1000000, h->hostname,
	       h->ec2_instance_id[0] ? h->ec2_instance_id : "-",
	       h->ecs_task_arn[0] ? h->ecs_task_arn : "-",
	       h->k8s_namespace[0] ? h->k8s_namespace : "-",
	       h->k8s_pod_name[0] ? h->k8s_pod_name : "-");
	if (pb_profile__write_format(w->profile, format, stdout, NULL))
		return -1;
	printf("# end of window %" PRIu64 "\n", w->index);
	fflush(stdout);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: agent-demo [-t SECONDS] [-d WINDOW_MS] [-i INTERVAL_MS] "
			"[-u UNWINDER] [-f FORMAT] [-o TARGET]...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct pb_agent_opts opts = { .sz = sizeof(opts), .frequency = 199,
				      .duration_ms = 1000, .interval_ms = 1500 };
	const char *format = "folded";
	struct pb_agent *agent;
	uint64_t run_s = 5, end, t;
	int c, err;

	while ((c = getopt(argc, argv, "t:d:i:u:f:o:")) != -1) {
		switch (c) {
		case 't': run_s = strtoull(optarg, NULL, 10); break;
		case 'd': opts.duration_ms = strtoull(optarg, NULL, 10); break;
		case 'i': opts.interval_ms = strtoull(optarg, NULL, 10); break;
		case 'u': opts.unwinder = optarg; break;
		case 'f': format = optarg; break;
		case 'o': break; /* added below, once the agent exists */
		default: usage();
		}
	}
	if ((err = pb_agent__new(&opts, &agent))) {
		fprintf(stderr, "agent-demo: %s\n", strerror(-err));
		return 1;
	}
	optind = 1;
	while ((c = getopt(argc, argv, "t:d:i:u:f:o:")) != -1)
		if (c == 'o' && (err = pb_agent__add_output(agent, optarg, NULL)))
			break;
	if (!err)
		pb_agent__set_reporter(agent, on_profile, (void *)format);
	if (err || (err = pb_agent__spawn(agent))) {
		fprintf(stderr, "agent-demo: cannot start the agent: %s\n",
			pb_agent__strerror(agent)[0] ? pb_agent__strerror(agent) : strerror(-err));
		pb_agent__free(agent);
		return 1;
	}
	end = now_ms() + run_s * 1000;
	for (uint64_t n = 0; now_ms() < end; n++)
		demo_handle_request(n);
	t = now_ms();
	pb_agent__stop(agent);
	fprintf(stderr, "agent-demo: pb_agent__stop took %" PRIu64 " ms\n", now_ms() - t);
	pb_agent__free(agent);
	return 0;
}
