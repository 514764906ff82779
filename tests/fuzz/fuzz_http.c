// SPDX-License-Identifier: MIT
/* Fuzz target: the live server's request path (libmicrohttpd, routing, renders) over loopback. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"

#include "fuzz.h"

/* The settings serve_open asks for; the host owns the type, so the target defines its own. */
struct pb_config {
	int unused;
};

static struct pb_config cfg;
static void *live;
static struct pb_profile *window;
static uint16_t port;

/* The port comes from the server's own "live flame graph on http://ADDR:PORT/" message. */
static void fuzz_log(struct pb_session *s, enum pb_log_level level, const char *who,
		     const char *fmt, ...)
{
	const char *at;
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if ((at = strstr(line, "http://127.0.0.1:")))
		port = (uint16_t)atoi(at + strlen("http://127.0.0.1:"));
}

static const char *fuzz_get(const struct pb_config *c, const char *key)
{
	if (!strcmp(key, "listen"))
		return "127.0.0.1:0";
	if (!strcmp(key, "max-clients"))
		return "64";
	/* No token and no extra names: requests with a loopback Host or none reach the routes. */
	if (!strcmp(key, "allow-host") || !strcmp(key, "token") || !strcmp(key, "token-file"))
		return NULL;
	return "false";
}

static int64_t fuzz_int(const struct pb_config *c, const char *key)
{
	return strtoll(fuzz_get(c, key), NULL, 10);
}

static bool fuzz_bool(const struct pb_config *c, const char *key)
{
	return !strcmp(fuzz_get(c, key), "true");
}

static bool fuzz_stop(struct pb_session *s)
{
	return false;
}

static const struct pb_host host = {
	.sz = sizeof(host),
	.abi_major = PB_PLUGIN_ABI_MAJOR,
	.abi_minor = PB_PLUGIN_ABI_MINOR,
	.log = fuzz_log,
	.config_get = fuzz_get,
	.config_int = fuzz_int,
	.config_bool = fuzz_bool,
	.stop_requested = fuzz_stop,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const stack[] = { "app", "main", "work", "spin_[k]" };
	struct pb_output_params params = { .sz = sizeof(params), .format = "serve", .live = true };

	if (pb_profile__new(&window) || pb_profile__add_names(window, 1, stack, 4, 3) ||
	    serve_open(&host, &params, &cfg, &live) || !port) {
		fprintf(stderr, "fuzz-http: cannot start the server\n");
		exit(1);
	}
	return 0;
}

/* Reads the reply until the server closes, or stops waiting (an /events stream never ends). */
static void drain(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[16384];

	while (poll(&p, 1, 200) > 0 && read(fd, buf, sizeof(buf)) > 0)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	/*
	 * A window per input wakes the /events clients of earlier inputs, whose next write then
	 * fails and ends their threads, and makes the renders run again on new data.
	 */
	serve_write(live, window, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return 0;
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		for (size_t off = 0; off < size;) {
			ssize_t n = send(fd, data + off, size - off, MSG_NOSIGNAL);

			if (n <= 0)
				break;
			off += n;
		}
		shutdown(fd, SHUT_WR);
		drain(fd);
	}
	close(fd);
	return 0;
}
