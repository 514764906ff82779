// SPDX-License-Identifier: MIT
/* Server-sent events for the live page: a snapshot first, then each window, to every client. */
#include <errno.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"

/* Older windows than this are not kept: a client that falls behind gets a fresh snapshot. */
#define SSE_RING 16
/* Without windows (paused session, finished run) a comment line finds dead clients this often. */
#define SSE_HEARTBEAT_S 10

struct sse_event {
	int refs; /* atomic */
	size_t len;
	char data[];
};

struct sse_hub {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct live *live;
	struct sse_event *ring[SSE_RING]; /* the window event of generation g is ring[g % SSE_RING] */
	uint64_t ring_gen[SSE_RING];
	uint64_t gen; /* the latest published generation */
	unsigned clients;
	bool shutdown;
};

struct sse_client {
	struct sse_hub *hub;
	uint64_t gen;		/* the client has everything up to this generation */
	struct sse_event *cur;	/* being sent */
	size_t off;
	bool started;
};

struct sse_event *sse_event_new(const char *type, uint64_t id, const char *data, size_t len)
{
	size_t cap = len + strlen(type) + 64;
	struct sse_event *e = malloc(sizeof(*e) + cap);
	int n;

	if (!e)
		return NULL;
	e->refs = 1;
	/* data holds no newline (JSON from our renderers), so one "data:" line carries it. */
	n = snprintf(e->data, cap, "event: %s\nid: %llu\ndata: ", type, (unsigned long long)id);
	memcpy(e->data + n, data, len);
	memcpy(e->data + n + len, "\n\n", 2);
	e->len = n + len + 2;
	return e;
}

struct sse_event *sse_event_get(struct sse_event *e)
{
	if (e)
		__atomic_add_fetch(&e->refs, 1, __ATOMIC_RELAXED);
	return e;
}

void sse_event_put(struct sse_event *e)
{
	if (e && __atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(e);
}

int sse_hub_new(struct live *l, struct sse_hub **ret)
{
	struct sse_hub *h = calloc(1, sizeof(*h));
	pthread_condattr_t attr;

	if (!h)
		return -ENOMEM;
	pthread_mutex_init(&h->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cond, &attr);
	pthread_condattr_destroy(&attr);
	h->live = l;
	*ret = h;
	return 0;
}

void sse_hub_free(struct sse_hub *h)
{
	if (!h)
		return;
	for (int i = 0; i < SSE_RING; i++)
		sse_event_put(h->ring[i]);
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* Takes the caller's reference to e. */
void sse_hub_publish(struct sse_hub *h, struct sse_event *e, uint64_t gen)
{
	struct sse_event *old;

	pthread_mutex_lock(&h->lock);
	old = h->ring[gen % SSE_RING];
	h->ring[gen % SSE_RING] = e;
	h->ring_gen[gen % SSE_RING] = gen;
	if (gen > h->gen)
		h->gen = gen;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	sse_event_put(old);
}

void sse_hub_shutdown(struct sse_hub *h)
{
	pthread_mutex_lock(&h->lock);
	h->shutdown = true;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
}

unsigned sse_hub_clients(struct sse_hub *h)
{
	unsigned n;

	pthread_mutex_lock(&h->lock);
	n = h->clients;
	pthread_mutex_unlock(&h->lock);
	return n;
}

int sse_client_new(struct sse_hub *h, unsigned max, void **ret)
{
	struct sse_client *c = calloc(1, sizeof(*c));
	bool full;

	if (!c)
		return -ENOMEM;
	c->hub = h;
	/* Counted and checked under one lock, so racing clients cannot pass the limit together. */
	pthread_mutex_lock(&h->lock);
	full = h->clients >= max;
	h->clients += !full;
	pthread_mutex_unlock(&h->lock);
	if (full) {
		free(c);
		return -EBUSY;
	}
	*ret = c;
	return 0;
}

void sse_client_free(void *cls)
{
	struct sse_client *c = cls;

	if (!c)
		return;
	pthread_mutex_lock(&c->hub->lock);
	c->hub->clients--;
	pthread_mutex_unlock(&c->hub->lock);
	sse_event_put(c->cur);
	free(c);
}

/* The next event for c, waiting for one; NULL on shutdown, or a heartbeat on timeout. */
static int next_event(struct sse_client *c, bool *heartbeat)
{
	struct sse_hub *h = c->hub;
	struct timespec until;
	int ret = 0;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += SSE_HEARTBEAT_S;
	pthread_mutex_lock(&h->lock);
	while (!h->shutdown && h->gen <= c->gen)
		if (pthread_cond_timedwait(&h->cond, &h->lock, &until) == ETIMEDOUT)
			break;
	if (h->shutdown) {
		ret = -ESHUTDOWN;
	} else if (h->gen <= c->gen) {
		*heartbeat = true;
	} else if (h->ring_gen[(c->gen + 1) % SSE_RING] == c->gen + 1) {
		c->gen++;
		c->cur = sse_event_get(h->ring[c->gen % SSE_RING]);
	} else {
		ret = -EAGAIN; /* fell behind the ring: start over from a snapshot */
	}
	pthread_mutex_unlock(&h->lock);
	return ret;
}

/*
 * Runs in the client's own connection thread (libmicrohttpd thread-per-connection), so waiting
 * here blocks nobody else; a client that went away is found by the next write failing.
 */
ssize_t sse_client_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	static const char ping[] = ": ping\n\n";
	struct sse_client *c = cls;

	while (!c->cur) {
		bool heartbeat = false;
		int err = 0;

		if (c->started)
			err = next_event(c, &heartbeat);
		if (!c->started || err == -EAGAIN) {
			c->started = true;
			c->cur = live_snapshot_event(c->hub->live, &c->gen);
			if (!c->cur)
				return MHD_CONTENT_READER_END_WITH_ERROR;
			break;
		}
		if (err)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (heartbeat && max >= sizeof(ping) - 1) {
			memcpy(buf, ping, sizeof(ping) - 1);
			return sizeof(ping) - 1;
		}
	}
	size_t n = c->cur->len - c->off < max ? c->cur->len - c->off : max;

	memcpy(buf, c->cur->data + c->off, n);
	c->off += n;
	if (c->off == c->cur->len) {
		sse_event_put(c->cur);
		c->cur = NULL;
		c->off = 0;
	}
	return n;
}
