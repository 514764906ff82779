// SPDX-License-Identifier: MIT
/* The live server: libmicrohttpd, one thread per connection, a fixed table of paths. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

struct server {
	const struct pb_host *host;
	struct MHD_Daemon *daemon;
	struct live *live;
	struct sse_hub *hub;
	struct guard *guard;
	unsigned max_clients;
	uint16_t port;
	char address[INET6_ADDRSTRLEN + 16];
};

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct server *srv = cls;
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	srv->host->log(srv->host->session, PB_LOG_DEBUG, SERVE_WHO, "server: %s", line);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status,
			     struct MHD_Response *resp, const char *type)
{
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
								 MHD_RESPMEM_PERSISTENT);

	return reply(conn, status, r, "text/plain; charset=utf-8");
}

static const char *asset_type(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot && !strcmp(dot, ".js"))
		return "text/javascript; charset=utf-8";
	if (dot && !strcmp(dot, ".css"))
		return "text/css; charset=utf-8";
	return "text/html; charset=utf-8";
}

/*
 * A page on another site that rebinds its name to us sends its own name as Host: it gets 403,
 * never a profile. Without the token, 401; the token given once as ?token= becomes a cookie.
 */
static enum MHD_Result refuse(struct server *srv, struct MHD_Connection *conn, const char *url,
			      enum guard_verdict verdict)
{
	struct MHD_Response *r;
	char cookie[600];

	if (verdict == GUARD_BAD_HOST) {
		srv->host->log(srv->host->session, PB_LOG_DEBUG, SERVE_WHO, "403 for Host '%.200s'",
			       MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host"));
		return reply_text(conn, MHD_HTTP_FORBIDDEN,
				  "403: the Host header names neither a loopback address nor the "
				  "listen address; allow more with --serve-allow-host NAME\n");
	}
	r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	if (verdict == GUARD_SET_COOKIE) {
		snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; HttpOnly; SameSite=Strict",
			 guard_cookie(), guard_token(srv->guard));
		MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
		/* The same page again, without the token in its address. */
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, url);
		return reply(conn, MHD_HTTP_SEE_OTHER, r, "text/plain; charset=utf-8");
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"profile-bee\"");
	return reply(conn, MHD_HTTP_UNAUTHORIZED, r, "text/plain; charset=utf-8");
}

/*
 * Paths are matched exactly against a fixed table: nothing here maps a path to a file, so
 * "/../etc/passwd" and friends simply are not in the table.
 */
static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_len, void **con_cls)
{
	struct server *srv = cls;
	enum guard_verdict verdict;
	struct MHD_Response *r;
	const char *type;
	size_t len;
	char *body;
	int err;

	if ((verdict = guard_check(srv->guard, conn)) != GUARD_OK)
		return refuse(srv, conn, url, verdict);
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
	if (!strcmp(url, "/events")) {
		const union MHD_ConnectionInfo *ci;
		char text[200];
		void *client;

		/*
		 * A stream holds its connection (and thread) as long as the page is open, and
		 * libmicrohttpd refuses connections past max-clients: streams get all slots but
		 * one, so /folded, /json and /svg are still answered when every slot else streams.
		 */
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		err = sse_client_new(srv->hub, srv->max_clients - 1, ci ? ci->connect_fd : -1,
				     &client);
		if (err == -EBUSY) {
			snprintf(text, sizeof(text),
				 "503: %u live streams already (max-clients=%u keeps one connection "
				 "for /folded, /json, /svg); retry later or raise max-clients\n",
				 srv->max_clients - 1, srv->max_clients);
			r = MHD_create_response_from_buffer(strlen(text), text,
							    MHD_RESPMEM_MUST_COPY);
			if (r)
				MHD_add_response_header(r, "Retry-After", "10");
			return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, r,
				     "text/plain; charset=utf-8");
		}
		if (err)
			return MHD_NO;
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, sse_client_read,
						      client, sse_client_free);
		if (!r) {
			sse_client_free(client);
			return MHD_NO;
		}
		/* Proxies (nginx) would otherwise hold events back. */
		MHD_add_response_header(r, "X-Accel-Buffering", "no");
		return reply(conn, MHD_HTTP_OK, r, "text/event-stream");
	}
	if (!strcmp(url, "/"))
		url = "/index.html";
	for (const struct http_asset *a = http_assets; a->path; a++) {
		if (strcmp(url, a->path))
			continue;
		r = MHD_create_response_from_buffer(a->len, (void *)a->data,
						    MHD_RESPMEM_PERSISTENT);
		return reply(conn, MHD_HTTP_OK, r, asset_type(a->path));
	}
	err = live_render(srv->live, url, &body, &len, &type);
	if (err == -ENOENT)
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
	if (err)
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot render\n");
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r)
		free(body);
	return reply(conn, MHD_HTTP_OK, r, type);
}

