/* SPDX-License-Identifier: MIT */
/* A collector stand-in on loopback for the push tests: records every request it is sent. */
#ifndef PB_TEST_HTTP_RECEIVER_H
#define PB_TEST_HTTP_RECEIVER_H

#include <stddef.h>
#include <stdint.h>

struct request {
	char *url;   /* path and query as sent */
	char *body;  /* as received (gzip not undone) */
	size_t len;
	char window[32];   /* X-Profile-Bee-Window */
	char encoding[32]; /* Content-Encoding */
	char auth[128];	   /* Authorization */
	char tenant[64];   /* X-Scope-OrgID */
};

/* Starts listening on 127.0.0.1:port (0: any free port); returns the port, or 0. */
int receiver_start(int port);
void receiver_stop(void);
void receiver_set_status(int status, const char *body); /* what it answers; 200 by default */
int receiver_count(void);
const struct request *receiver_get(int i);
void receiver_clear(void);
/* Waits until n requests came or timeout_ms passed; returns the count. */
int receiver_wait(int n, int timeout_ms);
/* The value of query parameter key in url, decoded, in a static buffer ("" if absent). */
const char *query_param(const char *url, const char *key);

#endif
