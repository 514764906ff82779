// SPDX-License-Identifier: MIT
/* The push plugin (-o http[s]://...): a bounded queue of windows a sender thread POSTs in order. */
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"

#define BACKOFF_FIRST_MS 250

struct push {
	const struct pb_host *host;
	char *url;
	char *app, *labels;
	struct series_names series; /* Pyroscope's names, per app and label set */
	bool pyroscope, gzip, host_labels, pprof, otlp;
	uint32_t window_ms;
	struct pb_profile *acc; /* a one-shot run sends the sum of its windows once */
	uint64_t acc_windows;
	bool curl_ready;
	double max_backoff_s, flush_timeout_s;
	struct push_conn *conn;
	pthread_t thread;
	bool thread_started;

	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t cond;
	struct window **queue; /* ring: oldest at head */
	size_t cap, head, count;
	bool in_flight, stop, retry_now;
	bool abort; /* read by curl's progress callback without the lock */
	uint64_t seq, sent, dropped, rejected;
	bool failing;
	long last_status; /* of the last failed attempt: a new answer is said again */
	char last_error[256];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static void deadline(struct timespec *ts, uint64_t ms_from_now)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms_from_now / 1000;
	ts->tv_nsec += (ms_from_now % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

/* With the lock held. The oldest window goes when the queue is full: the newest matter more. */
static void queue_push(struct push *p, struct window *w, bool front)
{
	if (p->count == p->cap) {
		struct window *old = p->queue[p->head];

		if (front) {
			window_free(w); /* w itself is the oldest */
		} else {
			window_free(old);
			p->head = (p->head + 1) % p->cap;
			p->count--;
		}
		if (!p->dropped++)
			p->host->log(p->host->session, PB_LOG_WARN, PUSH_WHO,
				     "%s: queue full (queue-size=%zu), dropping the oldest windows",
				     p->url, p->cap);
		if (front)
			return;
	}
	if (front) {
		p->head = (p->head + p->cap - 1) % p->cap;
		p->queue[p->head] = w;
	} else {
		p->queue[(p->head + p->count) % p->cap] = w;
	}
	p->count++;
}

static struct window *queue_pop(struct push *p)
{
	struct window *w = p->queue[p->head];

	p->head = (p->head + 1) % p->cap;
	p->count--;
	return w;
}

/* With the lock held: what one answer means for the window and the queue. */
static bool handle_result(struct push *p, struct window *w, long status, const char *why)
{
	const struct pb_host *h = p->host;

	if (status >= 200 && status < 300) {
		if (p->failing)
			h->log(h->session, PB_LOG_WARN, PUSH_WHO, "%s: collector is back", p->url);
		p->failing = false;
		p->sent++;
		return true;
	}
	/*
	 * The request itself is wrong (auth, format): sending it again would not help. Each window
	 * is said once, with the collector's answer (the log escapes it): windows can be refused for
	 * different reasons, and the summary at the end only counts them.
	 */
	if (status >= 400 && status < 500 && status != 408 && status != 429) {
		h->log(h->session, PB_LOG_ERROR, PUSH_WHO,
		       "%s: collector rejected window %llu with HTTP %ld: %.200s", p->url,
		       (unsigned long long)w->seq, status, why[0] ? why : "(no body)");
		p->rejected++;
		return true;
	}
	/* Said when delivery starts failing, and again only when the answer changes; not our own abort. */
	if ((status != p->last_status || !p->failing) && !__atomic_load_n(&p->abort, __ATOMIC_RELAXED)) {
		if (status > 0)
			snprintf(p->last_error, sizeof(p->last_error), "HTTP %ld %.100s", status, why);
		else
			snprintf(p->last_error, sizeof(p->last_error), "%.200s", why);
		h->log(h->session, PB_LOG_WARN, PUSH_WHO,
		       "%s: cannot deliver (%s); keeping windows and retrying", p->url,
		       p->last_error);
	}
	p->last_status = status;
	p->failing = true;
	return false;
}

static void *sender(void *arg)
{
	struct push *p = arg;
	uint64_t backoff = BACKOFF_FIRST_MS;
	struct timespec until;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct push_request r;
		struct window *w;
		char why[512];
		long status;

		while (!p->stop && !p->count)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->abort || !p->count)
			break;
		w = queue_pop(p);
		p->in_flight = true;
		pthread_mutex_unlock(&p->lock);
		r = (struct push_request){ .url = w->url, .body = w->body, .len = w->len,
					   .gzip = w->gzip, .headers = w->headers,
					   .content_type = w->content_type[0] ? w->content_type
									      : NULL };
		status = push_conn_post(p->conn, &r, why, sizeof(why));
		pthread_mutex_lock(&p->lock);
		p->in_flight = false;
		if (handle_result(p, w, status, why)) {
			window_free(w);
			backoff = BACKOFF_FIRST_MS;
			pthread_cond_broadcast(&p->cond);
			continue;
		}
		queue_push(p, w, true);
		pthread_cond_broadcast(&p->cond);
		/* Wait out the backoff; only close() (flushing, aborting) cuts it short. */
		deadline(&until, backoff);
		p->retry_now = false;
		while (!p->abort && !p->retry_now &&
		       pthread_cond_timedwait(&p->cond, &p->lock, &until) != ETIMEDOUT)
			;
		backoff = backoff * 2 > p->max_backoff_s * 1000 ? p->max_backoff_s * 1000
								: backoff * 2;
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int push_open(const struct pb_host *host, const struct pb_output_params *params,
	      const struct pb_config *cfg, void **state)
{
	struct push *p = calloc(1, sizeof(*p));
	struct push_settings set;
	pthread_condattr_t attr;
	int err = -ENOMEM;

	if (!p)
		return -ENOMEM;
	pb_config__bind(cfg, &set);
	p->host = host;
	p->window_ms = params->window_ms;
	p->otlp = !strcmp(params->format, "push-otlp");
	p->pyroscope = !p->otlp && (strcmp(set.mode, "auto") ? !strcmp(set.mode, "pyroscope")
							     : pyroscope_is_ingest_url(params->target));
	p->gzip = set.gzip;
	p->pprof = !strcmp(set.format, "pprof");
	p->host_labels = set.host_labels;
	p->max_backoff_s = set.max_backoff;
	p->flush_timeout_s = set.flush_timeout;
	p->cap = (size_t)set.queue_size;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &attr);
	pthread_condattr_destroy(&attr);
	if (!(p->url = p->otlp ? otlp_url(params->target) : strdup(params->target)) ||
	    (set.app_name && !(p->app = strdup(set.app_name))) ||
	    (set.labels && !(p->labels = strdup(set.labels))) ||
	    !(p->queue = calloc(p->cap, sizeof(*p->queue))))
		goto fail;
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) /* reference counted; once per open */
		goto fail;
	p->curl_ready = true;
	if ((err = push_conn_new(host, &set, &p->conn)))
		goto fail;
	push_conn_set_abort(p->conn, &p->abort);
	if (!p->window_ms && (err = pb_profile__new(&p->acc)))
		goto fail;
	if ((err = -pthread_create(&p->thread, NULL, sender, p)))
		goto fail;
	p->thread_started = true;
	*state = p;
	return 0;
fail:
	push_close(p);
	return err;
}

