// SPDX-License-Identifier: MIT
/*
 * The agent on the plugin contract: its per-window svg files are what the svg encoder writes
 * for the window the reporter sees (one encoder for both), a setting out of range in an output's
 * settings string is refused at spawn naming key, value and range, and its messages reach the
 * embedder's log callback instead of stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <profile-bee/agent.h>

#include "tap.h"

#define MAX_WINDOWS 8

static char dir[] = "/tmp/pb-agent-contract-XXXXXX";
static volatile uint64_t sink;

struct seen {
	int windows;
	int same[MAX_WINDOWS]; /* 1: the file equals the encoder's bytes, -1: it differs */
	int logs, logs_naming_target;
	char last_log[512];
};

static void burn(int ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 100000; i++)
			sink = sink * 6364136223846793005ull + 1;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

static char *slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	FILE *f = fopen(path, "r"), *m = open_memstream(&buf, len);
	int c;

	while (f && (c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(m);
	if (f)
		fclose(f);
	return f ? buf : (free(buf), NULL);
}

/* Runs after the window's outputs were written: its file is there to compare. */
static int on_window(void *ctx, const struct pb_agent_window *w)
{
	struct seen *s = ctx;
	char path[128], *want = NULL, *got;
	size_t nwant = 0, ngot = 0;
	FILE *m = open_memstream(&want, &nwant);
	int err = pb_profile__write_format(w->profile, "svg", m, NULL);

	fclose(m);
	snprintf(path, sizeof(path), "%s/w-%llu.svg", dir, (unsigned long long)w->index);
	got = slurp(path, &ngot);
	if (w->index < MAX_WINDOWS)
		s->same[w->index] = !err && got && ngot == nwant && !memcmp(got, want, ngot) ? 1 : -1;
	s->windows++;
	free(got);
	free(want);
	return 0;
}

static void on_log(void *ctx, enum pb_log_level level, const char *who, const char *msg)
{
	struct seen *s = ctx;

	s->logs++;
	s->logs_naming_target += strstr(msg, "/nonexistent-dir/w-") != NULL;
	snprintf(s->last_log, sizeof(s->last_log), "%s: %s", who ? who : "", msg);
}

static struct pb_agent *new_agent(struct seen *s)
{
	struct pb_agent_opts o = { .sz = sizeof(o), .frequency = 499, .duration_ms = 300,
				   .interval_ms = 300, .log = on_log, .log_ctx = s };
	struct pb_agent *a = NULL;

	if (pb_agent__new(&o, &a))
		abort();
	return a;
}

int main(void)
{
	struct seen s = { 0 };
	struct pb_agent *a;
	char target[128];
	int ret, same = 0;

	if (!mkdtemp(dir))
		return 1;
	a = new_agent(&s);
	pb_agent__add_output(a, "/tmp/x.svg", "width=5");
	ret = pb_agent__spawn(a);
	ok(ret == -EINVAL && strstr(pb_agent__strerror(a), "'width' must be from 100 to") &&
		       strstr(pb_agent__strerror(a), "not '5'"),
	       "a setting out of range in an agent's output settings is refused at spawn: %s",
	       pb_agent__strerror(a));
	pb_agent__free(a);

	a = new_agent(&s);
	snprintf(target, sizeof(target), "%s/w-{window}.svg", dir);
	pb_agent__add_output(a, target, NULL);
	pb_agent__add_output(a, "/nonexistent-dir/w-{window}.folded", NULL);
	pb_agent__set_reporter(a, on_window, &s);
	ret = pb_agent__spawn(a);
	ok(ret == 0, "the agent starts (%s)", pb_agent__strerror(a));
	burn(1200);
	pb_agent__stop(a);
	for (int i = 0; i < s.windows && i < MAX_WINDOWS; i++)
		same += s.same[i] == 1;
	ok(s.windows >= 2 && same == (s.windows < MAX_WINDOWS ? s.windows : MAX_WINDOWS),
	       "every window's svg file is byte-identical to the svg encoder's output for the "
	       "window the reporter sees (%d of %d windows)", same, s.windows);
	ok(s.logs_naming_target >= s.windows && s.windows >= 2,
	       "every window's failed output is told to the log callback, naming it (%d messages "
	       "of %d, the last: %s)", s.logs_naming_target, s.logs, s.last_log);
	pb_agent__free(a);
	snprintf(target, sizeof(target), "rm -rf '%s'", dir);
	if (system(target))
		return 1;
	return tap_done();
}
