/* SPDX-License-Identifier: MIT */
/* What the host metadata sources share: a bounded HTTP fetch and one detector per platform. */
#ifndef PB_HOSTMETA_INTERNAL_H
#define PB_HOSTMETA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <profile-bee/hostmeta.h>

/* Detection as a whole gives up on endpoints after this long. */
#define PB_HOSTMETA_BUDGET_MS 1000

uint64_t pb_hostmeta_now_ms(void); /* CLOCK_MONOTONIC */

/*
 * One request that ends by deadline_ms (pb_hostmeta_now_ms() time). headers is
 * NULL-terminated or NULL; body is NUL-terminated. Returns 0 on a 2xx answer that fits in
 * body, -ETIMEDOUT, -EIO for a transport error, -EACCES for 401, -ENODATA for 404, -EBADMSG
 * for another status, -E2BIG, -ENOSYS without libcurl.
 */
int pb_hostmeta_fetch(const char *method, const char *url, const char *const *headers,
		      uint64_t deadline_ms, char *body, size_t body_len);

/* Copies src into dst (of dst_len), dropping surrounding white space. */
void pb_hostmeta_copy_trimmed(char *dst, size_t dst_len, const char *src);

/* Each fills only its own fields of m; none of them fails. */
void pb_hostmeta_detect_ec2(struct pb_host_metadata *m, uint64_t deadline_ms);
void pb_hostmeta_detect_ecs(struct pb_host_metadata *m, uint64_t deadline_ms);
/* Whether EC2 metadata (an endpoint set, or this machine looks like EC2) / ECS is to be asked. */
bool pb_hostmeta_imds_wanted(void);
bool pb_hostmeta_ecs_wanted(void);
void pb_hostmeta_detect_k8s(struct pb_host_metadata *m);

#endif
