// SPDX-License-Identifier: MIT
/* Fake metadata endpoints: IMDSv2 insists on its token (and can turn hostile), ECS a task. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fake_metadata_server.h"

static int listen_loopback(uint16_t *port)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	/* Port 0: the kernel picks a free one, so parallel tests never collide. */
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len)) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

static void reply(int fd, int status, const char *body)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
			  "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
			 status, strlen(body));

	if (write(fd, head, n) < 0 || write(fd, body, strlen(body)) < 0)
		return;
}

static bool has_header(const char *req, const char *header)
{
	return strcasestr(req, header) != NULL;
}

/* What the IMDS side was asked, for GET /stats (the server is one process, one request at once). */
static struct {
	int puts, gets, untokened, injected;
	char ttl[32];	 /* the last token request's X-aws-ec2-metadata-token-ttl-seconds */
	int once_serial; /* the "/once" personality's last token */
} seen;

static void note_ttl(const char *req)
{
	const char *h = strcasestr(req, "X-aws-ec2-metadata-token-ttl-seconds:");

	seen.ttl[0] = '\0';
	if (h && sscanf(h + strlen("X-aws-ec2-metadata-token-ttl-seconds:"), " %31[^\r\n]",
			seen.ttl) != 1)
		seen.ttl[0] = '\0';
}

/* A 200 with a body of len bytes of 'x', written every pause_ms a byte when pause_ms is set. */
static void reply_long(int fd, size_t len, int pause_ms)
{
	static char chunk[64 * 1024];
	struct timespec pause = { 0, pause_ms * 1000000L };
	char head[128];
	int n = snprintf(head, sizeof(head), "HTTP/1.1 200 X\r\nContent-Length: %zu\r\n\r\n", len);

	memset(chunk, 'x', sizeof(chunk));
	if (write(fd, head, n) < 0)
		return;
	while (len) {
		size_t step = pause_ms ? 1 : len < sizeof(chunk) ? len : sizeof(chunk);

		/* Ends when the client hangs up (EPIPE: SIGPIPE is ignored in the server). */
		if (write(fd, chunk, step) < 0)
			return;
		len -= step;
		if (pause_ms)
			nanosleep(&pause, NULL);
	}
}

/*
 * An IMDS that has turned hostile, under a path prefix ("/huge/latest/..."): its own token
 * rules and answers. Returns false when the request is not one of these.
 */
static bool serve_hostile(int fd, const char *req, bool token_req, const char *path)
{
	char token[32], want[64];

	if (!strncmp(path, "/badtoken/", 10) && token_req)
		reply(fd, 200, "tok\r\nX-Injected: 1");
	else if (!strncmp(path, "/bigtoken/", 10) && token_req)
		reply_long(fd, 4096, 0);
	else if (!strncmp(path, "/once/", 6) && token_req) {
		/* Every token is good for one read: the next read must come with a new one. */
		snprintf(token, sizeof(token), "once-%d", ++seen.once_serial);
		reply(fd, 200, token);
	} else if (!strncmp(path, "/once/", 6)) {
		snprintf(want, sizeof(want), "X-aws-ec2-metadata-token: once-%d\r\n",
			 seen.once_serial);
		if (has_header(req, want)) {
			seen.once_serial++; /* used up */
			reply(fd, 200, FAKE_INSTANCE_ID);
		} else {
			reply(fd, 401, "");
		}
	} else if (token_req) {
		return false;
	} else if (!strncmp(path, "/huge/", 6)) {
		reply_long(fd, 1 << 20, 0);
	} else if (!strncmp(path, "/slow/", 6)) {
		reply_long(fd, 100, 50); /* 5 s in all: far past any caller's timeout */
	} else if (!strncmp(path, "/denied/", 8)) {
		reply(fd, 401, "");
	} else {
		return false;
	}
	return true;
}