static bool is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
}

/* "127.0.0.1:8000", "[::1]:8000", "localhost:0". */
static int resolve(const char *listen, struct sockaddr_storage *ss, socklen_t *ss_len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *res;
	char host[256];
	const char *colon = strrchr(listen, ':'), *h = listen;
	char *end;
	size_t hlen;

	if (!colon || !colon[1])
		return -EINVAL;
	/* getaddrinfo takes 99999 and listens on 99999 % 65536: only a real port number. */
	errno = 0;
	if (strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    strtoul(colon + 1, &end, 10) > 65535 || errno)
		return -EINVAL;
	hlen = colon - listen;
	if (hlen >= 2 && listen[0] == '[' && listen[hlen - 1] == ']')
		h++, hlen -= 2;
	if (hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (getaddrinfo(hlen ? host : NULL, colon + 1, &hints, &res))
		return -EINVAL;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*ss_len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int server_start(const struct pb_host *host, const char *listen, unsigned max_clients,
		 struct guard *guard, struct live *l, struct sse_hub *hub, struct server **ret)
{
	struct server *srv = calloc(1, sizeof(*srv));
	const union MHD_DaemonInfo *info;
	struct sockaddr_storage ss;
	char ip[INET6_ADDRSTRLEN];
	socklen_t ss_len;
	unsigned flags;
	int err;

	if (!srv) {
		guard_free(guard);
		return -ENOMEM;
	}
	srv->guard = guard;
	srv->host = host;
	srv->live = l;
	srv->hub = hub;
	srv->max_clients = max_clients;
	if ((err = resolve(listen, &ss, &ss_len))) {
		host->log(host->session, PB_LOG_ERROR, SERVE_WHO,
			  "cannot listen on '%s': want ADDR:PORT, PORT from 0 to 65535 "
			  "(e.g. 127.0.0.1:8000)", listen);
		guard_free(guard);
		free(srv);
		return err;
	}
	/* Waiting for the next window in a client's own thread keeps the others unaffected. */
	flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
		MHD_USE_ITC | /* stopping wakes the threads at once instead of at their next timeout */
		MHD_USE_ERROR_LOG | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
	srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, handle, srv,
				       MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,
				       MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				       MHD_OPTION_CONNECTION_LIMIT, max_clients,
				       MHD_OPTION_CONNECTION_TIMEOUT, 60u,
				       MHD_OPTION_THREAD_STACK_SIZE, (size_t)256 * 1024,
				       MHD_OPTION_END);
	if (!srv->daemon) {
		host->log(host->session, PB_LOG_ERROR, SERVE_WHO,
			  "cannot listen on %s (in use, or not an address of this host?)", listen);
		guard_free(guard);
		free(srv);
		return -EADDRINUSE;
	}
	info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : 0;
	if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, ip, sizeof(ip));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, ip, sizeof(ip));
	snprintf(srv->address, sizeof(srv->address), ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		 ip, srv->port);
	if (is_loopback((struct sockaddr *)&ss))
		;
	else if (!guard_has_token(guard))
		host->log(host->session, PB_LOG_WARN, SERVE_WHO,
			  "serving on %s: reachable from other hosts, unauthenticated "
			  "(a token: --serve-token-file FILE)",
			  srv->address);
	else
		host->log(host->session, PB_LOG_WARN, SERVE_WHO,
			  "serving on %s: reachable from other hosts; requests need the token "
			  "(Authorization: Bearer, or open /?token=... once in a browser)",
			  srv->address);
	if (guard_any_host(guard))
		host->log(host->session, PB_LOG_WARN, SERVE_WHO,
			  "allow-host=*: any Host is answered, so a page on another site can read "
			  "the profile through DNS rebinding");
	host->log(host->session, PB_LOG_WARN, SERVE_WHO, "live flame graph on http://%s/",
		  srv->address);
	*ret = srv;
	return 0;
}

uint16_t server_port(const struct server *srv)
{
	return srv ? srv->port : 0;
}

const char *server_address(const struct server *srv)
{
	return srv ? srv->address : "";
}

void server_stop(struct server *srv)
{
	if (!srv)
		return;
	MHD_stop_daemon(srv->daemon);
	guard_free(srv->guard);
	free(srv);
}