/*
 * One line for what was lost, by cause; the reasons were said as they happened, so they are not
 * repeated. Said while the last window is written, it becomes that write's error message.
 */
static void summarize(struct push *p)
{
	const struct pb_host *h = p->host;
	char line[256];
	int n = 0;

	if (p->rejected)
		n += snprintf(line + n, sizeof(line) - n, "%llu window%s rejected by the collector",
			      (unsigned long long)p->rejected, p->rejected == 1 ? "" : "s");
	if (p->count)
		n += snprintf(line + n, sizeof(line) - n, "%s%zu window%s not delivered", n ? ", " : "",
			      p->count, p->count == 1 ? "" : "s");
	if (p->dropped)
		n += snprintf(line + n, sizeof(line) - n,
			      "%s%llu window%s dropped while the collector was unreachable "
			      "(raise queue-size to keep more)",
			      n ? ", " : "", (unsigned long long)p->dropped, p->dropped == 1 ? "" : "s");
	if (!n)
		return;
	if ((p->count || p->dropped) && !p->failing)
		h->log(h->session, PB_LOG_ERROR, PUSH_WHO, "%s (no answer within flush-timeout=%g s)",
		       line, p->flush_timeout_s);
	else
		h->log(h->session, PB_LOG_ERROR, PUSH_WHO, "%s (%s above)", line,
		       p->count || p->dropped ? "the collector's answers" : "each window's reason");
}

