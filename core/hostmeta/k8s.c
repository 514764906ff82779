// SPDX-License-Identifier: MIT
/* Kubernetes identity: the downward API's environment, else the service account's namespace. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostmeta_internal.h"

#define SA_NAMESPACE_FILE "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

static void from_env(const char *name, char *dst, size_t dst_len)
{
	const char *v = getenv(name);

	if (v)
		pb_hostmeta_copy_trimmed(dst, dst_len, v);
}

void pb_hostmeta_detect_k8s(struct pb_host_metadata *m)
{
	const char *path = getenv("PB_K8S_NAMESPACE_FILE");
	char line[256];
	FILE *f;

	if (!getenv("KUBERNETES_SERVICE_HOST"))
		return;
	from_env("POD_NAME", m->k8s_pod_name, sizeof(m->k8s_pod_name));
	from_env("POD_NAMESPACE", m->k8s_namespace, sizeof(m->k8s_namespace));
	from_env("NODE_NAME", m->k8s_node_name, sizeof(m->k8s_node_name));
	/* A pod's hostname is its name unless the spec overrides it, which is rare. */
	if (!m->k8s_pod_name[0])
		pb_hostmeta_copy_trimmed(m->k8s_pod_name, sizeof(m->k8s_pod_name), m->hostname);
	if (m->k8s_namespace[0])
		return;
	f = fopen(path && path[0] ? path : SA_NAMESPACE_FILE, "r");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f))
		pb_hostmeta_copy_trimmed(m->k8s_namespace, sizeof(m->k8s_namespace), line);
	fclose(f);
}
