// SPDX-License-Identifier: MIT
/* The IMDSv2 client: one token shared with host metadata, endpoints, and hostile services. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <profile-bee/hostmeta.h>

#include "tap.h"
#include "fake_metadata_server.h"
#include "hostmeta/hostmeta_internal.h"

/* The token lifetime every caller asks for (core/hostmeta/imds.c). */
#define WANT_TTL "21600"

struct stats {
	int puts, gets, untokened, injected;
	char ttl[32];
};

static char base_url[64], hang_url[64];

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What the fake IMDS was asked so far. */
static struct stats stats(void)
{
	struct stats s = { 0 };
	char url[96], body[256];

	snprintf(url, sizeof(url), "%s/stats", base_url);
	if (pb_hostmeta_fetch("GET", url, NULL, pb_hostmeta_now_ms() + 2000, body, sizeof(body)) ||
	    sscanf(body, "puts=%d gets=%d untokened=%d injected=%d ttl=%31s", &s.puts, &s.gets,
		   &s.untokened, &s.injected, s.ttl) < 4)
		s.puts = -1;
	return s;
}

/* pb_imds__get on base_url + prefix, timed. */
static int get_timed(const char *prefix, const char *path, uint32_t timeout_ms, char *buf,
		     size_t len, long *elapsed_ms)
{
	char endpoint[96];
	long t0 = now_ms();
	int err;

	snprintf(endpoint, sizeof(endpoint), "%s%s", base_url, prefix);
	err = pb_imds__get(endpoint, path, timeout_ms, buf, len);
	*elapsed_ms = now_ms() - t0;
	return err;
}

/* Runs before anything here loads libcurl: a refused call must not load it either. */
static void test_no_curl_when_off(void)
{
	char buf[64];
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		FILE *maps;
		char line[512];
		int err, curl = 0;

		setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
		err = pb_imds__get(base_url, "meta-data/instance-id", 1000, buf, sizeof(buf));
		if (!(maps = fopen("/proc/self/maps", "r")))
			_exit(3);
		while (fgets(line, sizeof(line), maps))
			curl |= strstr(line, "libcurl") != NULL;
		fclose(maps);
		_exit(err != -ENOENT ? 1 : curl ? 2 : 0);
	}
	ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status), "child ran");
	ok(WEXITSTATUS(status) != 1,
	   "AWS_EC2_METADATA_DISABLED=true: -ENOENT, even with an endpoint");
	ok(WEXITSTATUS(status) == 0, "and libcurl stays unloaded (exit %d)", WEXITSTATUS(status));
}

static void test_shared_token(void)
{
	const struct pb_host_metadata *m;
	struct stats before = stats(), after;
	char buf[256], endpoint[80];
	int err;

	setenv("PB_IMDS_ENDPOINT", base_url, 1);
	m = pb_host_metadata__get();
	is_str(m->ec2_instance_id, FAKE_INSTANCE_ID, "host metadata read the instance id");
	/* What the s3 output asks for its role credentials, on the default endpoint... */
	err = pb_imds__get(NULL, "meta-data/iam/security-credentials/", 1000, buf, sizeof(buf));
	ok(!err && !strcmp(buf, FAKE_ROLE "\n"), "the role list through pb_imds__get (%d)", err);
	/* ...and on the same endpoint named by its imds_endpoint setting (a trailing '/'). */
	snprintf(endpoint, sizeof(endpoint), "%s/", base_url);
	err = pb_imds__get(endpoint, "meta-data/instance-id", 1000, buf, sizeof(buf));
	is_str(buf, FAKE_INSTANCE_ID, "an explicit endpoint (%d)", err);
	after = stats();
	ok(after.puts - before.puts == 1, "one token PUT for all 6 reads (%d)",
	   after.puts - before.puts);
	is_str(after.ttl, WANT_TTL, "asked with the one token lifetime");
	ok(after.gets - before.gets == 6 && after.untokened == before.untokened,
	   "every read carried the token (%d reads, %d without)", after.gets - before.gets,
	   after.untokened - before.untokened);
}

