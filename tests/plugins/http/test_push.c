// SPDX-License-Identifier: MIT
/* The push exporter through the plugin's ops, against a receiver on loopback. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <errno.h>

#include "clock.h"
#include "harness.h"
#include "receiver.h"
#include "tap.h"

static const struct pb_plugin *pl;

static const char *const bodies[] = {
	"app;main;push_test_a 3\n",
	"app;main;push_test_b 4\napp;main;push_test_b;deeper 1\n",
	"app;main;push_test_c 5\n",
	"app;main;push_test_d 6\n",
	"app;main;push_test_e 7\n",
	"app;main;push_test_f 8\n",
};
#define SEC 1000000000ull
#define T0 (1700000000ull * SEC)

static void *open_push(const char *url, uint32_t window_ms, const char *settings)
{
	struct pb_output_params params = { .sz = sizeof(params), .target = url, .format = "push",
					   .window_ms = window_ms, .live = window_ms > 0 };
	struct pb_config *cfg = harness_config(settings);
	void *state = NULL;
	int err = pl->output->open(harness_host, &params, cfg, &state);

	harness_config_free(cfg); /* the plugin reads its settings in open */
	return err ? NULL : state;
}

/* Writes window i (i-th body, the i-th second after T0); returns how long write took, in ms. */
static uint64_t write_window(void *state, int i, uint32_t flags, int *err)
{
	struct pb_profile *p = harness_profile(bodies[i], T0 + i * SEC, T0 + (i + 1) * SEC);
	uint64_t t = now_ms();

	*err = pl->output->write(state, p, flags);
	pb_profile__free(p);
	return now_ms() - t;
}

static char *gunzip(const char *in, size_t len)
{
	static char out[65536];
	z_stream z = { .next_in = (Bytef *)in, .avail_in = len, .next_out = (Bytef *)out,
		       .avail_out = sizeof(out) - 1 };

	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return NULL;
	if (inflate(&z, Z_FINISH) != Z_STREAM_END) {
		inflateEnd(&z);
		return NULL;
	}
	out[z.total_out] = '\0';
	inflateEnd(&z);
	return out;
}

static void test_pyroscope(int port)
{
	char url[128], name[256], host[200] = "";
	void *st;
	int err, ok_all = 1;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/ingest", port);
	st = open_push(url, 1000, "app-name=shop,labels=env=test;team=perf,tenant-id=t1,"
				  "bearer-token=sekret");
	ok(st != NULL, "push opens for %s", url);
	for (int i = 0; i < 3; i++)
		write_window(st, i, i == 2 ? PB_WRITE_LAST : 0, &err);
	ok(err == 0, "the last write reports every window delivered");
	pl->output->close(st);
	ok(receiver_count() == 3, "three windows, three requests (%d)", receiver_count());
	gethostname(host, sizeof(host) - 1);
	/* Configured labels first, then the host's (whatever else the host metadata knows). */
	snprintf(name, sizeof(name), "shop.cpu{env=test,team=perf,hostname=%s", host);
	for (int i = 0; i < 3 && receiver_count() == 3; i++) {
		const struct request *r = receiver_get(i);
		char from[32], until[32];

		/* Nanoseconds (19 digits, as Pyroscope reads them): 1 s windows do not overlap. */
		snprintf(from, sizeof(from), "%llu", (unsigned long long)(T0 + i * SEC));
		snprintf(until, sizeof(until), "%llu", (unsigned long long)(T0 + (i + 1) * SEC));
		ok_all &= !strcmp(query_param(r->url, "from"), from) &&
			  !strcmp(query_param(r->url, "until"), until) &&
			  !strcmp(r->body, bodies[i]);
		if (!ok_all)
			printf("# request %d: %s\n# body: %s\n", i, r->url, r->body);
		if (i)
			continue;
		ok(!strncmp(r->url, "/ingest?", 8), "posted to the path given (%s)", r->url);
		ok(!strncmp(query_param(r->url, "name"), name, strlen(name)) &&
			   query_param(r->url, "name")[strlen(query_param(r->url, "name")) - 1] == '}',
		   "name=%s", query_param(r->url, "name"));
		ok(!strcmp(query_param(r->url, "format"), "folded") &&
			   !strcmp(query_param(r->url, "sampleRate"), "99") &&
			   !strcmp(query_param(r->url, "spyName"), "profile-bee") &&
			   !strcmp(query_param(r->url, "units"), "samples") &&
			   !strcmp(query_param(r->url, "aggregationType"), "sum"),
		   "format, sampleRate, spyName, units, aggregationType");
		ok(!strcmp(r->auth, "Bearer sekret") && !strcmp(r->tenant, "t1"),
		   "bearer token and X-Scope-OrgID headers");
	}
	ok(ok_all, "each request's from/until and folded body match its window, in order");
	receiver_clear();
}

