// SPDX-License-Identifier: MIT
/* Server-sent events for the live page: a snapshot first, then each window, to every client. */
#include <errno.h>
#include <microhttpd.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "http.h"

/* Older windows than this are not kept: a client that falls behind gets a fresh snapshot. */
#define SSE_RING 16
/*
 * Without windows (paused session, finished run) a comment line keeps proxies from timing the
 * stream out. It cannot be what finds a closed page: the first write after the peer's FIN still
 * succeeds (the kernel queues it and the peer answers RST), so only a second one fails, 20 s on.
 */
#define SSE_HEARTBEAT_S 10

struct sse_event {
	int refs; /* atomic */
	size_t len;
	char data[];
};

struct sse_hub {
	pthread_mutex_t lock;
	struct sse_client *waiters; /* every client, woken through its eventfd */
	struct live *live;
	struct sse_event *ring[SSE_RING]; /* the window event of generation g is ring[g % SSE_RING] */
	uint64_t ring_gen[SSE_RING];
	uint64_t gen; /* the latest published generation */
	unsigned clients;
	bool shutdown;
};

/*
 * A client waits in poll() on its socket and its own eventfd rather than on a condition
 * variable: the same wait then ends at once when the page goes away, not at the next ping.
 */
struct sse_client {
	struct sse_hub *hub;
	struct sse_client *next, **pprev; /* in hub->waiters */
	int sock;			  /* the connection's socket, only watched, never read */
	int wake;			  /* eventfd: a window was published, or shutdown */
	uint64_t gen;			  /* the client has everything up to this generation */
	struct sse_event *cur;		  /* being sent */
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
	/* data holds no newline (serve.c's views are one line), so one "data:" line carries it. */
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

	if (!h)
		return -ENOMEM;
	pthread_mutex_init(&h->lock, NULL);
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
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* Called with h->lock held, after the change the clients should see. */
static void wake_all(struct sse_hub *h)
{
	/* eventfd_write fails only with the counter near 2^64, and then the client is awake. */
	for (struct sse_client *c = h->waiters; c; c = c->next)
		eventfd_write(c->wake, 1);
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
	wake_all(h);
	pthread_mutex_unlock(&h->lock);
	sse_event_put(old);
}

void sse_hub_shutdown(struct sse_hub *h)
{
	pthread_mutex_lock(&h->lock);
	h->shutdown = true;
	wake_all(h);
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

int sse_client_new(struct sse_hub *h, unsigned max, int sock, void **ret)
{
	struct sse_client *c = calloc(1, sizeof(*c));
	bool full;

	if (!c)
		return -ENOMEM;
	c->hub = h;
	c->sock = sock;
	c->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->wake < 0) {
		int err = -errno;

		free(c);
		return err;
	}
	/* Counted and checked under one lock, so racing clients cannot pass the limit together. */
	pthread_mutex_lock(&h->lock);
	full = h->clients >= max;
	if (!full) {
		h->clients++;
		c->next = h->waiters;
		if (c->next)
			c->next->pprev = &c->next;
		c->pprev = &h->waiters;
		h->waiters = c;
	}
	pthread_mutex_unlock(&h->lock);
	if (full) {
		close(c->wake);
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
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	pthread_mutex_unlock(&c->hub->lock);
	close(c->wake);
	sse_event_put(c->cur);
	free(c);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Waits up to ms for a wake-up or for the client to go: 0 (woken or timed out, look again), or
 * -ECONNRESET. POLLIN is not asked of the socket: a request pipelined behind /events would
 * keep it readable; a FIN (POLLRDHUP) or a reset (POLLHUP, POLLERR) is what a closed page sends.
 */
static int wait_wake(struct sse_client *c, int ms)
{
	struct pollfd p[2] = {
		{ .fd = c->wake, .events = POLLIN },
		{ .fd = c->sock, .events = POLLRDHUP },
	};
	eventfd_t n;

	if (poll(p, c->sock >= 0 ? 2 : 1, ms) < 0 && errno != EINTR)
		return -errno;
	if (p[1].revents)
		return -ECONNRESET;
	if (p[0].revents)
		eventfd_read(c->wake, &n); /* drained before the state is looked at again */
	return 0;
}

/*
 * The next event for c, waiting for one: 0 with c->cur set, or with *heartbeat on timeout;
 * -ESHUTDOWN, -ECONNRESET (the client went away) or -EAGAIN (fell behind the ring).
 */
static int next_event(struct sse_client *c, bool *heartbeat)
{
	struct sse_hub *h = c->hub;
	int64_t until = now_ms() + SSE_HEARTBEAT_S * 1000, left;
	int ret;

	for (;;) {
		pthread_mutex_lock(&h->lock);
		if (h->shutdown) {
			ret = -ESHUTDOWN;
		} else if (h->gen <= c->gen) {
			ret = 1; /* nothing new yet */
		} else if (h->ring_gen[(c->gen + 1) % SSE_RING] == c->gen + 1) {
			c->gen++;
			c->cur = sse_event_get(h->ring[c->gen % SSE_RING]);
			ret = 0;
		} else {
			ret = -EAGAIN; /* start over from a snapshot */
		}
		pthread_mutex_unlock(&h->lock);
		if (ret <= 0)
			return ret;
		/* A publish after the unlock leaves the eventfd readable, so it is not missed. */
		left = until - now_ms();
		ret = wait_wake(c, left > 0 ? (int)left : 0);
		if (ret)
			return ret;
		if (left <= 0) {
			*heartbeat = true;
			return 0;
		}
	}
}

/*
 * Runs in the client's own connection thread (libmicrohttpd thread-per-connection), so waiting
 * here blocks nobody else. libmicrohttpd does not look at the socket while this waits, and a
 * write to a closed page fails only on the second try, so the wait itself watches the socket.
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
		/* A closed page gets no end chunk: closing now frees its slot at once. */
		if (err == -ESHUTDOWN)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (err)
			return MHD_CONTENT_READER_END_WITH_ERROR;
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