static void test_endpoints(void)
{
	char buf[64];
	long ms;
	int err;

	unsetenv("PB_IMDS_ENDPOINT");
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", base_url, 1);
	err = pb_imds__get(NULL, "meta-data/instance-id", 1000, buf, sizeof(buf));
	ok(!err && !strcmp(buf, FAKE_INSTANCE_ID), "AWS_EC2_METADATA_SERVICE_ENDPOINT (%d)", err);
	setenv("PB_IMDS_ENDPOINT", hang_url, 1);
	err = pb_imds__get(NULL, "meta-data/instance-id", 300, buf, sizeof(buf));
	ok(err == -ETIMEDOUT, "PB_IMDS_ENDPOINT comes before it (%d)", err);
	err = get_timed("", "meta-data/instance-id", 1000, buf, sizeof(buf), &ms);
	ok(!err && ms < 500, "an explicit endpoint comes before both (%d, %ld ms)", err, ms);
	err = get_timed("", "meta-data/nothing-here", 1000, buf, sizeof(buf), &ms);
	ok(err == -ENODATA && !buf[0], "404: -ENODATA, buf empty (%d)", err);
	unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	unsetenv("PB_IMDS_ENDPOINT");
}

static void test_token_refused(void)
{
	struct stats before = stats(), after;
	char buf[64];
	long ms;
	int err1, err2;

	err1 = get_timed("/once", "meta-data/instance-id", 1000, buf, sizeof(buf), &ms);
	err2 = get_timed("/once", "meta-data/instance-id", 1000, buf, sizeof(buf), &ms);
	after = stats();
	ok(!err1 && !err2 && !strcmp(buf, FAKE_INSTANCE_ID),
	   "a kept token the service refuses is replaced (%d, %d)", err1, err2);
	ok(after.puts - before.puts == 2, "one new token for the second read (%d PUTs)",
	   after.puts - before.puts);

	before = after;
	err1 = get_timed("/denied", "meta-data/instance-id", 1000, buf, sizeof(buf), &ms);
	err2 = get_timed("/denied", "meta-data/instance-id", 1000, buf, sizeof(buf), &ms);
	after = stats();
	ok(err1 == -EACCES && err2 == -EACCES && !buf[0], "401 to every read: -EACCES (%d, %d)",
	   err1, err2);
	ok(after.puts - before.puts == 2 && after.gets - before.gets == 3,
	   "no loop: a fresh token is not retried, a kept one once (%d PUTs, %d reads)",
	   after.puts - before.puts, after.gets - before.gets);
}

static void test_hostile(void)
{
	struct stats before = stats(), after;
	char buf[512];
	long ms;
	int err;

	err = get_timed("/huge", "meta-data/instance-id", 2000, buf, sizeof(buf), &ms);
	ok(err == -E2BIG && !buf[0], "a 1 MiB answer: -E2BIG, buf empty (%d)", err);
	ok(ms < 1000, "without reading it all (%ld ms)", ms);
	err = get_timed("/slow", "meta-data/instance-id", 300, buf, sizeof(buf), &ms);
	ok(err == -ETIMEDOUT && !buf[0], "an answer that trickles: -ETIMEDOUT (%d)", err);
	ok(ms >= 250 && ms < 1000, "at the timeout (%ld ms)", ms);
	ms = now_ms();
	err = pb_imds__get(hang_url, "meta-data/instance-id", 300, buf, sizeof(buf));
	ms = now_ms() - ms;
	ok(err == -ETIMEDOUT && ms < 1000, "a token request never answered: -ETIMEDOUT (%ld ms)",
	   ms);
	err = get_timed("/badtoken", "meta-data/instance-id", 1000, buf, sizeof(buf), &ms);
	ok(err == -EBADMSG, "a token with a line break: -EBADMSG (%d)", err);
	err = get_timed("/bigtoken", "meta-data/instance-id", 1000, buf, sizeof(buf), &ms);
	ok(err == -E2BIG, "a 4 KiB token: -E2BIG (%d)", err);
	after = stats();
	ok(after.injected == before.injected, "nothing from a token reply became a header");
	ok(after.gets - before.gets == 2, "no read with a token that was refused (%d reads)",
	   after.gets - before.gets);
}

int main(void)
{
	struct fake_server fs = { 0 };

	if (fake_server_start(&fs))
		return tap_skip_all("cannot listen on 127.0.0.1");
	snprintf(base_url, sizeof(base_url), "http://127.0.0.1:%u", fs.port);
	snprintf(hang_url, sizeof(hang_url), "http://127.0.0.1:%u", fs.hang_port);
	/* Every call names a loopback endpoint: never the real IMDS, even on an EC2 runner. */
	unsetenv("AWS_EC2_METADATA_DISABLED");
	unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	unsetenv("PB_IMDS_ENDPOINT");
	unsetenv("ECS_CONTAINER_METADATA_URI_V4");
	unsetenv("KUBERNETES_SERVICE_HOST");
	test_no_curl_when_off();
	test_shared_token();
	test_endpoints();
	test_token_refused();
	test_hostile();
	fake_server_stop(&fs);
	return tap_done();
}