/* At the end: give queued windows flush-timeout to go out, then say what did not. */
static int drain(struct push *p)
{
	const struct pb_host *h = p->host;
	uint64_t end = now_ms() + p->flush_timeout_s * 1000;
	struct timespec until;
	int ret = 0;

	pthread_mutex_lock(&p->lock);
	p->stop = true;
	p->retry_now = true;
	pthread_cond_broadcast(&p->cond);
	if (p->failing && p->flush_timeout_s > 0)
		h->log(h->session, PB_LOG_WARN, PUSH_WHO,
		       "%s: waiting up to %.0f s to deliver %zu queued window%s", p->url,
		       p->flush_timeout_s, p->count + p->in_flight,
		       p->count + p->in_flight == 1 ? "" : "s");
	deadline(&until, p->flush_timeout_s * 1000);
	while ((p->count || p->in_flight) && now_ms() < end)
		pthread_cond_timedwait(&p->cond, &p->lock, &until);
	__atomic_store_n(&p->abort, true, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	p->thread_started = false;

	summarize(p);
	h->log(h->session, PB_LOG_INFO, PUSH_WHO, "%s: %llu window%s delivered", p->url,
	       (unsigned long long)p->sent, p->sent == 1 ? "" : "s");
	if (p->count || p->dropped || p->rejected)
		ret = -EIO;
	return ret;
}

/* prof as one request in the queue; name: Pyroscope's series (NULL otherwise). */
static int queue_window(struct push *p, const struct pb_profile *prof, const char *name,
			uint64_t seq)
{
	struct window *w;
	int err = window_new(p->host, prof,
			     &(struct window_opts){ .url = p->url, .seq = seq,
						    .pyroscope = p->pyroscope, .pprof = p->pprof,
						    .otlp = p->otlp, .gzip = p->gzip, .name = name },
			     &w);

	if (err)
		return err;
	pthread_mutex_lock(&p->lock);
	queue_push(p, w, false);
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/*
 * A window to Pyroscope: pprof carries its labels (the server makes a series of each label
 * set), folded text does not, so it goes as one request per label set, named for the set.
 */
static int queue_pyroscope(struct push *p, const struct pb_profile *prof, uint64_t seq)
{
	const struct pb_profile_meta *m = pb_profile__meta_const(prof);
	const char *app = p->app ? p->app : m->comm[0] ? m->comm : "profile-bee", *name;
	/* Off-CPU time is not CPU time: its own series, as Pyroscope's other agents name them. */
	const struct series_opts o = { p->host, p->labels, p->host_labels,
				       m->event == PB_EVENT_OFF_CPU ? "off_cpu"
				       : m->event == PB_EVENT_WALL  ? "wall"
				       : m->event == PB_EVENT_PROBES ? "events"
								    : "cpu" };
	struct pb_profile **parts;
	size_t n;
	int err;

	if (p->pprof || !pb_profile__label_set_count(prof))
		return series_name(&p->series, &o, app, NULL, 0, &name) ?:
		       queue_window(p, prof, name, seq);
	if ((err = series_split(prof, &parts, &n)))
		return err;
	for (size_t id = 0; id < n && !err; id++) {
		const struct pb_label *l;
		size_t nl = pb_profile__labels(prof, id, &l);

		if (parts[id] && !(err = series_name(&p->series, &o, app, l, nl, &name)))
			err = queue_window(p, parts[id], name, seq);
	}
	series_split_free(parts, n);
	return err;
}

int push_write(void *state, const struct pb_profile *profile, uint32_t flags)
{
	struct push *p = state;
	const struct pb_profile *send = profile;
	int err = 0;

	if (p->acc) {
		/* The sum keeps the first window's start and the last one's end. */
		uint64_t start = p->acc_windows++ ? pb_profile__meta(p->acc)->start_ns
						  : pb_profile__meta_const(profile)->start_ns;

		err = pb_profile__merge(p->acc, profile);
		*pb_profile__meta(p->acc) = *pb_profile__meta_const(profile);
		pb_profile__meta(p->acc)->start_ns = start;
		send = p->acc;
		if (err || !(flags & PB_WRITE_LAST))
			return err;
	}
	/* An empty window says nothing a collector can store. */
	if (pb_profile__total(send))
		err = p->pyroscope ? queue_pyroscope(p, send, ++p->seq)
				   : queue_window(p, send, NULL, ++p->seq);
	if (flags & PB_WRITE_LAST) {
		int d = drain(p);

		err = err ? err : d;
	}
	return err;
}

void push_close(void *state)
{
	struct push *p = state;

	if (!p)
		return;
	if (p->thread_started) {
		pthread_mutex_lock(&p->lock);
		p->stop = true;
		__atomic_store_n(&p->abort, true, __ATOMIC_RELAXED);
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
	}
	while (p->queue && p->count)
		window_free(queue_pop(p));
	push_conn_free(p->conn);
	if (p->curl_ready)
		curl_global_cleanup();
	pb_profile__free(p->acc);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p->queue);
	free(p->url);
	free(p->app);
	free(p->labels);
	series_names_free(&p->series);
	free(p);
}
