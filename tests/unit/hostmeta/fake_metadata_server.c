// SPDX-License-Identifier: MIT
/* Fake metadata endpoints: IMDSv2 insists on its token, ECS serves a task and a container. */
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
	};
	char req[4096], method[16], path[512];
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
	if (!strcmp(path, "/latest/api/token")) {
		if (strcmp(method, "PUT") ||
		    !has_header(req, "X-aws-ec2-metadata-token-ttl-seconds:"))
			return reply(fd, 400, "");
		return reply(fd, 200, FAKE_IMDS_TOKEN);
	}
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
