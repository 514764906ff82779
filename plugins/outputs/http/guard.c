// SPDX-License-Identifier: MIT
/* Who may read --serve's pages: a Host that names us (no DNS rebinding), and the token when set. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define MAX_HOSTS   32
#define COOKIE	    "pb_token"
#define TOKEN_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/="

struct guard {
	char *hosts[MAX_HOSTS]; /* lower case, no port, no trailing dot */
	size_t n_hosts;
	bool any_host;
	char *token;
};

/* "[::1]:8000" -> "::1", "Example.COM.:80" -> "example.com"; false when it does not fit. */
static bool host_part(const char *h, size_t n, char *out, size_t len)
{
	const char *colon;

	if (n && h[0] == '[') {
		const char *end = memchr(h, ']', n);

		if (!end)
			return false;
		h++;
		n = (size_t)(end - h);
	} else if ((colon = memchr(h, ':', n)) && !memchr(colon + 1, ':', n - (colon + 1 - h))) {
		n = (size_t)(colon - h); /* one colon: a port; more: a bare IPv6 address */
	}
	if (n && h[n - 1] == '.')
		n--;
	if (!n || n >= len)
		return false;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)h[i]);
	out[n] = '\0';
	return true;
}

/*
 * Names a page on another site cannot be made to use: loopback addresses, and "localhost" (and
 * *.localhost, which browsers resolve to loopback themselves, RFC 6761).
 */
static bool is_loopback(const char *h)
{
	struct in6_addr a6;
	struct in_addr a4;
	size_t n = strlen(h);

	if (!strcmp(h, "localhost") || (n > 10 && !strcmp(h + n - 10, ".localhost")))
		return true;
	if (inet_pton(AF_INET, h, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, h, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		       (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return false;
}

static int add_host(struct guard *g, const char *h, size_t n)
{
	char buf[256];

	if (n == 1 && h[0] == '*') {
		g->any_host = true;
		return 0;
	}
	if (!host_part(h, n, buf, sizeof(buf)) || g->n_hosts == MAX_HOSTS)
		return -EINVAL;
	return (g->hosts[g->n_hosts++] = strdup(buf)) ? 0 : -ENOMEM;
}

/* The first line of the file; a token file left empty is a mistake, not "no token". */
static int read_token(const struct pb_host *host, const char *path, char **ret)
{
	char line[512];
	FILE *f = fopen(path, "re");
	int err = f ? 0 : -errno;

	if (f && !fgets(line, sizeof(line), f))
		line[0] = '\0';
	if (f)
		fclose(f);
	if (!err) {
		line[strcspn(line, "\r\n")] = '\0';
		err = line[0] ? 0 : -EINVAL;
	}
	if (err) {
		host->log(host->session, PB_LOG_ERROR, SERVE_WHO, "token-file '%s': %s", path,
			  err == -EINVAL ? "no token on its first line" : strerror(-err));
		return err;
	}
	*ret = strdup(line);
	return *ret ? 0 : -ENOMEM;
}

int guard_new(const struct pb_host *host, const struct serve_settings *set, struct guard **ret)
{
	struct guard *g = calloc(1, sizeof(*g));
	const char *allow = set->allow_host, *token = set->token, *file = set->token_file;
	const char *listen = set->listen, *colon = strrchr(listen, ':');
	int err = 0;

	if (!g)
		return -ENOMEM;
	/* The listen address is always a name the user meant (ADDR of ADDR:PORT). */
	if (colon && colon > listen)
		add_host(g, listen, (size_t)(colon - listen));
	for (const char *p = allow; !err && p && *p;) {
		size_t n = strcspn(p, ", ");

		if (n && (err = add_host(g, p, n)))
			host->log(host->session, PB_LOG_ERROR, SERVE_WHO,
				  "allow-host: '%.*s' is not a host name (at most %d)", (int)n, p,
				  MAX_HOSTS);
		p += n;
		p += *p != '\0';
	}
	if (!err && token && file) {
		host->log(host->session, PB_LOG_ERROR, SERVE_WHO,
			  "give token or token-file, not both");
		err = -EINVAL;
	}
	if (!err && file)
		err = read_token(host, file, &g->token);
	else if (!err && token && !(g->token = strdup(token)))
		err = -ENOMEM;
	/* RFC 6750's b64token, which also fits in a cookie unquoted. */
	if (!err && g->token && g->token[strspn(g->token, TOKEN_CHARS)]) {
		host->log(host->session, PB_LOG_ERROR, SERVE_WHO,
			  "the token may hold only letters, digits and -._~+/=");
		err = -EINVAL;
	}
	if (err) {
		guard_free(g);
		return err;
	}
	*ret = g;
	return 0;
}

bool guard_has_token(const struct guard *g)
{
	return g->token != NULL;
}

bool guard_any_host(const struct guard *g)
{
	return g->any_host;
}

static bool host_allowed(const struct guard *g, const char *header)
{
	char h[256];

	/* Browsers always send Host; a client without one is not a page on another site. */
	if (!header || g->any_host)
		return true;
	if (!host_part(header, strlen(header), h, sizeof(h)))
		return false;
	if (is_loopback(h))
		return true;
	for (size_t i = 0; i < g->n_hosts; i++)
		if (!strcmp(g->hosts[i], h))
			return true;
	return false;
}

/* Takes as long whatever the guess, so the token cannot be found a byte at a time. */
static bool same_token(const char *want, const char *got)
{
	size_t wn = strlen(want), gn = got ? strlen(got) : 0;
	unsigned char diff = wn != gn;

	for (size_t i = 0; i < wn; i++)
		diff |= (unsigned char)want[i] ^ (unsigned char)(i < gn ? got[i] : 0);
	return got && !diff;
}

enum guard_verdict guard_check(const struct guard *g, struct MHD_Connection *conn)
{
	const char *auth;

	if (!host_allowed(g, MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host")))
		return GUARD_BAD_HOST;
	if (!g->token)
		return GUARD_OK;
	auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (auth && !strncasecmp(auth, "Bearer ", 7) && same_token(g->token, auth + 7))
		return GUARD_OK;
	if (same_token(g->token, MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, COOKIE)))
		return GUARD_OK;
	/* A browser cannot add a header to a page it opens: ?token= once sets a cookie. */
	if (same_token(g->token, MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "token")))
		return GUARD_SET_COOKIE;
	return GUARD_NO_TOKEN;
}

const char *guard_cookie(void)
{
	return COOKIE;
}

const char *guard_token(const struct guard *g)
{
	return g->token;
}

void guard_free(struct guard *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n_hosts; i++)
		free(g->hosts[i]);
	if (g->token)
		explicit_bzero(g->token, strlen(g->token));
	free(g->token);
	free(g);
}
