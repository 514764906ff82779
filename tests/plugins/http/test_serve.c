// SPDX-License-Identifier: MIT
/* The serve plugin through its ops: endpoints (the encoders' bytes), path traversal, 50 streams. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "harness.h"
#include "proc_status.h"
#include "profile_text.h"
#include "tap.h"

#define N_CLIENTS 50

static const char *window1 = "app;main;http_test_outer;http_test_leaf 30\n"
			     "app;main;http_test_other 10\n"
			     "app;main;sys_write_[k] 5\n";
static const char *window2 = "app;main;http_test_outer;http_test_second 7\n";

struct body {
	char *data;
	size_t len;
};

static size_t on_data(char *d, size_t s, size_t n, void *ctx)
{
	struct body *b = ctx;

	b->data = realloc(b->data, b->len + s * n + 1);
	memcpy(b->data + b->len, d, s * n);
	b->len += s * n;
	b->data[b->len] = '\0';
	return s * n;
}

/* GET path as-is (no "/../" folding by curl, as an attacker's client would send it). */
static long get(int port, const char *path, struct body *b, char *type, size_t type_len)
{
	CURL *c = curl_easy_init();
	char url[512];
	long status = 0;
	char *ct = NULL;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	b->data = calloc(1, 1);
	b->len = 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	if (curl_easy_perform(c) == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
		if (type)
			snprintf(type, type_len, "%s", ct ? ct : "");
	}
	curl_easy_cleanup(c);
	return status;
}

static int port_from_log(void)
{
	const char *p = strstr(harness_log(), "http://127.0.0.1:");

	return p ? atoi(p + strlen("http://127.0.0.1:")) : 0;
}

/* The body of /json without its envelope: what follows "tree": up to the closing brace. */
static bool json_tree_is(const char *body, const char *tree)
{
	const char *at = strstr(body, ",\"tree\":");
	size_t n = strlen(tree);

	while (n && tree[n - 1] == '\n')
		n--;
	return at && !strncmp(at + 8, tree, n) && !strcmp(at + 8 + n, "}");
}

/* p is the one window written: the profile so far, which -o would write with these bytes. */
static void test_endpoints(int port, const struct pb_profile *p)
{
	char *expect_folded = profile_text(p, NULL), *svg = profile_text(p, "svg");
	char *json = profile_text(p, "json");
	static const char *const bad[] = {
		"/nope", "/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/index.html/../../etc/passwd",
		"/etc/passwd", "/..%2f..%2fetc%2fpasswd", "//etc/passwd", "/json/../../../etc/passwd",
	};
	struct body b;
	char type[128];
	long st;

	st = get(port, "/folded", &b, type, sizeof(type));
	ok(st == 200 && !strcmp(b.data, expect_folded), "/folded is the profile's folded text (%ld)",
	   st);
	free(b.data);
	st = get(port, "/json", &b, type, sizeof(type));
	ok(st == 200 && strstr(type, "json") &&
		   strstr(b.data, "{\"name\":\"http_test_leaf\",\"value\":30}") &&
		   strstr(b.data, "\"samples\":45"),
	   "/json holds the tree with the leaf's 30 samples of 45");
	ok(json && json_tree_is(b.data, json), "/json's tree is what -o x.json writes");
	free(b.data);
	st = get(port, "/svg", &b, type, sizeof(type));
	ok(st == 200 && strstr(type, "svg") && strstr(b.data, "<svg") &&
		   strstr(b.data, "http_test_leaf (30 samples, 66.67%)"),
	   "/svg draws the frames with samples and percent");
	ok(svg && b.len == strlen(svg) && !memcmp(b.data, svg, b.len),
	   "/svg is byte for byte what -o x.svg writes (%zu bytes)", b.len);
	free(b.data);
	st = get(port, "/", &b, type, sizeof(type));
	ok(st == 200 && strstr(type, "text/html") && strstr(b.data, "src=\"/flame.js\"") &&
		   !strstr(b.data, "https://") && !strstr(b.data, "//cdn"),
	   "/ is the page, with only local assets");
	free(b.data);
	st = get(port, "/flame.js", &b, type, sizeof(type));
	ok(st == 200 && strstr(type, "javascript") && strstr(b.data, "EventSource"),
	   "/flame.js is served");
	free(b.data);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		st = get(port, bad[i], &b, NULL, 0);
		ok(st == 404 && !strstr(b.data, "root:"), "%s is 404 (%ld)", bad[i], st);
		free(b.data);
	}
	free(expect_folded);
	free(svg);
	free(json);
}

struct stream {
	CURL *c;
	struct body b;
};

static int count_with(struct stream *s, int n, const char *needle)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		k += s[i].b.data && strstr(s[i].b.data, needle) != NULL;
	return k;
}