static void serve(int fd)
{
	static const struct {
		const char *path;
		const char *body;
	} items[] = {
		{ "/latest/meta-data/instance-id", FAKE_INSTANCE_ID },
		{ "/latest/meta-data/placement/region", FAKE_REGION },
		{ "/latest/meta-data/placement/availability-zone", FAKE_AZ },
		{ "/latest/meta-data/instance-type", FAKE_INSTANCE_TYPE "\n" },
		{ "/latest/meta-data/iam/security-credentials/", FAKE_ROLE "\n" },
	};
	char req[4096], method[16], path[512], stats[256];
	const char *tail;
	bool token_req;
	size_t len = 0;
	ssize_t n;

	while (len < sizeof(req) - 1 && (n = read(fd, req + len, sizeof(req) - 1 - len)) > 0) {
		len += n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	req[len] = '\0';
	if (sscanf(req, "%15s %511s", method, path) != 2)
		return reply(fd, 400, "");
	if (!strcmp(path, "/stats")) {
		snprintf(stats, sizeof(stats), "puts=%d gets=%d untokened=%d injected=%d ttl=%s",
			 seen.puts, seen.gets, seen.untokened, seen.injected, seen.ttl);
		return reply(fd, 200, stats);
	}
	if (has_header(req, "X-Injected:"))
		seen.injected++;
	token_req = (tail = strstr(path, "/latest/api/token")) && !tail[17];
	if (token_req) {
		if (strcmp(method, "PUT") ||
		    !has_header(req, "X-aws-ec2-metadata-token-ttl-seconds:"))
			return reply(fd, 400, "");
		seen.puts++;
		note_ttl(req);
	} else if (strstr(path, "/latest/")) {
		seen.gets++;
		seen.untokened += !has_header(req, "X-aws-ec2-metadata-token:");
	}
	if (serve_hostile(fd, req, token_req, path))
		return;
	if (token_req)
		return reply(fd, 200, FAKE_IMDS_TOKEN);
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		if (strcmp(path, items[i].path))
			continue;
		/* IMDSv2 only: a read without the session token is refused, as EC2 can be set to.
		 */
		if (!has_header(req, "X-aws-ec2-metadata-token: " FAKE_IMDS_TOKEN))
			return reply(fd, 401, "");
		return reply(fd, 200, items[i].body);
	}
	if (!strcmp(path, "/v4/task"))
		return reply(fd, 200,
			     "{\"Cluster\": \"" FAKE_CLUSTER "\", \"TaskARN\": \"" FAKE_TASK_ARN
			     "\", \"Containers\": [{\"Name\": \"other\"}], \"Family\": \"api\"}");
	if (!strcmp(path, "/v4"))
		return reply(fd, 200,
			     "{\"DockerId\": \"abc\", \"Name\": \"" FAKE_CONTAINER
			     "\", \"Labels\": {\"Name\": \"not-this\"}}");
	reply(fd, 404, "");
}

int fake_server_start(struct fake_server *fs)
{
	int fd = listen_loopback(&fs->port), hang_fd;

	if (fd < 0)
		return fd;
	/* Never accepted: connections complete in the backlog and then hear nothing. */
	hang_fd = listen_loopback(&fs->hang_port);
	if (hang_fd < 0) {
		close(fd);
		return hang_fd;
	}
	fs->pid = fork();
	if (fs->pid < 0) {
		close(fd);
		close(hang_fd);
		return -errno;
	}
	if (fs->pid == 0) {
		signal(SIGPIPE, SIG_IGN); /* clients hang up on the hostile replies */
		for (;;) {
			int c = accept(fd, NULL, NULL);

			if (c < 0)
				continue;
			serve(c);
			close(c);
		}
	}
	close(fd);
	/* The parent keeps the hanging listener open; the child has a copy as well. */
	return 0;
}

void fake_server_stop(struct fake_server *fs)
{
	if (fs->pid > 0) {
		kill(fs->pid, SIGKILL);
		waitpid(fs->pid, NULL, 0);
		fs->pid = 0;
	}
}
