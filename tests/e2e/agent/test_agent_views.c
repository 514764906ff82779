// SPDX-License-Identifier: MIT
/* The agent's views: .per_thread and .per_cpu give [cpu N];comm;[tid N NAME] and their labels. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <profile-bee/agent.h>

#include "app.h"
#include "clock.h"
#include "tap.h"

#define WORKERS 2
#define ENOUGH 20	  /* samples of each worker's own [tid] frame */
#define WORK_MAX_MS 20000 /* a loaded machine gives the workers little CPU: work until ENOUGH */

struct views_seen;

struct worker {
	pthread_t thread;
	struct views_seen *seen;
	int index;
	uint32_t tid;
	char name[16];
	uint64_t samples; /* of its leaf, in stacks shaped as the views say */
};

struct views_seen {
	pthread_mutex_t lock;
	struct worker *workers;
	char comm[16];	    /* the process's: this test's main thread */
	uint64_t leaf;	    /* samples of agent_test_leaf */
	uint64_t misshaped; /* of them, in stacks not [cpu N];comm;[tid N NAME] with its labels */
	int windows;
};

static bool enough(struct worker *w)
{
	bool done;

	pthread_mutex_lock(&w->seen->lock);
	done = w->samples >= ENOUGH;
	pthread_mutex_unlock(&w->seen->lock);
	return done;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	uint64_t end = now_ms() + WORK_MAX_MS;

	pthread_mutex_lock(&w->seen->lock);
	w->tid = (uint32_t)syscall(SYS_gettid);
	pthread_mutex_unlock(&w->seen->lock);
	pthread_setname_np(pthread_self(), w->name);
	while (!enough(w) && now_ms() < end)
		agent_test_busy(100);
	agent_test_busy(200); /* the other's last window may hold this one's samples */
	return NULL;
}

static bool has_leaf(const struct pb_profile *p, const struct pb_stack *st)
{
	for (uint32_t d = 0; d < st->depth; d++)
		if (!strcmp(pb_profile__frame_name(p, st->frames[d]), "agent_test_leaf"))
			return true;
	return false;
}

/* The worker this leaf stack is of, when its first three frames and labels say so. */
static struct worker *shaped(struct views_seen *s, const struct pb_profile *p, const struct pb_stack *st)
{
	const char *cpu = pb_profile__label(p, st->labels, "cpu");
	const char *tid = pb_profile__label(p, st->labels, "tid");
	const char *name = pb_profile__label(p, st->labels, "thread_name");
	char want[64];

	if (st->depth < 4 || !cpu || !tid || !name)
		return NULL;
	snprintf(want, sizeof(want), "[cpu %s]", cpu);
	if (strcmp(pb_profile__frame_name(p, st->frames[0]), want) ||
	    strcmp(pb_profile__frame_name(p, st->frames[1]), s->comm))
		return NULL;
	snprintf(want, sizeof(want), "[tid %s %s]", tid, name);
	if (strcmp(pb_profile__frame_name(p, st->frames[2]), want))
		return NULL;
	for (int i = 0; i < WORKERS; i++)
		if (s->workers[i].tid == strtoul(tid, NULL, 10) && !strcmp(s->workers[i].name, name))
			return &s->workers[i];
	return NULL;
}

static int reporter(void *ctx, const struct pb_agent_window *w)
{
	struct views_seen *s = ctx;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < pb_profile__stack_count(w->profile); i++) {
		const struct pb_stack *st = pb_profile__stack(w->profile, i);
		struct worker *wk;

		if (!has_leaf(w->profile, st))
			continue;
		s->leaf += st->count;
		if ((wk = shaped(s, w->profile, st)))
			wk->samples += st->count;
		else
			s->misshaped += st->count;
	}
	s->windows++;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int main(void)
{
	struct worker workers[WORKERS] = { 0 };
	struct views_seen s = { .lock = PTHREAD_MUTEX_INITIALIZER, .workers = workers };
	struct pb_agent_opts opts = { .sz = sizeof(opts), .frequency = 199, .duration_ms = 1000,
				      .interval_ms = 1000, .per_thread = true, .per_cpu = true };
	const char *why = agent_cannot_run();
	struct pb_agent *a = NULL;
	FILE *f;

	if (why)
		return tap_skip_all(why);
	tap_plan(3);
	if ((f = fopen("/proc/self/comm", "re"))) {
		if (fgets(s.comm, sizeof(s.comm), f))
			s.comm[strcspn(s.comm, "\n")] = '\0';
		fclose(f);
	}
	if (pb_agent__new(&opts, &a) || pb_agent__set_reporter(a, reporter, &s) ||
	    pb_agent__spawn(a)) {
		ok(false, "agent with per_thread and per_cpu starts: %s",
		   a ? pb_agent__strerror(a) : "no memory");
		pb_agent__free(a);
		return tap_done();
	}
	ok(true, "agent with per_thread and per_cpu starts");
	for (int i = 0; i < WORKERS; i++) {
		workers[i].index = i;
		workers[i].seen = &s;
		snprintf(workers[i].name, sizeof(workers[i].name), "pbv-w%d", i);
		pthread_create(&workers[i].thread, NULL, work, &workers[i]);
	}
	for (int i = 0; i < WORKERS; i++)
		pthread_join(workers[i].thread, NULL);
	pb_agent__stop(a);
	pb_agent__free(a);
	ok(s.leaf > 0 && s.misshaped == 0,
	   "every worker stack is [cpu N];%s;[tid N NAME] with labels cpu, tid, thread_name "
	   "(%" PRIu64 " samples in %d windows, %" PRIu64 " otherwise)",
	   s.comm, s.leaf, s.windows, s.misshaped);
	ok(workers[0].samples >= ENOUGH && workers[1].samples >= ENOUGH,
	   "each worker thread is its own [tid] frame: %s %" PRIu64 ", %s %" PRIu64 " samples",
	   workers[0].name, workers[0].samples, workers[1].name, workers[1].samples);
	return tap_done();
}
