// SPDX-License-Identifier: MIT
/*
 * The embedder's side of the contract: a session's and a standalone host's messages reach the
 * log callback (and not stderr), lost stacks are summed, and host->encode is the encoder that
 * -o uses (the same bytes as pb_profile__write_format).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include <profile-bee/plugin.h>

#include "tap.h"

struct captured {
	int n;
	enum pb_log_level level;
	char who[32], msg[512];
};

static void capture(void *ctx, enum pb_log_level level, const char *who, const char *msg)
{
	struct captured *c = ctx;

	c->n++;
	c->level = level;
	snprintf(c->who, sizeof(c->who), "%s", who ? who : "");
	snprintf(c->msg, sizeof(c->msg), "%s", msg);
}

static struct pb_profile *small_profile(void)
{
	static const char text[] = "app;main;work 7\napp;main;idle 3\n";
	struct pb_profile *p = NULL;
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");

	if (pb_profile__new(&p) || pb_profile__read_folded(p, f, NULL))
		abort();
	fclose(f);
	return p;
}

/* Bytes of format as pb_profile__write_format and as host->encode render p. */
static bool same_bytes(const struct pb_host *h, const struct pb_profile *p, const char *format)
{
	char *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	FILE *fa = open_memstream(&a, &na), *fb = open_memstream(&b, &nb);
	int ea = pb_profile__write_format(p, format, fa, NULL);
	int eb = h->encode(h->session, p, format, fb);
	bool same;

	fclose(fa);
	fclose(fb);
	same = !ea && !eb && na > 0 && na == nb && !memcmp(a, b, na);
	free(a);
	free(b);
	return same;
}

static void standalone(void)
{
	struct captured c = { 0 };
	struct pb_host_opts o = { .sz = sizeof(o), .log = capture, .log_ctx = &c };
	struct pb_host *h = NULL;
	struct pb_profile *p = small_profile();
	FILE *null = fopen("/dev/null", "w");

	ok(pb_host__new(&o, &h) == 0 && h && h->sz == sizeof(*h), "a standalone host is made");
	h->log(h->session, PB_LOG_WARN, "tester", "hello %d", 42);
	ok(c.n == 1 && c.level == PB_LOG_WARN && !strcmp(c.who, "tester") &&
		       !strcmp(c.msg, "hello 42"),
	       "its log reaches the callback: [%s] %s", c.who, c.msg);
	h->count_lost(h->session, "user stack map full", 5, NULL);
	h->count_lost(h->session, "user stack map full", 2, NULL);
	h->count_lost(h->session, "cut", 1, NULL);
	ok(pb_host__lost(h, "user stack map full") == 7 && pb_host__lost(h, NULL) == 8,
	       "lost stacks are summed by cause");
	ok(h->find_mapping(h->session, getpid(), (uintptr_t)standalone) == NULL,
	       "there are no processes to look up");
	ok(same_bytes(h, p, "folded") && same_bytes(h, p, "svg") && same_bytes(h, p, ".json"),
	       "host->encode writes what pb_profile__write_format writes (folded, svg, .json)");
	c.n = 0;
	ok(h->encode(h->session, p, "nope", null) == -EINVAL && c.n == 1 &&
		       strstr(c.msg, "no encoder for format 'nope'") && strstr(c.msg, "svg"),
	       "an unknown format is -EINVAL, said once, naming the known ones: %s", c.msg);
	fclose(null);
	pb_profile__free(p);
	pb_host__free(h);
}

/* A session's output failure and its plugin's own message reach the session's callback. */
static void session_log(void)
{
	struct captured c = { 0 };
	struct pb_session_opts so = { .sz = sizeof(so), .log = capture, .log_ctx = &c };
	struct pb_session *s = NULL;
	struct pb_profile *p = small_profile();
	char dir[] = "/tmp/pb-host-XXXXXX", path[64];
	int ret;

	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/x.svg", dir);
	ret = pb_session__new(&so, &s);
	if (!ret)
		ret = pb_session__add_output(s, path, "diff-base=/nonexistent");
	ok(ret == 0, "an output with a missing diff base is added (%s)",
	       s ? pb_session__strerror(s) : "");
	ret = s ? pb_session__write(s, p) : -1;
	ok(ret != 0 && c.n >= 1 && c.level == PB_LOG_ERROR &&
		       strstr(c.msg, "cannot write '") && strstr(c.msg, "diff-base") &&
		       access(path, F_OK) != 0,
	       "the failure, with the plugin's reason, goes to the session's callback, and no "
	       "half file is left: %s", c.msg);
	pb_session__free(s);
	rmdir(dir);
	pb_profile__free(p);
}

int main(void)
{
	standalone();
	session_log();
	return tap_done();
}
