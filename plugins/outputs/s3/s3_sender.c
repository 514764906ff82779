// SPDX-License-Identifier: MIT
/* The sender thread: uploads spooled objects oldest first, so a slow store never slows sampling. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "s3.h"

#define FIRST_RETRY_MS 250

struct s3_sender {
	const struct pb_host *host;
	const struct s3_settings *st;
	struct s3_spool *sp;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;	 /* to the sender: new objects, or stop */
	pthread_cond_t progress; /* to drain(): the spool emptied, or auth failed */
	bool stop;
	volatile bool abort; /* read by curl's progress callback */
	bool kicked;
	bool idle;	  /* the spool was empty and nothing came since */
	bool auth_failed; /* the store (or the credential chain) said no */
	bool outage;	  /* the store is unreachable; reported once */
	struct s3_credentials creds;
	uint32_t backoff_ms;
	uint64_t sent;
};

static void deadline_after(struct timespec *ts, uint32_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

/* Sleeps before the next attempt, doubling the pause up to retry_max; false once stopping. */
static bool back_off(struct s3_sender *snd)
{
	struct timespec until;
	bool go_on;

	deadline_after(&until, snd->backoff_ms);
	pthread_mutex_lock(&snd->lock);
	while (!snd->stop && pthread_cond_timedwait(&snd->wake, &snd->lock, &until) != ETIMEDOUT)
		;
	go_on = !snd->stop;
	pthread_mutex_unlock(&snd->lock);
	snd->backoff_ms = snd->backoff_ms * 2 < snd->st->retry_max_ms ? snd->backoff_ms * 2
								      : snd->st->retry_max_ms;
	return go_on;
}

static void set_auth_failed(struct s3_sender *snd, bool failed)
{
	pthread_mutex_lock(&snd->lock);
	snd->auth_failed = failed;
	pthread_cond_broadcast(&snd->progress);
	pthread_mutex_unlock(&snd->lock);
}

/* Waits for a kick; false once stopping. */
static bool wait_for_work(struct s3_sender *snd)
{
	bool go_on;

	pthread_mutex_lock(&snd->lock);
	if (!snd->kicked) {
		snd->idle = true;
		pthread_cond_broadcast(&snd->progress);
	}
	while (!snd->kicked && !snd->stop)
		pthread_cond_wait(&snd->wake, &snd->lock);
	snd->kicked = false;
	go_on = !snd->stop;
	pthread_mutex_unlock(&snd->lock);
	return go_on;
}

static bool have_credentials(struct s3_sender *snd)
{
	char why[768];

	if (!s3_credentials_stale(&snd->creds))
		return true;
	if (!s3_credentials_resolve(snd->st, &snd->creds, why, sizeof(why))) {
		snd->host->log(snd->host->session, PB_LOG_DEBUG, S3_WHO, "credentials from %s",
			       snd->creds.source);
		return true;
	}
	if (!snd->auth_failed)
		snd->host->log(snd->host->session, PB_LOG_ERROR, S3_WHO,
			       "%s; windows stay in the spool '%s'", why, s3_spool__dir(snd->sp));
	set_auth_failed(snd, true);
	return false;
}

static void report(struct s3_sender *snd, int err, const struct s3_object *o,
		   const struct s3_put_result *res)
{
	if (err == -EACCES) {
		/* Once: every later window would fail the same way. */
		if (!snd->auth_failed)
			snd->host->log(
			    snd->host->session, PB_LOG_ERROR, S3_WHO,
			    "s3://%s refused '%s': HTTP %ld %s%s%s (credentials from %s); "
			    "windows stay in the spool '%s'",
			    snd->st->bucket, o->key, res->status,
			    res->code[0] ? res->code : "AccessDenied", res->message[0] ? ": " : "",
			    res->message, snd->creds.source, s3_spool__dir(snd->sp));
		set_auth_failed(snd, true);
		/* A role's credentials may have been rotated: fetch them again next time. */
		explicit_bzero(&snd->creds, sizeof(snd->creds));
		return;
	}
	if (!snd->outage)
		snd->host->log(
		    snd->host->session, PB_LOG_WARN, S3_WHO,
		    "cannot upload '%s' to %s: %s%s%s%s; kept in the spool '%s', retrying", o->key,
		    snd->st->endpoint, res->status ? "HTTP " : "", res->code[0] ? res->code : "",
		    res->code[0] ? ": " : "", res->message, s3_spool__dir(snd->sp));
	snd->outage = true;
}

static void *sender_main(void *arg)
{
	struct s3_sender *snd = arg;
	struct s3_put_result res;
	struct s3_object o;
	char name[256];
	int err;

	for (;;) {
		err = s3_spool__oldest(snd->sp, name, sizeof(name), &o);
		if (err) {
			if (err != -ENOENT)
				snd->host->log(snd->host->session, PB_LOG_ERROR, S3_WHO,
					       "cannot read the spool '%s': %s",
					       s3_spool__dir(snd->sp), strerror(-err));
			if (err == -ENOENT ? !wait_for_work(snd) : !back_off(snd))
				break;
			continue;
		}
		if (!have_credentials(snd)) {
			s3_object_free_fields(&o);
			if (!back_off(snd))
				break;
			continue;
		}
		err = s3_put(snd->st, &snd->creds, &o, &snd->abort, &res);
		if (!err) {
			s3_spool__remove(snd->sp, name);
			snd->host->log(snd->host->session, PB_LOG_DEBUG, S3_WHO, "uploaded '%s'",
				       o.key);
			if (snd->outage || snd->auth_failed)
				snd->host->log(snd->host->session, PB_LOG_INFO, S3_WHO,
					       "uploads work again; sending the spooled windows");
			snd->outage = false;
			if (snd->auth_failed)
				set_auth_failed(snd, false);
			snd->backoff_ms = FIRST_RETRY_MS;
			snd->sent++;
		} else if (err != -ECANCELED) {
			report(snd, err, &o, &res);
		}
		s3_object_free_fields(&o);
		if (err == -ECANCELED || (err && !back_off(snd)))
			break;
	}
	return NULL;
}

int s3_sender__start(const struct pb_host *host, const struct s3_settings *st, struct s3_spool *sp,
		     struct s3_sender **ret)
{
	struct s3_sender *snd = calloc(1, sizeof(*snd));
	pthread_condattr_t attr;
	int err;

	if (!snd)
		return -ENOMEM;
	snd->host = host;
	snd->st = st;
	snd->sp = sp;
	snd->backoff_ms = FIRST_RETRY_MS;
	snd->kicked = true; /* what an earlier run left in the spool goes first */
	pthread_mutex_init(&snd->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&snd->wake, &attr);
	pthread_cond_init(&snd->progress, &attr);
	pthread_condattr_destroy(&attr);
	err = -pthread_create(&snd->thread, NULL, sender_main, snd);
	if (err) {
		pthread_cond_destroy(&snd->wake);
		pthread_cond_destroy(&snd->progress);
		pthread_mutex_destroy(&snd->lock);
		free(snd);
		return err;
	}
	*ret = snd;
	return 0;
}

void s3_sender__kick(struct s3_sender *snd)
{
	pthread_mutex_lock(&snd->lock);
	snd->kicked = true;
	snd->idle = false;
	pthread_cond_signal(&snd->wake);
	pthread_mutex_unlock(&snd->lock);
}

int s3_sender__drain(struct s3_sender *snd, uint32_t timeout_ms)
{
	struct timespec until;
	int err = 0;

	deadline_after(&until, timeout_ms);
	pthread_mutex_lock(&snd->lock);
	while (!snd->idle && !snd->auth_failed && !err)
		err = pthread_cond_timedwait(&snd->progress, &snd->lock, &until);
	if (snd->auth_failed)
		err = -EACCES;
	else if (!snd->idle)
		err = -ETIMEDOUT;
	else
		err = 0;
	pthread_mutex_unlock(&snd->lock);
	return err;
}

void s3_sender__stop(struct s3_sender *snd)
{
	if (!snd)
		return;
	pthread_mutex_lock(&snd->lock);
	snd->stop = true;
	snd->abort = true;
	pthread_cond_broadcast(&snd->wake);
	pthread_mutex_unlock(&snd->lock);
	pthread_join(snd->thread, NULL);
	explicit_bzero(&snd->creds, sizeof(snd->creds));
	pthread_cond_destroy(&snd->wake);
	pthread_cond_destroy(&snd->progress);
	pthread_mutex_destroy(&snd->lock);
	free(snd);
}