static void test_generic_down_then_up(int port)
{
	char url[128];
	int err, order = 1;
	uint64_t slowest = 0;
	void *st;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/collect", port);
	st = open_push(url, 1000, "max-backoff=0.3");
	write_window(st, 0, 0, &err);
	ok(receiver_wait(1, 5000) == 1, "generic mode: the first window arrives");
	ok(receiver_count() >= 1 && !strcmp(receiver_get(0)->encoding, "gzip") &&
		   gunzip(receiver_get(0)->body, receiver_get(0)->len) &&
		   !strcmp(gunzip(receiver_get(0)->body, receiver_get(0)->len), bodies[0]) &&
		   !strcmp(receiver_get(0)->window, "1"),
	   "its body is the folded window, gzipped, with X-Profile-Bee-Window: 1");
	receiver_stop();
	for (int i = 1; i < 4; i++) {
		uint64_t ms = write_window(st, i, 0, &err);

		slowest = ms > slowest ? ms : slowest;
		usleep(300 * 1000);
	}
	ok(slowest < 50, "with the collector down, write never waits (slowest %llu ms)",
	   (unsigned long long)slowest);
	ok(harness_log_count("keeping windows and retrying") == 1, "the outage is reported once");
	ok(receiver_start(port) == port, "the collector comes back on port %d", port);
	write_window(st, 4, PB_WRITE_LAST, &err);
	ok(err == 0, "the last write reports every window delivered");
	pl->output->close(st);
	ok(receiver_count() == 5, "every window arrived (%d of 5)", receiver_count());
	for (int i = 0; i < receiver_count(); i++) {
		char want[16];

		snprintf(want, sizeof(want), "%d", i + 1);
		order &= !strcmp(receiver_get(i)->window, want) &&
			 !strcmp(gunzip(receiver_get(i)->body, receiver_get(i)->len), bodies[i]);
	}
	ok(order, "in order, each with its own window");
	receiver_clear();
	harness_log_clear();
}

static void test_rejected(int port)
{
	char url[128];
	int err;
	void *st;

	receiver_set_status(400, "unknown tenant 'nobody'");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/ingest", port);
	st = open_push(url, 1000, "max-backoff=0.2");
	for (int i = 0; i < 3; i++)
		write_window(st, i, i == 2 ? PB_WRITE_LAST : 0, &err);
	pl->output->close(st);
	ok(err == -EIO, "the last write fails: windows were lost");
	ok(receiver_count() == 3, "a 400 is not retried: 3 windows, 3 requests (%d)",
	   receiver_count());
	ok(harness_log_count("HTTP 400") == 3 && harness_log_count("unknown tenant 'nobody'") == 3,
	   "each rejected window is reported once, with the collector's answer");
	ok(harness_log_count("3 windows rejected") == 1, "and the count is reported at the end");
	receiver_set_status(200, "ok");
	receiver_clear();
	harness_log_clear();
}

static void test_bounded(int port)
{
	char url[128];
	uint64_t t;
	int err;
	void *st;

	receiver_stop();
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/collect", port);
	st = open_push(url, 1000, "queue-size=2,flush-timeout=1,max-backoff=0.2");
	for (int i = 0; i < 4; i++)
		write_window(st, i, 0, &err);
	t = now_ms();
	write_window(st, 4, PB_WRITE_LAST, &err);
	t = now_ms() - t;
	pl->output->close(st);
	ok(err == -EIO, "with the collector down to the end, the last write fails");
	ok(t >= 900 && t < 3000, "after trying for flush-timeout (%llu ms)", (unsigned long long)t);
	ok(harness_log_count("not delivered") == 1 && harness_log_count("dropped") >= 1,
	   "undelivered and dropped windows are reported");
	ok(harness_log_count("queue full") == 1, "the full queue is reported once");
	ok(receiver_start(port) == port, "collector back");
	harness_log_clear();
}

