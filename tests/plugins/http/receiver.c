// SPDX-License-Identifier: MIT
/* The push tests' collector: libmicrohttpd on 127.0.0.1, keeping requests for the asserts. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "harness.h"
#include "receiver.h"

static struct MHD_Daemon *daemon_;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct request reqs[256];
static int n_reqs;
static int answer_status = 200;
static char answer_body[256] = "ok";

struct upload {
	char *data;
	size_t len;
};

static enum MHD_Result full_url(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	FILE *f = cls;

	fprintf(f, "%s%s=%s", ftell(f) ? "&" : "", key, value ? value : "");
	return MHD_YES;
}

static void copy_header(struct MHD_Connection *c, const char *name, char *dst, size_t len)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);

	snprintf(dst, len, "%s", v ? v : "");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *data_len, void **con_cls)
{
	struct upload *u = *con_cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *query = NULL;
	size_t qlen = 0;
	FILE *f;

	if (!u) {
		*con_cls = calloc(1, sizeof(*u));
		return MHD_YES;
	}
	if (*data_len) {
		u->data = realloc(u->data, u->len + *data_len + 1);
		memcpy(u->data + u->len, data, *data_len);
		u->len += *data_len;
		u->data[u->len] = '\0';
		*data_len = 0;
		return MHD_YES;
	}
	/* MHD hands the query decoded; the test compares decoded values, so join them back. */
	f = open_memstream(&query, &qlen);
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, full_url, f);
	fclose(f);
	pthread_mutex_lock(&lock);
	if (n_reqs < 256) {
		struct request *q = &reqs[n_reqs++];

		q->url = malloc(strlen(url) + qlen + 2);
		sprintf(q->url, "%s%s%s", url, qlen ? "?" : "", query);
		q->body = u->data ? u->data : calloc(1, 1);
		q->len = u->len;
		u->data = NULL;
		copy_header(c, "X-Profile-Bee-Window", q->window, sizeof(q->window));
		copy_header(c, "Content-Encoding", q->encoding, sizeof(q->encoding));
		copy_header(c, "Authorization", q->auth, sizeof(q->auth));
		copy_header(c, "X-Scope-OrgID", q->tenant, sizeof(q->tenant));
	}
	r = MHD_create_response_from_buffer(strlen(answer_body), answer_body,
					    MHD_RESPMEM_MUST_COPY);
	ret = MHD_queue_response(c, answer_status, r);
	pthread_mutex_unlock(&lock);
	MHD_destroy_response(r);
	free(query);
	return ret;
}

static void done(void *cls, struct MHD_Connection *c, void **con_cls,
		 enum MHD_RequestTerminationCode toe)
{
	struct upload *u = *con_cls;

	if (u)
		free(u->data);
	free(u);
}

int receiver_start(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(0x7f000001) };
	const union MHD_DaemonInfo *info;

	daemon_ = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, 0, NULL, NULL,
				   handle, NULL, MHD_OPTION_SOCK_ADDR, &sa,
				   MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
				   MHD_OPTION_NOTIFY_COMPLETED, done, NULL, MHD_OPTION_END);
	if (!daemon_)
		return 0;
	info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
	return info ? info->port : 0;
}

void receiver_stop(void)
{
	MHD_stop_daemon(daemon_);
	daemon_ = NULL;
}

void receiver_set_status(int status, const char *body)
{
	pthread_mutex_lock(&lock);
	answer_status = status;
	snprintf(answer_body, sizeof(answer_body), "%s", body);
	pthread_mutex_unlock(&lock);
}

int receiver_count(void)
{
	int n;

	pthread_mutex_lock(&lock);
	n = n_reqs;
	pthread_mutex_unlock(&lock);
	return n;
}

const struct request *receiver_get(int i)
{
	return i < receiver_count() ? &reqs[i] : NULL;
}

void receiver_clear(void)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < n_reqs; i++) {
		free(reqs[i].url);
		free(reqs[i].body);
	}
	memset(reqs, 0, sizeof(reqs));
	n_reqs = 0;
	pthread_mutex_unlock(&lock);
}

int receiver_wait(int n, int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;

	while (receiver_count() < n && now_ms() < end)
		usleep(10 * 1000);
	return receiver_count();
}

const char *query_param(const char *url, const char *key)
{
	static char value[1024];
	const char *q = strchr(url, '?');
	size_t klen = strlen(key);

	value[0] = '\0';
	for (const char *p = q ? q + 1 : NULL; p && *p;) {
		size_t len = strcspn(p, "&");

		if (len > klen && !strncmp(p, key, klen) && p[klen] == '=') {
			snprintf(value, sizeof(value), "%.*s", (int)(len - klen - 1), p + klen + 1);
			break;
		}
		p += len + (p[len] == '&');
	}
	return value;
}
