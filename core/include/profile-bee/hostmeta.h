/* SPDX-License-Identifier: MIT */
/* Where a profile was taken: hostname, kernel, boot id, and EC2 / ECS / Kubernetes identity. */
#ifndef PROFILE_BEE_HOSTMETA_H
#define PROFILE_BEE_HOSTMETA_H

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
 * about 1 s at most when an endpoint does not answer. EC2's IMDSv2 is asked only on EC2 (DMI
 * says so) or when PB_IMDS_ENDPOINT is set; ECS when ECS_CONTAINER_METADATA_URI_V4 is set;
 * Kubernetes when KUBERNETES_SERVICE_HOST is set (POD_NAME, POD_NAMESPACE, NODE_NAME from the
 * downward API, the namespace file PB_K8S_NAMESPACE_FILE or the service account's).
 */
const struct pb_host_metadata *pb_host_metadata(void);

/* Calls fn for every known field as a label ("hostname", "ec2_instance_id", ...). */
int pb_host_metadata_for_each(const struct pb_host_metadata *m,
			      int (*fn)(void *ctx, const char *key, const char *value), void *ctx);

#ifdef __cplusplus
}
#endif
#endif