static void test_one_shot(int port)
{
	char url[128];
	int err;
	void *st;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/ingest", port);
	st = open_push(url, 0, "app-name=once,host-labels=false");
	for (int i = 0; i < 3; i++)
		write_window(st, i, i == 2 ? PB_WRITE_LAST : 0, &err);
	pl->output->close(st);
	ok(err == 0 && receiver_count() == 1, "a one-shot run is pushed once (%d)", receiver_count());
	if (receiver_count() == 1) {
		const struct request *r = receiver_get(0);
		char from[32], until[32];

		snprintf(from, sizeof(from), "%llu", (unsigned long long)T0);
		snprintf(until, sizeof(until), "%llu", (unsigned long long)(T0 + 3 * SEC));
		ok(strstr(r->body, "push_test_a 3") && strstr(r->body, "push_test_b 4") &&
			   strstr(r->body, "push_test_c 5"),
		   "with every window's stacks");
		ok(!strcmp(query_param(r->url, "from"), from) &&
			   !strcmp(query_param(r->url, "until"), until) &&
			   !strcmp(query_param(r->url, "name"), "once.cpu{}"),
		   "from the first window's start to the last one's end");
	}
	receiver_clear();
}

/* Adds count samples of app;main;leaf with labels l[0..n) to p. */
static void add_labeled(struct pb_profile *p, const char *leaf, const struct pb_label *l,
			size_t n, uint64_t count)
{
	const char *names[] = { "app", "main", leaf };
	uint32_t ids[3];

	for (int i = 0; i < 3; i++)
		ids[i] = pb_profile__intern(p, names[i], strlen(names[i]));
	pb_profile__add_labeled(p, 9, pb_profile__intern_labels(p, l, n), ids, 3, count);
}

/* Folded text has no labels: a window goes as one request per label set, named for it. */
static void test_pyroscope_series(int port)
{
	const struct pb_label c1[] = { { "container_id", "c1" } };
	const struct pb_label c2[] = { { "container_id", "c2" }, { "pod_name", "web {a b},c" },
				       { "env", "prod" } };
	struct pb_profile *p = harness_profile("app;main;unlabelled 2\n", T0, T0 + SEC);
	const char *want[][2] = {
		{ "shop.cpu{env=test}", "app;main;unlabelled 2\n" },
		{ "shop.cpu{env=test,container_id=c1}", "app;main;in_c1 3\napp;main;in_c1_too 1\n" },
		{ "shop.cpu{env=test,container_id=c2,pod_name=web__a_b__c}", "app;main;in_c2 4\n" },
	};
	char url[128];
	int err, all = 1;
	void *st;

	add_labeled(p, "in_c1", c1, 1, 3);
	add_labeled(p, "in_c2", c2, 3, 4);
	add_labeled(p, "in_c1_too", c1, 1, 1);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/ingest", port);
	st = open_push(url, 1000, "app-name=shop,labels=env=test,host-labels=false");
	err = pl->output->write(st, p, PB_WRITE_LAST);
	pl->output->close(st);
	pb_profile__free(p);
	ok(err == 0 && receiver_count() == 3,
	   "one window with two label sets and unlabelled stacks: three requests (%d)",
	   receiver_count());
	for (int i = 0; i < 3 && receiver_count() == 3; i++) {
		const struct request *r = receiver_get(i);

		all &= !strcmp(query_param(r->url, "name"), want[i][0]) &&
		       !strcmp(r->body, want[i][1]) &&
		       !strcmp(query_param(r->url, "format"), "folded");
		if (!all)
			printf("# request %d: name=%s\n# body: %s\n", i, query_param(r->url, "name"),
			       r->body);
	}
	/* libmicrohttpd decodes the query: the name came through its URL encoding whole. */
	ok(all, "each series named app.cpu{configured labels, the set's} with its stacks only; "
		"{ } , and blanks in a value became _, a configured key wins over the set's");
	ok(harness_log_count("pod_name") == 1,
	   "the changed value is said once (%d)", harness_log_count("pod_name"));
	harness_log_clear();
	receiver_clear();
}

int main(int argc, char **argv)
{
	int port;

	pl = argc > 1 ? harness_load(argv[1], "push") : NULL;
	if (!pl) {
		printf("Bail out! cannot load the push plugin\n");
		return 1;
	}
	port = receiver_start(0);
	if (!port) {
		printf("Bail out! cannot start the receiver on loopback\n");
		return 1;
	}
	test_pyroscope(port);
	test_generic_down_then_up(port);
	test_rejected(port);
	test_bounded(port);
	test_one_shot(port);
	test_pyroscope_series(port);
	receiver_stop();
	return tap_done();
}
