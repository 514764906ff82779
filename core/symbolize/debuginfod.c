// SPDX-License-Identifier: MIT
/* Fetches debug files by build id through libdebuginfod in one worker thread, once per id. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "debuginfod.h"
#include "debuginfod_lazy.h"

/* After a server failure nobody asks again for this long: one message, not one per frame. */
#define DOWN_NS (300ull * 1000000000ull)

enum entry_state { E_QUEUED, E_FETCHING, E_READY, E_NOT_FOUND, E_FAILED };

struct entry {
	uint8_t id[64];
	size_t len;
	enum entry_state state;
	char *path;
};

struct pb_dinfod {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t worker;
	bool stop;
	char *urls;
	struct entry *e; /* PB_DINFOD_MAX_IDS slots, n used */
	size_t n;
	uint64_t down_ns; /* when a server last failed; 0: up */
	struct pb_dinfod_stats st;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* libdebuginfod calls this while it transfers: non-zero aborts, so stopping never waits. */
static int progress(debuginfod_client *c, long a, long b)
{
	struct pb_dinfod *d = pb_debuginfod_api()->get_user_data(c);
	bool stop;

	pthread_mutex_lock(&d->lock);
	stop = d->stop;
	pthread_mutex_unlock(&d->lock);
	return stop;
}

static struct entry *next_queued(struct pb_dinfod *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->e[i].state == E_QUEUED)
			return &d->e[i];
	return NULL;
}

static void *worker(void *arg)
{
	struct pb_dinfod *d = arg;
	const struct pb_debuginfod_api *api = pb_debuginfod_api();
	debuginfod_client *c = api ? api->begin() : NULL;

	if (c) {
		api->set_user_data(c, d);
		api->set_progressfn(c, progress);
	}
	pthread_mutex_lock(&d->lock);
	while (!d->stop) {
		struct entry *e = next_queued(d);

		if (!e) {
			pthread_cond_wait(&d->wake, &d->lock);
			continue;
		}
		uint8_t id[64];
		size_t len = e->len;
		char *path = NULL;
		int fd;

		memcpy(id, e->id, len);
		e->state = E_FETCHING;
		pthread_mutex_unlock(&d->lock);
		/* ENOPKG: libdebuginfod.so.1 is not installed (it is loaded only now). */
		fd = c ? api->find_debuginfo(c, id, len, &path) : api ? -ENOMEM : -ENOPKG;
		if (fd >= 0)
			close(fd);
		pthread_mutex_lock(&d->lock);
		d->st.pending--;
		if (fd >= 0) {
			e->state = E_READY;
			e->path = path;
			d->st.fetched++;
		} else if (fd == -ENOENT) {
			e->state = E_NOT_FOUND;
			d->st.not_found++;
		} else {
			free(path);
			e->state = E_FAILED;
			d->st.failed++;
			d->down_ns = now_ns();
			if (!d->st.error[0])
				snprintf(d->st.error, sizeof(d->st.error), "%s: %s", d->urls,
					 strerror(-fd));
			/* The rest of the queue would fail the same way: give up on it now. */
			for (size_t i = 0; i < d->n; i++)
				if (d->e[i].state == E_QUEUED) {
					d->e[i].state = E_FAILED;
					d->st.pending--;
					d->st.failed++;
				}
		}
	}
	pthread_mutex_unlock(&d->lock);
	if (c)
		api->end(c);
	return NULL;
}

int pb_dinfod__new(const char *urls, struct pb_dinfod **ret)
{
	struct pb_dinfod *d;
	int err;

	if (!urls)
		urls = getenv("DEBUGINFOD_URLS");
	if (!urls || !urls[strspn(urls, " \t")])
		return -ENOENT;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->urls = strdup(urls);
	d->e = calloc(PB_DINFOD_MAX_IDS, sizeof(*d->e));
	if (!d->urls || !d->e) {
		free(d->urls);
		free(d->e);
		free(d);
		return -ENOMEM;
	}
	/*
	 * libdebuginfod reads its limits from the environment only: a connection that makes no
	 * progress for 10 s, 2 min per file, 1 GiB per file, unless the user set them.
	 */
	setenv("DEBUGINFOD_URLS", d->urls, 1);
	setenv("DEBUGINFOD_TIMEOUT", "10", 0);
	setenv("DEBUGINFOD_MAXTIME", "120", 0);
	setenv("DEBUGINFOD_MAXSIZE", "1073741824", 0);
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->wake, NULL);
	err = pthread_create(&d->worker, NULL, worker, d);
	if (err) {
		pthread_mutex_destroy(&d->lock);
		pthread_cond_destroy(&d->wake);
		free(d->urls);
		free(d->e);
		free(d);
		return -err;
	}
	*ret = d;
	return 0;
}

void pb_dinfod__free(struct pb_dinfod *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	d->stop = true;
	pthread_cond_signal(&d->wake);
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->worker, NULL);
	for (size_t i = 0; i < d->n; i++)
		free(d->e[i].path);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->wake);
	free(d->urls);
	free(d->e);
	free(d);
}

enum pb_dinfod_state pb_dinfod__get(struct pb_dinfod *d, const uint8_t *id, size_t len,
				    char **path)
{
	enum pb_dinfod_state st = PB_DINFOD_FAILED;
	struct entry *e = NULL;

	if (!len || len > sizeof(d->e[0].id))
		return PB_DINFOD_FAILED;
	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < d->n && !e; i++)
		if (d->e[i].len == len && !memcmp(d->e[i].id, id, len))
			e = &d->e[i];
	if (!e && d->n < PB_DINFOD_MAX_IDS) {
		bool down = d->down_ns && now_ns() - d->down_ns < DOWN_NS;

		e = &d->e[d->n++];
		memcpy(e->id, id, len);
		e->len = len;
		e->state = down ? E_FAILED : E_QUEUED;
		if (down) {
			d->st.failed++;
		} else {
			d->st.pending++;
			pthread_cond_signal(&d->wake);
		}
	}
	if (e && (e->state == E_QUEUED || e->state == E_FETCHING))
		st = PB_DINFOD_PENDING;
	if (e && e->state == E_READY) {
		*path = strdup(e->path);
		st = *path ? PB_DINFOD_READY : PB_DINFOD_FAILED;
	}
	pthread_mutex_unlock(&d->lock);
	return st;
}

void pb_dinfod__stats(struct pb_dinfod *d, struct pb_dinfod_stats *out)
{
	pthread_mutex_lock(&d->lock);
	*out = d->st;
	pthread_mutex_unlock(&d->lock);
}
