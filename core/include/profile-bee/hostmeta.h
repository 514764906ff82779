/* SPDX-License-Identifier: MIT */
/* Where a profile was taken: hostname, kernel, boot id, and EC2 / ECS / Kubernetes identity. */
#ifndef PROFILE_BEE_HOSTMETA_H
#define PROFILE_BEE_HOSTMETA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Every field is a string; "" when unknown. */
struct pb_host_metadata {
	char hostname[256];
	char kernel[128];   /* uname -r */
	char boot_id[64];   /* /proc/sys/kernel/random/boot_id */
	char ec2_instance_id[64];
	char ec2_region[32];
	char ec2_availability_zone[32];
	char ec2_instance_type[64];
	char ecs_task_arn[256];
	char ecs_cluster[256];
	char ecs_container_name[128];
	char k8s_pod_name[256];
	char k8s_namespace[256];
	char k8s_node_name[256];
};

/*
 * Detected once per process and cached; never fails (what it cannot learn stays ""), and takes
 * about 1 s at most when an endpoint does not answer. EC2's IMDSv2 is asked through
 * pb_imds__get (below) with its default endpoint; ECS when ECS_CONTAINER_METADATA_URI_V4 is set;
 * Kubernetes when KUBERNETES_SERVICE_HOST is set (POD_NAME, POD_NAMESPACE, NODE_NAME from the
 * downward API, the namespace file PB_K8S_NAMESPACE_FILE or the service account's).
 */
const struct pb_host_metadata *pb_host_metadata__get(void);

/* Calls fn for every known field as a label ("hostname", "ec2_instance_id", ...). */
int pb_host_metadata__for_each(const struct pb_host_metadata *m,
			      int (*fn)(void *ctx, const char *key, const char *value), void *ctx);

/*
 * One read from the EC2 instance metadata service, version 2: GET <endpoint>/latest/<path>
 * ("meta-data/instance-id") with a session token. The token comes from a PUT with
 * X-aws-ec2-metadata-token-ttl-seconds (one lifetime for every caller) and is kept and shared
 * by the whole process until shortly before it expires; a kept token the service refuses is
 * replaced once. The whole call (token and read) ends within timeout_ms; the answer is
 * NUL-terminated in buf, "" on failure.
 *
 * endpoint NULL or "": PB_IMDS_ENDPOINT, else AWS_EC2_METADATA_SERVICE_ENDPOINT, else
 * http://169.254.169.254 but only on EC2 (DMI says so). AWS_EC2_METADATA_DISABLED=true turns
 * it off. No proxy is used; libcurl is loaded on the first call.
 *
 * Returns 0, -ENOENT when IMDS is not to be asked (off EC2, or disabled), -ETIMEDOUT, -EIO
 * (no connection), -EACCES (the service refused a fresh token), -ENODATA (404), -EBADMSG
 * (another status, or a token reply that is not a token), -E2BIG (the answer does not fit in
 * len), -ENOSYS (no libcurl), -EINVAL.
 *
 * Public because the s3 output plugin fetches its instance-role credentials with it: host
 * metadata and credentials then share one client, one endpoint choice, one token lifetime
 * and the same bounds, and libcurl stays unloaded in runs that never ask.
 */
int pb_imds__get(const char *endpoint, const char *path, uint32_t timeout_ms, char *buf,
		 size_t len);

#ifdef __cplusplus
}
#endif
#endif
