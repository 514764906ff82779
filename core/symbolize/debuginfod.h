/* SPDX-License-Identifier: MIT */
/* Debug files fetched by build id from debuginfod servers, in a worker thread: never waited on. */
#ifndef PB_DEBUGINFOD_H
#define PB_DEBUGINFOD_H

#include <stddef.h>
#include <stdint.h>

struct pb_dinfod;

/* Build ids asked for in one run at most: the table never grows past this. */
#define PB_DINFOD_MAX_IDS 1024

enum pb_dinfod_state { PB_DINFOD_PENDING, PB_DINFOD_READY, PB_DINFOD_FAILED };

struct pb_dinfod_stats {
	uint64_t fetched;   /* debug files the servers (or libdebuginfod's cache) gave */
	uint64_t not_found; /* build ids no server knows */
	uint64_t failed;    /* build ids not fetched because a server failed or was down */
	uint64_t pending;   /* still queued or in flight */
	char error[256];    /* the first failure: "http://x: Connection refused", or "" */
};

/*
 * Starts the worker when urls (or $DEBUGINFOD_URLS when urls is NULL) names servers: 0, or
 * -ENOENT when none (off), -ENOMEM, or what pthread_create said.
 */
int pb_dinfod__new(const char *urls, struct pb_dinfod **ret);
/* Stops the worker, aborting a transfer in flight; d may be NULL. */
void pb_dinfod__free(struct pb_dinfod *d);
/*
 * The build id's debug file: READY with *path (malloc'd, the caller frees) once fetched;
 * PENDING while queued or in flight (the first call queues it); FAILED when no server has it
 * or the servers are down. Never blocks on the network.
 */
enum pb_dinfod_state pb_dinfod__get(struct pb_dinfod *d, const uint8_t *id, size_t len,
				    char **path);
void pb_dinfod__stats(struct pb_dinfod *d, struct pb_dinfod_stats *out);

#endif