/* Runs the multi handle until every stream holds needle or timeout_ms passes. */
static int pump_until(CURLM *m, struct stream *s, int n, const char *needle, int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	int running;

	while (now_ms() < end && count_with(s, n, needle) < n) {
		curl_multi_perform(m, &running);
		curl_multi_poll(m, NULL, 0, 50, NULL);
	}
	return count_with(s, n, needle);
}

static void test_streams(int port, const struct pb_plugin *pl, void *state)
{
	struct stream s[N_CLIENTS] = { 0 };
	CURLM *m = curl_multi_init();
	int before = proc_status("Threads"), during, after = 0;
	struct pb_profile *p;
	char url[128];
	uint64_t t;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/events", port);
	for (int i = 0; i < N_CLIENTS; i++) {
		s[i].c = curl_easy_init();
		curl_easy_setopt(s[i].c, CURLOPT_URL, url);
		curl_easy_setopt(s[i].c, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(s[i].c, CURLOPT_WRITEDATA, &s[i].b);
		curl_multi_add_handle(m, s[i].c);
	}
	ok(pump_until(m, s, N_CLIENTS, "event: snapshot", 10000) == N_CLIENTS,
	   "%d streaming clients got the profile so far", N_CLIENTS);
	during = proc_status("Threads");
	p = harness_profile(window2, 3000000000ull, 4000000000ull);
	t = now_ms();
	ok(pl->output->write(state, p, 0) == 0, "a second window is written");
	ok(now_ms() - t < 200, "writing it with %d clients took %llu ms", N_CLIENTS,
	   (unsigned long long)(now_ms() - t));
	pb_profile__free(p);
	ok(pump_until(m, s, N_CLIENTS, "http_test_second", 10000) == N_CLIENTS,
	   "all %d clients got the new window as it came", N_CLIENTS);
	ok(count_with(s, N_CLIENTS, "event: window\nid: 2\n") == N_CLIENTS,
	   "as a window event with the next generation");

	/* Clients vanish mid-stream; the next window finds them gone and frees their threads. */
	for (int i = 0; i < N_CLIENTS; i++) {
		curl_multi_remove_handle(m, s[i].c);
		curl_easy_cleanup(s[i].c);
		free(s[i].b.data);
	}
	curl_multi_cleanup(m);
	for (int i = 0; i < 30; i++) {
		p = harness_profile(window2, 4000000000ull + i, 5000000000ull + i);
		pl->output->write(state, p, 0);
		pb_profile__free(p);
		usleep(100 * 1000);
		if ((after = proc_status("Threads")) <= before + 1)
			break;
	}
	ok(during >= before + N_CLIENTS - 2 && after <= before + 1,
	   "threads: %d before, %d with the clients, %d after they left", before, during, after);
}

int main(int argc, char **argv)
{
	const struct pb_plugin *pl = argc > 1 ? harness_load(argv[1], "serve") : NULL;
	struct pb_output_params params = { .sz = sizeof(params), .target = "serve",
					   .format = "serve", .window_ms = 500, .live = true };
	struct pb_config *cfg;
	struct pb_profile *p;
	void *state = NULL;
	uint64_t t;
	int port;

	if (!pl) {
		printf("Bail out! cannot load the serve plugin\n");
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	cfg = harness_config("listen=127.0.0.1:0");
	ok(pl->output->open(harness_host, &params, cfg, &state) == 0, "serve opens on port 0");
	port = port_from_log();
	ok(port > 0, "the log names the address (port %d)", port);
	p = harness_profile(window1, 1000000000ull, 2000000000ull);
	ok(pl->output->write(state, p, 0) == 0, "a window is written");
	test_endpoints(port, p);
	pb_profile__free(p);
	test_streams(port, pl, state);

	/* A stream still open at the end must not hold up shutdown. */
	{
		CURLM *m = curl_multi_init();
		struct stream s = { .c = curl_easy_init() };
		char url[128];

		snprintf(url, sizeof(url), "http://127.0.0.1:%d/events", port);
		curl_easy_setopt(s.c, CURLOPT_URL, url);
		curl_easy_setopt(s.c, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(s.c, CURLOPT_WRITEDATA, &s.b);
		curl_multi_add_handle(m, s.c);
		pump_until(m, &s, 1, "event: snapshot", 5000);
		harness_request_stop(); /* as after Ctrl-C: wait returns at once */
		t = now_ms();
		ok(pl->output->wait(state) == 0, "wait returns once a stop was requested");
		pl->output->close(state);
		ok(now_ms() - t < 3000, "close with a client connected took %llu ms",
		   (unsigned long long)(now_ms() - t));
		curl_multi_remove_handle(m, s.c);
		curl_easy_cleanup(s.c);
		curl_multi_cleanup(m);
		free(s.b.data);
	}
	harness_config_free(cfg);

	cfg = harness_config("listen=192.0.2.1:0");
	ok(pl->output->open(harness_host, &params, cfg, &state) != 0,
	   "an address that is not this host's is refused");
	harness_config_free(cfg);
	curl_global_cleanup();
	return tap_done();
}
