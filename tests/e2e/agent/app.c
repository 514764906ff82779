// SPDX-License-Identifier: MIT
/* The application embedding the agent in test_agent: its named work, its reporter, its set-up. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "profile_text.h"
#include "work.h"

/* The application's work, with names to find in its own profile. */
__attribute__((noinline)) void agent_test_leaf(uint64_t n)
{
	work_tick(work_hash(n));
	work_sink++; /* not a tail call either, which would leave no frame */
}

__attribute__((noinline)) uint64_t agent_test_busy(uint64_t ms)
{
	uint64_t end = now_ms() + ms, last = now_ms(), worst = 0;

	while (last < end) {
		uint64_t t;

		agent_test_leaf(last);
		t = now_ms();
		if (t - last > worst)
			worst = t - last;
		last = t;
	}
	return worst;
}

/* The share (percent) of p's samples whose stack holds caller;callee as consecutive frames. */
static int chain_share(const struct pb_profile *p, const char *caller, const char *callee)
{
	uint64_t hit = 0, total = pb_profile__total(p);

	for (size_t i = 0; i < pb_profile__stack_count(p); i++) {
		const struct pb_stack *s = pb_profile__stack(p, i);

		for (uint32_t d = 1; d < s->depth; d++) {
			if (!strcmp(pb_profile__frame_name(p, s->frames[d - 1]), caller) &&
			    !strcmp(pb_profile__frame_name(p, s->frames[d]), callee)) {
				hit += s->count;
				break;
			}
		}
	}
	return total ? (int)(100 * hit / total) : 0;
}

static bool all_pids(const struct pb_profile *p, uint32_t pid)
{
	for (size_t i = 0; i < pb_profile__stack_count(p); i++)
		if (pb_profile__stack(p, i)->pid != pid)
			return false;
	return true;
}

static bool has_pid(const struct pb_profile *p, uint32_t pid)
{
	for (size_t i = 0; i < pb_profile__stack_count(p); i++)
		if (pb_profile__stack(p, i)->pid == pid)
			return true;
	return false;
}

int seen_reporter(void *ctx, const struct pb_agent_window *w)
{
	struct seen *s = ctx;
	uint64_t t0 = now_ms();
	int share = chain_share(w->profile, "agent_test_busy", "agent_test_leaf");
	int ms = (int)((w->end_ns - w->start_ns) / 1000000);
	int ret = 0;

	pthread_mutex_lock(&s->lock);
	if ((int)w->index != s->windows)
		s->indices_in_order = false;
	if (w->pid != getpid() || !all_pids(w->profile, getpid()))
		s->pids_ok = false;
	if (s->other_pid && has_pid(w->profile, s->other_pid))
		s->other_seen = true;
	if (s->windows < 256) {
		s->share[s->windows] = share;
		s->ms[s->windows] = ms;
	}
	s->samples += pb_profile__total(w->profile);
	s->host = *w->host;
	s->last_end_ns = w->end_ns;
	s->status_errors += w->status != 0;
	if (!s->rendered) {
		char *a = profile_text(w->profile, NULL), *b = profile_text(w->profile, "folded");
		char *svg = profile_text(w->profile, "svg");
		char *json = profile_text(w->profile, ".json");

		s->rendered = true;
		s->folded_same = a && b && a[0] && !strcmp(a, b);
		s->svg_ok = svg && strstr(svg, "<svg") && strstr(svg, "agent_test_leaf");
		s->json_ok = json && json[0] == '{' && strstr(json, "agent_test_leaf");
		free(a);
		free(b);
		free(svg);
		free(json);
	}
	if (s->fail_every && w->index % s->fail_every == 0)
		ret = -1;
	s->windows++;
	pthread_mutex_unlock(&s->lock);
	if (s->block && w->index == 1) {
		/* Blocks until the application, still running, releases it (or 10 s pass). */
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 10;
		pthread_mutex_lock(&s->lock);
		s->entered = true;
		pthread_cond_broadcast(&s->cv);
		while (!s->release && !pthread_cond_timedwait(&s->cv, &s->lock, &ts))
			;
		s->released_in_time = s->release;
		pthread_mutex_unlock(&s->lock);
	}
	s->last_report_ms = now_ms() - t0;
	return ret;
}

void seen_full_windows(const struct seen *s, int *min_share, int *min_ms, int *max_ms)
{
	int n = s->windows - 1 < 256 ? s->windows - 1 : 256;

	*min_share = n > 0 ? 100 : 0;
	*min_ms = n > 0 ? 1 << 30 : 0;
	*max_ms = 0;
	for (int i = 0; i < n; i++) {
		*min_share = s->share[i] < *min_share ? s->share[i] : *min_share;
		*min_ms = s->ms[i] < *min_ms ? s->ms[i] : *min_ms;
		*max_ms = s->ms[i] > *max_ms ? s->ms[i] : *max_ms;
	}
}

void seen_init(struct seen *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->indices_in_order = s->pids_ok = true;
}

/* 20 s at most: loaded machines wake the agent late. */
int seen_wait_windows(struct seen *s, int n)
{
	uint64_t end = now_ms() + 20000;
	int seen;

	do {
		agent_test_busy(20);
		pthread_mutex_lock(&s->lock);
		seen = s->windows;
		pthread_mutex_unlock(&s->lock);
	} while (seen < n && now_ms() < end);
	return seen;
}

int new_agent(uint64_t duration_ms, uint64_t interval_ms, const char *unwinder,
	      struct pb_agent **ret)
{
	struct pb_agent_opts opts = { .sz = sizeof(opts), .frequency = 499,
				      .duration_ms = duration_ms, .interval_ms = interval_ms,
				      .unwinder = unwinder };

	return pb_agent__new(&opts, ret);
}

const char *agent_cannot_run(void)
{
	if (geteuid() != 0)
		return "needs root";
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return "needs a kernel with BTF";
	return NULL;
}

bool agent_refuses(const struct pb_agent_opts *opts, const char *want, char *said, size_t len)
{
	struct pb_agent *a;
	int err;

	pb_agent__new(opts, &a);
	err = pb_agent__spawn(a);
	snprintf(said, len, "%s", pb_agent__strerror(a));
	pb_agent__free(a);
	return err == -EINVAL && strstr(said, want);
}
