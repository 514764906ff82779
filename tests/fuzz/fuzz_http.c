// SPDX-License-Identifier: MIT
/* Fuzz target: the live server's request path (libmicrohttpd, routing, encoders) over loopback. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"

#include "fuzz.h"

static const struct pb_plugin *serve = &serve_plugin;
static struct pb_host *host;
static void *live;
static struct pb_profile *window;
static uint16_t port;

/* The port comes from the server's own "live flame graph on http://ADDR:PORT/" message. */
static void fuzz_log(void *ctx, enum pb_log_level level, const char *who, const char *msg)
{
	const char *at = strstr(msg, "http://127.0.0.1:");

	if (at)
		port = (uint16_t)atoi(at + strlen("http://127.0.0.1:"));
}

/*
 * The host is the library's standalone one, so /svg, /json and /folded go through the svg and
 * folded plugins' encoders as they do in a session. No token and no extra names: requests with
 * a loopback Host or none reach the routes.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const stack[] = { "app", "main", "work", "spin_[k]" };
	static const char *const settings[][2] = {
		{ "listen", "127.0.0.1:0" }, { "max-clients", "64" }, { "keep-serving", "false" },
	};
	struct pb_host_opts ho = { .sz = sizeof(ho), .log = fuzz_log };
	struct pb_output_params params = { .sz = sizeof(params), .target = "serve",
					   .format = "serve", .live = true };
	struct pb_config *cfg = NULL;
	char why[256];
	int err;

	err = pb_host__new(&ho, &host) ?: pb_config__new_for(serve, &cfg);
	for (size_t i = 0; !err && i < sizeof(settings) / sizeof(*settings); i++)
		err = pb_config__set(cfg, settings[i][0], settings[i][1], NULL, why, sizeof(why));
	if (err || pb_profile__new(&window) || pb_profile__add_names(window, 1, stack, 4, 3) ||
	    serve->output->open(host, &params, cfg, &live) || !port) {
		fprintf(stderr, "fuzz-http: cannot start the server\n");
		exit(1);
	}
	pb_config__free(cfg); /* the plugin reads its settings in open */
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
	serve->output->write(live, window, 0);
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
